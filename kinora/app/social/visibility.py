"""Who may see a post. Every read of posts (feeds, profiles, lineage, notifications, share pages, search) filters
through `visible_to`, so a post never shows to someone its visibility excludes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.errors import NotFound
from kinora.app.social.models import Block, Follow, Post


def follows(follower: Any, followee: Any) -> Any:
    return exists().where(Follow.follower_id == follower, Follow.followee_id == followee)


def blocked(a: Any, b: Any) -> Any:
    """Either of the two blocked the other: block hides both ways."""
    return exists().where(or_(and_(Block.blocker_id == a, Block.blocked_id == b),
                              and_(Block.blocker_id == b, Block.blocked_id == a)))


def visible_to(viewer_id: int | None) -> Any:
    """A WHERE clause over `Post`: the posts `viewer_id` (None: signed out) may see."""
    if viewer_id is None:
        return Post.visibility == "public"
    return or_(
        Post.author_id == viewer_id,
        # Two uncorrelated NOT INs, not `~blocked(...)`: PostgreSQL builds each once per statement (a hashed
        # SubPlan) instead of probing the blocks index for every post row (benchmarks/feed.py: 80k -> 650 buffers).
        and_(Post.author_id.not_in(select(Block.blocked_id).where(Block.blocker_id == viewer_id)),
             Post.author_id.not_in(select(Block.blocker_id).where(Block.blocked_id == viewer_id)), or_(
            Post.visibility == "public",
            and_(Post.visibility == "followers", follows(viewer_id, Post.author_id)),
            and_(Post.visibility == "mutuals", follows(viewer_id, Post.author_id), follows(Post.author_id, viewer_id)),
        )),
    )


async def get_visible(session: AsyncSession, *, viewer_id: int | None, post_id: int) -> Post:
    """The post, if `viewer_id` may see it; otherwise NotFound, exactly as for a post that does not exist."""
    post: Post | None = await session.scalar(select(Post).where(Post.id == post_id, visible_to(viewer_id)))
    if post is None:
        raise NotFound(f"No post found with id {post_id}", param="post_id")
    return post


async def is_blocked(session: AsyncSession, a: int, b: int) -> bool:
    return bool(await session.scalar(select(blocked(a, b))))
