"""Account deletion: every row the account owns goes (the foreign keys cascade), other people's counters are
corrected first, and the media files follow once the database has committed."""

from __future__ import annotations

from sqlalchemy import Table, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.cameos import oversight
from kinora.app.cameos.models import Cameo
from kinora.app.db import Database
from kinora.app.errors import InvalidRequest
from kinora.app.feed.models import FeedSignal
from kinora.app.generations.models import Generation
from kinora.app.social.models import Comment, Like, Post
from kinora.app.storage import LocalStorage
from kinora.app.users import passwords
from kinora.app.users.models import User
from kinora.config import Settings

POSTS: Table = Post.__table__  # type: ignore[assignment]
_DECREMENT = {name: update(POSTS).where(POSTS.c.id == bindparam("post"))
              .values({name: POSTS.c[name] - bindparam("gone")}) for name in ("comment_count", "remix_count")}


async def delete_account(db: Database, storage: LocalStorage, *, settings: Settings, user: User,
                         password: str) -> None:
    if not await passwords.verify(user.password_hash, password):
        raise InvalidRequest("password does not match your password", param="password")
    async with db.write() as session:
        for cameo in await session.scalars(select(Cameo).where(Cameo.owner_id == user.id)):
            await oversight.delete_cameo(session, settings=settings, storage=storage, cameo=cameo)
        keys = await media_keys(session, user_id=user.id)
        await fix_counters(session, user_id=user.id)
        await forget(session, user_id=user.id)
        await session.execute(delete(User).where(User.id == user.id))
    for key in keys:
        storage.delete(key)
    await db.scrub()


async def media_keys(session: AsyncSession, *, user_id: int) -> list[str]:
    gens = await session.scalars(select(Generation.id).where(Generation.owner_id == user_id))
    return [f"{folder}/{gen_id}" for gen_id in gens for folder in ("videos", "inputs")] + [f"avatars/{user_id}"]


async def fix_counters(session: AsyncSession, *, user_id: int) -> None:
    """Take the account's likes, comments (with the replies to them, which cascade) and remixes off the counters
    of other people's posts; its own posts go entirely."""
    liked = select(Like.post_id).join(Post, Post.id == Like.post_id).where(Like.user_id == user_id,
                                                                           Post.author_id != user_id)
    await session.execute(update(POSTS).where(POSTS.c.id.in_(liked)).values(like_count=POSTS.c.like_count - 1))
    mine = select(Comment.id).where(Comment.author_id == user_id)
    comments = (select(Comment.post_id, func.count()).join(Post, Post.id == Comment.post_id)
                .where(or_(Comment.author_id == user_id, Comment.parent_id.in_(mine)), Post.author_id != user_id)
                .group_by(Comment.post_id))
    source = Post.__table__.alias("source")
    remixes = (select(Post.remix_of, func.count()).join(source, source.c.id == Post.remix_of)
               .where(Post.author_id == user_id, source.c.author_id != user_id).group_by(Post.remix_of))
    for name, counts in (("comment_count", comments), ("remix_count", remixes)):
        found = [{"post": post_id, "gone": n} for post_id, n in await session.execute(counts)]
        if found:
            await session.execute(_DECREMENT[name], found)


async def forget(session: AsyncSession, *, user_id: int) -> None:
    """References by plain id, which no foreign key cascades (SQLite may hand the ids out again)."""
    await session.execute(delete(FeedSignal).where(FeedSignal.kind == "hide_creator", FeedSignal.target_id == user_id))
    posts = select(Post.id).where(Post.author_id == user_id)
    await session.execute(update(Generation).where(Generation.remix_of_post.in_(posts)).values(remix_of_post=None)
                          .execution_options(synchronize_session=False))
