"""Reports and the moderation queue: only of things the reporter can see, admins only, and removal."""

from __future__ import annotations

from typing import Any

from kinora.app.social.models import Comment, Post, Report
from tests.app.social.helpers import make_admin
from tests.community import count, error, user_id


def test_report_a_post_comment_and_user(community: Any) -> None:
    community.join("ann")
    bob = community.join("bob")
    post = community.post("ann", caption="look")["id"]
    comment = community.clients["ann"].post(f"/api/posts/{post}/comments", json={"text": "mine"}).json()["id"]
    made = [bob.post("/api/reports", json=body) for body in (
        {"target_type": "post", "target_id": post, "category": "spam", "details": "again and again"},
        {"target_type": "comment", "target_id": str(comment), "category": "harassment"},
        {"target_type": "user", "target_id": "ANN", "category": "impersonation"})]
    assert [r.status_code for r in made] == [201, 201, 201], [r.text for r in made]
    assert made[0].json() == {"id": made[0].json()["id"], "target_type": "post", "target_id": str(post),
                              "category": "spam", "details": "again and again", "status": "open",
                              "created_at": made[0].json()["created_at"]}
    assert made[2].json()["target_id"] == "ann"
    assert count(community, Report, Report.reporter_id == user_id(community, "bob")) == 3


def test_report_validation(community: Any) -> None:
    community.join("cal")
    dee = community.join("dee")
    post = community.post("cal")["id"]
    private = community.post("cal", visibility="private")["id"]
    report = {"target_type": "post", "target_id": post, "category": "spam"}
    error(dee.post("/api/reports", json={**report, "category": "boring"}), 400, "category")
    error(dee.post("/api/reports", json={**report, "target_type": "song"}), 400, "target_type")
    error(dee.post("/api/reports", json={**report, "details": "d" * 2001}), 400, "details")
    error(dee.post("/api/reports", json={**report, "target_id": "abc"}), 400, "target_id")
    error(dee.post("/api/reports", json={**report, "target_id": private}), 404, "post_id")
    error(dee.post("/api/reports", json={**report, "target_type": "comment", "target_id": 99999}), 404, "target_id")
    error(dee.post("/api/reports", json={**report, "target_type": "user", "target_id": "no_one_x"}), 404, "handle")
    assert community.anonymous.post("/api/reports", json=report).status_code == 401


def test_moderation_queue(community: Any) -> None:
    community.join("eve")
    fay = community.join("fay")
    admin = community.join("boss")
    make_admin(community, "boss")
    post = community.post("eve", prompt="a spammy cube", caption="buy now")["id"]
    comment = fay.post(f"/api/posts/{post}/comments", json={"text": "rude words"}).json()["id"]
    on_post = [fay.post("/api/reports", json={"target_type": "post", "target_id": post, "category": "spam"}).json()
               for _ in range(2)]
    on_comment = admin.post("/api/reports", json={"target_type": "comment", "target_id": comment,
                                                  "category": "harassment"}).json()
    assert fay.get("/api/admin/reports").status_code == 404  # admin routes do not exist for others
    assert fay.post(f"/api/admin/reports/{on_post[0]['id']}", json={"status": "dismissed"}).status_code == 404
    queue = admin.get("/api/admin/reports", params={"status": "open"}).json()
    mine = [r for r in queue["items"] if r["id"] in {on_post[0]["id"], on_comment["id"]}]
    assert mine[0]["reporter"]["handle"] == "fay" and mine[0]["target_user"]["handle"] == "eve"
    assert mine[0]["target"] == {"post_id": post, "caption": "buy now", "visibility": "public",
                                 "prompt": "a spammy cube"}
    assert mine[1]["target"] == {"comment_id": comment, "post_id": post, "text": "rude words"}
    error(admin.get("/api/admin/reports", params={"status": "pending"}), 400, "status")
    error(admin.post(f"/api/admin/reports/{on_post[0]['id']}", json={"status": "open"}), 400, "status")
    error(admin.post("/api/admin/reports/999999", json={"status": "resolved"}), 404, "report_id")

    done = admin.post(f"/api/admin/reports/{on_comment['id']}", json={"status": "resolved", "remove": True}).json()
    assert (done["status"], done["resolved_by"], done["target"]) == ("resolved", "boss", None)
    assert count(community, Comment, Comment.id == comment) == 0
    removed = admin.post(f"/api/admin/reports/{on_post[0]['id']}", json={"status": "resolved", "remove": True})
    assert removed.status_code == 200, removed.text
    assert count(community, Post, Post.id == post) == 0
    assert count(community, Report, Report.id == on_post[1]["id"], Report.status == "resolved") == 1
    resolved = admin.get("/api/admin/reports", params={"status": "resolved"}).json()["items"]
    assert {r["id"] for r in resolved} >= {on_post[0]["id"], on_post[1]["id"], on_comment["id"]}


def test_dismiss_keeps_the_target(community: Any) -> None:
    community.join("gus")
    hal = community.join("hal")
    admin = community.join("chief")
    make_admin(community, "chief")
    post = community.post("gus")["id"]
    report = hal.post("/api/reports", json={"target_type": "user", "target_id": "gus", "category": "spam"}).json()
    error(admin.post(f"/api/admin/reports/{report['id']}", json={"status": "resolved", "remove": True}), 400,
          "remove")
    assert admin.post(f"/api/admin/reports/{report['id']}", json={"status": "dismissed"}).json()["status"] == \
        "dismissed"
    assert count(community, Post, Post.id == post) == 1
