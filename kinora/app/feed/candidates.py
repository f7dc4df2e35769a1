"""Where For You candidates come from, each read along an index so a page costs the same at a million posts:

- the shared pool: the newest POOL_SCAN public posts of the last RECENT_DAYS (ix_posts_visibility_id, an id range),
  scored for popularity and rebuilt for everyone at most every POOL_SECONDS (in the background once it exists);
  popular, steered and exploration candidates are drawn from it;
- the viewer's circle in one query: follows and mutuals, blocks both ways, feed signals, recent likes and own
  posts (primary keys);
- recent posts of people the viewer follows (the covering ix_posts_author_id_id over an id range; for someone who
  follows hundreds, the newest posts by primary key, checked against the follows);
- remix chains: remixes of, and sources of, posts the viewer liked or made (ix_posts_remix_of, primary key).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Integer, bindparam, case, exists, func, literal_column, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from kinora.app.db import Database
from kinora.app.feed import index, rank
from kinora.app.feed.models import FeedSignal, View
from kinora.app.social.models import Block, Follow, Like, Post
from kinora.app.social.service import VIEWER, ids_in, ids_param
from kinora.app.social.visibility import visible_to
from kinora.app.users.models import User

log = logging.getLogger("kinora.feed")
RECENT_DAYS, POOL_SECONDS, POOL_SCAN = 14, 30.0, 3000
POPULAR, FOLLOWED, REMIXES, STEERED, EXPLORE = 150, 100, 50, 60, 60  # ~400 candidates at most
LIKED, OWN, FOLLOWS_USED = 50, 20, 500
HEAVY_FOLLOWS, HEAVY_SCAN = 300, 5000

FLOOR: Any = bindparam("floor", type_=Integer)
POST_COLUMNS = (Post.id, Post.author_id, Post.created_at, Post.like_count, Post.comment_count, Post.remix_count,
                Post.completion_count)


@dataclass
class Pool:
    """Recent public posts, newest first, as arrays (one row per post)."""

    made_at: float
    floor: int  # the first post id of the recent window
    ids: np.ndarray  # (n,) int64
    authors: np.ndarray  # (n,) int64
    author_since: np.ndarray  # (n,) float64: when each author joined
    popularity: np.ndarray  # (n,) float64
    vectors: np.ndarray  # (n, 384) float32, zero rows for posts not embedded yet
    popular: np.ndarray  # indices of the POPULAR most popular (popularity > 0), best first

    def locate(self, post_ids: np.ndarray) -> np.ndarray:
        """The pool index of each of `post_ids`, -1 for posts not in the pool."""
        ascending = self.ids[::-1]  # ids are newest (largest) first
        at = np.clip(np.searchsorted(ascending, post_ids), 0, max(len(ascending) - 1, 0))
        found = (ascending[at] == post_ids) if len(ascending) else np.zeros(len(post_ids), bool)
        return np.where(found, len(ascending) - 1 - at, -1)


@dataclass
class Circle:
    """The viewer's relations and explicit signals."""

    follows: set[int] = field(default_factory=set)
    mutuals: set[int] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)
    hidden: set[int] = field(default_factory=set)
    see_less: list[int] = field(default_factory=list)
    liked: list[int] = field(default_factory=list)
    own: list[int] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------------------
# The shared pool


@dataclass
class _PoolState:
    pool: Pool | None = None
    task: asyncio.Task[Pool] | None = None


_pools: weakref.WeakKeyDictionary[Database, _PoolState] = weakref.WeakKeyDictionary()
_MAX_ID = select(func.max(Post.id).label("id"))
_NEXT = select(Post.id, Post.created_at).where(Post.id >= bindparam("id", type_=Integer)).order_by(Post.id).limit(1)
_RECENT_PUBLIC = (select(*POST_COLUMNS, User.created_at.label("author_since"))
                  .join(User, User.id == Post.author_id)
                  .where(Post.visibility == "public", Post.id >= FLOOR).order_by(Post.id.desc()).limit(POOL_SCAN))


async def pool(db: Database) -> Pool:
    """The shared pool; a stale one is served while a fresh one is built."""
    state = _pools.setdefault(db, _PoolState())
    if state.task is not None and state.task.done():
        task, state.task = state.task, None
        if task.exception() is None:
            state.pool = task.result()
        else:  # keep serving the last pool; the next call tries again
            log.error("could not rebuild the feed pool", exc_info=task.exception())
    stale = state.pool is None or time.time() - state.pool.made_at > POOL_SECONDS
    if stale and state.task is None:
        state.task = asyncio.ensure_future(_build(db))
    if state.pool is None:
        assert state.task is not None
        state.pool, state.task = await asyncio.shield(state.task), None
    return state.pool


def invalidate(db: Database) -> None:
    """Rebuild the pool on next use (tests; an admin after a takedown)."""
    _pools.pop(db, None)


async def _build(db: Database) -> Pool:
    # Off the event loop: the queries run on aiosqlite's thread (on SQLite), the arrays are made on another.
    now = time.time()
    async with db.read() as session:
        floor = await _floor(session, now - RECENT_DAYS * 86400)
        rows = (await session.execute(_RECENT_PUBLIC, {"floor": floor})).mappings().all()
        found = await index.vectors(db, [row["id"] for row in rows], session=session)
    return await asyncio.to_thread(_assemble, rows, found, now=now, floor=floor)


def _assemble(rows: Sequence[Mapping[Any, Any]], found: dict[int, np.ndarray], *, now: float, floor: int) -> Pool:
    columns = {key: np.array([row[key] for row in rows], np.float64) for key in (
        "id", "author_id", "created_at", "like_count", "comment_count", "remix_count", "completion_count",
        "author_since")}
    scores = rank.popularity(columns["like_count"], columns["comment_count"], columns["remix_count"],
                             columns["completion_count"], (now - columns["created_at"]) / 3600)
    ids = columns["id"].astype(np.int64)
    vectors = np.zeros((len(ids), 384), np.float32)
    for i, post_id in enumerate(ids.tolist()):
        if post_id in found:
            vectors[i] = found[post_id]
    best = np.argsort(-scores, kind="stable")[:POPULAR]
    return Pool(made_at=now, floor=floor, ids=ids, authors=columns["author_id"].astype(np.int64),
                author_since=columns["author_since"], popularity=scores, vectors=vectors,
                popular=best[scores[best] > 0])


async def _floor(session: AsyncSession, since: float) -> int:
    """The first post id published at or after `since`: a binary search over the primary key (ids follow
    publication order), a score of keyed reads instead of a scan of created_at."""
    top = await session.scalar(_MAX_ID) or 0
    low, high = 0, top + 1
    while low < high:
        middle = (low + high) // 2
        found = (await session.execute(_NEXT, {"id": middle})).first()
        if found is None or found.created_at >= since:
            high = middle
        else:
            low = middle + 1
    return low


# ------------------------------------------------------------------------------------------------------------
# The viewer's circle and the per-viewer candidate queries

_Back = aliased(Follow)
_liked = select(Like.post_id).where(Like.user_id == VIEWER).order_by(Like.post_id.desc()).limit(LIKED).subquery()
_own = select(Post.id).where(Post.author_id == VIEWER).order_by(Post.id.desc()).limit(OWN).subquery()
# Accounts followed beyond FOLLOWS_USED still reach the feed through `followed` (which flags mutuals itself);
# they only lose the relation bonus on posts that come in through the pool.
_follows = select(
    case((exists().where(_Back.follower_id == Follow.followee_id, _Back.followee_id == VIEWER),
          literal_column("'mutual'")), else_=literal_column("'follow'")).label("kind"),
    Follow.followee_id.label("id")).where(Follow.follower_id == VIEWER).limit(FOLLOWS_USED).subquery()
_parts = union_all(
    select(_follows.c.kind, _follows.c.id),
    select(literal_column("'blocked'"), Block.blocked_id).where(Block.blocker_id == VIEWER),
    select(literal_column("'blocked'"), Block.blocker_id).where(Block.blocked_id == VIEWER),
    select(FeedSignal.kind, FeedSignal.target_id).where(FeedSignal.user_id == VIEWER),
    select(literal_column("'liked'"), _liked.c.post_id),
    select(literal_column("'own'"), _own.c.id),
).subquery()
_CIRCLE = select(_parts.c.kind, _parts.c.id)

_followees = select(Follow.followee_id).where(Follow.follower_id == VIEWER)
# Most people follow few accounts: their newest posts come off the covering (author_id, id) index alone.
_by_author = (select(Post.id).where(Post.author_id.in_(_followees), Post.id >= FLOOR)
              .order_by(Post.id.desc()).limit(FOLLOWED).scalar_subquery())
# Someone following hundreds would read thousands of index entries that way; for them, the newest HEAVY_SCAN
# posts are checked against the follows instead (they post a good share of everything).
_newest = select(Post.id, Post.author_id).where(Post.id >= FLOOR).order_by(Post.id.desc()).limit(HEAVY_SCAN).subquery()
_by_recency = (select(_newest.c.id).where(_newest.c.author_id.in_(_followees)).order_by(_newest.c.id.desc())
               .limit(FOLLOWED).scalar_subquery())
_mutual = exists().where(_Back.follower_id == Post.author_id, _Back.followee_id == VIEWER).label("mutual")
_FOLLOWED = {heavy: select(*POST_COLUMNS, _mutual).where(Post.id.in_(_by_recency if heavy else _by_author),
                                                         visible_to(VIEWER)) for heavy in (False, True)}
_Source = aliased(Post)


def _remixes_of(*, sqlite: bool) -> Any:
    among = ids_in(Post.remix_of, sqlite=sqlite)
    # SQLite's statistics count all the NULLs (posts that are not remixes) as one value of ix_posts_remix_of and
    # then prefer scanning every post; the hint says the IN is selective, as it is.
    where = func.likelihood(among, literal_column("0.001")) if sqlite else among
    return select(*POST_COLUMNS).where(where, visible_to(VIEWER)).order_by(Post.id.desc()).limit(REMIXES)


_CHAIN = {sqlite: (
    _remixes_of(sqlite=sqlite),
    select(*POST_COLUMNS).where(
        Post.id.in_(select(_Source.remix_of).where(ids_in(_Source.id, sqlite=sqlite))), visible_to(VIEWER))
    .limit(REMIXES),
) for sqlite in (True, False)}
_SEEN = {sqlite: select(View.post_id).where(View.user_id == VIEWER, ids_in(View.post_id, sqlite=sqlite))
         for sqlite in (True, False)}


async def circle(db: Database, *, viewer_id: int) -> Circle:
    found = Circle()
    sets = {"follow": found.follows, "blocked": found.blocked, "hide_creator": found.hidden}
    lists = {"see_less": found.see_less, "liked": found.liked, "own": found.own}
    for row in await db.rows(_CIRCLE, {"viewer": viewer_id}):
        kind, target = row["kind"], row["id"]
        if kind == "mutual":
            found.mutuals.add(target)
            found.follows.add(target)
        elif kind in sets:
            sets[kind].add(target)
        else:
            lists[kind].append(target)
    return found


async def followed(db: Database, *, viewer_id: int, floor: int, follows: int) -> list[Any]:
    """Recent posts of people the viewer follows (`follows` of them) that the viewer may see, with a "mutual"
    flag."""
    statement = _FOLLOWED[follows >= HEAVY_FOLLOWS]
    return list(await db.rows(statement, {"viewer": viewer_id, "floor": floor}))


async def remix_chain(db: Database, *, viewer_id: int, post_ids: list[int]) -> list[Any]:
    """Visible remixes of `post_ids`, and the visible posts they remixed."""
    if not post_ids:
        return []
    params = {"viewer": viewer_id, "ids": ids_param(post_ids, sqlite=db.is_sqlite)}
    remixes, sources = _CHAIN[db.is_sqlite]
    return [*await db.rows(remixes, params), *await db.rows(sources, params)]


async def seen(db: Database, *, viewer_id: int, post_ids: list[int]) -> set[int]:
    """Those of `post_ids` the viewer has already watched."""
    if not post_ids:
        return set()
    rows = await db.rows(_SEEN[db.is_sqlite], {"viewer": viewer_id, "ids": ids_param(post_ids, sqlite=db.is_sqlite)})
    return {row["post_id"] for row in rows}
