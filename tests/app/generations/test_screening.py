"""Moderation at the door of /api/generations and /v1/videos: blocked prompts leave only an appealable audit entry,
held ones wait for an admin, remixes are judged with their source's prompt, the registry applies at once, and
input images of real people are refused. The real moderation stack runs (MiniLM loads once per process).

Run: .venv/bin/pytest tests/app/generations/test_screening.py -q"""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from kinora.app.generations.models import HELD, QUEUED, Generation
from kinora.app.generations.screening import ContentBlocked, screening
from kinora.app.generations.service import combined_prompt
from kinora.app.moderation.models import ModerationEvent
from kinora.app.users.models import User
from kinora.jobs import queue
from kinora.safety.policy import CATEGORIES, Verdict
from tests.app.social.helpers import make_admin
from tests.community import count, error, scalar, user_id

BLOCKED = "a man is stabbed repeatedly, blood and gore everywhere, dismembered body"  # the rules block it
HELD_PROMPT = "a man holds a gun to someone's head"  # the classifier scores violence about 0.5: review
HARMLESS = "a red cube bounces on a wooden table"
CHANGE = "make the sky sunny"
ASTRONAUT = "tests/safety/data/astronaut.jpg"


def _v1(client: TestClient) -> dict[str, str]:
    token = client.post("/api/me/tokens", json={"name": "sdk"}).json()["token"]
    return {"authorization": f"Bearer {token}"}


def _event(community: Any, event_id: int) -> ModerationEvent:
    found: ModerationEvent | None = scalar(community, select(ModerationEvent).where(ModerationEvent.id == event_id))
    assert found is not None, event_id
    return found


def _refused(community: Any, response: Any, category: str) -> ModerationEvent:
    """Assert a moderation_blocked answer for the prompt naming `category`'s message and its event; returns that."""
    message = error(response, 400, "prompt")
    assert response.json()["error"]["code"] == "moderation_blocked"
    assert CATEGORIES[category] in message
    found = re.search(r"moderation event (\d+)", message)
    assert found is not None, message
    return _event(community, int(found.group(1)))


def _claim_all(community: Any) -> set[str]:
    """Everything the runner's claim would take now (other tests' queued jobs too)."""
    async def body() -> set[str]:
        taken = set()
        while (gen := await queue.claim(community.services.db, community.settings, "test")) is not None:
            taken.add(gen.id)
        return taken

    result: set[str] = community.run(body())
    return result


def test_a_blocked_prompt_stores_nothing_but_an_appealable_event(community: Any) -> None:
    ann = community.join("scr_ann")
    refused = ann.post("/api/generations", json={"prompt": BLOCKED})
    event = _refused(community, refused, "violence")
    via_sdk = community.anonymous.post("/v1/videos", json={"prompt": BLOCKED}, headers=_v1(ann))
    second = _refused(community, via_sdk, "violence")
    assert count(community, Generation, Generation.owner_id == user_id(community, "scr_ann")) == 0
    for found in (event, second):
        assert (found.stage, found.outcome, found.category, found.layer) == ("prompt", "block", "violence", "rules")
        assert found.prompt_hash == hashlib.sha256(BLOCKED.encode()).hexdigest()
        assert found.user_id == user_id(community, "scr_ann") and found.generation_id is None
    appeal = ann.post("/api/appeals", json={"event_id": event.id, "message": "it is a horror film scene"})
    assert appeal.status_code == 201, appeal.text


def test_an_allowed_prompt_is_queued_with_its_allow_event(community: Any) -> None:
    bea = community.join("scr_bea")
    made = bea.post("/api/generations", json={"prompt": HARMLESS})
    assert made.status_code == 201 and made.json()["status"] == QUEUED, made.text
    via_sdk = community.anonymous.post("/v1/videos", json={"prompt": HARMLESS}, headers=_v1(bea))
    assert via_sdk.status_code == 200 and via_sdk.json()["status"] == "queued", via_sdk.text
    for gen_id in (made.json()["id"], via_sdk.json()["id"]):
        allowed = count(community, ModerationEvent, ModerationEvent.generation_id == gen_id,
                        ModerationEvent.stage == "prompt", ModerationEvent.outcome == "allow",
                        ModerationEvent.prompt_hash == hashlib.sha256(HARMLESS.encode()).hexdigest())
        assert allowed == 1


def test_a_prompt_held_for_review_waits_for_an_admin(community: Any) -> None:
    cal = community.join("scr_cal")
    admin = community.join("scr_boss")
    make_admin(community, "scr_boss")
    held = cal.post("/api/generations", json={"prompt": HELD_PROMPT})
    assert held.status_code == 201 and held.json()["status"] == HELD, held.text
    via_sdk = community.anonymous.post("/v1/videos", json={"prompt": HELD_PROMPT}, headers=_v1(cal))
    assert via_sdk.status_code == 200 and via_sdk.json()["status"] == "in_progress", via_sdk.text
    ids = {held.json()["id"], via_sdk.json()["id"]}
    for gen_id in ids:
        assert count(community, ModerationEvent, ModerationEvent.generation_id == gen_id,
                     ModerationEvent.stage == "prompt", ModerationEvent.outcome == "review",
                     ModerationEvent.category == "violence") == 1
    assert not ids & _claim_all(community)
    decided = admin.post(f"/api/admin/moderation/generations/{held.json()['id']}", json={"action": "approve"})
    assert decided.status_code == 200 and decided.json()["status"] == QUEUED, decided.text
    assert held.json()["id"] in _claim_all(community)


def test_a_remix_is_judged_with_its_sources_prompt(community: Any) -> None:
    dee = community.join("scr_dee")
    community.join("scr_eli")
    v1 = _v1(dee)
    bad_post, good_post = community.post("scr_eli", BLOCKED)["id"], community.post("scr_eli", HARMLESS)["id"]
    event = _refused(community, dee.post("/api/generations", json={"prompt": CHANGE, "remix_of": bad_post}),
                     "violence")
    assert event.prompt_hash == hashlib.sha256(combined_prompt(BLOCKED, CHANGE).encode()).hexdigest()
    assert count(community, Generation, Generation.remix_of_post == bad_post) == 0
    fine = dee.post("/api/generations", json={"prompt": CHANGE, "remix_of": good_post})
    assert fine.status_code == 201, fine.text
    bad_draft, good_draft = community.draft("scr_dee", BLOCKED), community.draft("scr_dee", HARMLESS)
    _refused(community, community.anonymous.post(f"/v1/videos/{bad_draft}/remix", json={"prompt": CHANGE},
                                                 headers=v1), "violence")
    assert count(community, Generation, Generation.source_id == bad_draft) == 0
    remixed = community.anonymous.post(f"/v1/videos/{good_draft}/remix", json={"prompt": CHANGE}, headers=v1)
    assert remixed.status_code == 200, remixed.text


def test_registry_changes_apply_to_the_next_generation(community: Any) -> None:
    fay = community.join("scr_fay")
    admin = community.join("scr_chief")
    make_admin(community, "scr_chief")
    person = "Quorlan Vestibrook waves to a crowd"
    assert fay.post("/api/generations", json={"prompt": person}).status_code == 201
    added = admin.post("/api/admin/moderation/registry", json={"kind": "public_figure", "name": "Quorlan Vestibrook"})
    assert added.status_code == 201, added.text
    event = _refused(community, fay.post("/api/generations", json={"prompt": person}), "public_figure")
    assert (event.category, event.layer) == ("public_figure", "registry")
    character = "Pikachu runs through a meadow"
    _refused(community, fay.post("/api/generations", json={"prompt": character}), "rights")
    opted_in = admin.post("/api/admin/moderation/registry", json={
        "kind": "rights", "name": "Pikachu", "allowed": True, "holder": "The Pokémon Company"})
    assert opted_in.status_code == 201, opted_in.text
    assert fay.post("/api/generations", json={"prompt": character}).status_code == 201
    assert admin.delete(f"/api/admin/moderation/registry/{opted_in.json()['id']}").status_code == 204
    _refused(community, fay.post("/api/generations", json={"prompt": character}), "rights")


def test_a_suspended_account_cannot_generate(community: Any) -> None:
    gus = community.join("scr_gus")
    admin = community.join("scr_head")
    make_admin(community, "scr_head")
    v1 = _v1(gus)
    suspended = admin.post("/api/admin/moderation/users/scr_gus", json={"action": "suspend", "days": 2})
    assert suspended.status_code == 200, suspended.text
    for response in (gus.post("/api/generations", json={"prompt": HARMLESS}),
                     community.anonymous.post("/v1/videos", json={"prompt": HARMLESS}, headers=v1)):
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "account_suspended"
    assert count(community, Generation, Generation.owner_id == user_id(community, "scr_gus")) == 0


def _png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def _astronaut(width: int, height: int) -> bytes:
    with Image.open(ASTRONAUT) as img:
        return _png(np.asarray(img.convert("RGB").resize((width, height))))


def _screen_image(community: Any, handle: str, data: bytes) -> Verdict | ContentBlocked:
    """An input image through the screening a request does (block: its event is written after the request)."""
    async def body() -> Verdict | ContentBlocked:
        db = community.services.db
        async with db.read() as session:
            owner = await session.scalar(select(User).where(User.handle == handle))
        assert owner is not None
        try:
            async with screening(db, community.settings) as screen:
                return await screen.image(owner=owner, data=data)
        except ContentBlocked as e:
            return e

    result: Verdict | ContentBlocked = community.run(body())
    return result


def test_an_input_image_of_a_real_person_is_refused(community: Any) -> None:
    hal = community.join("scr_hal")
    width, height = (int(side) for side in community.settings.default_size.split("x"))
    refused = _screen_image(community, "scr_hal", _astronaut(width, height))
    assert isinstance(refused, ContentBlocked), refused
    assert (refused.param, refused.code) == ("input_reference", "moderation_blocked")
    assert "real people" in refused.message and "cameo" in refused.message
    found = re.search(r"moderation event (\d+)", refused.message)
    assert found is not None, refused.message
    event = _event(community, int(found.group(1)))
    assert (event.stage, event.outcome, event.category, event.layer) == ("image", "block", "real_person", "frames")
    assert event.user_id == user_id(community, "scr_hal") and event.prompt_hash is None
    red = np.zeros((height, width, 3), np.uint8)
    red[..., 0] = 220
    allowed = _screen_image(community, "scr_hal", _png(red))
    assert isinstance(allowed, Verdict) and allowed.outcome == "allow", allowed
    # No shipped engine takes an input image, so over HTTP the request stops before moderation (and stores nothing).
    sent = community.anonymous.post("/v1/videos", data={"prompt": HARMLESS}, headers=_v1(hal),
                                    files={"input_reference": ("ref.png", _png(red), "image/png")})
    assert sent.status_code == 400 and sent.json()["error"]["code"] == "unsupported_parameter", sent.text
