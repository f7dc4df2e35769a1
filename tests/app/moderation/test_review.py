"""The review queue of held generations: admins only, approve runs the job or shows the output, remove fails it
with content_policy and deletes its files; every decision is in the audit log.

Run: .venv/bin/pytest tests/app/moderation/test_review.py -q"""

from __future__ import annotations

import hashlib
from typing import Any

from kinora.app.generations.models import COMPLETED, FAILED, HELD, QUEUED
from kinora.app.moderation.models import ModerationEvent
from tests.app.moderation.helpers import PROMPT, files, generation, hold
from tests.app.social.helpers import make_admin
from tests.community import count, error


def test_queue_shows_held_generations_to_admins_only(community: Any) -> None:
    member = community.join("rev_ann")
    admin = community.join("rev_boss")
    make_admin(community, "rev_boss")
    before, _ = hold(community, "rev_ann", output=False)
    after, _ = hold(community, "rev_ann", output=True, prompt="a bloody duel", category="violence")
    assert member.get("/api/admin/moderation/queue").status_code == 404  # admin routes do not exist for others
    assert community.anonymous.get("/api/admin/moderation/queue").status_code == 401
    items = {item["id"]: item for item in admin.get("/api/admin/moderation/queue").json()["items"]}
    assert items[before]["has_output"] is False and items[after]["has_output"] is True
    shown = items[before]
    assert (shown["owner"], shown["prompt"], shown["kind"]) == ("rev_ann", PROMPT, "create")
    assert shown["event"]["category"] == "violence" and shown["event"]["layer"] == "classifier"
    assert shown["event"]["note"] == "violence 0.71" and shown["event"]["scores"] == {"violence": 0.71}
    first = admin.get("/api/admin/moderation/queue", params={"limit": 1}).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    rest = admin.get("/api/admin/moderation/queue", params={"cursor": first["next_cursor"]}).json()["items"]
    assert first["items"][0]["id"] not in {item["id"] for item in rest}


def test_approve_before_the_job_queues_it(community: Any) -> None:
    community.join("rev_cal")
    admin = community.join("rev_chief")
    make_admin(community, "rev_chief")
    gen_id, _ = hold(community, "rev_cal", output=False)
    answer = admin.post(f"/api/admin/moderation/generations/{gen_id}", json={"action": "approve", "note": "fine"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"id": gen_id, "status": QUEUED, "error_code": None}
    assert generation(community, gen_id).status == QUEUED
    recorded = count(community, ModerationEvent, ModerationEvent.generation_id == gen_id,
                     ModerationEvent.stage == "review", ModerationEvent.outcome == "approve",
                     ModerationEvent.note == "fine", ModerationEvent.category == "violence")
    assert recorded == 1


def test_approve_after_the_job_completes_it(community: Any) -> None:
    community.join("rev_dee")
    admin = community.join("rev_head")
    make_admin(community, "rev_head")
    gen_id, _ = hold(community, "rev_dee", output=True)
    answer = admin.post(f"/api/admin/moderation/generations/{gen_id}", json={"action": "approve"})
    assert answer.json()["status"] == COMPLETED, answer.text
    gen = generation(community, gen_id)
    assert gen.completed_at is not None and gen.output_key == f"videos/{gen_id}/1" and files(community, gen_id)
    assert community.clients["rev_dee"].post("/api/posts", json={"generation_id": gen_id}).status_code == 201


def test_remove_fails_it_and_deletes_the_files(community: Any) -> None:
    community.join("rev_eve")
    admin = community.join("rev_top")
    make_admin(community, "rev_top")
    gen_id, _ = hold(community, "rev_eve", output=True)
    assert files(community, gen_id)
    answer = admin.post(f"/api/admin/moderation/generations/{gen_id}", json={"action": "remove", "note": "gore"})
    assert answer.json() == {"id": gen_id, "status": FAILED, "error_code": "content_policy"}, answer.text
    gen = generation(community, gen_id)
    assert gen.error_message and "content policy" in gen.error_message and gen.output_key is None
    assert not community.services.storage.path(f"videos/{gen_id}").exists()
    events = admin.get("/api/admin/moderation/events", params={"generation_id": gen_id}).json()["items"]
    assert [(e["stage"], e["outcome"]) for e in events] == [("review", "remove"), ("output", "review")]
    assert events[0]["reviewer"] == "rev_top" and events[0]["user"] == "rev_eve"
    assert events[1]["prompt_hash"] == hashlib.sha256(PROMPT.encode()).hexdigest()
    assert events[1]["versions"] == {"classifier": "test-1"}


def test_decision_validation(community: Any) -> None:
    member = community.join("rev_fay")
    admin = community.join("rev_lead")
    make_admin(community, "rev_lead")
    gen_id, _ = hold(community, "rev_fay", output=False)
    url = f"/api/admin/moderation/generations/{gen_id}"
    assert member.post(url, json={"action": "approve"}).status_code == 404
    assert community.anonymous.post(url, json={"action": "approve"}).status_code == 401
    error(admin.post(url, json={"action": "publish"}), 400, "action")
    error(admin.post(url, json={"action": "approve", "note": "n" * 2001}), 400, "note")
    error(admin.post(url, json={"action": "approve", "extra": 1}), 400, "extra")
    error(admin.post("/api/admin/moderation/generations/video_nope", json={"action": "approve"}), 404,
          "generation_id")
    completed = community.draft("rev_fay")
    message = error(admin.post(f"/api/admin/moderation/generations/{completed}", json={"action": "remove"}), 400,
                    "generation_id")
    assert "not held" in message
    assert generation(community, gen_id).status == HELD
    error(admin.get("/api/admin/moderation/queue", params={"cursor": "abc"}), 400, "cursor")
