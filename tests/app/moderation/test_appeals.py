"""Appeals: users appeal decisions about their own content; admins grant (a held video with its files is restored)
or deny; reviewed decisions export as training lines.

Run: .venv/bin/pytest tests/app/moderation/test_appeals.py -q"""

from __future__ import annotations

from typing import Any

from kinora.app.generations.models import COMPLETED, HELD
from kinora.app.moderation.models import ModerationEvent
from kinora.app.moderation.service import labelled, record
from kinora.safety.policy import Verdict
from tests.app.moderation.helpers import PROMPT, generation, hold
from tests.app.social.helpers import make_admin
from tests.community import count, error, user_id


def test_appeal_granted_restores_a_held_video(community: Any) -> None:
    member = community.join("app_ann")
    admin = community.join("app_boss")
    make_admin(community, "app_boss")
    gen_id, event_id = hold(community, "app_ann", output=True)
    made = member.post("/api/appeals", json={"event_id": event_id, "message": "It is a fairy tale."})
    assert made.status_code == 201, made.text
    appeal = made.json()
    assert (appeal["status"], appeal["event_id"], appeal["decided_at"]) == ("open", event_id, None)
    assert [a["id"] for a in member.get("/api/appeals").json()["items"]] == [appeal["id"]]

    queue = admin.get("/api/admin/moderation/appeals").json()["items"]
    shown = next(a for a in queue if a["id"] == appeal["id"])
    assert (shown["user"], shown["prompt"], shown["event"]["category"]) == ("app_ann", PROMPT, "violence")
    assert shown["event"]["prompt_hash"]
    decided = admin.post(f"/api/admin/moderation/appeals/{appeal['id']}", json={"decision": "grant", "note": "ok"})
    assert decided.json()["status"] == "granted" and decided.json()["decision_note"] == "ok", decided.text
    assert generation(community, gen_id).status == COMPLETED
    assert member.get("/api/appeals").json()["items"][0]["status"] == "granted"
    assert count(community, ModerationEvent, ModerationEvent.stage == "appeal", ModerationEvent.outcome == "grant",
                 ModerationEvent.generation_id == gen_id) == 1
    error(admin.post(f"/api/admin/moderation/appeals/{appeal['id']}", json={"decision": "deny"}), 400, "appeal_id")


def test_appeal_denied_and_grant_without_files(community: Any) -> None:
    member = community.join("app_cal")
    admin = community.join("app_chief")
    make_admin(community, "app_chief")
    denied_gen, denied_event = hold(community, "app_cal", output=True, prompt="a gory battle")
    waiting_gen, waiting_event = hold(community, "app_cal", output=False, prompt="a tense standoff")
    first = member.post("/api/appeals", json={"event_id": denied_event, "message": "please"}).json()
    second = member.post("/api/appeals", json={"event_id": waiting_event, "message": "please"}).json()
    assert admin.post(f"/api/admin/moderation/appeals/{first['id']}", json={"decision": "deny"}).json()["status"] \
        == "denied"
    assert admin.post(f"/api/admin/moderation/appeals/{second['id']}", json={"decision": "grant"}).json()["status"] \
        == "granted"
    assert generation(community, denied_gen).status == HELD
    assert generation(community, waiting_gen).status == HELD  # nothing to show yet: the review queue decides
    denied = admin.get("/api/admin/moderation/appeals", params={"status": "denied"}).json()["items"]
    assert [a["id"] for a in denied] == [first["id"]]
    assert member.post("/api/appeals", json={"event_id": denied_event, "message": "again"}).status_code == 201


def test_appeal_validation(community: Any) -> None:
    member = community.join("app_dee")
    other = community.join("app_eve")
    admin = community.join("app_head")
    make_admin(community, "app_head")
    _, event_id = hold(community, "app_dee", output=False)
    dee = user_id(community, "app_dee")

    async def allowed() -> int:
        async with community.services.db.write() as session:
            return (await record(session, stage="prompt", verdict=Verdict("allow"), user_id=dee, text="hi")).id

    allowed_id = community.run(allowed())
    error(other.post("/api/appeals", json={"event_id": event_id, "message": "mine?"}), 404, "event_id")
    error(member.post("/api/appeals", json={"event_id": 999999, "message": "x"}), 404, "event_id")
    error(member.post("/api/appeals", json={"event_id": allowed_id, "message": "x"}), 400, "event_id")
    error(member.post("/api/appeals", json={"event_id": event_id, "message": "  "}), 400, "message")
    error(member.post("/api/appeals", json={"event_id": event_id, "message": "m" * 2001}), 400, "message")
    error(member.post("/api/appeals", json={"event_id": 0, "message": "x"}), 400, "event_id")
    made = member.post("/api/appeals", json={"event_id": event_id, "message": "x"}).json()
    error(member.post("/api/appeals", json={"event_id": event_id, "message": "x"}), 400, "event_id")  # one open
    assert community.anonymous.post("/api/appeals", json={"event_id": event_id, "message": "x"}).status_code == 401
    assert community.anonymous.get("/api/appeals").status_code == 401
    assert member.get("/api/admin/moderation/appeals").status_code == 404
    assert member.post(f"/api/admin/moderation/appeals/{made['id']}", json={"decision": "grant"}).status_code == 404
    error(admin.get("/api/admin/moderation/appeals", params={"status": "pending"}), 400, "status")
    error(admin.post(f"/api/admin/moderation/appeals/{made['id']}", json={"decision": "maybe"}), 400, "decision")
    error(admin.post("/api/admin/moderation/appeals/999999", json={"decision": "deny"}), 404, "appeal_id")


def test_export_labels_reviewed_prompts(community: Any) -> None:
    community.join("app_fay")
    admin = community.join("app_top")
    make_admin(community, "app_top")
    approved, _ = hold(community, "app_fay", output=False, prompt="a cartoon sword fight", category="violence")
    removed, _ = hold(community, "app_fay", output=True, prompt="a very gory scene", category="violence")
    admin.post(f"/api/admin/moderation/generations/{approved}", json={"action": "approve"})
    admin.post(f"/api/admin/moderation/generations/{removed}", json={"action": "remove"})

    async def body() -> list[dict[str, Any]]:
        async with community.services.db.read() as session:
            return await labelled(session)

    lines = community.run(body())
    assert {"prompt": "a cartoon sword fight", "label": "allow", "category": "violence"} in lines
    assert {"prompt": "a very gory scene", "label": "block", "category": "violence"} in lines
    assert all(set(line) == {"prompt", "label", "category"} for line in lines)
