"""Comments: one reply level, threads with their first replies, counts kept right, who may edit and delete,
who is told, and blocked people's comments hidden both ways."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kinora.app.social.models import Comment, Post
from tests.community import count, error, scalar


def _comment_count(community: Any, post_id: int) -> int:
    return int(scalar(community, select(Post.comment_count).where(Post.id == post_id)))


def _kinds(community: Any, handle: str) -> list[str]:
    """The types of `handle`'s notifications, as the API lists them."""
    return sorted(n["type"] for n in community.clients[handle].get("/api/notifications").json()["items"])


def test_comment_and_reply(community: Any) -> None:
    community.join("ada")
    ben = community.join("ben")
    cyd = community.join("cyd")
    post = community.post("ada")["id"]
    top = ben.post(f"/api/posts/{post}/comments", json={"text": "  nice bounce  "})
    assert top.status_code == 201, top.text
    body = top.json()
    assert set(body) == {"id", "post_id", "parent_id", "author", "text", "created_at", "edited_at"}
    assert (body["text"], body["parent_id"], body["author"]["handle"]) == ("nice bounce", None, "ben")
    reply = cyd.post(f"/api/posts/{post}/comments", json={"text": "agreed", "parent_id": body["id"]}).json()
    assert reply["parent_id"] == body["id"]
    message = error(ben.post(f"/api/posts/{post}/comments", json={"text": "deeper", "parent_id": reply["id"]}),
                    400, "parent_id")
    assert f"comment {reply['id']} is itself a reply" in message
    assert _comment_count(community, post) == 2
    assert _kinds(community, "ada") == ["comment", "comment"]
    assert _kinds(community, "ben") == ["reply"]


def test_comment_validation(community: Any) -> None:
    community.join("dot")
    eli = community.join("eli")
    post = community.post("dot")["id"]
    other = community.post("dot")["id"]
    error(eli.post(f"/api/posts/{post}/comments", json={"text": ""}), 400, "text")
    error(eli.post(f"/api/posts/{post}/comments", json={"text": "   "}), 400, "text")
    error(eli.post(f"/api/posts/{post}/comments", json={"text": "z" * 1001}), 400, "text")
    error(eli.post(f"/api/posts/{post}/comments", json={}), 400, "text")
    elsewhere = eli.post(f"/api/posts/{other}/comments", json={"text": "over there"}).json()
    error(eli.post(f"/api/posts/{post}/comments", json={"text": "x", "parent_id": elsewhere["id"]}), 404,
          "parent_id")
    error(eli.post(f"/api/posts/{post}/comments", json={"text": "x", "parent_id": 999999}), 404, "parent_id")
    private = community.post("dot", visibility="private")["id"]
    error(eli.post(f"/api/posts/{private}/comments", json={"text": "peek"}), 404, "post_id")
    error(eli.get(f"/api/posts/{private}/comments"), 404, "post_id")
    assert community.anonymous.post(f"/api/posts/{post}/comments", json={"text": "hi"}).status_code == 401


def test_threads_show_first_replies_and_counts(community: Any) -> None:
    community.join("fay")
    gus = community.join("gus")
    post = community.post("fay")["id"]
    tops = [gus.post(f"/api/posts/{post}/comments", json={"text": f"top {i}"}).json()["id"] for i in range(3)]
    replies = [gus.post(f"/api/posts/{post}/comments", json={"text": f"re {i}", "parent_id": tops[0]}).json()["id"]
               for i in range(5)]
    first = community.anonymous.get(f"/api/posts/{post}/comments", params={"limit": 2}).json()
    assert [c["id"] for c in first["items"]] == tops[:2]
    assert first["items"][0]["reply_count"] == 5
    assert [r["id"] for r in first["items"][0]["replies"]] == replies[:3]
    assert (first["items"][1]["reply_count"], first["items"][1]["replies"]) == (0, [])
    rest = community.anonymous.get(f"/api/posts/{post}/comments", params={"cursor": first["next_cursor"]}).json()
    assert [c["id"] for c in rest["items"]] == tops[2:] and rest["next_cursor"] is None
    page = community.anonymous.get(f"/api/comments/{tops[0]}/replies", params={"limit": 4}).json()
    more = community.anonymous.get(f"/api/comments/{tops[0]}/replies", params={"cursor": page["next_cursor"]}).json()
    assert [r["id"] for r in page["items"] + more["items"]] == replies
    error(community.anonymous.get("/api/comments/999999/replies"), 404, "comment_id")


def test_edit_and_delete(community: Any) -> None:
    hal = community.join("hal")
    ian = community.join("ian")
    jon = community.join("jon")
    post = community.post("hal")["id"]
    top = ian.post(f"/api/posts/{post}/comments", json={"text": "first"}).json()["id"]
    for _ in range(2):
        jon.post(f"/api/posts/{post}/comments", json={"text": "reply", "parent_id": top})
    edited = ian.patch(f"/api/comments/{top}", json={"text": "first!"})
    assert edited.status_code == 200 and edited.json()["text"] == "first!" and edited.json()["edited_at"]
    error(jon.patch(f"/api/comments/{top}", json={"text": "hijack"}), 404, "comment_id")
    error(ian.patch(f"/api/comments/{top}", json={"text": ""}), 400, "text")
    error(jon.delete(f"/api/comments/{top}"), 404, "comment_id")
    assert _comment_count(community, post) == 3
    assert ian.delete(f"/api/comments/{top}").status_code == 204  # the replies go with it
    assert count(community, Comment, Comment.post_id == post) == 0
    assert _comment_count(community, post) == 0
    own = jon.post(f"/api/posts/{post}/comments", json={"text": "rude"}).json()["id"]
    assert hal.delete(f"/api/comments/{own}").status_code == 204  # the post's author may
    assert _comment_count(community, post) == 0


def test_mentions_in_comments(community: Any) -> None:
    community.join("kay")
    lou = community.join("lou")
    community.join("mo")
    community.join("ned_x")
    post = community.post("kay")["id"]
    lou.post(f"/api/posts/{post}/comments", json={"text": "@mo look! and @Ned_X, and @kay, and @nobody_x"})
    assert _kinds(community, "mo") == ["mention"] and _kinds(community, "ned_x") == ["mention"]
    assert _kinds(community, "kay") == ["comment"]  # the author hears once, as the author
    followers_only = community.post("kay", visibility="followers")["id"]
    community.clients["kay"].post(f"/api/posts/{followers_only}/comments", json={"text": "@mo psst"})
    assert _kinds(community, "mo") == ["mention"]  # mo cannot see that post


def test_blocked_comments_hidden_both_ways(community: Any) -> None:
    community.join("pia")
    quin = community.join("quin")
    rae = community.join("rae")
    post = community.post("pia")["id"]
    by_quin = quin.post(f"/api/posts/{post}/comments", json={"text": "hello"}).json()["id"]
    by_rae = rae.post(f"/api/posts/{post}/comments", json={"text": "hi"}).json()["id"]
    quin.post("/api/users/rae/block")
    assert [c["id"] for c in quin.get(f"/api/posts/{post}/comments").json()["items"]] == [by_quin]
    assert [c["id"] for c in rae.get(f"/api/posts/{post}/comments").json()["items"]] == [by_rae]
    assert [c["id"] for c in community.anonymous.get(f"/api/posts/{post}/comments").json()["items"]] == [
        by_quin, by_rae]
    error(rae.post(f"/api/posts/{post}/comments", json={"text": "re", "parent_id": by_quin}), 404, "parent_id")
    error(rae.get(f"/api/comments/{by_quin}/replies"), 404, "comment_id")
    quin_post = community.post("quin")["id"]
    error(rae.post(f"/api/posts/{quin_post}/comments", json={"text": "hey"}), 404, "post_id")
