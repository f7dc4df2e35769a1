"""The review queue: generations moderation held, before their job ran (a prompt) or before their output showed,
and the moderators' approve / remove decisions. Reports of posts and comments have their own queue
(kinora/app/social/reports.py, /api/admin/reports)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.errors import InvalidRequest, InvalidState, NotFound
from kinora.app.generations import service as generations
from kinora.app.generations.models import HELD, QUEUED, Generation
from kinora.app.moderation.models import ModerationEvent
from kinora.app.moderation.service import check_note, record
from kinora.app.storage import LocalStorage
from kinora.app.users.models import User
from kinora.config import Settings
from kinora.jobs.spec import OUTPUT_FILES

ACTIONS = ("approve", "remove")
CONTENT_POLICY = "content_policy"
REMOVED_MESSAGE = "A moderator removed this video because it breaks this instance's content policy."


async def held(session: AsyncSession, *, after: int | None, limit: int) -> list[dict[str, Any]]:
    """Held generations, oldest first (limit + 1), each with its owner, prompt and latest moderation event."""
    query = (select(Generation, User.handle).join(User, User.id == Generation.owner_id)
             .where(Generation.status == HELD))
    if after is not None:
        query = query.where(Generation.seq > after)
    rows = list(await session.execute(query.order_by(Generation.seq).limit(limit + 1)))
    latest = await _latest_events(session, [gen.id for gen, _ in rows])
    return [_held_json(gen, handle, latest.get(gen.id)) for gen, handle in rows]


async def held_output(session: AsyncSession, *, generation_id: str) -> str | None:
    """Where a held generation's output is stored, if it was made before it was held."""
    found: str | None = await session.scalar(select(Generation.output_key)
                                             .where(Generation.id == generation_id, Generation.status == HELD))
    return found


async def _latest_events(session: AsyncSession, ids: list[str]) -> dict[str, ModerationEvent]:
    found: dict[str, ModerationEvent] = {}
    query = select(ModerationEvent).where(ModerationEvent.generation_id.in_(ids)).order_by(ModerationEvent.id.desc())
    for event in await session.scalars(query):
        found.setdefault(event.generation_id or "", event)
    return found


def _held_json(gen: Generation, handle: str, event: ModerationEvent | None) -> dict[str, Any]:
    return {"seq": gen.seq, "id": gen.id, "owner": handle, "prompt": gen.prompt, "kind": gen.kind,
            "has_output": gen.output_key is not None, "created_at": int(gen.created_at),
            "event": None if event is None else {
                "id": event.id, "stage": event.stage, "outcome": event.outcome, "category": event.category,
                "layer": event.layer, "note": event.note, "scores": event.scores}}


async def decide(session: AsyncSession, *, settings: Settings, admin_id: int | None, generation_id: str,
                 action: str, note: str = "") -> tuple[Generation, str | None]:
    """Approve a held generation (its job runs, or its output shows) or remove it (failed, content_policy).
    Returns the generation and, on removal, the storage prefix whose files the caller deletes."""
    if action not in ACTIONS:
        raise InvalidRequest(f"action must be one of {', '.join(ACTIONS)}; got {action!r}", param="action")
    gen = await session.scalar(select(Generation).where(Generation.id == generation_id))
    if gen is None:
        raise NotFound(f"No generation found with id {generation_id!r}", param="generation_id")
    if gen.status != HELD:
        raise InvalidState(f"generation {generation_id} is {gen.status}, not held for review", param="generation_id")
    cause = await session.scalar(select(ModerationEvent).where(ModerationEvent.generation_id == gen.id)
                                 .order_by(ModerationEvent.id.desc()).limit(1))
    stored = None
    if action == "approve":
        await release(session, settings=settings, gen=gen)
    else:
        stored = f"videos/{gen.id}"
        await generations.finish_failed(session, settings=settings, gen=gen, code=CONTENT_POLICY,
                                        message=REMOVED_MESSAGE)
        gen.output_key = None  # the files are deleted by the caller once this commits
    event = await record(session, stage="review", outcome=action, user_id=gen.owner_id, generation_id=gen.id,
                         reviewer_id=admin_id, note=check_note(note))
    if cause is not None:
        event.category, event.prompt_hash = cause.category, cause.prompt_hash
    return gen, stored


async def release(session: AsyncSession, *, settings: Settings, gen: Generation) -> None:
    """Let a held generation go on: its job runs when it has no output yet, else it completes."""
    if gen.output_key is None:
        gen.status = QUEUED
        return
    await generations.finish_completed(session, settings=settings, gen=gen)


def has_files(storage: LocalStorage, gen: Generation) -> bool:
    return gen.output_key is not None and storage.path(f"{gen.output_key}/{OUTPUT_FILES['video']}").is_file()
