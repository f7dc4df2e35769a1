"""Follows and blocks: idempotent, not of oneself, mutuals derived, lists paged, and a block ends following both
ways and stops everything between the two."""

from __future__ import annotations

from typing import Any

from kinora.app.social.models import Block, Follow, Notification
from tests.community import count, error, user_id


def _handles(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [person["handle"] for person in response.json()["items"]]


def test_follow_and_unfollow(community: Any) -> None:
    ann = community.join("ann")
    bob = community.join("bob")
    for _ in range(2):
        relation = ann.post("/api/users/BOB/follow")
        assert relation.status_code == 200, relation.text
        assert relation.json() == {"handle": "bob", "is_following": True, "follows_you": False, "is_mutual": False,
                                   "blocked": False}
    assert bob.post("/api/users/ann/follow").json()["is_mutual"] is True
    bob_id = user_id(community, "bob")
    assert count(community, Follow, Follow.followee_id.in_([bob_id, user_id(community, "ann")])) == 2
    assert count(community, Notification, Notification.user_id == bob_id, Notification.type == "follow") == 1
    ann.delete("/api/users/bob/follow")
    ann.post("/api/users/bob/follow")  # following again does not notify again
    assert count(community, Notification, Notification.user_id == bob_id, Notification.type == "follow") == 1
    assert ann.delete("/api/users/bob/follow").json()["is_following"] is False
    assert ann.delete("/api/users/bob/follow").json() == {"handle": "bob", "is_following": False,
                                                          "follows_you": True, "is_mutual": False, "blocked": False}


def test_follow_validation(community: Any) -> None:
    cat = community.join("cat")
    assert "yourself" in error(cat.post("/api/users/cat/follow"), 400, "handle")
    error(cat.post("/api/users/nobody_at_all/follow"), 404, "handle")
    assert community.anonymous.post("/api/users/cat/follow").status_code == 401


def test_follower_lists_page(community: Any) -> None:
    community.join("star")
    fans = [f"fan{i}" for i in range(5)]
    for fan in fans:
        community.join(fan).post("/api/users/star/follow")
    first = community.anonymous.get("/api/users/star/followers", params={"limit": 3})
    rest = community.anonymous.get("/api/users/star/followers", params={"cursor": first.json()["next_cursor"]})
    assert _handles(first) + _handles(rest) == fans[::-1] and rest.json()["next_cursor"] is None
    assert _handles(community.anonymous.get("/api/users/fan0/following")) == ["star"]
    star = community.clients["star"]
    star.post("/api/users/fan1/follow")
    listed = star.get("/api/users/star/followers").json()["items"]
    assert {p["handle"]: p["is_following"] for p in listed}["fan1"] is True
    assert set(listed[0]) == {"handle", "display_name", "bio", "avatar_url", "created_at", "is_following"}
    error(community.anonymous.get("/api/users/star/followers", params={"cursor": "eyJ4IjoxfQ"}), 400, "cursor")


def test_block_ends_follows_and_interaction(community: Any) -> None:
    dee = community.join("dee")
    eve = community.join("eve")
    dee.post("/api/users/eve/follow")
    eve.post("/api/users/dee/follow")
    relation = dee.post("/api/users/eve/block").json()
    assert relation == {"handle": "eve", "is_following": False, "follows_you": False, "is_mutual": False,
                        "blocked": True}
    pair = {user_id(community, "dee"), user_id(community, "eve")}
    assert count(community, Follow, Follow.follower_id.in_(pair), Follow.followee_id.in_(pair)) == 0
    assert count(community, Notification, Notification.user_id == user_id(community, "dee"),
                 Notification.actor_id == user_id(community, "eve")) == 0
    error(eve.post("/api/users/dee/follow"), 404, "handle")  # dee blocked eve: dee is gone for eve
    assert "unblock" in error(dee.post("/api/users/eve/follow"), 400, "handle")
    error(eve.get("/api/users/dee/posts"), 404, "handle")
    post = community.post("eve")["id"]
    assert dee.get("/api/users/eve/posts").json()["items"] == []
    error(dee.get(f"/api/posts/{post}"), 404, "post_id")
    assert [p["handle"] for p in dee.get("/api/me/blocks").json()["items"]] == ["eve"]
    assert eve.get("/api/me/blocks").json()["items"] == []
    assert dee.post("/api/users/eve/block").status_code == 200  # again: no change
    assert count(community, Block, Block.blocker_id.in_(pair)) == 1
    assert dee.delete("/api/users/eve/block").json()["blocked"] is False
    assert dee.get(f"/api/posts/{post}").status_code == 200
    assert eve.post("/api/users/dee/follow").json()["is_following"] is True
    assert "yourself" in error(dee.post("/api/users/dee/block"), 400, "handle")


def test_blocked_people_leave_lists(community: Any) -> None:
    community.join("hub")
    gia = community.join("gia")
    community.join("hank").post("/api/users/hub/follow")
    gia.post("/api/users/hub/follow")
    assert _handles(gia.get("/api/users/hub/followers")) == ["gia", "hank"]
    gia.post("/api/users/hank/block")
    assert _handles(gia.get("/api/users/hub/followers")) == ["gia"]
    assert _handles(community.clients["hank"].get("/api/users/hub/followers")) == ["hank"]
