"""A full run through the embedded runner records the prompt's and the output's verdicts in the audit log (its own
module: the live server resets the PostgreSQL schema, which the community fixture must not share)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import openai
from sqlalchemy import select

from kinora.app.db import Database
from kinora.app.moderation.models import ModerationEvent

PROMPT = "a red cube bounces on a wooden table"


def _events(live: Any, gen_id: str) -> list[ModerationEvent]:
    async def read() -> list[ModerationEvent]:
        db = Database(live.settings.db_url)
        async with db.read() as session:
            rows = list(await session.scalars(select(ModerationEvent).where(ModerationEvent.generation_id == gen_id)
                                              .order_by(ModerationEvent.id)))
        await db.dispose()
        return rows

    return asyncio.run(read())


def test_a_full_run_records_an_output_allow_with_the_frame_model(live: Any) -> None:
    client = openai.OpenAI(base_url=f"{live.url}/v1", api_key=live.key(handle="out_dee"), max_retries=0)
    video = client.videos.create(prompt=PROMPT, seconds="4", size="320x256")  # type: ignore[arg-type]
    deadline = time.monotonic() + 300
    while (done := client.videos.retrieve(video.id)).status not in ("completed", "failed"):
        assert time.monotonic() < deadline, f"{video.id} still {done.status}"
        time.sleep(0.1)
    assert done.status == "completed", done.error
    stages = [(event.stage, event.outcome) for event in _events(live, video.id)]
    assert stages == [("prompt", "allow"), ("output", "allow")]
    assert "frames" in _events(live, video.id)[1].versions
