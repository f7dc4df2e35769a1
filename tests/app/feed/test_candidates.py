"""The shared candidate pool: recent public posts only (the id floor found by binary search), rebuilt in the
background once stale, and located by id.

Run: .venv/bin/pytest tests/app/feed/test_candidates.py -q
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np
from sqlalchemy import update

from kinora.app.feed import candidates
from kinora.app.social.models import Post
from tests.app.feed.helpers import refresh
from tests.community import execute


def _pool(community: Any) -> candidates.Pool:
    pool: candidates.Pool = community.run(candidates.pool(community.services.db))
    return pool


def test_pool_holds_recent_public_posts(community: Any) -> None:
    community.join("ava")
    old = [community.post("ava", f"old {i}")["id"] for i in range(3)]
    execute(community, update(Post).where(Post.id.in_(old)).values(created_at=time.time() - 20 * 86400))
    recent = [community.post("ava", f"recent {i}")["id"] for i in range(3)]
    hidden = community.post("ava", "followers only", visibility="followers")["id"]
    community.clients["ava"].post(f"/api/posts/{recent[0]}/view", json={"watched_fraction": 1.0})
    refresh(community)
    pool = _pool(community)
    assert pool.floor == recent[0] and pool.ids.tolist() == sorted(recent, reverse=True)
    assert hidden not in pool.ids and not set(old) & set(pool.ids.tolist())
    assert pool.popular.tolist() == [pool.ids.tolist().index(recent[0])]  # the only one with engagement
    assert pool.vectors.shape == (3, 384) and np.allclose(np.linalg.norm(pool.vectors, axis=1), 1, atol=1e-2)
    where = pool.locate(np.array([recent[1], old[0], 10**6, recent[2]], np.int64))
    assert pool.ids[where[[0, 3]]].tolist() == [recent[1], recent[2]] and where[[1, 2]].tolist() == [-1, -1]


def test_stale_pool_is_served_while_a_fresh_one_is_built(community: Any) -> None:
    community.join("bix")
    first = community.post("bix", "first")["id"]
    refresh(community)
    assert first in _pool(community).ids
    later = community.post("bix", "later")["id"]
    assert later not in _pool(community).ids  # kept for POOL_SECONDS
    _pool(community).made_at -= candidates.POOL_SECONDS + 1
    assert later not in _pool(community).ids  # stale: still served, while the rebuild runs

    async def settled() -> candidates.Pool:
        await asyncio.sleep(0.5)
        return await candidates.pool(community.services.db)

    assert later in community.run(settled()).ids


def test_empty_pool() -> None:
    pool = candidates._assemble([], {}, now=time.time(), floor=1)
    assert len(pool.ids) == 0 and pool.vectors.shape == (0, 384) and len(pool.popular) == 0
    assert pool.locate(np.array([1, 2], np.int64)).tolist() == [-1, -1]
