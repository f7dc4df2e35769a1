"""Plan in, Clip out: simulate, frame the shots, render, and score the sound on the same clock."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from kinora import __version__
from kinora.engines.base import CameoRef, Clip, GenerationCancelled
from kinora.world.camera import CameraPath, end_state, plan_camera
from kinora.world.events import Impact
from kinora.world.figures import cast_list, handle_key
from kinora.world.foley import SAMPLE_RATE, ringing, synthesize
from kinora.world.plan import ScenePlan
from kinora.world.render import Renderer
from kinora.world.sim import Simulation, simulate
from kinora.world.state import EndState

Progress = Callable[[str, float], None]

# Share of the total work per stage, for a single 0..1 progress value.
STAGES = {"simulate": 0.08, "render": 0.8, "sound": 0.12}
# Each continuation draws its ambience from its own stream (seed + SEGMENT_SEED * segment): the bed goes on
# at the same level instead of replaying the source's birds and crickets from the start.
SEGMENT_SEED = 7919


def _pan(cam: CameraPath, impact: Impact, fps: float, width: int, height: int) -> float:
    frame = min(int(round(impact.t * fps)), len(cam.cx) - 1)
    col, _ = cam.to_pixels(frame, impact.x, impact.y, width, height)
    return float(np.clip((col - width / 2) / (width / 2), -1.0, 1.0))


def _trajectories(sim: Simulation) -> dict[str, list[list[float]]]:
    return {pid: np.round(pose, 4).tolist() for pid, pose in sim.poses.items()}


def render_plan(
    plan: ScenePlan,
    *,
    seconds: float,
    width: int,
    height: int,
    fps: int,
    seed: int,
    progress: Progress = lambda stage, value: None,
    cancelled: Callable[[], bool] = lambda: False,
    continues: EndState | None = None,
    cameos: Sequence[CameoRef] = (),
) -> Clip:
    """Simulate, render and score `plan`. `continues` is the end state of a clip this one continues: every
    body starts as it was left, the camera eases on from where it was, and what still rang goes on ringing.
    `metadata["state"]` is this clip's own end state, so it can be continued in turn. `cameos` give the plan's
    figures their faces, by handle; `metadata["cameos"]` names each figure's handle and object id, and
    `metadata["missing_cameos"]` the handles drawn with a plain face (no cameo, or no usable face crop, for them)."""
    t0 = time.perf_counter()
    start = None if continues is None else continues.bodies
    sim = simulate(plan, seconds, fps, lambda v: progress("simulate", v), cancelled, start=start)
    t1 = time.perf_counter()
    cam = plan_camera(plan, sim, width, height, start=None if continues is None else continues.camera)
    impacts = [dataclasses.replace(i, pan=_pan(cam, i, fps, width, height)) for i in sim.impacts]
    faces = {handle_key(ref.handle): ref.face_crops for ref in cameos}
    renderer = Renderer(plan, sim, cam, width, height, seed, faces)
    n = len(sim.times)
    frames = np.empty((n, height, width, 3), dtype=np.uint8)
    for i in range(n):
        if i % 8 == 0:
            if cancelled():
                raise GenerationCancelled("cancelled during rendering")
            progress("render", i / n)
        frames[i] = renderer.frame(i)
    progress("render", 1.0)
    t2 = time.perf_counter()
    segment = 0 if continues is None else continues.segment + 1
    audio_seed = seed + SEGMENT_SEED * segment
    carried = [] if continues is None else continues.ringing
    audio = synthesize(impacts, sim.contacts, plan.environment, n / fps, seed=audio_seed,
                       slow_motion=plan.slow_motion, tails=carried)
    progress("sound", 1.0)
    t3 = time.perf_counter()
    end = EndState(
        bodies=sim.end, camera=end_state(cam, fps), seconds=n / fps,
        video_t=(0.0 if continues is None else continues.video_t) + n / fps,
        sim_t=(0.0 if continues is None else continues.sim_t) + n / fps * plan.slow_motion,
        segment=segment,
        ringing=ringing(impacts, n / fps, seed=audio_seed, slow_motion=plan.slow_motion, carried=carried),
    )
    metadata: dict[str, Any] = {
        "engine": "world",
        "model": f"world-{__version__}",
        "seed": seed,
        "plan": plan.model_dump(mode="json"),
        "understood": list(plan.understood),
        "unrecognized": list(plan.unrecognized),
        "cameos": cast_list(plan),
        "missing_cameos": renderer.faceless,
        "events": [i.to_dict() for i in impacts],
        "contacts": [{"a": c.a, "b": c.b, "t0": c.t0, "t1": c.t1} for c in sim.contacts],
        "trajectories": _trajectories(sim),
        "camera": {"cx": cam.cx.round(4).tolist(), "cy": cam.cy.round(4).tolist(),
                   "scale": cam.scale.round(3).tolist()},
        "state": end.to_dict(),
        "timings": {"simulate": t1 - t0, "render": t2 - t1, "sound": t3 - t2},
    }
    return Clip(frames=frames, fps=float(fps), audio=audio, sample_rate=SAMPLE_RATE, metadata=metadata)
