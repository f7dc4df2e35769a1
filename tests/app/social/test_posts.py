"""Posts over HTTP: publishing drafts, reading, editing, deleting, their media, and the profile grid; what each
visibility shows to whom."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from kinora.app.feed.models import PostEmbedding
from kinora.app.generations.models import FAILED, Generation
from kinora.app.social.models import Post
from tests.app.social.helpers import ids, teen_birth_date
from tests.community import count, error, execute, scalar

POST_KEYS = {"id", "author", "caption", "visibility", "allow_remix", "prompt", "seconds", "width", "height",
             "video_url", "thumbnail_url", "remix_of", "like_count", "comment_count", "remix_count", "view_count",
             "liked", "created_at", "edited_at", "share_url"}


def test_publish_a_draft(community: Any) -> None:
    ann = community.join("ann")
    draft = community.draft("ann", "a blue ball rolls down a ramp")
    response = ann.post("/api/posts", json={"generation_id": draft, "caption": "downhill", "visibility": "public"})
    assert response.status_code == 201, response.text
    post = response.json()
    assert set(post) == POST_KEYS
    assert post["author"]["handle"] == "ann" and set(post["author"]) == {"handle", "display_name", "bio",
                                                                          "avatar_url", "created_at"}
    assert (post["caption"], post["prompt"], post["visibility"], post["allow_remix"]) == (
        "downhill", "a blue ball rolls down a ramp", "public", True)
    assert (post["seconds"], post["width"], post["height"], post["remix_of"], post["liked"]) == (4, 64, 64, None, False)
    assert post["video_url"] == f"/api/posts/{post['id']}/video" and post["share_url"] == f"/p/{post['id']}"
    assert ann.get(f"/api/posts/{post['id']}").json() == post
    assert count(community, PostEmbedding, PostEmbedding.post_id == post["id"]) == 1  # indexed for the feed


def test_publish_validation(community: Any) -> None:
    bea = community.join("bea")
    draft = community.draft("bea")
    error(bea.post("/api/posts", json={"generation_id": draft, "caption": "x" * 2201}), 400, "caption")
    error(bea.post("/api/posts", json={"generation_id": draft, "visibility": "secret"}), 400, "visibility")
    error(bea.post("/api/posts", json={"caption": "no draft"}), 400, "generation_id")
    error(bea.post("/api/posts", json={"generation_id": "video_nope"}), 404, "generation_id")
    assert bea.post("/api/posts", json={"generation_id": draft}).status_code == 201
    message = error(bea.post("/api/posts", json={"generation_id": draft}), 400, "generation_id")
    assert "already published" in message
    failed = community.draft("bea")
    execute(community, update(Generation).where(Generation.id == failed).values(status=FAILED))
    assert error(bea.post("/api/posts", json={"generation_id": failed}), 400, "generation_id")
    assert community.anonymous.post("/api/posts", json={"generation_id": draft}).status_code == 401


def test_another_users_draft_is_not_found(community: Any) -> None:
    community.join("cal")
    dee = community.join("dee")
    draft = community.draft("cal")
    error(dee.post("/api/posts", json={"generation_id": draft}), 404, "generation_id")
    assert count(community, Post, Post.generation_id == draft) == 0


def test_teen_posts_default_to_followers(community: Any) -> None:
    community.join("teen_tia", birth_date=teen_birth_date())
    community.join("grown_gus")
    assert community.post("teen_tia", visibility=None)["visibility"] == "followers"
    assert community.post("grown_gus", visibility=None)["visibility"] == "public"


def test_visibility_decides_who_sees_a_post(community: Any) -> None:
    owner = community.join("vic")
    fan, friend, stranger = community.join("fan_fay"), community.join("friend_flo"), community.join("stranger_sam")
    fan.post("/api/users/vic/follow")
    friend.post("/api/users/vic/follow")
    owner.post("/api/users/friend_flo/follow")
    posts = {v: community.post("vic", caption=v, visibility=v)["id"] for v in ("public", "followers", "mutuals",
                                                                               "private")}
    seen = {name: {v for v, post_id in posts.items() if client.get(f"/api/posts/{post_id}").status_code == 200}
            for name, client in (("owner", owner), ("fan", fan), ("friend", friend), ("stranger", stranger),
                                 ("anonymous", community.anonymous))}
    assert seen == {"owner": set(posts), "fan": {"public", "followers"},
                    "friend": {"public", "followers", "mutuals"}, "stranger": {"public"}, "anonymous": {"public"}}
    grid = {name: ids(client.get("/api/users/vic/posts")) for name, client in
            (("fan", fan), ("stranger", stranger), ("anonymous", community.anonymous))}
    assert grid == {"fan": [posts["followers"], posts["public"]], "stranger": [posts["public"]],
                    "anonymous": [posts["public"]]}
    for variant in ("video", "thumbnail"):
        assert stranger.get(f"/api/posts/{posts['private']}/{variant}").status_code == 404
        assert fan.get(f"/api/posts/{posts['followers']}/{variant}").status_code == 200


def test_media_of_a_post(community: Any) -> None:
    community.join("mia")
    post = community.post("mia")
    video = community.anonymous.get(post["video_url"])
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    gen = scalar(community, select(Generation.output_key).join(Post, Post.generation_id == Generation.id)
                 .where(Post.id == post["id"]))
    assert video.content == community.services.storage.path(f"{gen}/video.mp4").read_bytes()
    assert community.anonymous.get(post["video_url"], headers={"range": "bytes=0-9"}).status_code == 206
    thumb = community.anonymous.get(post["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
    assert community.anonymous.get("/api/posts/999999/video").status_code == 404


def test_edit_a_post(community: Any) -> None:
    ned = community.join("ned")
    other = community.join("nat")
    post = community.post("ned", caption="before")
    changed = ned.patch(f"/api/posts/{post['id']}", json={"caption": "after", "allow_remix": False,
                                                         "visibility": "followers"})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["caption"], body["allow_remix"], body["visibility"], body["share_url"]) == (
        "after", False, "followers", None)
    assert body["edited_at"] is not None and post["edited_at"] is None
    error(ned.patch(f"/api/posts/{post['id']}", json={"caption": "y" * 2201}), 400, "caption")
    error(ned.patch(f"/api/posts/{post['id']}", json={"visibility": "everyone"}), 400, "visibility")
    public = community.post("ned")
    error(other.patch(f"/api/posts/{public['id']}", json={"caption": "mine now"}), 404, "post_id")
    error(other.delete(f"/api/posts/{public['id']}"), 404, "post_id")
    assert other.get(f"/api/posts/{public['id']}").json()["caption"] == ""


def test_deleting_a_post_keeps_its_draft(community: Any) -> None:
    ola = community.join("ola")
    draft = community.draft("ola")
    post = ola.post("/api/posts", json={"generation_id": draft}).json()
    assert draft not in [d["id"] for d in ola.get("/api/drafts").json()["items"]]
    assert ola.delete(f"/api/posts/{post['id']}").status_code == 204
    assert ola.get(f"/api/posts/{post['id']}").status_code == 404
    assert count(community, Post, Post.id == post["id"]) == 0
    assert draft in [d["id"] for d in ola.get("/api/drafts").json()["items"]]
    assert ola.post("/api/posts", json={"generation_id": draft}).status_code == 201  # publishable again


def test_profile_grid_pages(community: Any) -> None:
    community.join("pam")
    made = [community.post("pam", caption=str(i))["id"] for i in range(5)]
    first = community.anonymous.get("/api/users/PAM/posts", params={"limit": 2}).json()
    assert ids(first) == made[:-3:-1]
    second = community.anonymous.get("/api/users/pam/posts",
                                     params={"limit": 2, "cursor": first["next_cursor"]}).json()
    third = community.anonymous.get("/api/users/pam/posts",
                                    params={"limit": 2, "cursor": second["next_cursor"]}).json()
    assert ids(second) + ids(third) == made[2::-1] and third["next_cursor"] is None
    error(community.anonymous.get("/api/users/nobody_here/posts"), 404, "handle")
    error(community.anonymous.get("/api/users/pam/posts", params={"limit": 0}), 400, "limit")
    error(community.anonymous.get("/api/users/pam/posts", params={"cursor": "!!"}), 400, "cursor")
