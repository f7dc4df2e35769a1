"""Comments, one reply level deep. The post's comment_count counts replies too. Comments of people blocked
either way are hidden from each other, like their posts."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.errors import InvalidRequest, NotFound
from kinora.app.moderation.service import ensure_active
from kinora.app.social import mentions, notifications
from kinora.app.social.models import Comment, Post
from kinora.app.social.service import USER_COLUMNS, user_public
from kinora.app.social.visibility import blocked, get_visible, visible_to
from kinora.app.social.writes import bump
from kinora.app.users.models import User

MAX_TEXT = 1000
REPLIES_SHOWN = 3  # replies inlined under each top-level comment; the rest are one request away
_COLUMNS = (Comment.id, Comment.post_id, Comment.parent_id, Comment.text, Comment.created_at, Comment.edited_at,
            *(column.label(f"a_{column.key}") for column in USER_COLUMNS))


def check_text(text: str) -> str:
    text = text.strip()
    if not 1 <= len(text) <= MAX_TEXT:
        raise InvalidRequest(f"text must be 1-{MAX_TEXT} characters (not only spaces); got {len(text)}",
                             param="text")
    return text


def comment_json(row: Mapping[Any, Any]) -> dict[str, Any]:
    edited = row["edited_at"]
    return {"id": row["id"], "post_id": row["post_id"], "parent_id": row["parent_id"],
            "author": user_public(row, "a_"), "text": row["text"], "created_at": int(row["created_at"]),
            "edited_at": None if edited is None else int(edited)}


def _shown(viewer_id: int | None) -> Any:
    return true() if viewer_id is None else ~blocked(viewer_id, Comment.author_id)


async def visible(session: AsyncSession, *, viewer_id: int | None, comment_id: int,
                  param: str = "comment_id") -> Comment:
    """The comment, if the viewer may see its post and is not blocked either way with its author."""
    comment: Comment | None = await session.scalar(
        select(Comment).join(Post, Post.id == Comment.post_id)
        .where(Comment.id == comment_id, visible_to(viewer_id), _shown(viewer_id)))
    if comment is None:
        raise NotFound(f"No comment found with id {comment_id}", param=param)
    return comment


async def threads(session: AsyncSession, *, viewer_id: int | None, post_id: int, after: int | None,
                  limit: int) -> list[dict[str, Any]]:
    """Top-level comments of a visible post, oldest first (limit + 1), each with its first replies and count."""
    await get_visible(session, viewer_id=viewer_id, post_id=post_id)
    query = _listed(viewer_id).where(Comment.post_id == post_id, Comment.parent_id.is_(None))
    if after is not None:
        query = query.where(Comment.id > after)
    rows = await session.execute(query.order_by(Comment.id).limit(limit + 1))
    tops = [comment_json(row) for row in rows.mappings()]
    replies = await _first_replies(session, viewer_id, [top["id"] for top in tops])
    for top in tops:
        shown, count = replies.get(top["id"], ([], 0))
        top.update(reply_count=count, replies=shown)
    return tops


def _listed(viewer_id: int | None) -> Any:
    return select(*_COLUMNS).join(User, User.id == Comment.author_id).where(_shown(viewer_id))


async def _first_replies(session: AsyncSession, viewer_id: int | None,
                         parents: list[int]) -> dict[int, tuple[list[dict[str, Any]], int]]:
    if not parents:
        return {}
    ranked = _listed(viewer_id).add_columns(
        func.row_number().over(partition_by=Comment.parent_id, order_by=Comment.id).label("rank"),
        func.count().over(partition_by=Comment.parent_id).label("total"),
    ).where(Comment.parent_id.in_(parents)).subquery()
    rows = await session.execute(select(ranked).where(ranked.c.rank <= REPLIES_SHOWN)
                                 .order_by(ranked.c.parent_id, ranked.c.id))
    found: dict[int, tuple[list[dict[str, Any]], int]] = {}
    for row in rows.mappings():
        found.setdefault(row["parent_id"], ([], row["total"]))[0].append(comment_json(row))
    return found


async def replies(session: AsyncSession, *, viewer_id: int | None, comment_id: int, after: int | None,
                  limit: int) -> Sequence[Mapping[Any, Any]]:
    """Replies to a visible comment, oldest first (limit + 1)."""
    await visible(session, viewer_id=viewer_id, comment_id=comment_id)
    query = _listed(viewer_id).where(Comment.parent_id == comment_id)
    if after is not None:
        query = query.where(Comment.id > after)
    return list((await session.execute(query.order_by(Comment.id).limit(limit + 1))).mappings())


async def one(session: AsyncSession, *, comment_id: int) -> Mapping[Any, Any]:
    row = (await session.execute(select(*_COLUMNS).join(User, User.id == Comment.author_id)
                                 .where(Comment.id == comment_id))).mappings().one()
    return row


async def create(session: AsyncSession, *, viewer_id: int, post_id: int, text: str, parent_id: int | None) -> Comment:
    """Comment on a visible post (or reply to one of its top-level comments) and tell who it concerns."""
    ensure_active(await session.get_one(User, viewer_id), time.time())
    text = check_text(text)
    post = await get_visible(session, viewer_id=viewer_id, post_id=post_id)
    parent = await _parent(session, viewer_id=viewer_id, post_id=post.id, parent_id=parent_id)
    comment = Comment(post_id=post.id, author_id=viewer_id, parent_id=parent_id, text=text, created_at=time.time())
    session.add(comment)
    await session.flush()
    await bump(session, post.id, "comment_count", 1)
    told: set[int] = set()
    for user_id, kind in ((parent.author_id if parent else None, "reply"), (post.author_id, "comment")):
        if user_id is not None and user_id not in told and await notifications.notify(
                session, user_id=user_id, actor_id=viewer_id, type=kind, post_id=post.id, comment_id=comment.id):
            told.add(user_id)
    await mentions.notify(session, text=text, actor_id=viewer_id, post_id=post.id, comment_id=comment.id, skip=told)
    return comment


async def _parent(session: AsyncSession, *, viewer_id: int, post_id: int, parent_id: int | None) -> Comment | None:
    if parent_id is None:
        return None
    parent = await visible(session, viewer_id=viewer_id, comment_id=parent_id, param="parent_id")
    if parent.post_id != post_id:
        raise NotFound(f"No comment found with id {parent_id} on post {post_id}", param="parent_id")
    if parent.parent_id is not None:
        raise InvalidRequest(f"parent_id must be a top-level comment: comment {parent_id} is itself a reply "
                             f"(reply to comment {parent.parent_id} instead)", param="parent_id")
    return parent


async def edit(session: AsyncSession, *, viewer_id: int, comment_id: int, text: str) -> Comment:
    comment: Comment | None = await session.scalar(
        select(Comment).where(Comment.id == comment_id, Comment.author_id == viewer_id))
    if comment is None:
        raise NotFound(f"No comment found with id {comment_id}", param="comment_id")
    comment.text, comment.edited_at = check_text(text), time.time()
    await session.flush()
    return comment


async def remove(session: AsyncSession, *, viewer_id: int | None, comment_id: int) -> None:
    """Delete a comment and its replies: its author may, and so may the post's author (viewer_id None: an
    admin's moderation decision)."""
    row = (await session.execute(select(Comment.post_id, Comment.author_id, Post.author_id.label("post_author"))
                                 .join(Post, Post.id == Comment.post_id).where(Comment.id == comment_id))).first()
    if row is None or viewer_id not in (None, row.author_id, row.post_author):
        raise NotFound(f"No comment found with id {comment_id}", param="comment_id")
    # Counted first: the database's cascade removes the replies too, and a DELETE's rowcount leaves those out.
    thread = or_(Comment.id == comment_id, Comment.parent_id == comment_id)
    gone = int(await session.scalar(select(func.count()).select_from(Comment).where(thread)) or 0)
    await session.execute(delete(Comment).where(thread).execution_options(synchronize_session=False))
    await bump(session, row.post_id, "comment_count", -gone)


async def texts(session: AsyncSession, comment_ids: Sequence[int]) -> dict[int, str]:
    """The texts of the given comments, by id (notifications quote them)."""
    if not comment_ids:
        return {}
    found = await session.execute(select(Comment.id, Comment.text).where(Comment.id.in_(comment_ids)))
    return {row.id: row.text for row in found}
