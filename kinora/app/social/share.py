"""The post behind a share page (/p/{id}, rendered by the web app): a public post only. Anything else, a hidden
post, a missing one or no id at all, is the same NotFound, so share links reveal nothing about other posts."""

from __future__ import annotations

from typing import Any

from kinora.app.db import Database
from kinora.app.errors import NotFound
from kinora.app.social.service import hydrate


async def public_post(db: Database, *, post_id: str) -> dict[str, Any]:
    """The post JSON as a signed-out visitor sees it, or NotFound when `post_id` names no public post."""
    valid = post_id.isdigit() and len(post_id) < 10  # larger is no post id, and overflows PostgreSQL's integer
    found = await hydrate(db, viewer_id=None, post_ids=[int(post_id)]) if valid else []
    if not found:
        raise NotFound(f"No public post found with id {post_id[:20]!r}: it does not exist or is not public",
                       param="post_id")
    return found[0]
