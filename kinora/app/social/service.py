"""The wire form of posts and people. Every post a client sees is built by `hydrate`, which also drops the ones
the viewer may not see: feeds, profiles, lineage and search can hand it ids without re-checking visibility."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any, TypeVar, cast

import orjson
from sqlalchemy import Integer, String, any_, bindparam, exists, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import ColumnElement

from kinora.app.db import Database, Query
from kinora.app.errors import NotFound
from kinora.app.generations.models import Generation
from kinora.app.pages import encode_cursor
from kinora.app.social.models import Like, Post
from kinora.app.social.visibility import visible_to
from kinora.app.users.models import User

R = TypeVar("R")

# `visible_to` takes the viewer's id; handing it a bind parameter lets each statement be compiled once and
# reused (Database.rows caches compiled statements by identity).
VIEWER: Any = bindparam("viewer", type_=Integer)
USER_COLUMNS = (User.handle, User.display_name, User.bio, User.avatar_key, User.created_at)


def ids_in(column: Any, *, sqlite: bool) -> ColumnElement[bool]:
    """`column IN :ids` as one cacheable statement: SQLite reads a JSON array, PostgreSQL expands a list."""
    if sqlite:
        each = func.json_each(bindparam("ids", type_=String)).table_valued("value")
        return cast("ColumnElement[bool]", column.in_(select(each.c.value)))
    # `= ANY(array)`: one SQL text whatever the length (an expanding IN re-prepares for every length).
    return cast("ColumnElement[bool]", column == any_(bindparam("ids", type_=postgresql.ARRAY(Integer))))


def ids_param(ids: Sequence[int], *, sqlite: bool) -> Any:
    return orjson.dumps(list(ids)).decode() if sqlite else list(ids)


def next_page(rows: Sequence[R], limit: int, position: Callable[[R], dict[str, Any]]) -> tuple[list[R], str | None]:
    """The first `limit` of `rows` (fetched as limit + 1) and the cursor of the page after them, if any."""
    items = list(rows[:limit])
    return items, encode_cursor(position(items[-1])) if len(rows) > limit else None


def avatar_url(handle: str, avatar_key: str | None) -> str | None:
    # Avatars are stored as avatars/<user id>/<n>.webp: n changes with every upload, so it busts caches.
    return None if avatar_key is None else f"/api/users/{handle}/avatar?v={PurePosixPath(avatar_key).stem}"


def id_of(user: User | None) -> int | None:
    """The viewer's id; None when signed out."""
    return None if user is None else user.id


def user_public(row: Mapping[Any, Any], prefix: str = "") -> dict[str, Any]:
    """The public face of a user from a row holding USER_COLUMNS (keys optionally prefixed)."""
    handle = row[prefix + "handle"]
    return {"handle": handle, "display_name": row[prefix + "display_name"], "bio": row[prefix + "bio"],
            "avatar_url": avatar_url(handle, row[prefix + "avatar_key"]),
            "created_at": int(row[prefix + "created_at"])}


def user_of(user: User) -> dict[str, Any]:
    return user_public({column.key: getattr(user, column.key) for column in USER_COLUMNS})


def _posts_query(*, sqlite: bool, signed_in: bool) -> Query:
    columns: list[Any] = [
        Post.id, Post.caption, Post.visibility, Post.allow_remix, Post.remix_of, Post.created_at, Post.edited_at,
        Post.like_count, Post.comment_count, Post.remix_count, Post.view_count,
        *(column.label(f"a_{column.key}") for column in USER_COLUMNS),
        Generation.prompt, Generation.total_seconds, Generation.width, Generation.height,
    ]
    if signed_in:
        columns.append(exists().where(Like.user_id == VIEWER, Like.post_id == Post.id).label("liked"))
    return (select(*columns).join(User, User.id == Post.author_id)
            .join(Generation, Generation.id == Post.generation_id)
            .where(ids_in(Post.id, sqlite=sqlite), visible_to(VIEWER if signed_in else None)))


def _sources_query(*, sqlite: bool, signed_in: bool) -> Query:
    return select(Post.id).where(ids_in(Post.id, sqlite=sqlite), visible_to(VIEWER if signed_in else None))


_POSTS = {(s, v): _posts_query(sqlite=s, signed_in=v) for s in (True, False) for v in (True, False)}
_SOURCES = {(s, v): _sources_query(sqlite=s, signed_in=v) for s in (True, False) for v in (True, False)}


async def hydrate(db: Database, *, viewer_id: int | None, post_ids: list[int]) -> list[dict[str, Any]]:
    """The post JSON of `post_ids` as `viewer_id` sees them, in the same order; posts the viewer may not see
    (or that do not exist) are left out. Two queries at most: the posts, then any remix sources."""
    if not post_ids:
        return []
    key = (db.is_sqlite, viewer_id is not None)
    rows = await db.rows(_POSTS[key], {"ids": ids_param(post_ids, sqlite=db.is_sqlite), "viewer": viewer_id})
    sources = {row["remix_of"] for row in rows if row["remix_of"] is not None}
    if sources:
        found = await db.rows(_SOURCES[key], {"ids": ids_param(sorted(sources), sqlite=db.is_sqlite),
                                              "viewer": viewer_id})
        sources = {row["id"] for row in found}
    by_id = {row["id"]: _post_json(row, sources, signed_in=viewer_id is not None) for row in rows}
    return [by_id[post_id] for post_id in post_ids if post_id in by_id]


def _post_json(row: Mapping[str, Any], visible_sources: set[int], *, signed_in: bool) -> dict[str, Any]:
    post_id, public = row["id"], row["visibility"] == "public"
    edited = row["edited_at"]
    return {
        "id": post_id, "author": user_public(row, "a_"), "caption": row["caption"], "visibility": row["visibility"],
        "allow_remix": bool(row["allow_remix"]), "prompt": row["prompt"], "seconds": row["total_seconds"],
        "width": row["width"], "height": row["height"],
        "video_url": f"/api/posts/{post_id}/video", "thumbnail_url": f"/api/posts/{post_id}/thumbnail",
        "remix_of": row["remix_of"] if row["remix_of"] in visible_sources else None,
        "like_count": row["like_count"], "comment_count": row["comment_count"], "remix_count": row["remix_count"],
        "view_count": row["view_count"], "liked": signed_in and bool(row["liked"]),
        "created_at": int(row["created_at"]), "edited_at": None if edited is None else int(edited),
        "share_url": f"/p/{post_id}" if public else None,
    }


async def post_page(db: Database, *, viewer_id: int | None, ids: list[int], limit: int) -> dict[str, Any]:
    """A page of posts from `ids` (limit + 1 of them, newest first) with the cursor of the next page."""
    shown, cursor = next_page(ids, limit, lambda post_id: {"id": post_id})
    return {"items": await hydrate(db, viewer_id=viewer_id, post_ids=shown), "next_cursor": cursor}


async def one_post(db: Database, *, viewer_id: int | None, post_id: int) -> dict[str, Any]:
    """The post JSON, or NotFound when the viewer may not see it."""
    found = await hydrate(db, viewer_id=viewer_id, post_ids=[post_id])
    if not found:
        raise NotFound(f"No post found with id {post_id}", param="post_id")
    return found[0]
