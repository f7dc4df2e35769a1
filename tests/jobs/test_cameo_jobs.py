"""Cameos in jobs: the runner reads the likenesses when a job starts (decrypted, for that job only), refuses a job
whose cameo was deleted or whose permission was revoked meanwhile, and output speech keeps the owners' restrictions.

Run: .venv/bin/pytest tests/jobs/test_cameo_jobs.py -q"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sqlalchemy import delete, select

from kinora.app.cameos.models import Cameo
from kinora.app.cameos.vault import from_settings
from kinora.app.errors import Forbidden, NotFound
from kinora.app.generations.models import Generation
from kinora.app.provenance.service import instance_provenance
from kinora.engines.base import CameoRef, GenerationRequest
from kinora.engines.registry import get_engine
from kinora.jobs import queue
from kinora.jobs.spec import JobSpec
from kinora.jobs.worker import moderate
from kinora.safety.moderator import Moderator
from tests.app.cameos.helpers import add_cameo
from tests.community import execute, scalar


def _generation(community: Any, handle: str, prompt: str) -> Generation:
    made = community.clients[handle].post("/api/generations", json={"prompt": prompt})
    assert made.status_code == 201, made.text
    return scalar(community, select(Generation).where(Generation.id == made.json()["id"]))


def _chips(community: Any, cameo_id: str) -> np.ndarray:
    """Seal reference pictures for a cameo row, as verification does."""
    chips = np.random.default_rng(3).integers(0, 255, (2, 150, 150, 3), dtype=np.uint8)
    key = f"cameos/{cameo_id}/likeness.enc"
    community.services.storage.put(key, from_settings(community.settings).seal_array(chips,
                                                                                      context=f"{cameo_id}:likeness"))
    execute(community, Cameo.__table__.update().where(Cameo.id == cameo_id).values(
        likeness_key=key, restrictions=["never make me say swear words"]))
    return chips


def test_a_job_gets_the_likeness_and_the_owners_rules_at_start(community: Any) -> None:
    community.join("jowner")
    community.join("juser")
    cameo_id = add_cameo(community, "jowner", permission="everyone")
    chips = _chips(community, cameo_id)
    gen = _generation(community, "juser", "@jowner watches a red ball bounce")
    storage, vault = community.services.storage, from_settings(community.settings)

    refs, rules = community.run(queue.cameos(community.services.db, storage, vault, gen))
    assert [r.handle for r in refs] == ["jowner"] and np.array_equal(np.stack(refs[0].face_crops), chips)
    assert rules == {"jowner": ["never make me say swear words"]}

    owner = community.clients["jowner"]
    assert owner.patch("/api/cameos/jowner", json={"permission": "only_me"}).status_code == 200
    with pytest.raises(Forbidden, match="@jowner's cameo may be used by its owner only"):
        community.run(queue.cameos(community.services.db, storage, vault, gen))
    execute(community, delete(Cameo).where(Cameo.id == cameo_id))
    with pytest.raises(NotFound, match="deleted by its owner"):
        community.run(queue.cameos(community.services.db, storage, vault, gen))


def test_speech_that_breaks_a_cameos_rule_is_blocked(community: Any, tmp_path: Any) -> None:
    face = np.full((150, 150, 3), 180, np.uint8)
    ref = CameoRef(handle="ann", face_crops=[face], appearance="a red cap")
    request = GenerationRequest(prompt="@ann watches a red ball bounce", seconds=4.0, width=320, height=256, fps=12,
                                seed=5, cameos=[ref])
    clip = get_engine("world").generate(request, lambda fraction: None, lambda: False)
    job = JobSpec(video_id="video_t", attempt=1, kind="create", engine="world", prompt=request.prompt, seconds=4,
                  width=320, height=256, fps=12, seed=5, out_dir=str(tmp_path), seq=1, model="sora-2",
                  provenance=instance_provenance(community.settings), moderator=Moderator(), strict=True,
                  cameos=[ref], restrictions={"ann": ["never make me say swear words"]})
    assert moderate(job, clip).outcome == "allow"
    clip.metadata["transcript"] = "well damn it, that ball is fast"
    said = moderate(job, clip)
    assert (said.outcome, said.category, said.layer) == ("block", "cameo_restricted", "transcript/cameo")
    assert "never make me say swear words" in said.reason
