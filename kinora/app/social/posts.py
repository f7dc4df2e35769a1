"""Publishing drafts as posts, editing and deleting them, and the lists built from posts: a profile's grid and
remix lineage in both directions. Reads filter through `visible_to`; writes are the author's alone."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.errors import InvalidRequest, InvalidState, NotFound
from kinora.app.generations.models import COMPLETED, Generation
from kinora.app.moderation.service import ensure_active
from kinora.app.social import mentions, notifications
from kinora.app.social.models import Post
from kinora.app.social.schemas import PostUpdate
from kinora.app.social.visibility import get_visible, visible_to
from kinora.app.social.writes import bump
from kinora.app.users import ages
from kinora.app.users.models import User

MAX_CAPTION = 2200
MAX_LINEAGE = 50  # ancestors shown; chains are rarely deeper, and a bound keeps one request small


def check_caption(caption: str) -> str:
    if len(caption) > MAX_CAPTION:
        raise InvalidRequest(f"caption must be at most {MAX_CAPTION} characters; got {len(caption)}",
                             param="caption")
    return caption


async def publish(session: AsyncSession, *, author: User, generation_id: str, caption: str,
                  visibility: str | None, allow_remix: bool) -> tuple[Post, str]:
    """Make a post of the author's completed, unpublished generation; returns it with its prompt. Teen accounts
    post to followers unless they choose otherwise."""
    ensure_active(author, time.time())
    gen = await _draft(session, owner_id=author.id, generation_id=generation_id)
    post = Post(author_id=author.id, generation_id=gen.id, caption=check_caption(caption),
                visibility=visibility or ("followers" if ages.is_teen(author) else "public"),
                allow_remix=allow_remix, created_at=time.time())
    if gen.remix_of_post is not None and await session.get(Post, gen.remix_of_post) is not None:
        post.remix_of = gen.remix_of_post
    session.add(post)
    await session.flush()
    told: set[int] = set()
    if post.remix_of is not None:
        await bump(session, post.remix_of, "remix_count", 1)
        source_author = await session.scalar(select(Post.author_id).where(Post.id == post.remix_of))
        if source_author is not None and await notifications.notify(
                session, user_id=source_author, actor_id=author.id, type="remix", post_id=post.id):
            told.add(source_author)
    await mentions.notify(session, text=caption, actor_id=author.id, post_id=post.id, skip=told)
    return post, gen.prompt


async def _draft(session: AsyncSession, *, owner_id: int, generation_id: str) -> Generation:
    gen: Generation | None = await session.scalar(
        select(Generation).where(Generation.id == generation_id, Generation.owner_id == owner_id))
    if gen is None:
        raise NotFound(f"No generation found with id {generation_id!r}", param="generation_id")
    if gen.status != COMPLETED:
        raise InvalidState(f"generation {generation_id} is {gen.status}; only completed generations can be posted",
                           param="generation_id")
    existing = await session.scalar(select(Post.id).where(Post.generation_id == gen.id))
    if existing is not None:
        raise InvalidRequest(f"generation_id {generation_id!r} is already published as post {existing}",
                             param="generation_id")
    return gen


async def own(session: AsyncSession, *, viewer_id: int, post_id: int) -> Post:
    """The viewer's own post; anyone else's is NotFound, as if it did not exist."""
    post: Post | None = await session.scalar(select(Post).where(Post.id == post_id, Post.author_id == viewer_id))
    if post is None:
        raise NotFound(f"No post found with id {post_id}", param="post_id")
    return post


async def update(session: AsyncSession, *, viewer_id: int, post_id: int, changes: PostUpdate) -> tuple[Post, bool]:
    """Apply the given changes; returns the post and whether its caption changed (its text is re-indexed)."""
    post = await own(session, viewer_id=viewer_id, post_id=post_id)
    old_caption = post.caption
    wanted = changes.model_dump(exclude_none=True)
    if "caption" in wanted:
        check_caption(wanted["caption"])
    if any(getattr(post, name) != value for name, value in wanted.items()):
        for name, value in wanted.items():
            setattr(post, name, value)
        post.edited_at = time.time()
        await session.flush()
    if post.caption != old_caption:
        already = set(mentions.handles(old_caption))
        fresh = " ".join(f"@{h}" for h in mentions.handles(post.caption) if h not in already)
        await mentions.notify(session, text=fresh, actor_id=viewer_id, post_id=post.id)
    return post, post.caption != old_caption


async def delete(session: AsyncSession, *, viewer_id: int, post_id: int) -> None:
    await remove(session, await own(session, viewer_id=viewer_id, post_id=post_id))


async def remove(session: AsyncSession, post: Post) -> None:
    """Delete the post (its likes, comments and notifications go with it); its generation stays, as a draft."""
    if post.remix_of is not None:
        await bump(session, post.remix_of, "remix_count", -1)
    await session.delete(post)
    await session.flush()


async def prompt_of(session: AsyncSession, post: Post) -> str:
    prompt: str | None = await session.scalar(select(Generation.prompt).where(Generation.id == post.generation_id))
    return prompt or ""


async def media_key(session: AsyncSession, *, viewer_id: int | None, post_id: int) -> tuple[str, bool]:
    """Where the post's files are stored, and whether the post is public, if the viewer may see it."""
    row = (await session.execute(
        select(Generation.output_key, Post.visibility).join(Post, Post.generation_id == Generation.id)
        .where(Post.id == post_id, visible_to(viewer_id)))).first()
    if row is None or row.output_key is None:
        raise NotFound(f"No post found with id {post_id}", param="post_id")
    return row.output_key, row.visibility == "public"


async def by_author(session: AsyncSession, *, viewer_id: int | None, author_id: int, before: int | None,
                    limit: int) -> list[int]:
    """Ids of the author's posts the viewer may see, newest first (limit + 1 of them, to know if more follow)."""
    return await _ids(session, viewer_id, before, limit, Post.author_id == author_id)


async def remixes_by(session: AsyncSession, *, viewer_id: int | None, author_id: int, before: int | None,
                     limit: int) -> list[int]:
    """Ids of the author's remixes the viewer may see, newest first (limit + 1 of them)."""
    return await _ids(session, viewer_id, before, limit, Post.author_id == author_id, Post.remix_of.is_not(None))


async def remixes(session: AsyncSession, *, viewer_id: int | None, post_id: int, before: int | None,
                  limit: int) -> list[int]:
    """Ids of the visible remixes of a post the viewer may see, newest first."""
    await get_visible(session, viewer_id=viewer_id, post_id=post_id)
    return await _ids(session, viewer_id, before, limit, Post.remix_of == post_id)


async def _ids(session: AsyncSession, viewer_id: int | None, before: int | None, limit: int, *where: Any) -> list[int]:
    query = select(Post.id).where(*where, visible_to(viewer_id))
    if before is not None:
        query = query.where(Post.id < before)
    return list(await session.scalars(query.order_by(Post.id.desc()).limit(limit + 1)))


async def ancestors(session: AsyncSession, *, viewer_id: int | None, post_id: int) -> tuple[list[int], int]:
    """The post's remix sources, nearest first, up to the first the viewer may not see; and its remix count."""
    post = await get_visible(session, viewer_id=viewer_id, post_id=post_id)
    found: list[int] = []
    source = post.remix_of
    while source is not None and source not in found and len(found) < MAX_LINEAGE:
        row = (await session.execute(select(Post.id, Post.remix_of).where(Post.id == source,
                                                                          visible_to(viewer_id)))).first()
        if row is None:
            break
        found.append(row.id)
        source = row.remix_of
    return found, post.remix_count
