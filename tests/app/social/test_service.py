"""hydrate: the one builder of post JSON. Order kept, invisible and missing posts dropped, the viewer's likes and
only visible remix sources shown."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from kinora.app.social.models import Post
from kinora.app.social.service import avatar_url, hydrate
from kinora.app.users.models import User
from tests.community import execute, user_id


def _hydrate(community: Any, viewer: str | None, post_ids: list[int]) -> list[dict[str, Any]]:
    viewer_id = None if viewer is None else user_id(community, viewer)
    result: list[dict[str, Any]] = community.run(hydrate(community.services.db, viewer_id=viewer_id,
                                                         post_ids=post_ids))
    return result


def test_order_kept_and_invisible_dropped(community: Any) -> None:
    community.join("hal")
    community.join("ivy")
    public = [community.post("hal", caption=f"p{i}")["id"] for i in range(3)]
    private = community.post("hal", visibility="private")["id"]
    asked = [public[1], 987654, private, public[0], public[2]]
    assert [p["id"] for p in _hydrate(community, None, asked)] == [public[1], public[0], public[2]]
    assert [p["id"] for p in _hydrate(community, "ivy", asked)] == [public[1], public[0], public[2]]
    assert [p["id"] for p in _hydrate(community, "hal", asked)] == [public[1], private, public[0], public[2]]
    assert _hydrate(community, "ivy", []) == []


def test_liked_is_the_viewers_own(community: Any) -> None:
    community.join("jay")
    kim = community.join("kim")
    post = community.post("jay")["id"]
    kim.post(f"/api/posts/{post}/like")
    assert [p["liked"] for p in _hydrate(community, "kim", [post])] == [True]
    assert [p["liked"] for p in _hydrate(community, "jay", [post])] == [False]
    assert [(p["liked"], p["like_count"]) for p in _hydrate(community, None, [post])] == [(False, 1)]


def test_remix_of_only_when_the_source_is_visible(community: Any) -> None:
    community.join("lee")
    community.join("max")
    source = community.post("lee")["id"]
    remix = community.post("max")["id"]
    execute(community, update(Post).where(Post.id == remix).values(remix_of=source))
    assert _hydrate(community, "max", [remix])[0]["remix_of"] == source
    execute(community, update(Post).where(Post.id == source).values(visibility="private"))
    assert _hydrate(community, "max", [remix])[0]["remix_of"] is None
    assert _hydrate(community, "lee", [remix])[0]["remix_of"] == source  # the source's author still sees it


def test_author_avatar_url(community: Any) -> None:
    community.join("nia")
    execute(community, update(User).where(User.handle == "nia").values(avatar_key="avatars/7/3.webp",
                                                                        display_name="Nia N."))
    author = _hydrate(community, None, [community.post("nia")["id"]])[0]["author"]
    assert author["avatar_url"] == "/api/users/nia/avatar?v=3" and author["display_name"] == "Nia N."
    assert avatar_url("nia", None) is None
