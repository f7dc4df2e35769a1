"""Warnings and suspensions (a suspended account cannot post or comment) and the audit log's filters.

Run: .venv/bin/pytest tests/app/moderation/test_accounts.py -q"""

from __future__ import annotations

import time
from typing import Any

import pytest

from kinora.app.errors import Forbidden
from kinora.app.moderation.service import ensure_active, record
from kinora.app.users.models import User
from kinora.safety.policy import Verdict
from tests.app.social.helpers import make_admin
from tests.community import error, user_id


def test_warn_suspend_and_unsuspend(community: Any) -> None:
    member = community.join("acc_ann")
    admin = community.join("acc_boss")
    make_admin(community, "acc_boss")
    post = community.post("acc_ann")["id"]
    url = "/api/admin/moderation/users/acc_ann"
    assert admin.post(url, json={"action": "warn", "note": "first"}).json() == \
        {"handle": "acc_ann", "warnings": 1, "suspended_until": None}
    assert admin.post("/api/admin/moderation/users/@ACC_ANN", json={"action": "warn"}).json()["warnings"] == 2
    suspended = admin.post(url, json={"action": "suspend", "days": 7}).json()
    assert suspended["suspended_until"] == pytest.approx(time.time() + 7 * 86400, abs=60)

    refused = member.post("/api/posts", json={"generation_id": community.draft("acc_ann")})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "account_suspended", refused.text
    assert "UTC" in refused.json()["error"]["message"]
    refused = member.post(f"/api/posts/{post}/comments", json={"text": "hello"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "account_suspended"
    assert member.get(f"/api/posts/{post}").status_code == 200  # reading still works

    assert admin.post(url, json={"action": "unsuspend"}).json()["suspended_until"] is None
    assert member.post(f"/api/posts/{post}/comments", json={"text": "hello"}).status_code == 201
    log = admin.get("/api/admin/moderation/events", params={"user": "acc_ann", "stage": "user"}).json()["items"]
    assert [(e["outcome"], e["reviewer"]) for e in log] == [("unsuspend", "acc_boss"), ("suspend", "acc_boss"),
                                                           ("warn", "acc_boss"), ("warn", "acc_boss")]
    assert log[-1]["note"] == "first" and log[1]["note"] == "7 days"


def test_user_action_validation(community: Any) -> None:
    member = community.join("acc_cal")
    admin = community.join("acc_chief")
    make_admin(community, "acc_chief")
    url = "/api/admin/moderation/users/acc_cal"
    assert member.post(url, json={"action": "warn"}).status_code == 404
    assert community.anonymous.post(url, json={"action": "warn"}).status_code == 401
    error(admin.post(url, json={"action": "ban"}), 400, "action")
    for days in (None, 0, 3651):
        assert "days must be 1-3650" in error(admin.post(url, json={"action": "suspend", "days": days}), 400, "days")
    error(admin.post(url, json={"action": "unsuspend"}), 400, "handle")  # not suspended
    error(admin.post("/api/admin/moderation/users/no_one_here", json={"action": "warn"}), 404, "handle")
    error(admin.post(url, json={"action": "warn", "note": "n" * 2001}), 400, "note")


def test_events_are_newest_first_paged_and_filtered(community: Any) -> None:
    community.join("acc_dee")
    admin = community.join("acc_head")
    make_admin(community, "acc_head")
    dee = user_id(community, "acc_dee")

    async def body() -> None:
        async with community.services.db.write() as session:
            for outcome in ("allow", "block", "review"):
                await record(session, stage="prompt", verdict=Verdict(outcome, "hate" if outcome != "allow" else None,
                                                                      "rules", "term"),
                             user_id=dee, generation_id="video_acc", text="some prompt")

    community.run(body())
    page = admin.get("/api/admin/moderation/events", params={"user": "acc_dee", "limit": 2}).json()
    assert [e["outcome"] for e in page["items"]] == ["review", "block"] and page["next_cursor"]
    rest = admin.get("/api/admin/moderation/events", params={"user": "acc_dee", "cursor": page["next_cursor"]})
    assert [e["outcome"] for e in rest.json()["items"]] == ["allow"] and rest.json()["next_cursor"] is None
    shown = page["items"][1]
    assert (shown["stage"], shown["category"], shown["layer"], shown["note"], shown["user"]) == \
        ("prompt", "hate", "rules", "term", "acc_dee")
    assert len(admin.get("/api/admin/moderation/events", params={"generation_id": "video_acc"}).json()["items"]) == 3
    error(admin.get("/api/admin/moderation/events", params={"stage": "lunch"}), 400, "stage")
    error(admin.get("/api/admin/moderation/events", params={"user": "nobody_x"}), 404, "user")
    assert community.clients["acc_dee"].get("/api/admin/moderation/events").status_code == 404


def test_record_and_ensure_active_check_their_arguments(community: Any) -> None:
    async def body(**kwargs: Any) -> None:
        async with community.services.db.write() as session:
            await record(session, user_id=None, **kwargs)

    with pytest.raises(ValueError, match="stage must be one of"):
        community.run(body(stage="dream", outcome="allow"))
    with pytest.raises(ValueError, match="outcome must be one of"):
        community.run(body(stage="prompt"))
    now = time.time()
    ensure_active(User(handle="x", suspended_until=now - 1), now)
    ensure_active(User(handle="x", suspended_until=None), now)
    with pytest.raises(Forbidden, match="suspended until"):
        ensure_active(User(handle="x", suspended_until=now + 60), now)
