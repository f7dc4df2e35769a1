"""The whole social path on a live server with its real job runner and world engine: sign up with an invite,
generate from the app, find the draft, publish it, and let a follower see, watch, like and get notified."""

from __future__ import annotations

import time
from typing import Any

import httpx

from kinora.media.probe import probe
from tests.community import live_member


def _wait_completed(client: httpx.Client, generation_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(f"/api/generations/{generation_id}").json()
        if body["status"] in ("completed", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"generation {generation_id} did not finish")


def test_generate_publish_follow_watch_like(live: Any, tmp_path: Any) -> None:
    maker, fan = live_member(live, "maker"), live_member(live, "fan")
    started = maker.post("/api/generations", json={"prompt": "a red ball bounces on a wooden floor", "seconds": 4,
                                                   "size": "320x256"})
    assert started.status_code == 201, started.text
    assert {"id", "status", "progress"} <= started.json().keys()
    done = _wait_completed(maker, started.json()["id"])
    assert done["status"] == "completed", done
    drafts = maker.get("/api/drafts").json()
    assert [d["id"] for d in drafts["items"]] == [done["id"]]
    assert fan.get(f"/api/generations/{done['id']}").status_code == 404  # someone else's draft

    post = maker.post("/api/posts", json={"generation_id": done["id"], "caption": "first bounce",
                                          "visibility": "followers"})
    assert post.status_code == 201, post.text
    post_id = post.json()["id"]
    assert maker.get("/api/drafts").json()["items"] == []
    assert fan.get(f"/api/posts/{post_id}").status_code == 404  # followers only, and fan does not follow yet

    assert fan.post("/api/users/maker/follow").status_code in (200, 201, 204)
    following = fan.get("/api/feed/following").json()
    assert [item["id"] for item in following["items"]] == [post_id]
    video = fan.get(f"/api/posts/{post_id}/video")
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    (tmp_path / "post.mp4").write_bytes(video.content)
    assert probe(tmp_path / "post.mp4").audio_codec == "aac"

    assert fan.post(f"/api/posts/{post_id}/like").status_code in (200, 201, 204)
    kinds = [n["type"] for n in maker.get("/api/notifications").json()["items"]]
    assert sorted(kinds) == ["follow", "like"]
