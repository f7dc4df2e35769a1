"""Outgoing webhooks: `video.completed` / `video.failed` events signed per Standard Webhooks, as OpenAI sends them.

An event is written (`enqueue`) in the same transaction that makes a video terminal, so an event exists exactly
when the status changed; `deliver_due` then POSTs it to every configured URL until a receiver answers 2xx or the
72-hour retry window closes. Delivery is at-least-once: receivers dedupe on the `webhook-id` header, which is the
event id and stays the same across retries and URLs.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.db import Database
from kinora.app.webhooks.models import WebhookDelivery

log = logging.getLogger("kinora.webhooks")

EVENT_TYPES = ("video.completed", "video.failed")
BACKOFF_SECONDS = (5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0)  # after the 1st, 2nd, ... failed attempt
BACKOFF_TAIL_SECONDS = 7200.0  # then every 2 h
GIVE_UP_AFTER_SECONDS = 72 * 3600.0  # OpenAI's documented retry window
BATCH_SIZE = 50
TIMEOUT_SECONDS = 10.0
USER_AGENT = "Kinora-Webhooks/1"
_ERROR_CHARS = 300


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """The `webhook-signature` value: "v1," + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")).

    The key is decoded exactly as the openai SDK's `webhooks.verify_signature` does: base64 of the part after
    "whsec_" when the secret has that prefix, else the secret's UTF-8 bytes."""
    digest = hmac.new(signing_key(secret), f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signing_key(secret: str) -> bytes:
    """The HMAC key of a secret, decoded as the SDK does (lenient base64, so stray characters are dropped)."""
    if not secret.startswith("whsec_"):
        return secret.encode()
    try:
        return base64.b64decode(secret.removeprefix("whsec_"))
    except binascii.Error as e:
        # The value is a secret: name the argument and the problem, never the value.
        raise ValueError(f"secret must be base64 after 'whsec_'; got {len(secret) - 6} characters "
                         f"that are not ({e})") from e


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failed attempt (1-based)."""
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1; got {attempts}")
    return BACKOFF_SECONDS[attempts - 1] if attempts <= len(BACKOFF_SECONDS) else BACKOFF_TAIL_SECONDS


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(16)


async def enqueue(session: AsyncSession, *, urls: list[str], event_type: str, video_id: str, now: float) -> None:
    """Add one delivery per URL of one event. Call inside the transaction that makes the video terminal."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"event_type must be one of {', '.join(EVENT_TYPES)}; got {event_type!r}")
    event_id = new_event_id()
    event = {"id": event_id, "object": "event", "created_at": int(now), "type": event_type, "data": {"id": video_id}}
    # Serialized once: every URL and every retry signs and sends these exact bytes.
    payload = json.dumps(event, separators=(",", ":"))
    session.add_all(
        WebhookDelivery(event_id=event_id, event_type=event_type, video_id=video_id, url=url, payload=payload,
                        attempts=0, next_attempt_at=now, created_at=now)
        for url in urls
    )


@dataclass(frozen=True)
class _Due:
    """What sending needs, copied out of the row so that no session is open while receivers answer."""

    id: int
    event_id: str
    url: str
    payload: str


async def deliver_due(db: Database, client: httpx.AsyncClient, *, secret: str, now: float) -> int:
    """Send every due delivery (at most BATCH_SIZE) once and record the outcomes. Returns how many were sent."""
    due = await _read_due(db, now)
    if not due:
        return 0
    errors = await asyncio.gather(*(_send(client, secret, item) for item in due))
    await _record(db, dict(zip((item.id for item in due), errors, strict=True)), now)
    return len(due)


async def _read_due(db: Database, now: float) -> list[_Due]:
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.delivered_at.is_(None), WebhookDelivery.given_up_at.is_(None),
               WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.id)
        .limit(BATCH_SIZE)
    )
    async with db.read() as session:
        rows = (await session.scalars(query)).all()
        return [_Due(row.id, row.event_id, row.url, row.payload) for row in rows]


async def _send(client: httpx.AsyncClient, secret: str, item: _Due) -> str | None:
    """POST one event; None when the receiver answered 2xx, else a short reason."""
    # The receiver checks the timestamp against its own clock (the SDK allows 5 minutes), so it is the real send
    # time, never the scheduler's `now`.
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "webhook-id": item.event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, item.event_id, timestamp, item.payload),
        "user-agent": USER_AGENT,
    }
    try:
        # Streamed and never read: the status is all that counts, and a receiver cannot make us buffer its body.
        async with client.stream("POST", item.url, content=item.payload.encode(), headers=headers,
                                 timeout=TIMEOUT_SECONDS) as response:
            return None if response.is_success else f"HTTP {response.status_code}"
    except httpx.HTTPError as e:
        return _describe(e)


def _describe(error: Exception) -> str:
    text = str(error).strip()
    return (f"{type(error).__name__}: {text}" if text else type(error).__name__)[:_ERROR_CHARS]


async def _record(db: Database, errors: dict[int, str | None], now: float) -> None:
    async with db.write() as session:
        rows = (await session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(errors)))).all()
        for row in rows:
            _apply(row, errors[row.id], now)


def _apply(row: WebhookDelivery, error: str | None, now: float) -> None:
    if row.delivered_at is not None or row.given_up_at is not None:
        return  # settled meanwhile (another sender); keep the first outcome
    row.attempts += 1
    if error is None:
        row.delivered_at = now
        return
    row.last_error = error
    next_at = now + backoff(row.attempts)
    if next_at > row.created_at + GIVE_UP_AFTER_SECONDS:
        row.given_up_at = now
        log.error("webhook %s to %s given up after %d attempts: %s", row.event_id, row.url, row.attempts, error)
    else:
        row.next_attempt_at = next_at
        log.warning("webhook %s to %s failed (attempt %d): %s", row.event_id, row.url, row.attempts, error)


class WebhookSender:
    """Background loop that delivers due webhooks every `interval` seconds, or at once after `nudge()`."""

    def __init__(self, db: Database, secret: str, *, interval: float = 1.0,
                 client: httpx.AsyncClient | None = None) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be positive; got {interval}")
        signing_key(secret)  # a malformed secret fails here, at startup, not on every delivery
        self.db = db
        self.secret = secret
        self.interval = interval
        self._client = client
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def nudge(self) -> None:
        """Deliver now rather than at the next tick. Safe to call from any thread."""
        loop = self._loop
        if loop is None or _running_loop() is loop:
            self._wake.set()
        else:
            # asyncio.Event is not thread-safe; a worker thread must hand the wake-up to the sender's loop.
            loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set. Failures are logged; the loop keeps going."""
        self._loop = asyncio.get_running_loop()
        async with contextlib.AsyncExitStack() as stack:
            client = self._client
            if client is None:
                client = await stack.enter_async_context(httpx.AsyncClient())
            while not stop.is_set():
                sent = await self._tick(client)
                if sent < BATCH_SIZE:  # a full batch means more may be due: go again without waiting
                    await self._sleep(stop)

    async def _tick(self, client: httpx.AsyncClient) -> int:
        try:
            return await deliver_due(self.db, client, secret=self.secret, now=time.time())
        except Exception:
            log.exception("webhook delivery round failed; retrying in %g s", self.interval)
            return 0

    async def _sleep(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=self.interval, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        self._wake.clear()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
