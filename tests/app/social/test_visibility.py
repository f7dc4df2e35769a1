"""One rule, every surface: a post shows exactly to the people its visibility allows, whether it is asked for
directly or reached through a profile, a feed, search, a share page, comments, media, remix lineage or
notifications; a block hides everything both ways."""

from __future__ import annotations

from typing import Any

import pytest

from tests.app.feed.helpers import remix
from tests.app.social.helpers import ids

VIEWERS = ("anonymous", "fan", "mutual", "stranger", "blocked")
MAY_SEE = {  # visibility -> who may see it (the author always may)
    "public": {"anonymous", "fan", "mutual", "stranger"},
    "followers": {"fan", "mutual"},
    "mutuals": {"mutual"},
    "private": set(),
}


@pytest.fixture(scope="module")
def world(community: Any) -> dict[str, Any]:
    """vauthor posts once per visibility; vfan follows vauthor, vmutual and vauthor follow each other, vstranger
    has no tie, and vblocked followed vauthor before being blocked."""
    clients = {"anonymous": community.anonymous}
    author = community.join("vauthor")
    for name in ("fan", "mutual", "stranger", "blocked"):
        clients[name] = community.join(f"v{name}")
    for name in ("fan", "mutual", "blocked"):
        assert clients[name].post("/api/users/vauthor/follow").status_code == 200
    assert author.post("/api/users/vmutual/follow").status_code == 200
    posts = {visibility: community.post("vauthor", f"a zebrafinch sings {visibility}",
                                        caption=f"zebrafinch {visibility} @vstranger @vmutual",
                                        visibility=visibility)["id"] for visibility in MAY_SEE}
    assert author.post("/api/users/vblocked/block").status_code == 200
    return {"clients": clients, "posts": posts, "author": author}


def _expected(viewer: str, posts: dict[str, int]) -> set[int]:
    return {post_id for visibility, post_id in posts.items() if viewer in MAY_SEE[visibility]}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_direct_reads_media_and_comments(world: dict[str, Any], viewer: str) -> None:
    client, expected = world["clients"][viewer], _expected(viewer, world["posts"])
    for post_id in world["posts"].values():
        status = 200 if post_id in expected else 404
        for path in ("", "/thumbnail", "/video", "/comments", "/remixes", "/lineage"):
            assert client.get(f"/api/posts/{post_id}{path}").status_code == status, (viewer, post_id, path)
        if viewer != "anonymous" and post_id not in expected:
            assert client.post(f"/api/posts/{post_id}/like").status_code == 404
            assert client.post(f"/api/posts/{post_id}/comments", json={"text": "hi"}).status_code == 404


@pytest.mark.parametrize("viewer", VIEWERS)
def test_profile_grid_counts_search_and_feeds(world: dict[str, Any], viewer: str) -> None:
    client, expected = world["clients"][viewer], _expected(viewer, world["posts"])
    profile = client.get("/api/users/vauthor")
    if viewer == "blocked":
        assert profile.status_code == 404
    else:
        assert profile.json()["post_count"] == len(expected)
    grid = client.get("/api/users/vauthor/posts")
    assert set(ids(grid) if grid.status_code == 200 else []) == expected
    assert set(ids(client.get("/api/search", params={"q": "zebrafinch"}).json()["posts"])) == expected
    if viewer != "anonymous":
        following = expected if viewer in ("fan", "mutual") else set()  # the others do not follow vauthor
        assert set(ids(client.get("/api/feed/following"))) == following
        assert set(ids(client.get("/api/feed/for-you"))) <= expected


@pytest.mark.parametrize("viewer", VIEWERS)
def test_share_pages_show_public_posts_only(world: dict[str, Any], viewer: str) -> None:
    # The share page is the same cacheable page for everyone (what the signed-out web sees), so a block does not
    # change it: it never shows more than a public post.
    for visibility, post_id in world["posts"].items():
        page = world["clients"][viewer].get(f"/p/{post_id}")
        shown = visibility == "public"
        assert page.status_code == (200 if shown else 404), (viewer, visibility)
        assert ("zebrafinch" in page.text) is shown


def test_mentions_notify_only_people_who_can_see_the_post(community: Any, world: dict[str, Any]) -> None:
    def mentioned(name: str) -> set[int]:
        items = world["clients"][name].get("/api/notifications").json()["items"]
        return {item["post_id"] for item in items if item["type"] == "mention"}

    assert mentioned("stranger") == {world["posts"]["public"]}
    assert mentioned("mutual") == {world["posts"][v] for v in ("public", "followers", "mutuals")}


def test_a_public_remix_does_not_reveal_its_hidden_source(community: Any, world: dict[str, Any]) -> None:
    source = world["posts"]["mutuals"]
    public_remix = remix(community, "vmutual", source, "the zebrafinch sings louder", visibility="public")
    stranger, mutual = world["clients"]["stranger"], world["clients"]["mutual"]
    assert stranger.get(f"/api/posts/{public_remix['id']}").json()["remix_of"] is None
    assert stranger.get(f"/api/posts/{public_remix['id']}/lineage").json()["ancestors"] == []
    assert mutual.get(f"/api/posts/{public_remix['id']}").json()["remix_of"] == source
    assert [p["id"] for p in mutual.get(f"/api/posts/{public_remix['id']}/lineage").json()["ancestors"]] == [source]
    assert ids(mutual.get(f"/api/posts/{source}/remixes")) == [public_remix["id"]]
    notified = world["author"].get("/api/notifications").json()["items"]
    assert any(n["type"] == "remix" and n["post_id"] == public_remix["id"] for n in notified)
