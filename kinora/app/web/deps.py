"""Who is looking at a page: the session cookie's user (pages never take bearer keys)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kinora.app.deps import services
from kinora.app.errors import NotFound
from kinora.app.users import sessions
from kinora.app.users.models import User
from kinora.app.web.render import SignInFirst


async def page_viewer(request: Request) -> User | None:
    cookie = request.cookies.get(sessions.COOKIE)
    return await sessions.user_for_cookie(services(request).db, cookie) if cookie else None


async def signed_in(request: Request) -> User:
    user = await page_viewer(request)
    if user is None:
        raise SignInFirst(request.url.path)
    return user


async def page_admin(request: Request) -> User:
    user = await signed_in(request)
    if not user.is_admin:
        raise NotFound(f"No such page: {request.url.path}")
    return user


MaybeVisitor = Annotated[User | None, Depends(page_viewer)]
Visitor = Annotated[User, Depends(signed_in)]
PageAdmin = Annotated[User, Depends(page_admin)]
