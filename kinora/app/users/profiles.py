"""Public profiles: the person, their counts and how they relate to the viewer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.errors import NotFound
from kinora.app.social import service as social
from kinora.app.social.models import Block, Follow, Post
from kinora.app.social.visibility import follows, visible_to
from kinora.app.users.models import User


async def find(session: AsyncSession, *, handle: str, viewer_id: int | None) -> User:
    """The user called `handle` (any case), unless they blocked the viewer: then, as for nobody, NotFound."""
    user: User | None = await session.scalar(select(User).where(User.handle == handle.strip().lower()))
    if user is None or (viewer_id is not None and await _blocks(session, user.id, viewer_id)):
        raise NotFound(f"No user found with handle {handle!r}", param="handle")
    return user


async def profile(session: AsyncSession, *, handle: str, viewer_id: int | None) -> dict[str, Any]:
    user = await find(session, handle=handle, viewer_id=viewer_id)
    counts = select(
        select(func.count()).where(Follow.followee_id == user.id).scalar_subquery().label("followers"),
        select(func.count()).where(Follow.follower_id == user.id).scalar_subquery().label("following"),
        select(func.count()).where(Post.author_id == user.id, visible_to(viewer_id))
        .scalar_subquery().label("posts"),
    )
    found = (await session.execute(counts)).one()
    relation = await _relation(session, user.id, viewer_id)
    return {**social.user_of(user), "follower_count": found.followers, "following_count": found.following,
            "post_count": found.posts, **relation}


async def _relation(session: AsyncSession, user_id: int, viewer_id: int | None) -> dict[str, bool]:
    if viewer_id is None or viewer_id == user_id:
        return {"is_following": False, "follows_you": False, "is_mutual": False, "blocked": False}
    row = (await session.execute(select(follows(viewer_id, user_id).label("out"),
                                        follows(user_id, viewer_id).label("back")))).one()
    following, back = bool(row.out), bool(row.back)
    return {"is_following": following, "follows_you": back, "is_mutual": following and back,
            "blocked": await _blocks(session, viewer_id, user_id)}


async def _blocks(session: AsyncSession, blocker_id: int, blocked_id: int) -> bool:
    found = await session.get(Block, (blocker_id, blocked_id))
    return found is not None
