"""The embedded runner with its real worker subprocess: crash recovery and cancellation."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import Any

import openai
from sqlalchemy import select

from kinora.app.db import Database
from kinora.app.generations.models import Generation
from kinora.app.webhooks.models import WebhookDelivery

LIVE_SETTINGS = {"webhook_urls": ["http://127.0.0.1:9/hooks"], "webhook_secret": "whsec_" + "a2lub3JhLXRlc3Q="}
LONG = {"prompt": "five red balls bounce on a wooden floor", "seconds": "20", "size": "640x360"}


def _client(live: Any, handle: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live.url}/v1", api_key=live.key(handle=handle), max_retries=0)


def _wait_running(client: openai.OpenAI, video_id: str, at_least: int = 3) -> Any:
    """Poll until the job is running and has made visible progress."""
    while True:
        video = client.videos.retrieve(video_id)
        if video.status == "in_progress" and video.progress >= at_least or video.status in ("completed", "failed"):
            return video
        time.sleep(0.05)


def _row(live: Any, video_id: str) -> tuple[Generation, list[WebhookDelivery]]:
    async def read() -> tuple[Generation, list[WebhookDelivery]]:
        db = Database(live.settings.db_url)
        async with db.read() as session:
            gen = await session.scalar(select(Generation).where(Generation.id == video_id))
            events = list(await session.scalars(select(WebhookDelivery).where(WebhookDelivery.video_id == video_id)))
        await db.dispose()
        assert gen is not None
        return gen, events

    return asyncio.run(read())


def test_sigkill_of_the_worker_mid_job_runs_it_again_and_completes_once(live: Any) -> None:
    client = _client(live, "erin")
    video = client.videos.create(**LONG)  # type: ignore[arg-type]
    running = _wait_running(client, video.id)
    assert running.status == "in_progress", "the job finished before the worker could be killed"
    old_pid = live.runner.pids()["worker-0"]
    os.kill(old_pid, signal.SIGKILL)
    done = client.videos.poll(video.id, poll_interval_ms=50)
    assert done.status == "completed", done.error
    gen, events = _row(live, video.id)
    assert gen.attempt == 2 and gen.output_key == f"videos/{video.id}/2"
    assert [e.event_type for e in events] == ["video.completed"]
    assert sorted(p.name for p in (live.settings.media_dir / "videos" / video.id).iterdir()) == ["2"]
    assert live.runner.pids()["worker-0"] != old_pid


def test_cancel_mid_job_fails_it_with_code_cancelled_and_leaves_no_output(live: Any) -> None:
    client = _client(live, "frank")
    video = client.videos.create(**LONG)  # type: ignore[arg-type]
    assert _wait_running(client, video.id).status == "in_progress"
    client.post(f"/videos/{video.id}/cancel", cast_to=openai.types.Video)
    done = client.videos.poll(video.id, poll_interval_ms=50)
    assert done.status == "failed" and done.error is not None and done.error.code == "cancelled"
    folder = live.settings.media_dir / "videos" / video.id
    assert not folder.exists() or not any(folder.rglob("*"))
    gen, events = _row(live, video.id)
    assert [e.event_type for e in events] == ["video.failed"]
    with openai.OpenAI(base_url=f"{live.url}/v1", api_key=live.key(handle="frank"), max_retries=0) as again:
        try:
            again.videos.download_content(video.id)
            raise AssertionError("content of a cancelled video was served")
        except openai.BadRequestError as e:
            assert e.code == "video_not_ready"


def test_cancel_of_a_queued_job_is_immediate(live: Any) -> None:
    client = _client(live, "gina")
    first = client.videos.create(**LONG)  # type: ignore[arg-type]
    second = client.videos.create(**LONG)  # type: ignore[arg-type]
    cancelled = client.post(f"/videos/{second.id}/cancel", cast_to=openai.types.Video)
    assert cancelled.status == "failed" and cancelled.error is not None and cancelled.error.code == "cancelled"
    client.post(f"/videos/{first.id}/cancel", cast_to=openai.types.Video)
    assert client.videos.poll(first.id, poll_interval_ms=50).status == "failed"
