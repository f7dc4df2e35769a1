"""The embedded runner: lives in the server's event loop, leases jobs from the database to worker
subprocesses (spawned, one per device), turns their messages into progress, results and retries."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from kinora.app.cameos import vault as cameo_vault
from kinora.app.db import Database
from kinora.app.errors import DomainError
from kinora.app.generations.models import Generation
from kinora.app.storage import LocalStorage
from kinora.config import Settings
from kinora.engines.registry import config_for
from kinora.jobs import queue
from kinora.jobs import spec as msg
from kinora.jobs.spec import JobSpec
from kinora.jobs.worker import worker_main
from kinora.media.provenance import InstanceProvenance
from kinora.safety.moderator import from_settings

log = logging.getLogger("kinora.runner")
HOST = socket.gethostname()
RUNNER_ID = f"{HOST}:{os.getpid()}"  # stored in generations.worker, so a restart can tell its orphans
PROGRESS_WRITE_EVERY = 1.0  # seconds: progress reaches the database at most this often
MAX_RESPAWN_DELAY = 30.0


@dataclass
class WorkerHandle:
    name: str
    device: str
    process: BaseProcess
    conn: Connection
    ready: bool = False
    job: JobSpec | None = None
    cancel_sent: bool = False
    last_write: float = 0.0
    progress: int = 0
    crashes: int = 0


class EmbeddedRunner:
    def __init__(self, settings: Settings, db: Database, storage: LocalStorage, provenance: InstanceProvenance,
                 on_finished: Callable[[], None] | None = None) -> None:
        self.settings, self.db, self.storage, self.provenance = settings, db, storage, provenance
        self.vault = cameo_vault.from_settings(settings)
        self.on_finished = on_finished  # after a job ends, e.g. to wake the webhook sender
        self.workers: dict[str, WorkerHandle] = {}
        self.engine_configs = {name: config_for(settings, name) for name in set(settings.models.values())}
        self._inbox: asyncio.Queue[tuple[WorkerHandle, tuple[Any, ...] | None]] = asyncio.Queue()
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        for video_id, attempt in await queue.orphaned(self.db, HOST, _pid_alive):
            # Held by a runner on this machine that is gone: no need to wait for the lease to run out.
            if await queue.release(self.db, self.settings, video_id, attempt, "server restarted") is not None:
                self.storage.delete(f"videos/{video_id}/{attempt}")
        for i, device in enumerate(self.settings.devices):
            self._spawn(f"worker-{i}", device)
        self._tasks = [asyncio.create_task(self._schedule()), asyncio.create_task(self._consume())]

    async def stop(self) -> None:
        self._stopping = True
        for handle in self.workers.values():
            with contextlib.suppress(OSError):
                handle.conn.send((msg.STOP,))
        for task in self._tasks:
            task.cancel()
        for handle in self.workers.values():
            await asyncio.to_thread(handle.process.join, 5)
            if handle.process.is_alive():
                handle.process.kill()
            self._unwatch(handle)

    def nudge(self) -> None:
        """Look for work now (a job was queued or a worker freed up)."""
        self._wake.set()

    def cancel(self, video_id: str) -> None:
        for handle in self.workers.values():
            if handle.job is not None and handle.job.video_id == video_id and not handle.cancel_sent:
                handle.cancel_sent = True
                with contextlib.suppress(OSError):
                    handle.conn.send((msg.CANCEL, video_id))

    def pids(self) -> dict[str, int | None]:
        return {name: h.process.pid for name, h in self.workers.items()}

    # -- workers ---------------------------------------------------------------------------------------

    def _spawn(self, name: str, device: str, crashes: int = 0) -> None:
        ctx = multiprocessing.get_context("spawn")  # CUDA cannot be re-initialised in a forked child
        parent, child = ctx.Pipe()
        process = ctx.Process(target=worker_main, name=f"kinora-{name}", daemon=True,
                              args=(child, name, device, self.settings.heartbeat_seconds, self.engine_configs))
        process.start()
        child.close()
        handle = WorkerHandle(name, device, process, parent, crashes=crashes)
        self.workers[name] = handle
        asyncio.get_running_loop().add_reader(parent.fileno(), self._readable, handle)

    def _readable(self, handle: WorkerHandle) -> None:
        try:
            message: tuple[Any, ...] | None = handle.conn.recv()
        except (EOFError, OSError):
            message = None
            self._unwatch(handle)
        self._inbox.put_nowait((handle, message))

    def _unwatch(self, handle: WorkerHandle) -> None:
        with contextlib.suppress(ValueError, OSError):
            asyncio.get_running_loop().remove_reader(handle.conn.fileno())
        handle.conn.close()

    async def _on_death(self, handle: WorkerHandle) -> None:
        await asyncio.to_thread(handle.process.join, 5)
        job, handle.job = handle.job, None
        log.warning("%s stopped (exit code %s) while running %s", handle.name, handle.process.exitcode,
                    job.video_id if job else "nothing")
        if job is not None:
            reason = f"exit code {handle.process.exitcode}"
            if await queue.release(self.db, self.settings, job.video_id, job.attempt, reason) is not None:
                self.storage.delete(f"videos/{job.video_id}/{job.attempt}")
            self._finished()
        if not self._stopping:
            await asyncio.sleep(min(MAX_RESPAWN_DELAY, 0.5 * 2**handle.crashes) if handle.crashes else 0)
            self._spawn(handle.name, handle.device, handle.crashes + 1)
            self.nudge()

    # -- scheduling ------------------------------------------------------------------------------------

    async def _schedule(self) -> None:
        next_reap = 0.0
        while not self._stopping:
            try:
                if time.time() >= next_reap:
                    await self._reap()
                    next_reap = time.time() + self.settings.lease_seconds / 4
                await self._dispatch()
            except Exception:  # a database hiccup must not stop the runner; the next round retries
                log.exception("runner round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)
            self._wake.clear()

    async def _dispatch(self) -> None:
        for handle in list(self.workers.values()):
            if not handle.ready or handle.job is not None or handle.conn.closed:
                continue
            gen = await queue.claim(self.db, self.settings, f"{RUNNER_ID}/{handle.name}")
            if gen is None:
                return
            try:
                cameos, restrictions = await queue.cameos(self.db, self.storage, self.vault, gen)
            except DomainError as e:
                await queue.fail(self.db, self.settings, gen.id, gen.attempt, "cameo_unavailable", e.message)
                continue
            source_key = await queue.output_key(self.db, gen.source_id) if gen.source_id else None
            owner = await queue.owner(self.db, gen.owner_id)
            job = self._job_spec(gen, source_key, owner)
            job.cameos, job.restrictions = cameos, restrictions
            handle.job, handle.cancel_sent, handle.last_write, handle.progress = job, False, time.time(), 0
            handle.conn.send((msg.JOB, job))

    async def _reap(self) -> None:
        """Requeue jobs whose lease expired and that no worker of ours holds (their worker died with its
        runner), and delete outputs past their expiry."""
        held = {(h.job.video_id, h.job.attempt) for h in self.workers.values() if h.job is not None}
        for video_id, attempt in await queue.expired(self.db, time.time()):
            if (video_id, attempt) in held:
                continue
            if await queue.release(self.db, self.settings, video_id, attempt, "lease expired") is not None:
                self.storage.delete(f"videos/{video_id}/{attempt}")
        if self.settings.media_ttl_seconds:
            for key in await queue.expire_media(self.db, time.time()):
                self.storage.delete(key)

    def _job_spec(self, gen: Generation, source_key: str | None, owner: queue.Owner) -> JobSpec:
        return JobSpec(
            video_id=gen.id, attempt=gen.attempt, kind=gen.kind, engine=gen.engine, prompt=gen.prompt,
            seconds=gen.seconds, width=gen.width, height=gen.height, fps=gen.fps, seed=gen.seed,
            out_dir=str(self.storage.path(f"videos/{gen.id}/{gen.attempt}")),
            seq=gen.seq, model=gen.model, provenance=self.provenance, handle=owner.handle,
            image_path=str(self.storage.path(gen.input_key)) if gen.input_key else None,
            source_dir=str(self.storage.path(source_key)) if source_key else None,
            options=dict(gen.options), strict=owner.teen or bool(gen.characters),
            checks_per_second=self.settings.frame_checks_per_second, moderator=from_settings(self.settings),
            registry=owner.registry)

    # -- messages --------------------------------------------------------------------------------------

    async def _consume(self) -> None:
        while True:
            handle, message = await self._inbox.get()
            try:
                await self._handle(handle, message)
            except Exception:
                log.exception("handling %s from %s failed", message and message[0], handle.name)

    async def _handle(self, handle: WorkerHandle, message: tuple[Any, ...] | None) -> None:
        if message is None:
            await self._on_death(handle)
            return
        kind = message[0]
        if kind == msg.READY:
            handle.ready, handle.crashes = True, 0
            self.nudge()
            return
        job = handle.job
        if job is None or message[1:3] != (job.video_id, job.attempt):
            return  # a late message about a job this worker no longer holds
        if kind in (msg.PROGRESS, msg.BEAT):
            if kind == msg.PROGRESS:
                handle.progress = max(handle.progress, min(99, int(100 * message[3])))
            await self._heartbeat(handle, job)
        else:
            await self._finish(handle, job, kind, message[3:])

    async def _heartbeat(self, handle: WorkerHandle, job: JobSpec) -> None:
        now = time.time()
        if now - handle.last_write < PROGRESS_WRITE_EVERY:
            return
        handle.last_write = now
        cancel = await queue.beat(self.db, self.settings, job.video_id, job.attempt, handle.progress)
        if cancel:
            self.cancel(job.video_id)

    async def _finish(self, handle: WorkerHandle, job: JobSpec, kind: str, rest: tuple[Any, ...]) -> None:
        handle.job = None
        if kind == msg.DONE:
            kept = await queue.complete(self.db, self.settings, job.video_id, job.attempt, rest[0])
        elif kind == msg.CANCELLED:
            kept = await queue.fail(self.db, self.settings, job.video_id, job.attempt, "cancelled",
                                    "cancelled by the user")
        else:
            kept = await queue.fail(self.db, self.settings, job.video_id, job.attempt, rest[0], rest[1])
        if not kept or kind != msg.DONE:
            self.storage.delete(f"videos/{job.video_id}/{job.attempt}")
        self._finished()

    def _finished(self) -> None:
        self.nudge()
        if self.on_finished is not None:
            self.on_finished()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
