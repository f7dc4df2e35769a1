"""The job queue is the generations table: claims, heartbeats and results are fenced by (id, attempt)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from kinora.app.cameos import service as cameo_service
from kinora.app.cameos.vault import Vault
from kinora.app.db import Database
from kinora.app.generations import service as generations
from kinora.app.generations.models import HELD, IN_PROGRESS, QUEUED, Generation
from kinora.app.moderation import service as moderation
from kinora.app.provenance import lookup
from kinora.app.storage import LocalStorage
from kinora.app.users import ages
from kinora.app.users.models import User
from kinora.config import Settings
from kinora.engines.base import CameoRef
from kinora.safety.policy import Entry, verdict_from_json


async def claim(db: Database, settings: Settings, worker: str) -> Generation | None:
    """Lease the next job: the owner with the fewest running jobs first, then the oldest; owners at their
    running cap wait. The update is fenced on status so two runners can never take the same job."""
    while True:
        async with db.read() as session:
            candidate = (await session.execute(_next_job(settings))).first()
        if candidate is None:
            return None
        now = time.time()
        async with db.write() as session:
            result = await session.execute(
                update(Generation).where(Generation.id == candidate.id, Generation.status == QUEUED)
                .values(status=IN_PROGRESS, attempt=Generation.attempt + 1, worker=worker, progress=0,
                        lease_until=now + settings.lease_seconds,
                        started_at=func.coalesce(Generation.started_at, now))
                .returning(Generation))
            gen = result.scalar_one_or_none()
        if gen is not None:
            return gen


def _next_job(settings: Settings) -> Any:
    running_jobs = aliased(Generation)
    running = (select(func.count()).select_from(running_jobs)
               .where(running_jobs.owner_id == Generation.owner_id, running_jobs.status == IN_PROGRESS)
               .correlate(Generation).scalar_subquery())
    return (select(Generation.id).where(Generation.status == QUEUED, running < settings.max_running_per_user)
            .order_by(running, Generation.seq).limit(1))


async def beat(db: Database, settings: Settings, video_id: str, attempt: int, progress: int | None) -> bool | None:
    """Renew the lease (and store progress). Returns whether a cancel was asked, or None if the lease is lost."""
    values: dict[str, Any] = {"lease_until": time.time() + settings.lease_seconds}
    if progress is not None:
        values["progress"] = progress
    async with db.write() as session:
        result = await session.execute(
            update(Generation).where(*_fence(video_id, attempt)).values(**values)
            .returning(Generation.cancel_requested))
        flag = result.scalar_one_or_none()
    return flag


async def complete(db: Database, settings: Settings, video_id: str, attempt: int, output: dict[str, Any]) -> bool:
    """Record a finished attempt; False when the attempt no longer holds the job (its output is then stale)."""
    async with db.write() as session:
        gen = await session.scalar(select(Generation).where(*_fence(video_id, attempt)))
        if gen is None:
            return False
        prints = output.pop("fingerprint", None)
        verdict = verdict_from_json(output.pop("moderation", None))
        gen.output_key, gen.output = f"videos/{video_id}/{attempt}", output
        if prints is not None:
            await lookup.store(session, gen.seq, prints)
        gen.seed = output.get("seed", gen.seed)
        gen.lease_until, gen.worker = None, None
        await moderation.record(session, stage="output", verdict=verdict, user_id=gen.owner_id, generation_id=gen.id)
        if verdict.outcome == "block":  # the files stay for a moderator or an appeal; nothing serves them
            await generations.finish_failed(session, settings=settings, gen=gen, code="content_policy",
                                            message=verdict.message)
        elif verdict.outcome == "review":
            gen.status, gen.progress = HELD, 100
        else:
            await generations.finish_completed(session, settings=settings, gen=gen)
    return True


async def fail(db: Database, settings: Settings, video_id: str, attempt: int, code: str, message: str) -> bool:
    async with db.write() as session:
        gen = await session.scalar(select(Generation).where(*_fence(video_id, attempt)))
        if gen is None:
            return False
        await generations.finish_failed(session, settings=settings, gen=gen, code=code, message=message)
    return True


async def release(db: Database, settings: Settings, video_id: str, attempt: int, reason: str) -> str | None:
    """Give back a job whose worker died: queued again, or failed once its attempts are used up.
    Returns the new status, or None when the attempt had already lost the job."""
    async with db.write() as session:
        gen = await session.scalar(select(Generation).where(*_fence(video_id, attempt)))
        if gen is None:
            return None
        if gen.cancel_requested:
            await generations.finish_failed(session, settings=settings, gen=gen, code="cancelled",
                                            message="cancelled by the user")
        elif gen.attempt >= settings.max_attempts:
            await generations.finish_failed(session, settings=settings, gen=gen, code="worker_crashed",
                                            message=f"the worker stopped {gen.attempt} times ({reason})")
        else:
            gen.status, gen.progress, gen.lease_until, gen.worker = QUEUED, 0, None, None
        return gen.status


async def output_key(db: Database, video_id: str) -> str | None:
    """Where a completed video's files are (None once it is deleted or expired)."""
    async with db.read() as session:
        key: str | None = await session.scalar(select(Generation.output_key).where(Generation.id == video_id))
        return key


@dataclass(frozen=True)
class Owner:
    handle: str | None  # the @handle the visible watermark names
    teen: bool  # output moderation is stricter for teens
    registry: tuple[Entry, ...]  # the instance's own registry entries, for the transcript


async def owner(db: Database, owner_id: int) -> Owner:
    """What a job needs to know about its owner (and the instance's registry) before it runs."""
    async with db.read() as session:
        user = await session.get(User, owner_id)
        entries = tuple(await moderation.registry_entries(session))
    return Owner(None if user is None else user.handle, user is not None and ages.is_teen(user), entries)


async def cameos(db: Database, storage: LocalStorage, vault: Vault,
                 gen: Generation) -> tuple[list[CameoRef], dict[str, list[str]]]:
    """The likenesses a job puts in its video, read as it starts, and their owners' restrictions by handle. Raises
    DomainError when one was deleted, or its owner stopped letting the generation's owner use it, since the request
    was made."""
    if not gen.characters:
        return [], {}
    async with db.read() as session:
        owner = await session.get(User, gen.owner_id)
        assert owner is not None
        return await cameo_service.refs(session, storage=storage, vault=vault, ids=gen.characters, requester=owner)


async def expired(db: Database, now: float) -> list[tuple[str, int]]:
    """Jobs whose lease ran out: their worker (in this process or another) stopped beating."""
    async with db.read() as session:
        rows = await session.execute(select(Generation.id, Generation.attempt)
                                     .where(Generation.status == IN_PROGRESS, Generation.lease_until < now))
        return [(row.id, row.attempt) for row in rows]


async def orphaned(db: Database, host: str, alive: Callable[[int], bool]) -> list[tuple[str, int]]:
    """Running jobs leased by a runner process on `host` that no longer exists."""
    async with db.read() as session:
        rows = await session.execute(select(Generation.id, Generation.attempt, Generation.worker)
                                     .where(Generation.status == IN_PROGRESS, Generation.worker.like(f"{host}:%")))
        found = []
        for row in rows:
            pid = row.worker.split(":", 1)[1].split("/", 1)[0]
            if pid.isdigit() and not alive(int(pid)):
                found.append((row.id, row.attempt))
        return found


async def expire_media(db: Database, now: float) -> list[str]:
    """Forget the outputs of videos past their expires_at; returns their storage keys for deletion."""
    async with db.write() as session:
        result = await session.execute(
            update(Generation).where(Generation.expires_at < now, Generation.output_key.is_not(None))
            .values(output_key=None).returning(Generation.id))
        return [f"videos/{video_id}" for video_id in result.scalars()]


def _fence(video_id: str, attempt: int) -> tuple[Any, ...]:
    return Generation.id == video_id, Generation.attempt == attempt, Generation.status == IN_PROGRESS
