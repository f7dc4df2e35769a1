"""The jobs table as a queue: fair share, caps, fencing by attempt, retries (SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select

from kinora.app.bootstrap import Services
from kinora.app.errors import RateLimited
from kinora.app.generations import service as generations
from kinora.app.generations.models import Generation
from kinora.app.generations.schemas import CreateParams
from kinora.app.generations.screening import Screen
from kinora.app.users import service as users
from kinora.app.users.models import User
from kinora.jobs import queue


async def _user(s: Services, handle: str) -> User:
    async with s.db.write() as session:
        return (await users.get_or_create(session, handle))[0]


async def _queue(s: Services, owner: User, n: int = 1) -> list[str]:
    ids = []
    for i in range(n):
        async with s.db.write() as session:
            gen = await generations.create(session, settings=s.settings, storage=s.storage, owner=owner,
                                           params=CreateParams(prompt=f"ball {i}"), screen=Screen(s.settings))
            ids.append(gen.id)
    return ids


async def _get(s: Services, video_id: str) -> Generation:
    async with s.db.read() as session:
        gen = await session.scalar(select(Generation).where(Generation.id == video_id))
        assert gen is not None
        return gen


def test_the_user_with_fewest_running_jobs_goes_first(with_services: Any) -> None:
    async def body(s: Services) -> list[str]:
        heavy, light = await _user(s, "heavy"), await _user(s, "light")
        heavy_ids = await _queue(s, heavy, 3)
        light_ids = await _queue(s, light, 1)
        order = [(await queue.claim(s.db, s.settings, "w")) for _ in range(3)]
        return [g.id if g else "" for g in order] + [heavy_ids[0], light_ids[0], heavy_ids[1]]

    got = with_services(body)
    assert got[:3] == got[3:]


def test_running_cap_holds_back_a_users_further_jobs(with_services: Any) -> None:
    async def body(s: Services) -> tuple[Any, Any]:
        owner = await _user(s, "solo")
        await _queue(s, owner, 2)
        return await queue.claim(s.db, s.settings, "w"), await queue.claim(s.db, s.settings, "w")

    first, second = with_services(body, {"max_running_per_user": 1})
    assert first is not None and second is None


def test_queued_cap_is_a_429_with_retry_after(with_services: Any) -> None:
    async def body(s: Services) -> None:
        owner = await _user(s, "eager")
        await _queue(s, owner, 2)
        await _queue(s, owner, 1)

    with pytest.raises(RateLimited) as e:
        with_services(body, {"max_queued_per_user": 2})
    assert "limit is 2" in e.value.message and int(e.value.headers["retry-after"]) >= 1


def test_results_are_fenced_by_attempt(with_services: Any) -> None:
    async def body(s: Services) -> tuple[bool, bool, Generation]:
        owner = await _user(s, "fence")
        (video_id,) = await _queue(s, owner)
        first = await queue.claim(s.db, s.settings, "w")
        assert first is not None and first.attempt == 1
        await queue.release(s.db, s.settings, video_id, 1, "test")
        second = await queue.claim(s.db, s.settings, "w")
        assert second is not None and second.attempt == 2
        stale = await queue.complete(s.db, s.settings, video_id, 1, {"files": {}})
        fresh = await queue.complete(s.db, s.settings, video_id, 2, {"files": {}, "seed": 5})
        return stale, fresh, await _get(s, video_id)

    stale, fresh, gen = with_services(body)
    assert (stale, fresh) == (False, True)
    assert (gen.status, gen.output_key, gen.seed, gen.progress) == ("completed", f"videos/{gen.id}/2", 5, 100)


def test_a_job_that_keeps_killing_workers_fails_after_max_attempts(with_services: Any) -> None:
    async def body(s: Services) -> Generation:
        owner = await _user(s, "crashy")
        (video_id,) = await _queue(s, owner)
        for attempt in range(1, s.settings.max_attempts + 1):
            claimed = await queue.claim(s.db, s.settings, "w")
            assert claimed is not None and claimed.attempt == attempt
            await queue.release(s.db, s.settings, video_id, attempt, "exit code -9")
        return await _get(s, video_id)

    gen = with_services(body)
    assert (gen.status, gen.error_code) == ("failed", "worker_crashed")
    assert "3 times" in (gen.error_message or "")


def test_expired_leases_are_found_and_heartbeats_renew_them(with_services: Any) -> None:
    async def body(s: Services) -> tuple[Any, Any, Any]:
        owner = await _user(s, "lease")
        (video_id,) = await _queue(s, owner)
        claimed = await queue.claim(s.db, s.settings, "w")
        assert claimed is not None
        later = time.time() + s.settings.lease_seconds + 1
        expired_before = await queue.expired(s.db, later)
        cancel = await queue.beat(s.db, s.settings, video_id, 1, 40)
        lost = await queue.beat(s.db, s.settings, video_id, 7, 40)
        return expired_before, cancel, lost

    expired_before, cancel, lost = with_services(body)
    assert len(expired_before) == 1 and cancel is False and lost is None


def test_media_past_its_expiry_is_forgotten(with_services: Any) -> None:
    async def body(s: Services) -> tuple[list[str], list[str], Generation]:
        owner = await _user(s, "ttl")
        (video_id,) = await _queue(s, owner)
        await queue.claim(s.db, s.settings, "w")
        await queue.complete(s.db, s.settings.model_copy(update={"media_ttl_seconds": 60}), video_id, 1, {})
        early = await queue.expire_media(s.db, time.time())
        late = await queue.expire_media(s.db, time.time() + 61)
        return early, late, await _get(s, video_id)

    early, late, gen = with_services(body)
    assert early == [] and late == [f"videos/{gen.id}"]
    assert gen.output_key is None and gen.expires_at is not None and gen.status == "completed"


def test_jobs_of_a_dead_runner_on_this_host_are_found(with_services: Any) -> None:
    async def body(s: Services) -> tuple[list[tuple[str, int]], list[tuple[str, int]], str]:
        owner = await _user(s, "orphan")
        (video_id,) = await _queue(s, owner)
        await queue.claim(s.db, s.settings, "box:4242/worker-0")
        dead = await queue.orphaned(s.db, "box", lambda pid: pid != 4242)
        alive = await queue.orphaned(s.db, "box", lambda pid: True)
        return dead, alive, video_id

    dead, alive, video_id = with_services(body)
    assert dead == [(video_id, 1)] and alive == []
