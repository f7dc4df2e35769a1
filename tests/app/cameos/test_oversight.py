"""Owner oversight: the owner sees every draft and post that uses their cameo (other people's drafts included),
deletes any of them with its files, reports them; deleting the cameo removes other people's videos with it (or makes
them private, as the instance is set) and stops queued ones."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from kinora.app.generations.models import COMPLETED, Generation
from kinora.app.social.models import Post, Report
from tests.app.cameos.helpers import add_cameo
from tests.community import _tiny_media, count, execute, scalar


def finish(community: Any, gen_id: str) -> None:
    """Complete a queued generation as the worker would: status and media files."""
    execute(community, update(Generation).where(Generation.id == gen_id).values(
        status=COMPLETED, progress=100, attempt=1, output_key=f"videos/{gen_id}/1", output={"seed": 1}))
    for name, data in _tiny_media().items():
        community.services.storage.put(f"videos/{gen_id}/1/{name}", data)


def use(community: Any, handle: str, prompt: str, *, done: bool = True) -> str:
    response = community.clients[handle].post("/api/generations", json={"prompt": prompt})
    assert response.status_code == 201, response.text
    gen_id: str = response.json()["id"]
    if done:
        finish(community, gen_id)
    return gen_id


@pytest.fixture(scope="module")
def people(community: Any) -> dict[str, Any]:
    owner = community.join("oolive")
    community.join("osam")
    add_cameo(community, "oolive", permission="everyone")
    return {"owner": owner}


def test_the_owner_sees_and_deletes_someone_elses_draft(community: Any, people: dict[str, Any]) -> None:
    gen_id = use(community, "osam", "@oolive juggles three red balls")
    video = community.services.storage.path(f"videos/{gen_id}/1/video.mp4")
    assert video.is_file()
    items = people["owner"].get("/api/cameos/oolive/uses").json()["items"]
    mine = [item for item in items if item["generation_id"] == gen_id]
    assert mine and mine[0]["creator"] == "osam" and mine[0]["published"] is False
    assert mine[0]["status"] == "completed" and "@oolive" in mine[0]["prompt"]
    assert people["owner"].delete(f"/api/cameos/oolive/uses/{gen_id}").status_code == 204
    assert count(community, Generation, Generation.id == gen_id) == 0
    assert not video.exists() and not video.parent.parent.exists()
    again = people["owner"].delete(f"/api/cameos/oolive/uses/{gen_id}")
    assert again.status_code == 404 and again.json()["error"]["param"] == "generation_id"


def test_the_owner_reports_a_post_and_removes_it(community: Any, people: dict[str, Any]) -> None:
    gen_id = use(community, "osam", "@oolive rolls a ball down a ramp")
    post = community.clients["osam"].post("/api/posts", json={"generation_id": gen_id, "caption": "ha",
                                                              "visibility": "followers"})
    assert post.status_code == 201, post.text
    item = next(i for i in people["owner"].get("/api/cameos/oolive/uses").json()["items"]
                if i["generation_id"] == gen_id)
    assert item["published"] and item["post_id"] == post.json()["id"] and item["visibility"] == "followers"
    reported = people["owner"].post(f"/api/cameos/oolive/uses/{gen_id}/report", json={"details": "not me"})
    assert reported.status_code == 201, reported.text
    report = scalar(community, select(Report).where(Report.id == reported.json()["id"]))
    assert (report.category, report.target_type, report.target_id) == ("likeness", "post", str(post.json()["id"]))
    assert people["owner"].delete(f"/api/cameos/oolive/uses/{gen_id}").status_code == 204
    assert count(community, Post, Post.id == post.json()["id"]) == 0


def test_others_cannot_see_the_uses(community: Any, people: dict[str, Any]) -> None:
    response = community.clients["osam"].get("/api/cameos/oolive/uses")
    assert response.status_code == 404 and response.json()["error"]["param"] == "handle"


@pytest.mark.parametrize("mode", ["remove", "private"])
def test_deleting_the_cameo_takes_other_peoples_videos_with_it(community: Any, mode: str) -> None:
    owner, other = community.join(f"odel{mode}"), community.join(f"ouse{mode}")
    add_cameo(community, f"odel{mode}", permission="everyone")
    kept = community.clients[f"odel{mode}"]
    mine = use(community, f"odel{mode}", f"@odel{mode} waves at the camera")
    theirs = use(community, f"ouse{mode}", f"@odel{mode} waves at the camera")
    queued = use(community, f"ouse{mode}", f"@odel{mode} drops a ball", done=False)
    post = other.post("/api/posts", json={"generation_id": theirs, "visibility": "public"}).json()
    community.app.state.services.settings.cameo_deleted_posts = mode
    try:
        assert owner.delete(f"/api/cameos/odel{mode}").status_code == 204
    finally:
        community.app.state.services.settings.cameo_deleted_posts = "remove"
    assert count(community, Generation, Generation.id == mine) == 1  # the owner's own video stays theirs
    failed = scalar(community, select(Generation).where(Generation.id == queued))
    assert (failed.status, failed.error_code) == ("failed", "cameo_removed")
    if mode == "remove":
        assert count(community, Generation, Generation.id == theirs) == 0
        assert not community.services.storage.path(f"videos/{theirs}").exists()
    else:
        assert scalar(community, select(Post.visibility).where(Post.id == post["id"])) == "private"
    refused = other.post("/api/generations", json={"prompt": f"@odel{mode} waves again"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "unknown_cameo"
    assert kept.get("/api/cameos").json()["items"] == []
