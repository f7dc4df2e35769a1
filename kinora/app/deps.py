"""Annotated dependencies: route bodies never touch globals."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Request

from kinora.app.bootstrap import Services
from kinora.app.db import Database
from kinora.app.errors import NotFound, Unauthorized
from kinora.app.storage import LocalStorage
from kinora.app.users import service as users
from kinora.app.users import sessions
from kinora.app.users.models import User
from kinora.config import Settings
from kinora.jobs.runner import EmbeddedRunner

KEY_CACHE_SECONDS = 30.0  # a revoked key keeps working this long at most


# Dependencies are `async def` on purpose: FastAPI runs plain `def` dependencies in a thread pool, and that
# hop costs more than everything else a poll does.


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


async def settings(request: Request) -> Settings:
    return services(request).settings


async def database(request: Request) -> Database:
    return services(request).db


async def storage(request: Request) -> LocalStorage:
    return services(request).storage


async def runner(request: Request) -> EmbeddedRunner | None:
    found: EmbeddedRunner | None = request.app.state.runner
    return found


async def current_user(request: Request) -> User:
    """The owner of the request's bearer key (cached briefly: most API calls are polls)."""
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("Missing API key: send it as 'Authorization: Bearer <key>' "
                           "(create one with `kinora admin api-key create --name NAME`)")
    cache: dict[str, tuple[User, float]] = request.app.state.key_cache
    hit = cache.get(key)
    if hit is not None and hit[1] > time.monotonic():
        return hit[0]
    db = services(request).db
    async with db.read() as session:
        user = await users.user_for_key(session, key.strip())
    if user is None:
        raise Unauthorized(f"Incorrect API key provided: {key[:8]}...; it is unknown or revoked")
    async with db.write() as session:
        await users.touch_key(session, key.strip())
    cache[key] = (user, time.monotonic() + KEY_CACHE_SECONDS)
    return user


SettingsDep = Annotated[Settings, Depends(settings)]
DbDep = Annotated[Database, Depends(database)]
StorageDep = Annotated[LocalStorage, Depends(storage)]
RunnerDep = Annotated[EmbeddedRunner | None, Depends(runner)]
CurrentUser = Annotated[User, Depends(current_user)]


async def maybe_viewer(request: Request) -> User | None:
    """The signed-in user of an /api request (session cookie, or a personal token as a bearer key), or None."""
    db = services(request).db
    cookie = request.cookies.get(sessions.COOKIE)
    if cookie:
        return await sessions.user_for_cookie(db, cookie)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return await sessions.user_for_token(db, token.strip())
    return None


async def viewer(request: Request) -> User:
    user = await maybe_viewer(request)
    if user is None:
        raise Unauthorized("Sign in first (POST /api/auth/login), or send a personal token as "
                           "'Authorization: Bearer <token>'", code="not_signed_in")
    return user


async def admin(request: Request) -> User:
    user = await viewer(request)
    if not user.is_admin:
        raise NotFound(f"No such route: {request.url.path}")  # admin routes do not exist for others
    return user


Viewer = Annotated[User, Depends(viewer)]
MaybeViewer = Annotated[User | None, Depends(maybe_viewer)]
Admin = Annotated[User, Depends(admin)]
