"""The For You feed: gather candidates, drop what must not show, score, arrange, and page through the result.

A viewer's ranked list is made once and kept in this process for LIST_SECONDS under a random token; the cursor
carries the token and an offset, so later pages cost one hydration. A cursor whose list is gone ranks afresh and
starts over: posts already watched are filtered, so that rarely repeats anything.
"""

from __future__ import annotations

import secrets
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from kinora.app.db import Database
from kinora.app.errors import InvalidRequest
from kinora.app.feed import candidates, index, rank, steering, wellbeing
from kinora.app.feed.candidates import Circle, Pool
from kinora.app.pages import PageParams, encode_cursor
from kinora.app.social import service as social
from kinora.app.users.ages import is_teen
from kinora.app.users.models import User
from kinora.config import Settings

LIST_SECONDS, LISTS_KEPT, SEE_LESS_USED = 300.0, 20_000, 100  # a kept list is ~4 KB
TEEN_EXPLORE_AGE = 7 * 86400  # teens explore only accounts older than a week (new accounts are unreviewed)
ENDS = {
    "daily_limit": "That's all for today. Come back tomorrow.",
    "continuous_scroll_off": "That's all for now. Continuous scroll is turned off for this account.",
    "caught_up": "You're all caught up.",
}


@dataclass
class Ranked:
    viewer_id: int
    ids: np.ndarray  # (n,) post ids in feed order
    reasons: np.ndarray  # (n,) codes into rank.REASONS
    expires: float
    version: int  # of the viewer's feed settings when ranked
    personalized: bool


_lists: weakref.WeakKeyDictionary[Database, OrderedDict[str, Ranked]] = weakref.WeakKeyDictionary()
_rng = np.random.default_rng()  # one per process: seeding a new one costs more than the draws
_versions: weakref.WeakKeyDictionary[Database, dict[int, int]] = weakref.WeakKeyDictionary()


def changed(db: Database, viewer_id: int) -> None:
    """The viewer changed what the feed uses (steering, "see less", hidden creators): lists ranked before are
    not paged through any further."""
    versions = _versions.setdefault(db, {})
    versions[viewer_id] = versions.get(viewer_id, 0) + 1


async def page(db: Database, *, user: User, settings: Settings, params: PageParams) -> dict[str, Any]:
    """One For You page: {"items", "next_cursor", "end", "check_in"}."""
    teen, first = is_teen(user), params.cursor is None
    check_in = first and await wellbeing.checkin_due(db, user=user, every_days=settings.checkin_days)
    if not user.continuous_scroll and not first:
        return _body([], None, "continuous_scroll_off", check_in)
    room, day = params.limit, wellbeing.today()
    if teen:
        room = min(room, settings.teen_feed_items_per_day - await wellbeing.feed_served(db, user_id=user.id, day=day))
        if room <= 0:
            return _body([], None, "daily_limit", check_in)
    token, offset, kept = await _list(db, user=user, cursor=params.cursor)
    chunk = rank.named(kept.ids[offset:offset + room], kept.reasons[offset:offset + room])
    reasons = dict(chunk)
    items = await social.hydrate(db, viewer_id=user.id, post_ids=[post_id for post_id, _ in chunk])
    end = None if offset + len(chunk) < len(kept.ids) else "caught_up"
    if teen:
        granted, served = await wellbeing.serve(db, user_id=user.id, day=day, wanted=len(items),
                                                cap=settings.teen_feed_items_per_day)
        items = items[:granted]
        end = "daily_limit" if served >= settings.teen_feed_items_per_day else end
    end = "continuous_scroll_off" if not user.continuous_scroll else end
    for item in items:
        item["reason"] = reasons[item["id"]]
    next_cursor = None if end else encode_cursor({"t": token, "o": offset + len(chunk)})
    return _body(items, next_cursor, end, check_in)


def _body(items: list[dict[str, Any]], next_cursor: str | None, end: str | None, check_in: bool) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor,
            "end": None if end is None else {"reason": end, "message": ENDS[end]}, "check_in": check_in}


async def _list(db: Database, *, user: User, cursor: dict[str, Any] | None) -> tuple[str, int, Ranked]:
    """(token, offset, list): the cursor's list when it is still kept, else a fresh ranking from the top."""
    kept = _lists.setdefault(db, OrderedDict())
    version = _versions.get(db, {}).get(user.id, 0)
    if cursor is not None:
        token, offset = cursor.get("t"), cursor.get("o")
        if not isinstance(token, str) or not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
            raise InvalidRequest("cursor must be a next_cursor the For You feed returned", param="cursor")
        found = kept.get(token)
        if found is not None and _current(found, user, version):
            return token, offset, found
    ids, reasons = await ranked(db, user=user)
    token = secrets.token_urlsafe(12)
    kept[token] = Ranked(user.id, ids, reasons, time.monotonic() + LIST_SECONDS, version, user.personalized)
    while len(kept) > LISTS_KEPT or next(iter(kept.values())).expires <= time.monotonic():
        kept.popitem(last=False)
    return token, 0, kept[token]


def _current(found: Ranked, user: User, version: int) -> bool:
    return (found.viewer_id == user.id and found.version == version and found.personalized == user.personalized
            and found.expires > time.monotonic())


async def ranked(db: Database, *, user: User) -> tuple[np.ndarray, np.ndarray]:
    """(post ids, reason codes) of every candidate the viewer may be shown, in feed order."""
    pool, circle = await candidates.pool(db), await candidates.circle(db, viewer_id=user.id)
    personal = user.personalized
    known = _Known.of(circle if personal else Circle())
    taste = await _taste(db, user_id=user.id, circle=circle) if personal else _no_taste()
    parts = [_from_pool(pool, pool.popular, rank.POPULAR, known)]
    if personal:
        followed = await candidates.followed(db, viewer_id=user.id, floor=pool.floor, follows=len(circle.follows))
        chain = await candidates.remix_chain(db, viewer_id=user.id, post_ids=circle.liked + circle.own)
        mutual = np.array([bool(row["mutual"]) for row in followed], bool)
        parts += [_from_rows(followed, np.where(mutual, rank.MUTUAL, rank.FOLLOWING)),
                  _from_rows(chain, known.reasons(_authors(chain), rank.REMIX)),
                  _from_pool(pool, _steered(pool, taste), rank.STEERED, known)]
    found = rank.unique(rank.Batch.concat(parts))
    explore = _from_pool(pool, _explore(pool, known, found.ids, teen=is_teen(user)), rank.EXPLORE, _Known.of(Circle()))
    batch = await _filter(db, user=user, circle=circle, batch=rank.Batch.concat([found, explore]))
    return rank.feed_order(batch, await _vectors(db, pool, batch.ids), taste, _rng)


@dataclass
class _Known:
    follows: np.ndarray
    mutuals: np.ndarray

    @staticmethod
    def of(circle: Circle) -> _Known:
        return _Known(np.fromiter(circle.follows, np.int64), np.fromiter(circle.mutuals, np.int64))

    def reasons(self, authors: np.ndarray, default: int) -> np.ndarray:
        """`default`, or the relation to the author when there is one."""
        reasons = np.full(len(authors), default, np.int64)
        reasons[np.isin(authors, self.follows)] = rank.FOLLOWING
        reasons[np.isin(authors, self.mutuals)] = rank.MUTUAL
        return reasons


def _from_pool(pool: Pool, index: np.ndarray, reason: int, known: _Known) -> rank.Batch:
    authors = pool.authors[index]
    return rank.Batch(pool.ids[index], authors, known.reasons(authors, reason), pool.popularity[index])


def _authors(rows: list[Any]) -> np.ndarray:
    return np.array([row["author_id"] for row in rows], np.int64)


def _from_rows(rows: list[Any], reasons: np.ndarray) -> rank.Batch:
    def column(key: str) -> np.ndarray:
        return np.array([row[key] for row in rows], np.float64)

    scores = rank.popularity(column("like_count"), column("comment_count"), column("remix_count"),
                             column("completion_count"), (time.time() - column("created_at")) / 3600)
    return rank.Batch(np.array([row["id"] for row in rows], np.int64), _authors(rows),
                      reasons.astype(np.int64), scores)


async def _vectors(db: Database, pool: Pool, post_ids: np.ndarray) -> np.ndarray:
    """(n, 384) float32 vectors of `post_ids`: the pool's rows where it has them, the rest from the index."""
    where = pool.locate(post_ids)
    rows = pool.vectors[np.maximum(where, 0)] if len(pool.ids) else np.zeros((len(post_ids), 384), np.float32)
    missing = np.flatnonzero(where < 0)
    if len(missing):
        rows[missing] = await _matrix(db, post_ids[missing].tolist())
    return rows


async def _matrix(db: Database, post_ids: list[int]) -> np.ndarray:
    """(n, 384) float32 vectors of `post_ids`, zero rows for posts not embedded yet."""
    found = await index.vectors(db, post_ids)
    rows = np.zeros((len(post_ids), 384), np.float32)
    present = [i for i, post_id in enumerate(post_ids) if post_id in found]
    if present:
        rows[present] = np.stack([found[post_ids[i]] for i in present])
    return rows


def _steered(pool: Pool, taste: rank.Taste) -> np.ndarray:
    """Pool posts closest to the viewer's "more" phrases."""
    if len(taste.more) == 0 or len(pool.ids) == 0:
        return np.zeros(0, np.int64)
    closeness = rank.max_similarity(pool.vectors, taste.more)
    best = np.argsort(-closeness, kind="stable")[:candidates.STEERED]
    return best[closeness[best] >= rank.STEERED_AT]


def _explore(pool: Pool, known: _Known, taken: np.ndarray, *, teen: bool) -> np.ndarray:
    """A random sample of recent public posts from outside the viewer's circle and the other candidates."""
    rng = _rng
    # Sample first and filter the sample: a pool of thousands costs no more than the handful drawn from it.
    drawn = rng.permutation(len(pool.ids)) if len(pool.ids) <= 8 * candidates.EXPLORE else np.unique(
        rng.integers(0, len(pool.ids), 8 * candidates.EXPLORE))
    drawn = drawn[~np.isin(pool.authors[drawn], known.follows) & ~np.isin(pool.ids[drawn], taken)]
    if teen:
        drawn = drawn[pool.author_since[drawn] <= time.time() - TEEN_EXPLORE_AGE]
    return rng.permutation(drawn)[:candidates.EXPLORE]


async def _filter(db: Database, *, user: User, circle: Circle, batch: rank.Batch) -> rank.Batch:
    """Drop the viewer's own posts, blocked and hidden authors, and posts already watched."""
    away = np.fromiter(circle.blocked | circle.hidden | {user.id}, np.int64)
    batch = batch.take(np.flatnonzero(~np.isin(batch.authors, away)))
    watched = await candidates.seen(db, viewer_id=user.id, post_ids=batch.ids.tolist())
    return batch.take(np.flatnonzero(~np.isin(batch.ids, np.fromiter(watched, np.int64))))


async def _taste(db: Database, *, user_id: int, circle: Circle) -> rank.Taste:
    flagged_ids = circle.see_less[-SEE_LESS_USED:]
    vectors = await index.vectors(db, circle.liked + flagged_ids)
    liked = [vectors[i].astype(np.float32) for i in circle.liked if i in vectors]
    flagged = [vectors[i].astype(np.float32) for i in flagged_ids if i in vectors]
    mean = np.mean(liked, axis=0) if liked else None
    more, less = await steering.vectors(db, user_id=user_id)
    return rank.Taste(liked=None if mean is None else mean / max(float(np.linalg.norm(mean)), 1e-6),
                      more=more, less=less,
                      see_less=np.stack(flagged) if flagged else np.zeros((0, 384), np.float32))


def _no_taste() -> rank.Taste:
    empty = np.zeros((0, 384), np.float32)
    return rank.Taste(liked=None, more=empty, less=empty, see_less=empty)
