"""Notifications: written in the same transaction as the action that causes them, read back filtered by what the
recipient may still see, and announced to open streams after the commit."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Integer, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.db import Database, Query
from kinora.app.errors import InvalidRequest
from kinora.app.pages import MAX_ID
from kinora.app.social.models import Notification, Post
from kinora.app.social.service import USER_COLUMNS, user_public
from kinora.app.social.visibility import blocked, visible_to
from kinora.app.users.models import User

NOTIFIED = "kinora.notified"  # session.info key: who got a notification in this transaction


class Hub:
    """In-process pub/sub: wakes the streams of users who just got a notification. Streams also poll the
    database, so notifications written by other processes arrive too, only later."""

    def __init__(self) -> None:
        self._waiters: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}

    @contextlib.contextmanager
    def subscribe(self, user_id: int) -> Iterator[asyncio.Event]:
        """An event set whenever `user_id` gets a notification, while the block runs."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        self._waiters.setdefault(user_id, set()).add(waiter)
        try:
            yield waiter[1]
        finally:
            waiters = self._waiters[user_id]
            waiters.discard(waiter)
            if not waiters:
                del self._waiters[user_id]

    def publish(self, user_ids: set[int]) -> None:
        for user_id in user_ids:
            for loop, event in list(self._waiters.get(user_id, ())):
                # Thread-safe: a stream may be served on another event loop than the request that notified.
                loop.call_soon_threadsafe(event.set)


async def hub(request: Request) -> Hub:
    state = request.app.state
    if not hasattr(state, "notification_hub"):
        state.notification_hub = Hub()
    found: Hub = state.notification_hub
    return found


HubDep = Annotated[Hub, Depends(hub)]


@contextlib.asynccontextmanager
async def writing(db: Database, hub: Hub) -> AsyncIterator[AsyncSession]:
    """A write transaction whose notifications are announced once it has committed."""
    async with db.write() as session:
        yield session
        notified: set[int] = session.info.get(NOTIFIED, set())
    hub.publish(notified)


async def notify(session: AsyncSession, *, user_id: int, actor_id: int, type: str, post_id: int | None = None,
                 comment_id: int | None = None) -> bool:
    """Tell `user_id` about `actor_id`'s action, unless it is their own, they are blocked either way, or the
    recipient may not see the post. Returns whether a notification was written."""
    if user_id == actor_id or await session.scalar(select(blocked(user_id, actor_id))):
        return False
    if post_id is not None and await session.scalar(
            select(Post.id).where(Post.id == post_id, visible_to(user_id))) is None:
        return False
    session.add(Notification(user_id=user_id, actor_id=actor_id, type=type, post_id=post_id, comment_id=comment_id,
                             created_at=time.time()))
    session.info.setdefault(NOTIFIED, set()).add(user_id)
    return True


async def notified_before(session: AsyncSession, *, user_id: int, actor_id: int, type: str,
                          post_id: int | None = None) -> bool:
    """Whether this exact notification was already sent (likes and follows notify once, not per toggle)."""
    found = await session.scalar(select(Notification.id).where(
        Notification.user_id == user_id, Notification.actor_id == actor_id, Notification.type == type,
        Notification.post_id == post_id if post_id is not None else Notification.post_id.is_(None)).limit(1))
    return found is not None


# --- reading -------------------------------------------------------------------------------------------------

ME: Any = bindparam("me", type_=Integer)
_ACTOR = User.__table__.alias("actor")


def _shown() -> Any:
    """Notifications still fit to show: the post (if any) is visible and the actor is not blocked either way."""
    return and_(Notification.user_id == ME, or_(Notification.post_id.is_(None), visible_to(ME)),
                or_(Notification.actor_id.is_(None), ~blocked(ME, Notification.actor_id)))


def _list_query(*, after: bool, unread: bool, ascending: bool) -> Query:
    columns = [_ACTOR.c[c.key].label(f"a_{c.key}") for c in USER_COLUMNS]
    where = [_shown()]
    if after:
        where.append(Notification.id > bindparam("cursor") if ascending else Notification.id < bindparam("cursor"))
    if unread:
        where.append(Notification.read_at.is_(None))
    return (select(Notification.id, Notification.type, Notification.post_id, Notification.comment_id,
                   Notification.created_at, Notification.read_at, *columns)
            .outerjoin(Post, Post.id == Notification.post_id).outerjoin(_ACTOR, _ACTOR.c.id == Notification.actor_id)
            .where(*where).order_by(Notification.id.asc() if ascending else Notification.id.desc())
            .limit(bindparam("limit")))


_LISTS = {(a, u, asc): _list_query(after=a, unread=u, ascending=asc)
          for a in (False, True) for u in (False, True) for asc in (False, True)}
_UNREAD = (select(func.count().label("n")).select_from(Notification).outerjoin(Post, Post.id == Notification.post_id)
           .where(_shown(), Notification.read_at.is_(None)))
_NEWEST = select(func.max(Notification.id).label("n")).where(Notification.user_id == ME)


def notification_json(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {"id": row["id"], "type": row["type"], "actor": user_public(row, "a_") if row["a_handle"] else None,
            "post_id": row["post_id"], "comment_id": row["comment_id"], "created_at": int(row["created_at"]),
            "read": row["read_at"] is not None}


async def page(db: Database, *, user_id: int, before: int | None, limit: int,
               unread: bool) -> Sequence[Mapping[str, Any]]:
    """Up to `limit` of the user's notifications, newest first, below id `before`."""
    params = {"me": user_id, "cursor": before, "limit": limit}
    return await db.rows(_LISTS[before is not None, unread, False], params)


async def since(db: Database, *, user_id: int, after: int, limit: int = 100) -> Sequence[Mapping[str, Any]]:
    """The user's notifications with id above `after`, oldest first (what a stream sends next)."""
    return await db.rows(_LISTS[True, False, True], {"me": user_id, "cursor": after, "limit": limit})


async def newest_id(db: Database, *, user_id: int) -> int:
    rows = await db.rows(_NEWEST, {"me": user_id})
    return int(rows[0]["n"] or 0) if rows else 0


async def unread_count(db: Database, *, user_id: int) -> int:
    rows = await db.rows(_UNREAD, {"me": user_id})
    return int(rows[0]["n"])


async def mark_read(session: AsyncSession, *, user_id: int, ids: list[Any] | None) -> int:
    """Mark the given notifications of the user's (all of them when `ids` is None) read; returns how many."""
    if ids is not None and not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID for i in ids):
        raise InvalidRequest(f"ids must be a list of notification ids (integers); got {ids[:5]!r}", param="ids")
    query = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    result = await session.execute(query.values(read_at=time.time()))
    return int(getattr(result, "rowcount", 0) or 0)
