"""Output moderation: the worker judges a clip's frames and transcript, and the queue fails (block) or holds
(review) what it flags, so that flagged videos never reach drafts or downloads (a full run: test_output_audit.py).

Run: .venv/bin/pytest tests/jobs/test_output_moderation.py -q"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kinora.app.generations.models import Generation
from kinora.app.moderation.models import ModerationEvent
from kinora.app.provenance.service import instance_provenance
from kinora.engines.base import Clip, GenerationRequest
from kinora.engines.registry import get_engine
from kinora.jobs import queue
from kinora.jobs.spec import OUTPUT_FILES, JobSpec
from kinora.jobs.worker import moderate
from kinora.safety.moderator import Moderator
from kinora.safety.policy import Verdict, verdict_json
from tests.community import count, scalar

PROMPT = "a red cube bounces on a wooden table"
SPOKEN = "a man is stabbed repeatedly, blood and gore everywhere, dismembered body"  # the rules block it
BLOCK = Verdict("block", "violence", "frames", "test: gore in frame 3", {"violence": 0.9}, versions={"frames": "t"})
REVIEW = Verdict("review", "sexual", "frames", "test: 0.4 exposed", {"sexual": 0.4}, versions={"frames": "t"})
ALLOW = Verdict("allow", layer="frames", versions={"frames": "t"})


def _job(community: Any, out_dir: str) -> JobSpec:
    return JobSpec(video_id="video_test", attempt=1, kind="create", engine="world", prompt=PROMPT, seconds=4,
                   width=320, height=256, fps=12, seed=7, out_dir=out_dir, seq=1, model="sora-2",
                   provenance=instance_provenance(community.settings), moderator=Moderator())


def _world_clip() -> Clip:
    request = GenerationRequest(prompt=PROMPT, seconds=4.0, width=320, height=256, fps=12, seed=7)
    return get_engine("world").generate(request, lambda fraction: None, lambda: False)


def test_moderate_blocks_a_spoken_line_and_allows_world_frames(community: Any, tmp_path: Any) -> None:
    job, clip = _job(community, str(tmp_path)), _world_clip()
    frames_only = moderate(job, clip)
    assert frames_only.outcome == "allow", frames_only
    assert "frames" in frames_only.versions
    clip.metadata["transcript"] = SPOKEN
    said = moderate(job, clip)
    assert (said.outcome, said.category) == ("block", "violence"), said
    assert said.layer is not None and said.layer.startswith("transcript/")
    assert said.reason.startswith("speech: ") and "frames" in said.versions


def _running_job(community: Any, handle: str) -> tuple[Any, str, int]:
    """A generation of a new member's, claimed as a runner would, with the worker's files in place."""
    member = community.join(handle)
    made = member.post("/api/generations", json={"prompt": PROMPT})
    assert made.status_code == 201, made.text
    gen_id, donor = made.json()["id"], community.draft(handle)

    async def claim() -> int:
        while (gen := await queue.claim(community.services.db, community.settings, "test")) is not None:
            if gen.id == gen_id:
                return gen.attempt
        raise AssertionError(f"{gen_id} was not claimable")

    attempt: int = community.run(claim())
    storage = community.services.storage
    for name in ("video.mp4", "thumbnail.webp", "spritesheet.jpg"):
        storage.put(f"videos/{gen_id}/{attempt}/{name}", storage.path(f"videos/{donor}/1/{name}").read_bytes())
    return member, gen_id, attempt


def _complete(community: Any, gen_id: str, attempt: int, verdict: Verdict) -> Generation:
    output = {"files": OUTPUT_FILES, "seconds": 1.0, "seed": 7, "moderation": verdict_json(verdict)}
    assert community.run(queue.complete(community.services.db, community.settings, gen_id, attempt, output))
    found: Generation | None = scalar(community, select(Generation).where(Generation.id == gen_id))
    assert found is not None
    return found


def _served(community: Any, member: Any, gen_id: str) -> tuple[bool, int, int]:
    """Whether it is a draft, and the status codes of its /v1 content and /api video."""
    token = member.post("/api/me/tokens", json={"name": "sdk"}).json()["token"]
    content = community.anonymous.get(f"/v1/videos/{gen_id}/content", headers={"authorization": f"Bearer {token}"})
    drafts = [item["id"] for item in member.get("/api/drafts").json()["items"]]
    return gen_id in drafts, content.status_code, member.get(f"/api/generations/{gen_id}/video").status_code


def _output_events(community: Any, gen_id: str, outcome: str) -> int:
    return count(community, ModerationEvent, ModerationEvent.generation_id == gen_id, ModerationEvent.stage == "output",
                 ModerationEvent.outcome == outcome)


def test_a_blocked_output_fails_and_is_never_served(community: Any) -> None:
    member, gen_id, attempt = _running_job(community, "out_ann")
    gen = _complete(community, gen_id, attempt, BLOCK)
    assert (gen.status, gen.error_code) == ("failed", "content_policy")
    assert gen.error_message == BLOCK.message
    assert _output_events(community, gen_id, "block") == 1
    in_drafts, content, video = _served(community, member, gen_id)
    assert not in_drafts and content != 200 and video != 200


def test_an_output_held_for_review_is_not_served(community: Any) -> None:
    member, gen_id, attempt = _running_job(community, "out_bea")
    gen = _complete(community, gen_id, attempt, REVIEW)
    assert (gen.status, gen.progress, gen.error_code) == ("held", 100, None)
    assert _output_events(community, gen_id, "review") == 1
    in_drafts, content, video = _served(community, member, gen_id)
    assert not in_drafts and content != 200 and video != 200


def test_an_allowed_output_completes_as_before(community: Any) -> None:
    member, gen_id, attempt = _running_job(community, "out_cal")
    gen = _complete(community, gen_id, attempt, ALLOW)
    assert (gen.status, gen.output_key) == ("completed", f"videos/{gen_id}/{attempt}")
    assert _output_events(community, gen_id, "allow") == 1
    assert _served(community, member, gen_id) == (True, 200, 200)
