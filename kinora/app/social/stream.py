"""Server-sent events of a user's notifications: pushed as they happen in this process (the hub), and picked up by
a short database poll when another process wrote them."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import orjson

from kinora.app.db import Database
from kinora.app.social import notifications
from kinora.app.social.notifications import Hub

POLL_SECONDS = 2.0
KEEPALIVE_SECONDS = 15.0


def start_after(last_event_id: str | None) -> int | None:
    """Where a reconnecting client left off (its Last-Event-ID), or None for "from now on"."""
    if last_event_id is None or not last_event_id.strip().isdigit():
        return None
    return int(last_event_id.strip())


async def events(db: Database, hub: Hub, *, user_id: int, after: int | None) -> AsyncIterator[bytes]:
    """The event stream: `event: notification` frames with ids, and a keep-alive comment when idle."""
    last = await notifications.newest_id(db, user_id=user_id) if after is None else after
    with hub.subscribe(user_id) as wake:
        yield f"retry: {int(POLL_SECONDS * 1000)}\n\n".encode()
        quiet_since = time.monotonic()
        while True:
            wake.clear()
            for row in await notifications.since(db, user_id=user_id, after=last):
                last = row["id"]
                quiet_since = time.monotonic()
                yield _frame(last, notifications.notification_json(row))
            if time.monotonic() - quiet_since >= KEEPALIVE_SECONDS:
                quiet_since = time.monotonic()
                yield b": keep-alive\n\n"
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), min(POLL_SECONDS, KEEPALIVE_SECONDS))


def _frame(event_id: int, body: dict[str, object]) -> bytes:
    return b"id: %d\nevent: notification\ndata: %s\n\n" % (event_id, orjson.dumps(body))
