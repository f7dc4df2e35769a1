"""Notifications: what is listed (newest first, never for posts the recipient cannot see), read marks, the unread
count, and the server-sent-events stream read by a real streaming HTTP client."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import orjson
from sqlalchemy import update

from kinora.app.social import stream
from kinora.app.social.models import Notification, Post
from tests.app.social.helpers import ids
from tests.community import error, execute


def _types(client: Any, **params: Any) -> list[str]:
    response = client.get("/api/notifications", params=params)
    assert response.status_code == 200, response.text
    return [n["type"] for n in response.json()["items"]]


def test_list_shape_and_order(community: Any) -> None:
    ann = community.join("ann")
    bob = community.join("bob")
    post = community.post("ann")["id"]
    bob.post("/api/users/ann/follow")
    bob.post(f"/api/posts/{post}/like")
    comment = bob.post(f"/api/posts/{post}/comments", json={"text": "wow"}).json()["id"]
    items = ann.get("/api/notifications").json()["items"]
    assert [n["type"] for n in items] == ["comment", "like", "follow"]
    assert set(items[0]) == {"id", "type", "actor", "post_id", "comment_id", "created_at", "read"}
    assert (items[0]["actor"]["handle"], items[0]["post_id"], items[0]["comment_id"], items[0]["read"]) == (
        "bob", post, comment, False)
    assert (items[2]["post_id"], items[2]["comment_id"]) == (None, None)
    first = ann.get("/api/notifications", params={"limit": 2}).json()
    rest = ann.get("/api/notifications", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert ids(first) + ids(rest) == [n["id"] for n in items]
    assert bob.get("/api/notifications").json()["items"] == []
    assert community.anonymous.get("/api/notifications").status_code == 401


def test_read_marks_and_unread_count(community: Any) -> None:
    cat = community.join("cat")
    for handle in ("dan", "dot", "dex"):
        community.join(handle).post("/api/users/cat/follow")
    assert cat.get("/api/notifications/unread-count").json() == {"count": 3}
    newest = cat.get("/api/notifications").json()["items"][0]["id"]
    assert cat.post("/api/notifications/read", json={"ids": [newest]}).json() == {"updated": 1}
    assert cat.get("/api/notifications/unread-count").json() == {"count": 2}
    assert len(_types(cat, unread="true")) == 2
    assert community.clients["dan"].post("/api/notifications/read", json={"ids": [newest]}).json() == {
        "updated": 0}  # not theirs
    assert cat.post("/api/notifications/read").json() == {"updated": 2}
    assert cat.get("/api/notifications/unread-count").json() == {"count": 0}
    assert [n["read"] for n in cat.get("/api/notifications").json()["items"]] == [True, True, True]
    error(cat.post("/api/notifications/read", json={"ids": ["x"]}), 400, "ids")
    error(cat.post("/api/notifications/read", json={"ids": 3}), 400, "ids")


def test_never_about_posts_the_recipient_cannot_see(community: Any) -> None:
    eve = community.join("eve")
    fay = community.join("fay")
    community.join("gil")
    community.post("eve", caption="hey @fay and @gil", visibility="followers")
    assert _types(fay) == [] and _types(community.clients["gil"]) == []
    fay.post("/api/users/eve/follow")
    shared = community.post("eve", caption="hi @fay", visibility="followers")["id"]
    fay.post(f"/api/posts/{shared}/like")
    assert _types(fay) == ["mention"]
    execute(community, update(Post).where(Post.id == shared).values(visibility="private"))
    assert _types(fay) == []  # the post went private: what pointed at it is no longer shown
    assert fay.get("/api/notifications/unread-count").json() == {"count": 0}
    assert _types(eve) == ["like", "follow"]  # eve still sees her own private post


def test_no_notification_between_blocked_people(community: Any) -> None:
    hal = community.join("hal")
    ivy = community.join("ivy")
    post = community.post("hal")["id"]
    ivy.post(f"/api/posts/{post}/like")
    assert _types(hal) == ["like"]
    hal.post("/api/users/ivy/block")
    assert _types(hal) == []
    hal.delete("/api/users/ivy/block")
    community.post("hal", caption="@ivy hello")
    assert _types(ivy) == ["mention"]
    ivy.post("/api/users/hal/block")
    community.post("hal", caption="@ivy again")
    ivy.delete("/api/users/hal/block")
    assert _types(ivy) == []


def _events(lines: Iterator[str], wanted: int) -> list[dict[str, Any]]:
    """Read SSE frames until `wanted` notification events arrived."""
    found: list[dict[str, Any]] = []
    frame: dict[str, str] = {}
    for line in lines:
        if line == "":
            if frame.get("event") == "notification":
                found.append({"id": int(frame["id"]), **orjson.loads(frame["data"])})
                if len(found) == wanted:
                    return found
            frame = {}
        elif not line.startswith(":"):
            key, _, value = line.partition(": ")
            frame[key] = value
    return found


def test_stream_sends_notifications_as_they_happen(community: Any) -> None:
    jo = community.join("jo")
    kit = community.join("kit")
    post = community.post("jo")["id"]
    with jo.stream("GET", "/api/notifications/stream") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        assert next(lines).startswith("retry: ")
        threading.Timer(0.2, lambda: (kit.post(f"/api/posts/{post}/like"), kit.post("/api/users/jo/follow"))).start()
        events = _events(lines, 2)
    assert [e["type"] for e in events] == ["like", "follow"]
    assert events[0]["actor"]["handle"] == "kit" and events[0]["post_id"] == post
    listed = jo.get("/api/notifications").json()["items"]
    assert [e["id"] for e in events] == [n["id"] for n in reversed(listed)]


def test_stream_resumes_after_last_event_id(community: Any) -> None:
    lu = community.join("lu")
    for handle in ("mo", "mel", "max"):
        community.join(handle).post("/api/users/lu/follow")
    listed = [n["id"] for n in reversed(lu.get("/api/notifications").json()["items"])]
    with lu.stream("GET", "/api/notifications/stream", headers={"last-event-id": str(listed[0])}) as response:
        events = _events(response.iter_lines(), 2)
    assert [e["id"] for e in events] == listed[1:]


def test_stream_polls_for_other_processes_and_keeps_alive(community: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(stream, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(stream, "KEEPALIVE_SECONDS", 0.1)
    ned = community.join("ned")
    community.join("nia")

    async def written_elsewhere() -> None:  # a row the hub never hears of, as from another process
        import time

        from kinora.app.social.graph import person

        async with community.services.db.write() as session:
            nia = await person(session, handle="nia", viewer_id=None)
            me = await person(session, handle="ned", viewer_id=None)
            session.add(Notification(user_id=me.id, actor_id=nia.id, type="follow", created_at=time.time()))

    with ned.stream("GET", "/api/notifications/stream") as response:
        lines = response.iter_lines()
        assert next(lines).startswith("retry: ")
        assert next(lines) == ""
        assert next(lines) == ": keep-alive"
        community.run(written_elsewhere())
        events = _events(lines, 1)
    assert [(e["type"], e["actor"]["handle"]) for e in events] == [("follow", "nia")]


def test_stream_needs_sign_in(community: Any) -> None:
    assert community.anonymous.get("/api/notifications/stream").status_code == 401


def test_mentions_added_by_an_edit(community: Any) -> None:
    pat = community.join("pat")
    quin = community.join("quin")
    post = community.post("pat", caption="hello")["id"]
    assert _types(quin) == []
    pat.patch(f"/api/posts/{post}", json={"caption": "hello @quin"})
    pat.patch(f"/api/posts/{post}", json={"caption": "hello @quin, again"})
    assert _types(quin) == ["mention"]  # told once, for the edit that added the mention
    assert _types(pat) == []
