"""Held generations made directly in the database (moderation's checks make them for real), with the event that
held them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kinora.app.generations.models import HELD, Generation
from kinora.app.moderation import service as moderation
from kinora.safety.policy import Verdict

PROMPT = "a knight swings a sword at a dragon"


def hold(community: Any, handle: str, *, output: bool, prompt: str = PROMPT,
         category: str = "violence") -> tuple[str, int]:
    """A generation of `handle`'s held for review: after it ran (`output`: with its files) or before (no files).
    Returns its id and the id of the event that held it."""
    gen_id = community.draft(handle, prompt)
    if not output:
        community.services.storage.delete(f"videos/{gen_id}")
    verdict = Verdict("review", category, layer="classifier", reason=f"{category} 0.71", scores={category: 0.71},
                      versions={"classifier": "test-1"})

    async def body() -> int:
        async with community.services.db.write() as session:
            gen = await session.scalar(select(Generation).where(Generation.id == gen_id))
            assert gen is not None
            gen.status, gen.completed_at = HELD, None
            if not output:
                gen.output_key, gen.output, gen.attempt, gen.progress = None, None, 0, 0
            event = await moderation.record(session, stage="output" if output else "prompt", verdict=verdict,
                                            user_id=gen.owner_id, generation_id=gen_id, text=prompt)
            return event.id

    event_id: int = community.run(body())
    return gen_id, event_id


def generation(community: Any, gen_id: str) -> Generation:
    async def body() -> Generation | None:
        async with community.services.db.read() as session:
            found: Generation | None = await session.scalar(select(Generation).where(Generation.id == gen_id))
            return found

    found: Generation | None = community.run(body())
    assert found is not None, gen_id
    return found


def files(community: Any, gen_id: str) -> bool:
    return bool(community.services.storage.path(f"videos/{gen_id}/1/video.mp4").exists())
