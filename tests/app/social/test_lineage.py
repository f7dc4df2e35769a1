"""Remix chains: remixing a post through /api/generations, publishing the remix, the counts, the `remix`
notification, and the lineage both ways, which never shows posts the viewer may not see."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select, update

from kinora.app.generations.models import COMPLETED, Generation
from kinora.app.social.models import Post
from tests.app.social.helpers import ids
from tests.community import error, execute, scalar


def _complete(community: Any, gen_id: str) -> None:
    """Finish a queued remix as the worker would: copy the source's files under its own output key."""
    source = scalar(community, select(Generation.source_id).where(Generation.id == gen_id))
    source_key = scalar(community, select(Generation.output_key).where(Generation.id == source))
    storage = community.services.storage
    for name in ("video.mp4", "thumbnail.webp", "spritesheet.jpg"):
        storage.put(f"videos/{gen_id}/1/{name}", storage.path(f"{source_key}/{name}").read_bytes())
    execute(community, update(Generation).where(Generation.id == gen_id).values(
        status=COMPLETED, progress=100, attempt=1, completed_at=time.time(), output_key=f"videos/{gen_id}/1"))


def _remix(community: Any, handle: str, post_id: int, **post: Any) -> dict[str, Any]:
    client = community.clients[handle]
    started = client.post("/api/generations", json={"prompt": "the same, but at night", "remix_of": post_id})
    assert started.status_code == 201, started.text
    _complete(community, started.json()["id"])
    published = client.post("/api/posts", json={"generation_id": started.json()["id"], **post})
    assert published.status_code == 201, published.text
    body: dict[str, Any] = published.json()
    return body


def test_remix_chain_counts_and_notifies(community: Any) -> None:
    ann = community.join("ann")
    community.join("bob")
    community.join("cy")
    original = community.post("ann", caption="day")["id"]
    remix = _remix(community, "bob", original, caption="night")
    assert remix["remix_of"] == original
    assert ann.get(f"/api/posts/{original}").json()["remix_count"] == 1
    kinds = [(n["type"], n["actor"]["handle"], n["post_id"]) for n in ann.get("/api/notifications").json()["items"]]
    assert kinds == [("remix", "bob", remix["id"])]
    again = _remix(community, "cy", remix["id"])
    lineage = community.anonymous.get(f"/api/posts/{again['id']}/lineage").json()
    assert ids({"items": lineage["ancestors"]}) == [remix["id"], original] and lineage["remix_count"] == 0
    assert community.anonymous.get(f"/api/posts/{original}/lineage").json() == {"ancestors": [], "remix_count": 1}
    assert ids(community.anonymous.get(f"/api/posts/{original}/remixes")) == [remix["id"]]
    assert ids(community.anonymous.get(f"/api/posts/{remix['id']}/remixes")) == [again["id"]]


def test_lineage_stops_at_the_first_hidden_post(community: Any) -> None:
    community.join("dee")
    community.join("eli")
    fay = community.join("fay")
    original = community.post("dee")["id"]
    middle = _remix(community, "eli", original)
    tip = _remix(community, "fay", middle["id"])
    execute(community, update(Post).where(Post.id == middle["id"]).values(visibility="private"))
    assert fay.get(f"/api/posts/{tip['id']}/lineage").json()["ancestors"] == []
    assert fay.get(f"/api/posts/{tip['id']}").json()["remix_of"] is None
    assert ids(fay.get(f"/api/posts/{original}/remixes")) == []
    eli = community.clients["eli"]
    assert ids({"items": eli.get(f"/api/posts/{tip['id']}/lineage").json()["ancestors"]}) == [middle["id"],
                                                                                                original]
    error(fay.get(f"/api/posts/{middle['id']}/lineage"), 404, "post_id")
    error(fay.get(f"/api/posts/{middle['id']}/remixes"), 404, "post_id")


def test_remix_permissions(community: Any) -> None:
    gus = community.join("gus")
    hal = community.join("hal")
    closed = community.post("gus", allow_remix=False)["id"]
    private = community.post("gus", visibility="private")["id"]
    body = {"prompt": "again"}
    assert "does not allow remixes" in error(hal.post("/api/generations", json={**body, "remix_of": closed}), 400,
                                             "remix_of")
    error(hal.post("/api/generations", json={**body, "remix_of": private}), 404, "remix_of")
    error(hal.post("/api/generations", json={**body, "remix_of": 999999}), 404, "remix_of")
    error(hal.post("/api/generations", json={**body, "remix_of": closed, "seconds": 8}), 400, "seconds")
    assert gus.post("/api/generations", json={**body, "remix_of": closed}).status_code == 201  # the author may
    open_post = community.post("gus")["id"]
    gus.post("/api/users/hal/block")
    error(hal.post("/api/generations", json={**body, "remix_of": open_post}), 404, "remix_of")
    hal_post = community.post("hal")["id"]
    error(gus.post("/api/generations", json={**body, "remix_of": hal_post}), 404, "remix_of")


def test_deleting_a_remix_uncounts_it(community: Any) -> None:
    community.join("ida")
    jon = community.join("jon")
    original = community.post("ida")["id"]
    remix = _remix(community, "jon", original)
    assert jon.delete(f"/api/posts/{remix['id']}").status_code == 204
    assert jon.get(f"/api/posts/{original}").json()["remix_count"] == 0
    remix_again = _remix(community, "jon", original)
    assert community.clients["ida"].delete(f"/api/posts/{original}").status_code == 204
    assert jon.get(f"/api/posts/{remix_again['id']}").json()["remix_of"] is None


def test_deleting_a_posted_remix_through_v1_uncounts_it(community: Any) -> None:
    community.join("kai")
    lia = community.join("lia")
    original = community.post("kai")["id"]
    remix = _remix(community, "lia", original)
    gen_id = scalar(community, select(Post.generation_id).where(Post.id == remix["id"]))
    token = lia.post("/api/me/tokens", json={"name": "sdk"}).json()["token"]
    deleted = community.anonymous.delete(f"/v1/videos/{gen_id}", headers={"authorization": f"Bearer {token}"})
    assert deleted.status_code == 200, deleted.text
    assert lia.get(f"/api/posts/{remix['id']}").status_code == 404
    assert lia.get(f"/api/posts/{original}").json()["remix_count"] == 0
