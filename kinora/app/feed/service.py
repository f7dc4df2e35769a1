"""The Following feed, and the feedback people give the feeds: views, "see less like this", hidden creators, and
reading or clearing everything the feed uses about them."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Integer, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.db import Database
from kinora.app.errors import InvalidRequest, NotFound
from kinora.app.feed import candidates, steering
from kinora.app.feed.models import FeedPreference, FeedSignal, View
from kinora.app.generations.models import Generation
from kinora.app.pages import PageParams, cursor_int, encode_cursor
from kinora.app.social import service as social
from kinora.app.social.models import Follow, Like, Post
from kinora.app.social.service import VIEWER
from kinora.app.social.visibility import get_visible, is_blocked, visible_to
from kinora.app.social.writes import bump, insert_new
from kinora.app.users.models import User

LIKED_TOPICS, TOPIC_CHARS = 5, 120


HEAVY_FOLLOWS, RECENT_WINDOW = candidates.HEAVY_FOLLOWS, 20_000
_followees = select(Follow.followee_id).where(Follow.follower_id == VIEWER)
_BEFORE, _LIMIT = bindparam("before", type_=Integer), bindparam("limit", type_=Integer)


def _following(*, after_cursor: bool) -> Any:
    query = select(Post.id).where(Post.author_id.in_(_followees), visible_to(VIEWER))
    if after_cursor:
        query = query.where(Post.id < _BEFORE)
    return query.order_by(Post.id.desc()).limit(_LIMIT)


_FOLLOWING = {after: _following(after_cursor=after) for after in (False, True)}
# For someone following hundreds, the author index means reading every post they all ever made; walking the
# newest ids back (a window at a time) and checking each author finds a page after a few hundred rows.
# `author_id + 0` keeps the planner off the author index.
_FOLLOWING_RECENT = (select(Post.id).where((Post.author_id + 0).in_(_followees), Post.id < _BEFORE,
                                           Post.id >= bindparam("low", type_=Integer), visible_to(VIEWER))
                     .order_by(Post.id.desc()).limit(_LIMIT))
_FOLLOWS = select(func.count().label("n")).select_from(Follow).where(Follow.follower_id == VIEWER)
_MAX_ID = select(func.max(Post.id).label("id"))
_SIGNALS = (select(FeedSignal.kind, FeedSignal.target_id, User.handle)
            .outerjoin(User, (FeedSignal.kind == "hide_creator") & (User.id == FeedSignal.target_id))
            .where(FeedSignal.user_id == VIEWER).order_by(FeedSignal.created_at.desc()))
_VIEWS = select(func.count().label("n")).select_from(View).where(View.user_id == VIEWER)
_LIKED_TOPICS = (select(Post.caption, Generation.prompt).join(Like, Like.post_id == Post.id)
                 .join(Generation, Generation.id == Post.generation_id)
                 .where(Like.user_id == VIEWER, visible_to(VIEWER)).order_by(Like.created_at.desc())
                 .limit(LIKED_TOPICS))


async def following(db: Database, *, viewer_id: int, params: PageParams) -> dict[str, Any]:
    """Posts by people the viewer follows, newest first."""
    ids = await _following_ids(db, viewer_id=viewer_id, before=cursor_int(params, "id"), limit=params.limit + 1)
    items = await social.hydrate(db, viewer_id=viewer_id, post_ids=ids[:params.limit])
    for item in items:
        item["reason"] = "following"
    more = len(ids) > params.limit
    return {"items": items, "next_cursor": encode_cursor({"id": ids[params.limit - 1]}) if more else None}


async def _following_ids(db: Database, *, viewer_id: int, before: int | None, limit: int) -> list[int]:
    """Up to `limit` ids of visible posts by the viewer's follows, below `before`, newest first."""
    ids: list[int] = []
    if (await db.rows(_FOLLOWS, {"viewer": viewer_id}))[0]["n"] >= HEAVY_FOLLOWS:
        top = before if before is not None else ((await db.rows(_MAX_ID, {}))[0]["id"] or 0) + 1
        low = max(top - RECENT_WINDOW, 0)
        values = {"viewer": viewer_id, "before": top, "low": low, "limit": limit}
        ids = [row["id"] for row in await db.rows(_FOLLOWING_RECENT, values)]
        if len(ids) == limit or low == 0:
            return ids
        before = low  # the window was quiet: the rest comes from further back, by author
    values = {"viewer": viewer_id, "limit": limit - len(ids), **({"before": before} if before is not None else {})}
    return ids + [row["id"] for row in await db.rows(_FOLLOWING[before is not None], values)]


async def record_view(db: Database, *, viewer_id: int, post_id: int, fraction: float,
                      completed: bool | None) -> dict[str, Any]:
    """Keep the viewer's best watch of a post; the post counts a view on the first one and a completion on the
    first completed one. Without `completed`, watching 95% counts as completing."""
    done = fraction >= 0.95 if completed is None else completed
    async with db.write() as session:
        await get_visible(session, viewer_id=viewer_id, post_id=post_id)
        key = (View.user_id == viewer_id) & (View.post_id == post_id)
        first = await insert_new(session, View, user_id=viewer_id, post_id=post_id, watched_fraction=fraction,
                                 completed=done, created_at=time.time())
        newly_done = first and done
        if not first:
            await session.execute(update(View).where(key, View.watched_fraction < fraction)
                                  .values(watched_fraction=fraction))
            if done:
                result = await session.execute(update(View).where(key, View.completed.is_(False))
                                               .values(completed=True))
                newly_done = getattr(result, "rowcount", 0) == 1
        if first:
            await bump(session, post_id, "view_count", 1)
        if newly_done:
            await bump(session, post_id, "completion_count", 1)
        view = await session.get_one(View, (viewer_id, post_id))
        return {"post_id": post_id, "watched_fraction": view.watched_fraction, "completed": view.completed}


async def see_less(db: Database, *, viewer_id: int, post_id: int, on: bool) -> None:
    """Flag (or unflag) a post the viewer may see as "see less like this"."""
    async with db.write() as session:
        if on:
            await get_visible(session, viewer_id=viewer_id, post_id=post_id)
        await _signal(session, viewer_id=viewer_id, kind="see_less", target=post_id, on=on)


async def hide_creator(db: Database, *, viewer_id: int, handle: str, on: bool) -> None:
    """Hide (or show again) a creator's posts from the viewer's For You feed."""
    async with db.write() as session:
        target: int | None = await session.scalar(select(User.id).where(User.handle == handle.lower()))
        if target is None or await is_blocked(session, viewer_id, target):
            raise NotFound(f"No user found with handle {handle!r}", param="handle")
        if target == viewer_id:
            raise InvalidRequest(f"handle must be someone else's; {handle!r} is you", param="handle")
        await _signal(session, viewer_id=viewer_id, kind="hide_creator", target=target, on=on)


async def _signal(session: AsyncSession, *, viewer_id: int, kind: str, target: int, on: bool) -> None:
    if on:
        await insert_new(session, FeedSignal, user_id=viewer_id, kind=kind, target_id=target, created_at=time.time())
    else:
        await session.execute(delete(FeedSignal).where(
            FeedSignal.user_id == viewer_id, FeedSignal.kind == kind, FeedSignal.target_id == target))


async def feed_data(db: Database, *, user: User) -> dict[str, Any]:
    """Everything the For You feed uses about `user`."""
    signals = await db.rows(_SIGNALS, {"viewer": user.id})
    topics = await db.rows(_LIKED_TOPICS, {"viewer": user.id})
    return {
        "preferences": steering_json(await steering.load(db, user_id=user.id)),
        "see_less": [row["target_id"] for row in signals if row["kind"] == "see_less"],
        "hidden_creators": [row["handle"] for row in signals if row["kind"] == "hide_creator" and row["handle"]],
        "views": int((await db.rows(_VIEWS, {"viewer": user.id}))[0]["n"]),
        "liked_topics": [(row["caption"].strip() or row["prompt"])[:TOPIC_CHARS] for row in topics],
        "personalized": bool(user.personalized),
    }


async def clear_feed_data(db: Database, *, user_id: int) -> None:
    """Forget the viewer's steering, feed signals and views (likes and follows are theirs to undo)."""
    async with db.write() as session:
        await session.execute(delete(FeedPreference).where(FeedPreference.user_id == user_id))
        await session.execute(delete(FeedSignal).where(FeedSignal.user_id == user_id))
        await session.execute(delete(View).where(View.user_id == user_id))


def steering_json(found: steering.Steering) -> dict[str, Any]:
    return {"instruction": found.instruction, "more": found.more, "less": found.less,
            "updated_at": None if found.updated_at is None else int(found.updated_at)}
