"""Plan in, Clip out: simulate, frame the shots, render, and score the sound on the same clock."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from kinora import __version__
from kinora.engines.base import Clip, GenerationCancelled
from kinora.world.camera import CameraPath, plan_camera
from kinora.world.events import Impact
from kinora.world.foley import SAMPLE_RATE, synthesize
from kinora.world.plan import ScenePlan
from kinora.world.render import Renderer
from kinora.world.sim import Simulation, simulate

Progress = Callable[[str, float], None]

# Share of the total work per stage, for a single 0..1 progress value.
STAGES = {"simulate": 0.08, "render": 0.8, "sound": 0.12}


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
) -> Clip:
    t0 = time.perf_counter()
    sim = simulate(plan, seconds, fps, lambda v: progress("simulate", v), cancelled)
    t1 = time.perf_counter()
    cam = plan_camera(plan, sim, width, height)
    impacts = [dataclasses.replace(i, pan=_pan(cam, i, fps, width, height)) for i in sim.impacts]
    renderer = Renderer(plan, sim, cam, width, height, seed)
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
    audio = synthesize(impacts, sim.contacts, plan.environment, n / fps, seed=seed,
                       slow_motion=plan.slow_motion)
    progress("sound", 1.0)
    t3 = time.perf_counter()
    metadata: dict[str, Any] = {
        "engine": "world",
        "model": f"world-{__version__}",
        "seed": seed,
        "plan": plan.model_dump(mode="json"),
        "understood": list(plan.understood),
        "unrecognized": list(plan.unrecognized),
        "events": [i.to_dict() for i in impacts],
        "contacts": [{"a": c.a, "b": c.b, "t0": c.t0, "t1": c.t1} for c in sim.contacts],
        "trajectories": _trajectories(sim),
        "camera": {"cx": cam.cx.round(4).tolist(), "cy": cam.cy.round(4).tolist(),
                   "scale": cam.scale.round(3).tolist()},
        "timings": {"simulate": t1 - t0, "render": t2 - t1, "sound": t3 - t2},
    }
    return Clip(frames=frames, fps=float(fps), audio=audio, sample_rate=SAMPLE_RATE, metadata=metadata)
