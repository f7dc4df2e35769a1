"""Account deletion (DELETE /api/me) leaves nothing behind: no row names the account, no media file of theirs
remains, and the counters of other people's posts are right again.

Run: .venv/bin/pytest tests/app/users/test_deletion.py -q"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from kinora.app.feed.models import FeedSignal
from kinora.app.generations.models import Generation
from kinora.app.social.models import Comment, Like, Post
from kinora.app.tables import Base
from kinora.app.users.models import User
from tests.app.users.helpers import PASSWORD, populate, user_columns
from tests.community import count, error, scalar


def _files(community: Any) -> set[str]:
    root = community.services.storage.root
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def test_wrong_or_missing_password_deletes_nothing(community: Any) -> None:
    client = community.join("hugo")
    assert "does not match" in error(client.request("DELETE", "/api/me", json={"password": "not it at all"}),
                                     400, "password")
    error(client.request("DELETE", "/api/me", json={}), 400, "password")
    assert client.get("/api/me").status_code == 200 and count(community, User, User.handle == "hugo") == 1


def test_deletion_removes_everything_the_account_owns(community: Any) -> None:
    made = populate(community, "nina", "ninas_friend", "ninas_stranger")
    uid, client = made["user_id"], made["client"]
    token = client.post("/api/me/tokens", json={"name": "cli"}).json()["token"]
    folders = tuple(f"{folder}/{gen_id}/" for gen_id in _generations(community, uid) for folder in ("videos", "inputs"))
    theirs = {name for name in _files(community)
              if name.startswith((*folders, f"cameos/{made['character']}/", f"avatars/{uid}/"))}
    others_before = _files(community) - theirs
    assert len(theirs) == 3 * 3 + 3  # three generations' files, an input, a character clip, the avatar

    response = client.request("DELETE", "/api/me", json={"password": PASSWORD})
    assert response.status_code == 204, response.text
    assert "Max-Age=0" in response.headers["set-cookie"]
    assert client.get("/api/me").status_code == 401
    assert community.client().get("/api/me", headers={"authorization": f"Bearer {token}"}).status_code == 401
    assert community.client().post("/api/auth/login", json={"login": "nina", "password": PASSWORD}
                                          ).status_code == 401

    assert count(community, User, User.id == uid) == 0
    for table, column in user_columns():
        rows = count(community, Base.metadata.tables[table], Base.metadata.tables[table].c[column] == uid)
        assert rows == 0, (table, column)
    assert count(community, FeedSignal, FeedSignal.kind == "hide_creator", FeedSignal.target_id == uid) == 0
    assert scalar(community, select(Generation.remix_of_post).where(Generation.id == made["stranger_draft"])) is None
    assert _files(community) == others_before


def test_other_peoples_counters_are_right_afterwards(community: Any) -> None:
    made = populate(community, "omar", "omars_friend", "omars_stranger")
    assert made["client"].request("DELETE", "/api/me", json={"password": PASSWORD}).status_code == 204
    friend_post = scalar(community, select(Post).where(Post.id == made["friend_post"]))
    assert (friend_post.like_count, friend_post.comment_count, friend_post.remix_count) == (1, 1, 0)
    remix = scalar(community, select(Post).where(Post.id == made["their_remix"]))
    assert remix is not None and remix.remix_of is None  # the stranger's remix stays; its source is gone
    for post in _all_posts(community):
        assert post["like_count"] == count(community, Like, Like.post_id == post["id"]), post
        assert post["comment_count"] == count(community, Comment, Comment.post_id == post["id"]), post
        assert post["remix_count"] == count(community, Post, Post.remix_of == post["id"]), post


def _all_posts(community: Any) -> list[dict[str, Any]]:
    async def body() -> list[dict[str, Any]]:
        async with community.services.db.read() as session:
            result = await session.execute(select(Post.id, Post.like_count, Post.comment_count, Post.remix_count))
            return [dict(row) for row in result.mappings()]

    rows: list[dict[str, Any]] = community.run(body())
    assert rows and scalar(community, select(func.count()).select_from(Post)) == len(rows)
    return rows


def _generations(community: Any, user_id: int) -> list[str]:
    async def body() -> list[str]:
        async with community.services.db.read() as session:
            return list(await session.scalars(select(Generation.id).where(Generation.owner_id == user_id)))

    found: list[str] = community.run(body())
    return found
