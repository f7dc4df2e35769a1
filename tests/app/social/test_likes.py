"""Likes: idempotent, counted once, the author told once, and only on posts the liker may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kinora.app.social.models import Like, Notification, Post
from tests.community import count, error, scalar, user_id


def test_like_and_unlike(community: Any) -> None:
    community.join("amy")
    bob = community.join("bob")
    post = community.post("amy")["id"]
    for _ in range(2):
        liked = bob.post(f"/api/posts/{post}/like")
        assert liked.status_code == 200, liked.text
        assert (liked.json()["liked"], liked.json()["like_count"]) == (True, 1)
    assert count(community, Like, Like.post_id == post) == 1
    for _ in range(2):
        unliked = bob.delete(f"/api/posts/{post}/like").json()
        assert (unliked["liked"], unliked["like_count"]) == (False, 0)
    bob.post(f"/api/posts/{post}/like")
    amy_id = user_id(community, "amy")
    assert count(community, Notification, Notification.user_id == amy_id, Notification.type == "like") == 1
    assert scalar(community, select(Post.like_count).where(Post.id == post)) == 1


def test_own_like_is_not_notified(community: Any) -> None:
    cat = community.join("cat")
    post = community.post("cat")["id"]
    assert cat.post(f"/api/posts/{post}/like").json()["like_count"] == 1
    assert count(community, Notification, Notification.user_id == user_id(community, "cat")) == 0


def test_cannot_like_what_you_cannot_see(community: Any) -> None:
    community.join("dan")
    eve = community.join("eve")
    private = community.post("dan", visibility="private")["id"]
    followers = community.post("dan", visibility="followers")["id"]
    for post in (private, followers, 123456):
        error(eve.post(f"/api/posts/{post}/like"), 404, "post_id")
        error(eve.delete(f"/api/posts/{post}/like"), 404, "post_id")
    assert count(community, Like, Like.user_id == user_id(community, "eve")) == 0
    assert community.anonymous.post(f"/api/posts/{private}/like").status_code == 401
    error(eve.post("/api/posts/abc/like"), 400, "post_id")


def test_blocked_cannot_like(community: Any) -> None:
    fox = community.join("fox")
    gil = community.join("gil")
    post = community.post("fox")["id"]
    fox.post("/api/users/gil/block")
    error(gil.post(f"/api/posts/{post}/like"), 404, "post_id")
    mine = community.post("gil")["id"]
    error(fox.post(f"/api/posts/{mine}/like"), 404, "post_id")  # blocking hides both ways
