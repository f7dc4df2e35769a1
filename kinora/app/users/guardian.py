"""The guardian setting: a PIN-locked choice to turn off personalization and continuous scroll (meant for teen
accounts; the feeds read `personalized` and `continuous_scroll`)."""

from __future__ import annotations

import re

from kinora.app.db import Database
from kinora.app.errors import InvalidRequest, InvalidState
from kinora.app.users import passwords, throttle
from kinora.app.users.models import User

PIN_RE = re.compile(r"\d{4,8}")


def check_pin(pin: str) -> str:
    if not PIN_RE.fullmatch(pin):
        raise InvalidRequest("pin must be 4-8 digits", param="pin")
    return pin


async def configure(db: Database, *, user: User, pin: str, personalization: bool, continuous_scroll: bool) -> User:
    """The first call sets the PIN; later calls must give it. Returns the account as changed."""
    pin_hash = await _pin_hash(db, user, check_pin(pin))
    async with db.write() as session:
        row = await session.get(User, user.id)
        assert row is not None, user.id
        row.personalized, row.continuous_scroll = personalization, continuous_scroll
        row.guardian_pin_hash = pin_hash
        return row


async def unlock(db: Database, *, user: User, pin: str) -> User:
    """Remove the PIN; the settings stay as they are until changed."""
    if user.guardian_pin_hash is None:
        raise InvalidState("no guardian PIN is set", param="pin")
    await _pin_hash(db, user, check_pin(pin))
    async with db.write() as session:
        row = await session.get(User, user.id)
        assert row is not None, user.id
        row.guardian_pin_hash = None
        return row


async def _pin_hash(db: Database, user: User, pin: str) -> str:
    """The hash to keep: a new one when no PIN is set yet, else the current one once `pin` matches it."""
    if user.guardian_pin_hash is None:
        return await passwords.hash_password(pin)
    key = f"pin:{user.id}"
    throttle.attempts(db).check(key, param="pin")
    if not await passwords.verify(user.guardian_pin_hash, pin):
        throttle.attempts(db).failed(key)
        raise InvalidRequest("guardian PIN does not match", param="pin")
    throttle.attempts(db).succeeded(key)
    return user.guardian_pin_hash
