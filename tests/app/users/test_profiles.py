"""Profiles (/api/users/{handle}): counts, relations to the viewer, blocks.

Run: .venv/bin/pytest tests/app/users/test_profiles.py -q"""

from __future__ import annotations

from typing import Any

from tests.app.users.helpers import block, follow, publish
from tests.community import error

NOBODY = {"is_following": False, "follows_you": False, "is_mutual": False, "blocked": False}


def test_profile_signed_out(community: Any) -> None:
    client = community.join("pia")
    client.patch("/api/me", json={"display_name": "Pia P.", "bio": "cubes"})
    for visibility in ("public", "public", "followers", "mutuals", "private"):
        publish(community, "pia", visibility)
    profile = community.anonymous.get("/api/users/PIA")
    assert profile.status_code == 200, profile.text
    body = profile.json()
    assert {k: body[k] for k in ("handle", "display_name", "bio", "avatar_url")} == {
        "handle": "pia", "display_name": "Pia P.", "bio": "cubes", "avatar_url": None}
    assert isinstance(body["created_at"], int)
    assert (body["post_count"], body["follower_count"], body["following_count"]) == (2, 0, 0)
    assert {k: body[k] for k in NOBODY} == NOBODY
    assert "email" not in body and "birth_date" not in body
    assert client.get("/api/users/pia").json()["post_count"] == 5  # the author sees all their own


def test_counts_and_relations_follow_the_graph(community: Any) -> None:
    community.join("ray")
    sue = community.join("sue")
    community.join("tom")
    for visibility in ("public", "followers", "mutuals", "private"):
        publish(community, "ray", visibility)
    follow(community, "sue", "ray")
    follow(community, "tom", "ray")
    seen = sue.get("/api/users/ray").json()
    assert (seen["follower_count"], seen["following_count"], seen["post_count"]) == (2, 0, 2)
    assert {k: seen[k] for k in NOBODY} == {**NOBODY, "is_following": True}
    follow(community, "ray", "sue")
    mutual = sue.get("/api/users/ray").json()
    assert mutual["post_count"] == 3 and mutual["is_mutual"] and mutual["follows_you"]
    back = sue.get("/api/users/sue").json()
    assert (back["follower_count"], back["following_count"]) == (1, 1) and {k: back[k] for k in NOBODY} == NOBODY


def test_blocks(community: Any) -> None:
    uma, vic = community.join("uma"), community.join("vic")
    publish(community, "vic")
    block(community, "uma", "vic")
    blocked = uma.get("/api/users/vic")
    assert blocked.status_code == 200 and blocked.json()["blocked"] is True and blocked.json()["post_count"] == 0
    assert "No user found with handle 'uma'" in error(vic.get("/api/users/uma"), 404, "handle")
    assert vic.get("/api/users/uma/avatar").status_code == 404
    assert community.anonymous.get("/api/users/uma").status_code == 200  # signed out, nobody is blocked


def test_unknown_handle(community: Any) -> None:
    error(community.anonymous.get("/api/users/no_such_person"), 404, "handle")
