"""Search people by handle or display name and posts by caption or prompt (case-insensitive substring match).
Only posts the viewer may see, and nobody blocked either way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.errors import InvalidRequest
from kinora.app.generations.models import Generation
from kinora.app.social.models import Post
from kinora.app.social.service import USER_COLUMNS
from kinora.app.social.visibility import blocked, visible_to
from kinora.app.users.models import User

MIN_QUERY, MAX_QUERY = 2, 100
USERS_SHOWN = 10


def pattern(q: str) -> str:
    """A LIKE pattern matching `q` anywhere, with LIKE's own wildcards taken literally."""
    q = q.strip()
    if not MIN_QUERY <= len(q) <= MAX_QUERY:
        raise InvalidRequest(f"q must be {MIN_QUERY}-{MAX_QUERY} characters; got {len(q)}", param="q")
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def users(session: AsyncSession, *, viewer_id: int | None, like: str) -> Sequence[Mapping[Any, Any]]:
    query = select(*USER_COLUMNS).where(or_(User.handle.ilike(like, escape="\\"),
                                            User.display_name.ilike(like, escape="\\")))
    if viewer_id is not None:
        query = query.where(~blocked(viewer_id, User.id))
    return list((await session.execute(query.order_by(User.handle).limit(USERS_SHOWN))).mappings())


async def post_ids(session: AsyncSession, *, viewer_id: int | None, like: str, before: int | None,
                   limit: int) -> list[int]:
    """Ids of visible posts whose caption or prompt matches, newest first (limit + 1)."""
    query = (select(Post.id).join(Generation, Generation.id == Post.generation_id)
             .where(or_(Post.caption.ilike(like, escape="\\"), Generation.prompt.ilike(like, escape="\\")),
                    visible_to(viewer_id)))
    if before is not None:
        query = query.where(Post.id < before)
    return list(await session.scalars(query.order_by(Post.id.desc()).limit(limit + 1)))
