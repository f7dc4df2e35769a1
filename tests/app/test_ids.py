"""Ids past PostgreSQL's 32-bit integers are a 400 naming the field, not a database error."""

from __future__ import annotations

from typing import Any

from tests.community import error

HUGE = 2**31


def test_huge_ids_in_paths_and_bodies_are_invalid(community: Any) -> None:
    client = community.join("idcheck")
    for path in (f"/api/posts/{HUGE}", f"/api/posts/{HUGE}/comments", f"/api/comments/{HUGE}/replies",
                 "/api/posts/0"):
        error(client.get(path), 400, path.split("/")[2][:-1] + "_id")
    post = community.post("idcheck")
    error(client.post(f"/api/posts/{post['id']}/comments", json={"text": "hi", "parent_id": HUGE}), 400,
          "parent_id")
    error(client.post("/api/generations", json={"prompt": "a ball", "remix_of": HUGE}), 400, "remix_of")
    error(client.post("/api/notifications/read", json={"ids": [HUGE]}), 400, "ids")
    assert client.get(f"/p/{HUGE}").status_code == 404
