"""Who follows and who blocks whom. Mutuals are derived: A follows B and B follows A. Blocking hides both ways
and ends any following between the two."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, delete, exists, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from kinora.app.errors import InvalidRequest, InvalidState, NotFound
from kinora.app.social import notifications
from kinora.app.social.models import Block, Follow, Notification
from kinora.app.social.service import USER_COLUMNS
from kinora.app.social.visibility import blocked, follows
from kinora.app.social.writes import insert_new
from kinora.app.users.models import User


async def person(session: AsyncSession, *, handle: str, viewer_id: int | None) -> User:
    """The user called `handle` (any case). NotFound when there is none, or when they blocked the viewer."""
    user: User | None = await session.scalar(select(User).where(User.handle == handle.lower()))
    if user is None or (viewer_id is not None and viewer_id != user.id and await session.scalar(
            select(Block.blocker_id).where(Block.blocker_id == user.id, Block.blocked_id == viewer_id))):
        raise NotFound(f"No user found with handle {handle!r}", param="handle")
    return user


async def relation(session: AsyncSession, *, viewer_id: int, user: User) -> dict[str, Any]:
    row = (await session.execute(select(follows(viewer_id, user.id).label("following"),
                                        follows(user.id, viewer_id).label("follower"),
                                        select(Block.blocker_id).where(Block.blocker_id == viewer_id,
                                                                       Block.blocked_id == user.id)
                                        .exists().label("blocked")))).one()
    return {"handle": user.handle, "is_following": bool(row.following), "follows_you": bool(row.follower),
            "is_mutual": bool(row.following and row.follower), "blocked": bool(row.blocked)}


async def follow(session: AsyncSession, *, viewer_id: int, handle: str) -> User:
    """Follow `handle` (again is fine); they are told once."""
    user = await _other(session, viewer_id=viewer_id, handle=handle, action="follow")
    if await session.scalar(select(blocked(viewer_id, user.id))):
        raise InvalidState(f"you blocked @{user.handle}; unblock them before following", param="handle")
    if await insert_new(session, Follow, follower_id=viewer_id, followee_id=user.id, created_at=time.time()) \
            and not await notifications.notified_before(session, user_id=user.id, actor_id=viewer_id, type="follow"):
        await notifications.notify(session, user_id=user.id, actor_id=viewer_id, type="follow")
    return user


async def unfollow(session: AsyncSession, *, viewer_id: int, handle: str) -> User:
    user = await person(session, handle=handle, viewer_id=viewer_id)
    await session.execute(delete(Follow).where(Follow.follower_id == viewer_id, Follow.followee_id == user.id))
    return user


async def block(session: AsyncSession, *, viewer_id: int, handle: str) -> User:
    """Block `handle`: follows both ways end and the notifications between the two are removed."""
    user = await _other(session, viewer_id=viewer_id, handle=handle, action="block")
    await insert_new(session, Block, blocker_id=viewer_id, blocked_id=user.id, created_at=time.time())
    pair = (viewer_id, user.id), (user.id, viewer_id)
    await session.execute(delete(Follow).where(or_(*(and_(Follow.follower_id == a, Follow.followee_id == b)
                                                     for a, b in pair))))
    await session.execute(delete(Notification).where(or_(*(and_(Notification.user_id == a,
                                                                Notification.actor_id == b) for a, b in pair))))
    return user


async def unblock(session: AsyncSession, *, viewer_id: int, handle: str) -> User:
    user: User | None = await session.scalar(select(User).where(User.handle == handle.lower()))
    if user is None:
        raise NotFound(f"No user found with handle {handle!r}", param="handle")
    await session.execute(delete(Block).where(Block.blocker_id == viewer_id, Block.blocked_id == user.id))
    return user


async def _other(session: AsyncSession, *, viewer_id: int, handle: str, action: str) -> User:
    user = await person(session, handle=handle, viewer_id=viewer_id)
    if user.id == viewer_id:
        raise InvalidRequest(f"handle must be someone else's: you cannot {action} yourself; got {handle!r}",
                             param="handle")
    return user


# --- lists ---------------------------------------------------------------------------------------------------

async def people(session: AsyncSession, *, viewer_id: int | None, of: int, direction: str,
                 cursor: dict[str, Any] | None, limit: int) -> Sequence[Mapping[Any, Any]]:
    """A page of `of`'s followers (direction "followers") or of the people they follow ("following"), most recent
    first, without anyone blocked either way with the viewer."""
    other = Follow.follower_id if direction == "followers" else Follow.followee_id
    mine = Follow.followee_id if direction == "followers" else Follow.follower_id
    query = _people_query(other, viewer_id).where(mine == of)
    return await _keyset(session, query, Follow.created_at, other, cursor, limit)


async def blocks(session: AsyncSession, *, viewer_id: int, cursor: dict[str, Any] | None,
                 limit: int) -> Sequence[Mapping[Any, Any]]:
    """A page of the people the viewer blocked, most recent first."""
    query = (select(*USER_COLUMNS, Block.created_at.label("at"), User.id.label("uid"))
             .join(User, User.id == Block.blocked_id).where(Block.blocker_id == viewer_id))
    return await _keyset(session, query, Block.created_at, Block.blocked_id, cursor, limit)


def _people_query(other: Any, viewer_id: int | None) -> Any:
    mine = aliased(Follow)  # the listed follows are in the outer query: `follows` would correlate to them
    following = exists().where(mine.follower_id == viewer_id, mine.followee_id == User.id) \
        if viewer_id is not None else false()
    query = (select(*USER_COLUMNS, following.label("is_following"), Follow.created_at.label("at"),
                    User.id.label("uid")).join(User, User.id == other))
    return query.where(~blocked(viewer_id, User.id)) if viewer_id is not None else query


async def _keyset(session: AsyncSession, query: Any, at: Any, uid: Any, cursor: dict[str, Any] | None,
                  limit: int) -> Sequence[Mapping[Any, Any]]:
    if cursor is not None:
        t, u = cursor.get("t"), cursor.get("u")
        if not isinstance(t, int | float) or not isinstance(u, int):
            raise InvalidRequest("cursor must be a next_cursor this list returned", param="cursor")
        query = query.where(or_(at < t, and_(at == t, uid < u)))
    rows = await session.execute(query.order_by(at.desc(), uid.desc()).limit(limit + 1))
    return list(rows.mappings())
