"""The entry point: decode, build the scene, detect blobs, then measure adherence, physics and sync."""

from __future__ import annotations

import time
from pathlib import Path

from kinora.media.probe import read_video
from kinora.world.evaluate.adherence import _adherence
from kinora.world.evaluate.blobs import _detect_all
from kinora.world.evaluate.common import ANALYSIS_SIDE, WEIGHTS
from kinora.world.evaluate.contacts import _contacts
from kinora.world.evaluate.physics import _physics
from kinora.world.evaluate.report import EvalReport
from kinora.world.evaluate.scene import Scene
from kinora.world.evaluate.sync import _sync
from kinora.world.evaluate.tracks import _tracks
from kinora.world.plan import ScenePlan


def evaluate(path: str | Path, plan: ScenePlan, *, max_side: int = ANALYSIS_SIDE) -> EvalReport:
    """Score the clip at `path` against `plan` (see the module docstring for what is measured)."""
    started = time.perf_counter()
    media = read_video(path, max_side=max_side)
    frames = media.frames
    scene = Scene.build(media, plan)
    blobs = _detect_all(scene)
    adherence = _adherence(scene, blobs)
    tracks = _tracks(scene, blobs)
    physics, accel = _physics(scene, tracks)
    contacts = _contacts(scene, tracks, accel)
    sync = _sync(media, contacts)
    parts = {"adherence": adherence.score, "physics": physics.score, "sync": sync.score}
    weight = sum(WEIGHTS[k] for k, v in parts.items() if v is not None)
    score = sum(WEIGHTS[k] * v for k, v in parts.items() if v is not None) / weight
    return EvalReport(
        path=str(path),
        score=round(score, 4),
        adherence=adherence,
        physics=physics,
        sync=sync,
        width=scene.source_size[0],
        height=scene.source_size[1],
        fps=media.fps,
        frames=len(frames),
        seconds=len(frames) / media.fps if media.fps else 0.0,
        analysis_size=(frames.shape[2], frames.shape[1]),
        segments=[(s.start, s.end, s.static) for s in scene.segments],
        elapsed=round(time.perf_counter() - started, 3),
    )
