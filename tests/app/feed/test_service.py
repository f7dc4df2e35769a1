"""Feed feedback: view events and their counters, "see less" and hidden creators (validation and authorization),
and reading and clearing what the feed uses about you.

Run: .venv/bin/pytest tests/app/feed/test_service.py -q
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kinora.app.feed.models import FeedPreference, FeedSignal, View
from kinora.app.social.models import Post
from tests.community import count, error, scalar, user_id


def _counters(community: Any, post_id: int) -> tuple[int, int]:
    views = scalar(community, select(Post.view_count).where(Post.id == post_id))
    completions = scalar(community, select(Post.completion_count).where(Post.id == post_id))
    return views, completions


def test_views_keep_the_best_watch_and_count_once(community: Any) -> None:
    community.join("amy")
    ben = community.join("ben")
    post = community.post("amy", "a waterfall in the jungle")["id"]
    first = ben.post(f"/api/posts/{post}/view", json={"watched_fraction": 0.5})
    assert first.status_code == 200
    assert first.json() == {"post_id": post, "watched_fraction": 0.5, "completed": False}
    assert _counters(community, post) == (1, 0)
    lower = ben.post(f"/api/posts/{post}/view", json={"watched_fraction": 0.2}).json()
    assert (lower["watched_fraction"], lower["completed"]) == (0.5, False)
    done = ben.post(f"/api/posts/{post}/view", json={"watched_fraction": 0.97}).json()
    assert (done["watched_fraction"], done["completed"]) == (0.97, True)
    again = ben.post(f"/api/posts/{post}/view", json={"watched_fraction": 1.0, "completed": True}).json()
    assert again["completed"] is True
    assert _counters(community, post) == (1, 1)
    assert count(community, View, View.post_id == post) == 1
    community.clients["amy"].post(f"/api/posts/{post}/view", json={"watched_fraction": 0.1, "completed": True})
    assert _counters(community, post) == (2, 2)


def test_view_validation_and_authorization(community: Any) -> None:
    community.join("cal")
    dee = community.join("dee")
    public = community.post("cal", "a kite over the dunes")["id"]
    private = community.post("cal", "a secret", visibility="private")["id"]
    followers = community.post("cal", "for followers", visibility="followers")["id"]
    for bad in (1.5, -0.1, "lots"):
        error(dee.post(f"/api/posts/{public}/view", json={"watched_fraction": bad}), 400, "watched_fraction")
    error(dee.post(f"/api/posts/{public}/view", json={}), 400, "watched_fraction")
    error(dee.post(f"/api/posts/{public}/view", json={"watched_fraction": 0.5, "seconds": 3}), 400, "seconds")
    for hidden in (private, followers, 999_999):
        error(dee.post(f"/api/posts/{hidden}/view", json={"watched_fraction": 0.5}), 404, "post_id")
    assert community.anonymous.post(f"/api/posts/{public}/view", json={"watched_fraction": 0.5}).status_code == 401
    assert _counters(community, private) == (0, 0)


def test_see_less_routes(community: Any) -> None:
    community.join("eve")
    fin = community.join("fin")
    post = community.post("eve", "a storm at sea")["id"]
    private = community.post("eve", "mine alone", visibility="private")["id"]
    for _ in range(2):
        assert fin.post(f"/api/posts/{post}/see-less").status_code == 201
    fin_id = user_id(community, "fin")
    assert count(community, FeedSignal, FeedSignal.user_id == fin_id, FeedSignal.kind == "see_less") == 1
    error(fin.post(f"/api/posts/{private}/see-less"), 404, "post_id")
    error(fin.post("/api/posts/999999/see-less"), 404, "post_id")
    assert community.anonymous.post(f"/api/posts/{post}/see-less").status_code == 401
    for _ in range(2):
        assert fin.delete(f"/api/posts/{post}/see-less").status_code == 204
    assert count(community, FeedSignal, FeedSignal.user_id == fin_id) == 0


def test_hide_routes(community: Any) -> None:
    gil = community.join("gil")
    community.join("hue")
    community.join("ina")
    answer = gil.post("/api/users/HUE/hide")
    assert answer.status_code == 201 and answer.json() == {"handle": "hue", "hidden": True}
    assert gil.post("/api/users/hue/hide").status_code == 201
    gil_id = user_id(community, "gil")
    assert count(community, FeedSignal, FeedSignal.user_id == gil_id, FeedSignal.kind == "hide_creator") == 1
    error(gil.post("/api/users/gil/hide"), 400, "handle")
    error(gil.post("/api/users/nobody/hide"), 404, "handle")
    assert community.clients["ina"].post("/api/users/gil/block").status_code == 200
    error(gil.post("/api/users/ina/hide"), 404, "handle")  # blocked either way: as if nobody were there
    assert community.anonymous.post("/api/users/hue/hide").status_code == 401
    assert gil.delete("/api/users/hue/hide").status_code == 204
    error(gil.delete("/api/users/nobody/hide"), 404, "handle")
    assert count(community, FeedSignal, FeedSignal.user_id == gil_id) == 0


def test_feed_data_shows_and_clears_everything(community: Any) -> None:
    jay = community.join("jay")
    community.join("kay")
    liked = community.post("kay", "a hot air balloon at dawn", caption="balloons!")["id"]
    plain = community.post("kay", "a fox in the snow")["id"]
    assert jay.post(f"/api/posts/{liked}/like").status_code == 200
    assert jay.post(f"/api/posts/{plain}/like").status_code == 200
    jay.put("/api/me/feed-preferences", json={"instruction": "more foxes, no spiders"})
    jay.post(f"/api/posts/{plain}/see-less")
    jay.post("/api/users/kay/hide")
    jay.post(f"/api/posts/{liked}/view", json={"watched_fraction": 0.4})
    data = jay.get("/api/me/feed-data")
    assert data.status_code == 200
    body = data.json()
    assert body["preferences"]["more"] == ["foxes"] and body["preferences"]["less"] == ["spiders"]
    assert (body["see_less"], body["hidden_creators"], body["views"]) == ([plain], ["kay"], 1)
    assert body["liked_topics"] == ["a fox in the snow", "balloons!"]
    assert body["personalized"] is True

    assert jay.delete("/api/me/feed-data").status_code == 204
    cleared = jay.get("/api/me/feed-data").json()
    assert cleared["preferences"]["instruction"] == "" and cleared["see_less"] == []
    assert (cleared["hidden_creators"], cleared["views"]) == ([], 0)
    assert cleared["liked_topics"]  # likes are the user's own to undo
    jay_id = user_id(community, "jay")
    for model in (FeedPreference, FeedSignal, View):
        assert count(community, model, model.user_id == jay_id) == 0
    assert community.anonymous.get("/api/me/feed-data").status_code == 401
    assert community.anonymous.delete("/api/me/feed-data").status_code == 401
