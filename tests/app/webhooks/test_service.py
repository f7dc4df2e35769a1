"""Webhook delivery against real receivers on 127.0.0.1 and a real SQLite database."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from sqlalchemy import select

from kinora.app.db import Database
from kinora.app.tables import Base
from kinora.app.webhooks.models import WebhookDelivery
from kinora.app.webhooks.service import (
    BACKOFF_SECONDS,
    GIVE_UP_AFTER_SECONDS,
    USER_AGENT,
    WebhookSender,
    backoff,
    deliver_due,
    enqueue,
    sign,
)

WHSEC = "whsec_" + base64.b64encode(b"32 random bytes of signing key!!").decode()
PLAIN = "plain-text-secret"
T0 = 1_800_000_000.0


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    """Records every POST; answers with the next scripted status (200 once the script runs out)."""

    url: str
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    hook: Callable[[Received], None] | None = None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers["content-length"])).decode()
            item = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            state.received.append(item)
            if state.hook is not None:
                state.hook(item)
            self.send_response(state.statuses.pop(0) if state.statuses else 200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/hook"


def unwrap(secret: str, body: str, headers: dict[str, str]) -> Any:
    """Verify and parse as a receiver using the official SDK would. Typed Any because the SDK's event union has no
    video events (3.54): at runtime it returns an unrelated event class whose `.type` and `.data.id` still work."""
    return openai.OpenAI(api_key="x", webhook_secret=secret).webhooks.unwrap(body, headers)


async def open_db(tmp_path: Path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'kinora.db'}")
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    return db


@pytest.fixture
def run(tmp_path: Path) -> Callable[[Callable[[Database, httpx.AsyncClient], Any]], Any]:
    """Run an async test body with a fresh database and HTTP client."""

    def runner(body: Callable[[Database, httpx.AsyncClient], Any]) -> Any:
        async def main() -> Any:
            db = await open_db(tmp_path)
            try:
                async with httpx.AsyncClient() as client:
                    return await body(db, client)
            finally:
                await db.dispose()

        return asyncio.run(main())

    return runner


async def add_event(db: Database, urls: list[str], event_type: str = "video.completed", now: float = T0) -> None:
    async with db.write() as session:
        await enqueue(session, urls=urls, event_type=event_type, video_id="video_abc", now=now)


async def rows(db: Database) -> list[WebhookDelivery]:
    async with db.read() as session:
        return list((await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))).all())


# --- signing -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [WHSEC, PLAIN])
def test_signature_verifies_with_the_openai_sdk(secret: str) -> None:
    body = '{"id":"evt_1","object":"event","created_at":1,"type":"video.completed","data":{"id":"video_1"}}'
    ts = int(time.time())
    headers = {"webhook-id": "evt_1", "webhook-timestamp": str(ts),
               "webhook-signature": sign(secret, "evt_1", ts, body)}
    event = unwrap(secret, body, headers)
    assert event.type == "video.completed"
    assert event.data.id == "video_1"
    other = "whsec_" + base64.b64encode(b"another key").decode() if secret.startswith("whsec_") else secret + "x"
    with pytest.raises(openai.InvalidWebhookSignatureError):
        openai.OpenAI(api_key="x", webhook_secret=other).webhooks.verify_signature(body, headers)


def test_malformed_whsec_secret_is_refused_up_front(tmp_path: Path) -> None:
    # The SDK would crash on it too (binascii.Error), so no receiver could ever verify such a signature.
    with pytest.raises(ValueError, match="secret must be base64 after 'whsec_'"):
        sign("whsec_abc", "evt_1", 1, "{}")
    with pytest.raises(ValueError, match="secret must be base64 after 'whsec_'"):
        WebhookSender(Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"), "whsec_abc")


def test_backoff_schedule() -> None:
    assert [backoff(n) for n in range(1, 9)] == [5, 30, 120, 600, 1800, 3600, 7200, 7200]
    with pytest.raises(ValueError, match="attempts must be at least 1; got 0"):
        backoff(0)


# --- enqueue -------------------------------------------------------------------------------------------------


def test_enqueue_one_event_per_status_change_one_row_per_url(run: Any) -> None:
    async def body(db: Database, client: httpx.AsyncClient) -> list[WebhookDelivery]:
        await add_event(db, ["http://a.example/h", "http://b.example/h"], "video.failed")
        return await rows(db)

    first, second = run(body)
    assert first.event_id == second.event_id and first.event_id.startswith("evt_") and len(first.event_id) == 36
    assert first.payload == second.payload
    assert json.loads(first.payload) == {"id": first.event_id, "object": "event", "created_at": int(T0),
                                         "type": "video.failed", "data": {"id": "video_abc"}}
    assert " " not in first.payload  # compact: the bytes that get signed
    assert (first.attempts, first.next_attempt_at, first.delivered_at) == (0, T0, None)


def test_enqueue_rejects_unknown_event_type(run: Any) -> None:
    async def body(db: Database, client: httpx.AsyncClient) -> None:
        await add_event(db, ["http://a.example/h"], "video.exploded")

    expected = "event_type must be one of video.completed, video.failed; got 'video.exploded'"
    with pytest.raises(ValueError, match=expected):
        run(body)


# --- delivery ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [WHSEC, PLAIN])
def test_delivered_event_unwraps_with_the_openai_sdk(run: Any, receiver: Receiver, secret: str) -> None:
    async def body(db: Database, client: httpx.AsyncClient) -> tuple[int, list[WebhookDelivery]]:
        await add_event(db, [receiver.url])
        sent = await deliver_due(db, client, secret=secret, now=T0)
        return sent, await rows(db)

    sent, (row,) = run(body)
    assert sent == 1
    assert (row.attempts, row.delivered_at, row.last_error) == (1, T0, None)
    (got,) = receiver.received
    assert got.path == "/hook"
    assert got.headers["content-type"] == "application/json"
    assert got.headers["user-agent"] == USER_AGENT
    assert got.headers["webhook-id"] == row.event_id
    assert got.body == row.payload
    event = unwrap(secret, got.body, got.headers)
    assert event.type == "video.completed"
    assert event.data.id == "video_abc"
    assert event.id == row.event_id


def test_nothing_is_sent_before_it_is_due(run: Any, receiver: Receiver) -> None:
    async def body(db: Database, client: httpx.AsyncClient) -> int:
        await add_event(db, [receiver.url], now=T0)
        return await deliver_due(db, client, secret=WHSEC, now=T0 - 1)

    assert run(body) == 0
    assert receiver.received == []


def test_500_twice_then_200_retries_with_backoff_and_same_event_id(run: Any, receiver: Receiver) -> None:
    receiver.statuses = [500, 500]

    async def body(db: Database, client: httpx.AsyncClient) -> list[tuple[int, float, float | None, str | None]]:
        await add_event(db, [receiver.url])
        seen = []
        now = T0
        for _ in range(3):
            assert await deliver_due(db, client, secret=WHSEC, now=now) == 1
            (row,) = await rows(db)
            seen.append((row.attempts, row.next_attempt_at, row.delivered_at, row.last_error))
            assert await deliver_due(db, client, secret=WHSEC, now=row.next_attempt_at - 0.5) == 0  # not yet due
            now = row.next_attempt_at
        assert await deliver_due(db, client, secret=WHSEC, now=now + 1e6) == 0  # delivered: never again
        return seen

    seen = run(body)
    first, second = T0 + BACKOFF_SECONDS[0], T0 + BACKOFF_SECONDS[0] + BACKOFF_SECONDS[1]
    assert seen == [(1, first, None, "HTTP 500"), (2, second, None, "HTTP 500"), (3, second, second, "HTTP 500")]
    assert len(receiver.received) == 3
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # the receiver's dedupe key
    assert len({r.body for r in receiver.received}) == 1


def test_unreachable_url_records_the_error_and_schedules_a_retry(run: Any) -> None:
    async def body(db: Database, client: httpx.AsyncClient) -> list[WebhookDelivery]:
        await add_event(db, [closed_port_url()])
        await deliver_due(db, client, secret=WHSEC, now=T0)
        return await rows(db)

    (row,) = run(body)
    assert row.attempts == 1 and row.delivered_at is None and row.given_up_at is None
    assert row.last_error is not None and row.last_error.startswith("ConnectError")
    assert row.next_attempt_at == T0 + BACKOFF_SECONDS[0]


def test_gives_up_once_the_next_attempt_would_pass_72_hours(run: Any) -> None:
    async def body(db: Database, client: httpx.AsyncClient) -> tuple[WebhookDelivery, list[float]]:
        await add_event(db, [closed_port_url()])
        now, times = T0, list[float]()
        while True:
            assert await deliver_due(db, client, secret=WHSEC, now=now) == 1
            (row,) = await rows(db)
            if row.given_up_at is not None:
                return row, times
            times.append(row.next_attempt_at)
            now = row.next_attempt_at

    row, times = run(body)
    assert times[-1] <= T0 + GIVE_UP_AFTER_SECONDS < times[-1] + backoff(row.attempts)
    assert row.given_up_at == times[-1]
    assert row.attempts == len(times) + 1
    assert row.last_error is not None


def test_deliveries_run_concurrently_and_hold_no_write_lock(run: Any, receiver: Receiver) -> None:
    # Both requests must be in flight together to pass the barrier; a sequential sender would break it (→ 500).
    barrier = threading.Barrier(2, timeout=10)
    inside = threading.Event()
    release = threading.Event()

    def hook(_: Received) -> None:
        barrier.wait()
        inside.set()
        release.wait(10)

    receiver.hook = hook

    async def body(db: Database, client: httpx.AsyncClient) -> list[WebhookDelivery]:
        await add_event(db, [receiver.url, receiver.url + "?second"])
        sending = asyncio.create_task(deliver_due(db, client, secret=WHSEC, now=T0))
        assert await asyncio.to_thread(inside.wait, 10)
        # While the receivers stall, other writers still get the database.
        await asyncio.wait_for(add_event(db, ["http://c.example/h"]), 10)
        release.set()
        assert await sending == 2
        return await rows(db)

    first, second, third = run(body)
    assert first.delivered_at == second.delivered_at == T0
    assert third.attempts == 0


def test_sender_loop_delivers_after_nudge_and_stops(run: Any, receiver: Receiver) -> None:
    got = threading.Event()
    receiver.hook = lambda _: got.set()

    async def body(db: Database, client: httpx.AsyncClient) -> list[WebhookDelivery]:
        # A long interval: only the nudge can make the delivery happen within the test.
        sender = WebhookSender(db, WHSEC, interval=3600, client=client)
        stop = asyncio.Event()
        task = asyncio.create_task(sender.run(stop))
        await asyncio.sleep(0)
        await add_event(db, [receiver.url], now=time.time())
        sender.nudge()
        assert await asyncio.to_thread(got.wait, 10)
        stop.set()
        await asyncio.wait_for(task, 10)
        return await rows(db)

    (row,) = run(body)
    assert row.delivered_at is not None


def test_sender_survives_a_broken_database(run: Any, caplog: pytest.LogCaptureFixture) -> None:
    async def body(db: Database, client: httpx.AsyncClient) -> None:
        async with db.engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
        sender = WebhookSender(db, WHSEC, interval=0.01, client=client)
        stop = asyncio.Event()
        task = asyncio.create_task(sender.run(stop))
        while not any("delivery round failed" in r.message for r in caplog.records):
            await asyncio.sleep(0.01)
        assert not task.done()
        stop.set()
        await asyncio.wait_for(task, 10)

    with caplog.at_level("ERROR", logger="kinora.webhooks"):
        run(body)
