"""Users and API keys. Keys are random, shown once, and stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import re
import secrets
import time

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.errors import InvalidRequest, NotFound
from kinora.app.users.models import ApiKey, User

KEY_PREFIX = "kin_"
HANDLE_RE = re.compile(r"[a-z0-9_][a-z0-9_.]{1,39}")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def check_handle(handle: str) -> str:
    if not HANDLE_RE.fullmatch(handle):
        raise InvalidRequest(f"handle must be 2-40 lowercase letters, digits, '_' or '.'; got {handle!r}",
                             param="handle")
    return handle


async def get_by_handle(session: AsyncSession, handle: str) -> User | None:
    result: User | None = await session.scalar(select(User).where(User.handle == handle))
    return result


async def get_or_create(session: AsyncSession, handle: str, *, admin: bool = False) -> tuple[User, bool]:
    """The user called `handle`, created when missing; the flag says whether it was created."""
    user = await get_by_handle(session, check_handle(handle))
    if user is not None:
        return user, False
    user = User(handle=handle, is_admin=admin, created_at=time.time())
    session.add(user)
    await session.flush()
    return user, True


async def create_api_key(session: AsyncSession, *, user: User, name: str) -> tuple[ApiKey, str]:
    """A new key for `user`: the row, and the key itself (never stored, so never shown again)."""
    if not 1 <= len(name) <= 80:
        raise InvalidRequest(f"name must be 1-80 characters; got {len(name)}", param="name")
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    row = ApiKey(user_id=user.id, name=name, prefix=key[:10], key_hash=hash_key(key), created_at=time.time())
    session.add(row)
    await session.flush()
    return row, key


async def user_for_key(session: AsyncSession, key: str) -> User | None:
    """The owner of a valid, unrevoked key, or None."""
    query = (select(User).join(ApiKey, ApiKey.user_id == User.id)
             .where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None)))
    result: User | None = await session.scalar(query)
    return result


async def list_keys(session: AsyncSession) -> list[tuple[ApiKey, str]]:
    """Every key with its owner's handle, oldest first."""
    rows = await session.execute(select(ApiKey, User.handle).join(User, ApiKey.user_id == User.id)
                                 .order_by(ApiKey.id))
    return [(key, handle) for key, handle in rows]


async def revoke_key(session: AsyncSession, prefix: str) -> ApiKey:
    """Revoke the one unrevoked key whose shown prefix starts with `prefix`."""
    found = list(await session.scalars(select(ApiKey).where(ApiKey.prefix.startswith(prefix, autoescape=True),
                                                            ApiKey.revoked_at.is_(None))))
    if not found:
        raise NotFound(f"no active API key starts with {prefix!r}", param="prefix")
    if len(found) > 1:
        raise InvalidRequest(f"{len(found)} active keys start with {prefix!r}; give more of the prefix",
                             param="prefix")
    found[0].revoked_at = time.time()
    return found[0]


async def touch_key(session: AsyncSession, key: str) -> None:
    """Record that `key` was used (callers do it once per auth-cache period, not per request)."""
    await session.execute(update(ApiKey).where(ApiKey.key_hash == hash_key(key)).values(last_used_at=time.time()))
