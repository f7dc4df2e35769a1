"""Likes: idempotent both ways; the author hears about the first like of each person once."""

from __future__ import annotations

import time

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.social import notifications
from kinora.app.social.models import Like
from kinora.app.social.visibility import get_visible
from kinora.app.social.writes import bump, insert_new


async def like(session: AsyncSession, *, viewer_id: int, post_id: int) -> None:
    post = await get_visible(session, viewer_id=viewer_id, post_id=post_id)
    if not await insert_new(session, Like, user_id=viewer_id, post_id=post.id, created_at=time.time()):
        return
    await bump(session, post.id, "like_count", 1)
    if not await notifications.notified_before(session, user_id=post.author_id, actor_id=viewer_id, type="like",
                                               post_id=post.id):
        await notifications.notify(session, user_id=post.author_id, actor_id=viewer_id, type="like",
                                   post_id=post.id)


async def unlike(session: AsyncSession, *, viewer_id: int, post_id: int) -> None:
    post = await get_visible(session, viewer_id=viewer_id, post_id=post_id)
    result = await session.execute(delete(Like).where(Like.user_id == viewer_id, Like.post_id == post.id))
    if getattr(result, "rowcount", 0) == 1:
        await bump(session, post.id, "like_count", -1)
