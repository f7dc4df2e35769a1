"""Server-sent events of one generation's progress: the row is read twice a second and a frame is sent whenever its
status or progress changed (the worker writes progress at most once a second), until it completes or fails."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import orjson

from kinora.app.db import Database
from kinora.app.errors import NotFound
from kinora.app.generations import service as generations
from kinora.app.generations.models import COMPLETED, FAILED

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0
RETRY_MS = 2000
FINAL = (COMPLETED, FAILED)


def progress_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """What a progress frame says: the app view's id, status, progress and error."""
    view = generations.app_view(row)
    return {key: view[key] for key in ("id", "status", "progress", "error")}


async def events(db: Database, *, owner_id: int, first: Mapping[str, Any]) -> AsyncIterator[bytes]:
    """`event: progress` frames on every change and keep-alive comments when quiet; ends after a final frame (or
    when the generation is deleted meanwhile)."""
    yield f"retry: {RETRY_MS}\n\n".encode()
    row, last, quiet_since = first, None, time.monotonic()
    while True:
        state = progress_json(row)
        if state != last:
            last, quiet_since = state, time.monotonic()
            yield b"event: progress\ndata: %s\n\n" % orjson.dumps(state)
            if state["status"] in FINAL:
                return
        elif time.monotonic() - quiet_since >= KEEPALIVE_SECONDS:
            quiet_since = time.monotonic()
            yield b": keep-alive\n\n"
        await asyncio.sleep(POLL_SECONDS)
        try:
            row = await generations.app_one(db, owner_id=owner_id, gen_id=state["id"])
        except NotFound:
            return
