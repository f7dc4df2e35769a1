"""Post embeddings: written when a post is published or its caption edited, read by the ranker.

Reads go through a per-process LRU (a post's vector changes only when `index_post` rewrites it, and that evicts
it here), so a warm For You page fetches only the vectors of posts it has never ranked, in one query.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.db import Database
from kinora.app.feed import embed
from kinora.app.feed.models import PostEmbedding
from kinora.app.social.service import ids_in, ids_param

log = logging.getLogger("kinora.feed")
CACHED_VECTORS = 100_000  # float16 rows of 768 bytes (+ ~150 bytes of bookkeeping): ~90 MiB at most

# Per database: tests run several apps (and so several databases with the same post ids) in one process.
_caches: weakref.WeakKeyDictionary[Database, OrderedDict[int, np.ndarray]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_BY_IDS = {sqlite: select(PostEmbedding.post_id, PostEmbedding.vector)
           .where(ids_in(PostEmbedding.post_id, sqlite=sqlite)) for sqlite in (True, False)}


def post_text(prompt: str, caption: str) -> str:
    """What a post is about, as the ranker reads it."""
    return f"{caption.strip()}. {prompt.strip()}" if caption.strip() else prompt.strip()


async def index_post(db: Database, *, post_id: int, text: str) -> None:
    """Embed `text` off the event loop and store it as post `post_id`'s vector. Never raises: a post without
    a vector is ranked neutrally, and a later run can fill it in."""
    try:
        vector = (await asyncio.to_thread(embed.embed, [text]))[0]
        async with db.write() as session:
            row = await session.get(PostEmbedding, post_id)
            if row is None:
                session.add(PostEmbedding(post_id=post_id, vector=embed.to_blob(vector)))
            else:
                row.vector = embed.to_blob(vector)
        forget(db, [post_id])
    except Exception:
        log.exception("could not index post %s for the feed", post_id)


def forget(db: Database, post_ids: Iterable[int]) -> None:
    """Drop cached vectors (after a re-index, or when posts are deleted)."""
    with _lock:
        cache = _caches.get(db)
        for post_id in post_ids:
            if cache is not None:
                cache.pop(post_id, None)


async def vectors(db: Database, post_ids: list[int], *, session: AsyncSession | None = None) -> dict[int, np.ndarray]:
    """The float16 unit vectors of those of `post_ids` that have one (read through `session` when given)."""
    found: dict[int, np.ndarray] = {}
    with _lock:
        cache = _caches.setdefault(db, OrderedDict())
        for post_id in post_ids:
            hit = cache.get(post_id)
            if hit is not None:
                found[post_id] = hit
    missing = [post_id for post_id in post_ids if post_id not in found]
    if missing:
        params = {"ids": ids_param(missing, sqlite=db.is_sqlite)}
        statement = _BY_IDS[db.is_sqlite]
        rows: Sequence[Mapping[Any, Any]]
        if session is None:
            rows = await db.rows(statement, params)
        else:
            rows = (await session.execute(statement, params)).mappings().all()
        fresh = {row["post_id"]: np.frombuffer(row["vector"], dtype=np.float16) for row in rows}
        found.update(fresh)
        _remember(cache, fresh)
    return found


def _remember(cache: OrderedDict[int, np.ndarray], fresh: dict[int, np.ndarray]) -> None:
    with _lock:
        cache.update(fresh)
        for post_id in fresh:
            cache.move_to_end(post_id)
        while len(cache) > CACHED_VECTORS:
            cache.popitem(last=False)
