"""/api/generations additions for the web app: progress as server-sent events, cancel, and the model and starting
image of a new generation.

    .venv/bin/python -m pytest tests/app/generations/test_api_progress.py -q
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

from PIL import Image
from sqlalchemy import update

from kinora.app.generations.models import Generation
from tests.community import error, execute, scalar


def frames(lines: Any) -> Any:
    """(event, data) of each SSE frame as it arrives; comments and retry lines are skipped."""
    event, data = None, None
    for line in lines:
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data = json.loads(line[6:])
        elif line == "" and event is not None:
            yield event, data
            event, data = None, None


def set_row(community: Any, gen_id: str, **values: Any) -> None:
    execute(community, update(Generation).where(Generation.id == gen_id).values(**values))


def test_events_of_a_finished_generation_end_with_it(community: Any) -> None:
    ann = community.join("ann")
    draft = community.draft("ann")
    with ann.stream("GET", f"/api/generations/{draft}/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert list(frames(response.iter_lines())) == [
            ("progress", {"id": draft, "status": "completed", "progress": 100, "error": None})]


def test_events_follow_a_generation_until_it_fails(community: Any) -> None:
    bea = community.join("bea")
    gen = bea.post("/api/generations", json={"prompt": "a ball rolls"}).json()["id"]
    with bea.stream("GET", f"/api/generations/{gen}/events") as response:
        seen = frames(response.iter_lines())
        assert next(seen) == ("progress", {"id": gen, "status": "queued", "progress": 0, "error": None})
        set_row(community, gen, status="in_progress", progress=40)
        assert next(seen) == ("progress", {"id": gen, "status": "in_progress", "progress": 40, "error": None})
        set_row(community, gen, status="failed", error_code="engine_error", error_message="the engine stopped")
        assert next(seen) == ("progress", {"id": gen, "status": "failed", "progress": 40,
                                           "error": {"code": "engine_error", "message": "the engine stopped"}})
        assert list(seen) == []  # the stream closed after the final frame


def test_events_stop_when_the_generation_is_deleted(community: Any) -> None:
    cy = community.join("cy")
    gen = cy.post("/api/generations", json={"prompt": "a ball rolls"}).json()["id"]
    with cy.stream("GET", f"/api/generations/{gen}/events") as response:
        seen = frames(response.iter_lines())
        assert next(seen)[1]["status"] == "queued"
        set_row(community, gen, status="failed")
        assert next(seen)[1]["status"] == "failed"
        assert list(seen) == []


def test_events_of_someone_elses_generation_are_not_found(community: Any) -> None:
    community.join("dot")
    eli = community.join("eli")
    draft = community.draft("dot")
    error(eli.get(f"/api/generations/{draft}/events"), 404, "generation_id")
    error(eli.get("/api/generations/video_nope/events"), 404, "generation_id")
    assert community.anonymous.get(f"/api/generations/{draft}/events").status_code == 401


def test_cancel_a_queued_generation(community: Any) -> None:
    fay = community.join("fay")
    gen = fay.post("/api/generations", json={"prompt": "a slow fall"}).json()["id"]
    response = fay.post(f"/api/generations/{gen}/cancel")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["error"]["code"]) == ("failed", "cancelled")
    assert fay.get(f"/api/generations/{gen}").json()["status"] == "failed"


def test_cancel_a_running_generation_asks_its_worker(community: Any) -> None:
    gil = community.join("gil")
    gen = gil.post("/api/generations", json={"prompt": "a slow fall"}).json()["id"]
    set_row(community, gen, status="in_progress", progress=30)
    assert gil.post(f"/api/generations/{gen}/cancel").json()["status"] == "in_progress"
    assert scalar(community, Generation.__table__.select().with_only_columns(Generation.cancel_requested)
                  .where(Generation.id == gen)) is True


def test_cancel_refuses_finished_and_foreign_generations(community: Any) -> None:
    community.join("hal")
    ivy = community.join("ivy")
    draft = community.draft("ivy")
    message = error(ivy.post(f"/api/generations/{draft}/cancel"), 400, "generation_id")
    assert message == (f"generation {draft} is completed; only a queued or in_progress generation can be "
                       "cancelled")
    assert ivy.post(f"/api/generations/{draft}/cancel").json()["error"]["code"] == "invalid_state"
    error(community.clients["hal"].post(f"/api/generations/{draft}/cancel"), 404, "generation_id")
    assert ivy.get(f"/api/generations/{draft}").json()["status"] == "completed"


def test_model_choice(community: Any) -> None:
    jo = community.join("jo")
    gen = jo.post("/api/generations", json={"prompt": "a top spins", "model": "sora-2-pro"}).json()["id"]
    assert scalar(community, Generation.__table__.select().with_only_columns(Generation.model)
                  .where(Generation.id == gen)) == "sora-2-pro"
    message = error(jo.post("/api/generations", json={"prompt": "x", "model": "veo"}), 400, "model")
    assert message == "Invalid value: 'veo'. Supported models are: 'sora-2', 'sora-2-pro'."


def test_remix_keeps_its_sources_model_and_takes_no_image(community: Any) -> None:
    kim = community.join("kim")
    post = community.post("kim")["id"]
    assert "a remix keeps the model" in error(
        kim.post("/api/generations", json={"prompt": "x", "remix_of": post, "model": "sora-2"}), 400, "model")
    refused = kim.post("/api/generations", json={"prompt": "x", "remix_of": post,
                                                 "input_reference": {"image_url": png(64, 64)}})
    assert "starts from the video of post" in error(refused, 400, "input_reference")


def png(width: int, height: int) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 90, 160)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_starting_image_is_checked_against_the_model(community: Any) -> None:
    lu = community.join("lu")
    width, height = community.settings.default_size.split("x")
    refused = lu.post("/api/generations", json={"prompt": "x", "input_reference": {
        "image_url": png(int(width), int(height))}})
    assert "does not take an input_reference image" in error(refused, 400, "input_reference")
    assert refused.json()["error"]["code"] == "unsupported_parameter"
    bad = lu.post("/api/generations", json={"prompt": "x", "input_reference": {"image_url": "https://x/y.png"}})
    assert "must be a data: URL" in error(bad, 400, "input_reference")
    assert "Field required" in error(lu.post("/api/generations", json={"prompt": "x", "input_reference": {}}), 400,
                                     "image_url")
