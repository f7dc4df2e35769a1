"""Who is asking: browser sessions (a cookie) and personal tokens (a bearer API key)."""

from __future__ import annotations

import datetime
import secrets
import time
from typing import Any

from fastapi import Request, Response
from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.db import Database
from kinora.app.users.models import ApiKey, LoginSession, User
from kinora.app.users.service import hash_key
from kinora.config import Settings

COOKIE = "kinora_session"

_USER_COLUMNS = tuple(User.__table__.columns)
_BY_SESSION = (select(*_USER_COLUMNS).join(LoginSession, LoginSession.user_id == User.id)
               .where(LoginSession.token_hash == bindparam("token_hash"), LoginSession.expires_at > bindparam("now")))
_BY_KEY = (select(*_USER_COLUMNS).join(ApiKey, ApiKey.user_id == User.id)
           .where(ApiKey.key_hash == bindparam("token_hash"), ApiKey.revoked_at.is_(None)))


async def start(session: AsyncSession, *, settings: Settings, user: User, user_agent: str = "") -> str:
    """A new sign-in for `user`; returns the cookie value (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = time.time()
    session.add(LoginSession(token_hash=hash_key(token), user_id=user.id, created_at=now,
                             expires_at=now + settings.session_days * 86400, user_agent=user_agent[:200]))
    await session.flush()
    return token


def cookie_args(request: Request, settings: Settings) -> dict[str, Any]:
    secure = (settings.public_url or "").startswith("https://") or request.url.scheme == "https"
    return {"key": COOKIE, "path": "/", "httponly": True, "samesite": "lax", "secure": secure}


async def set_cookie(session: AsyncSession, request: Request, response: Response, settings: Settings,
                     user: User) -> None:
    """Start a sign-in for `user` and put its cookie on `response`."""
    token = await start(session, settings=settings, user=user, user_agent=request.headers.get("user-agent", ""))
    response.set_cookie(value=token, max_age=int(settings.session_days * 86400), **cookie_args(request, settings))


async def sign_in(db: Database, request: Request, response: Response, settings: Settings, user: User) -> None:
    async with db.write() as session:
        await set_cookie(session, request, response, settings, user)


async def end(session: AsyncSession, token: str) -> None:
    await session.execute(delete(LoginSession).where(LoginSession.token_hash == hash_key(token)))


async def end_all(session: AsyncSession, user_id: int) -> None:
    """Sign `user_id` out everywhere (after a password change or reset)."""
    await session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))


async def user_for_cookie(db: Database, token: str) -> User | None:
    return _user(await db.rows(_BY_SESSION, {"token_hash": hash_key(token), "now": time.time()}))


async def user_for_token(db: Database, token: str) -> User | None:
    return _user(await db.rows(_BY_KEY, {"token_hash": hash_key(token)}))


def _user(rows: Any) -> User | None:
    # A detached User built from one keyed read: cheaper than an ORM session per request. Services that change
    # the account load it again inside their write transaction.
    if not rows:
        return None
    row = rows[0]
    values = {column.key: row[column.key] for column in _USER_COLUMNS}
    # The SQLite fast path returns raw values: dates as ISO text, booleans as 0/1.
    if isinstance(values["birth_date"], str):
        values["birth_date"] = datetime.date.fromisoformat(values["birth_date"])
    for name in ("is_admin", "personalized", "continuous_scroll"):
        values[name] = bool(values[name])
    return User(**values)
