"""/api/generations and /api/drafts: starting generations from the app, reading your own (never anyone else's),
the drafts list, deleting drafts with their files, and the drafts' media."""

from __future__ import annotations

from typing import Any

from kinora.app.generations.models import Generation
from tests.community import count, error

GEN_KEYS = {"id", "status", "progress", "prompt", "seconds", "size", "created_at", "completed_at", "remix_of",
            "post_id", "error", "video_url", "thumbnail_url"}




def test_start_a_generation(community: Any) -> None:
    ann = community.join("ann")
    response = ann.post("/api/generations", json={"prompt": "a green cube slides", "seconds": 8,
                                                  "size": "256x320"})
    assert response.status_code == 201, response.text
    gen = response.json()
    assert set(gen) == GEN_KEYS
    assert (gen["status"], gen["progress"], gen["prompt"], gen["seconds"], gen["size"]) == (
        "queued", 0, "a green cube slides", 8, "256x320")
    assert (gen["remix_of"], gen["post_id"], gen["error"], gen["video_url"]) == (None, None, None, None)
    assert ann.get(f"/api/generations/{gen['id']}").json() == gen
    default = ann.post("/api/generations", json={"prompt": "defaults"}).json()
    assert (default["seconds"], default["size"]) == (4, community.settings.default_size)


def test_generation_validation(community: Any) -> None:
    bob = community.join("bob")
    error(bob.post("/api/generations", json={}), 400, "prompt")
    error(bob.post("/api/generations", json={"prompt": "  "}), 400, "prompt")
    assert "'4'" in error(bob.post("/api/generations", json={"prompt": "x", "seconds": 30}), 400, "seconds")
    error(bob.post("/api/generations", json={"prompt": "x", "size": "big"}), 400, "size")
    error(bob.post("/api/generations", json={"prompt": "x", "remix_of": "abc"}), 400, "remix_of")
    error(bob.post("/api/generations", json={"prompt": "x", "colour": "red"}), 400, "colour")
    assert community.anonymous.post("/api/generations", json={"prompt": "x"}).status_code == 401


def test_someone_elses_generation_is_not_found(community: Any) -> None:
    community.join("cal")
    dee = community.join("dee")
    draft = community.draft("cal")
    for path in (f"/api/generations/{draft}", f"/api/generations/{draft}/video",
                 f"/api/generations/{draft}/thumbnail"):
        error(dee.get(path), 404, "generation_id")
    assert dee.delete(f"/api/drafts/{draft}").status_code == 404
    assert count(community, Generation, Generation.id == draft) == 1
    assert draft not in [g["id"] for g in dee.get("/api/generations").json()["items"]]
    assert dee.get("/api/drafts").json()["items"] == []


def test_lists_and_drafts(community: Any) -> None:
    eve = community.join("eve")
    drafts = [community.draft("eve", f"draft {i}") for i in range(3)]
    queued = eve.post("/api/generations", json={"prompt": "still running"}).json()["id"]
    posted = community.post("eve")["id"]
    listed = eve.get("/api/generations", params={"limit": 3}).json()
    rest = eve.get("/api/generations", params={"limit": 3, "cursor": listed["next_cursor"]}).json()
    everything = [g["id"] for g in listed["items"] + rest["items"]]
    assert everything[:4] == [everything[0], queued, *drafts[::-1]][:4] and len(everything) == 5
    assert rest["next_cursor"] is None
    assert listed["items"][0]["post_id"] == posted
    draft_page = eve.get("/api/drafts").json()
    assert [d["id"] for d in draft_page["items"]] == drafts[::-1]
    shown = draft_page["items"][0]
    assert (shown["status"], shown["progress"], shown["video_url"]) == (
        "completed", 100, f"/api/generations/{drafts[-1]}/video")
    error(eve.get("/api/drafts", params={"cursor": "eyJpZCI6MX0"}), 400, "cursor")


def test_draft_media(community: Any) -> None:
    fay = community.join("fay")
    draft = community.draft("fay")
    video = fay.get(f"/api/generations/{draft}/video")
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert video.content == community.services.storage.path(f"videos/{draft}/1/video.mp4").read_bytes()
    thumb = fay.get(f"/api/generations/{draft}/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
    queued = fay.post("/api/generations", json={"prompt": "not yet"}).json()["id"]
    error(fay.get(f"/api/generations/{queued}/video"), 400, "generation_id")


def test_delete_a_draft(community: Any) -> None:
    gus = community.join("gus")
    draft = community.draft("gus")
    folder = community.services.storage.path(f"videos/{draft}")
    assert folder.is_dir()
    assert gus.delete(f"/api/drafts/{draft}").status_code == 204
    assert count(community, Generation, Generation.id == draft) == 0 and not folder.exists()
    assert gus.delete(f"/api/drafts/{draft}").status_code == 404
    posted_draft = community.draft("gus")
    post = gus.post("/api/posts", json={"generation_id": posted_draft}).json()["id"]
    assert f"post {post}" in error(gus.delete(f"/api/drafts/{posted_draft}"), 400, "generation_id")
    queued = gus.post("/api/generations", json={"prompt": "running"}).json()["id"]
    assert gus.delete(f"/api/drafts/{queued}").json()["error"]["code"] == "invalid_state"
    assert count(community, Generation, Generation.id.in_([posted_draft, queued])) == 2
