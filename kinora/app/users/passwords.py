"""Passwords (argon2id, hashed off the event loop) and password resets by emailed link."""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.db import Database
from kinora.app.errors import InvalidRequest, Unauthorized
from kinora.app.users import mail, sessions, throttle
from kinora.app.users import service as users
from kinora.app.users.models import PasswordReset, User
from kinora.config import Settings

RESET_SECONDS, RESEND_SECONDS = 3600, 60
_hasher = PasswordHasher()
log = logging.getLogger("kinora.users")


async def hash_password(password: str) -> str:
    """The argon2id hash of `password` (about 50 ms of CPU, so it runs in a thread)."""
    return await asyncio.to_thread(_hasher.hash, password)


@functools.cache
def _dummy_hash() -> str:
    # Verified against when a login names no account, so that an unknown login costs as much as a wrong password.
    return _hasher.hash("kinora: no such account")


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; a missing hash never matches but costs the same time."""
    return await asyncio.to_thread(_verify, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


async def authenticate(db: Database, *, login: str, password: str) -> User:
    """The account if `password` is right; one answer for an unknown login and a wrong password."""
    key = "login:" + login.strip().lower()
    throttle.attempts(db).check(key, param="login")
    async with db.read() as session:
        user = await users.find_login(session, login)
    if not await verify(user.password_hash if user else None, password) or user is None:
        throttle.attempts(db).failed(key)
        raise Unauthorized("login or password is wrong", param="login", code="invalid_credentials")
    throttle.attempts(db).succeeded(key)
    assert user.password_hash is not None
    if needs_rehash(user.password_hash):
        new_hash = await hash_password(password)
        async with db.write() as session:
            await session.execute(update(User).where(User.id == user.id).values(password_hash=new_hash))
    return user


async def set_password(session: AsyncSession, *, user_id: int, password_hash: str) -> None:
    """Store a new password and sign the account out everywhere (callers may start a fresh session)."""
    await session.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))
    await sessions.end_all(session, user_id)


async def change(db: Database, *, user: User, current: str, new: str) -> None:
    """Replace the password of `user` (as read for this request); every session of theirs ends."""
    users.check_password(new, param="new_password")
    if not await verify(user.password_hash, current):
        raise InvalidRequest("current_password does not match your password", param="current_password")
    new_hash = await hash_password(new)  # before the transaction: hashing must not hold the write lock
    async with db.write() as session:
        await set_password(session, user_id=user.id, password_hash=new_hash)


async def request_reset(session: AsyncSession, *, email: str) -> tuple[str, str] | None:
    """A reset token for the account with `email` (the address and the token), or None when there is none."""
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.email is None or await _sent_lately(session, user.id):
        return None
    token = secrets.token_urlsafe(32)
    session.add(PasswordReset(token_hash=users.hash_key(token), user_id=user.id,
                              expires_at=time.time() + RESET_SECONDS))
    await session.flush()
    return user.email, token


async def _sent_lately(session: AsyncSession, user_id: int) -> bool:
    # One mail a minute at most: the form is public, and must not become a way to flood someone's inbox.
    recent = time.time() + RESET_SECONDS - RESEND_SECONDS
    found = await session.scalar(select(PasswordReset.token_hash).where(
        PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None), PasswordReset.expires_at > recent).limit(1))
    return found is not None


async def send_reset(settings: Settings, *, base_url: str, to: str, token: str) -> None:
    link = f"{(settings.public_url or base_url).rstrip('/')}/reset-password?token={token}"
    body = (f"Someone (hopefully you) asked to reset the password of your Kinora account.\n\n"
            f"Choose a new password here within an hour:\n{link}\n\n"
            "If it was not you, ignore this message: your password stays as it is.\n")
    try:
        await mail.send(settings, to=to, subject="Reset your Kinora password", body=body)
    except OSError:
        log.exception("could not send the password-reset mail to %s", to)


async def confirm_reset(session: AsyncSession, *, token: str, password_hash: str) -> None:
    """Set the password of the token's account; the token (and any other of that account) is then spent."""
    reset = await session.get(PasswordReset, users.hash_key(token))
    if reset is None or reset.used_at is not None or reset.expires_at <= time.time():
        raise InvalidRequest("token is unknown, expired or already used; ask for a new reset link", param="token")
    await session.execute(update(PasswordReset).where(PasswordReset.user_id == reset.user_id,
                                                      PasswordReset.used_at.is_(None)).values(used_at=time.time()))
    await set_password(session, user_id=reset.user_id, password_hash=password_hash)
