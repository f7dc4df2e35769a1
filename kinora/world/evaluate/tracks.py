"""Tracking: blobs of one colour linked from frame to frame in shots with a still or sliding camera,
and a track's path in world-aligned image coordinates with unreliable samples dropped."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import optimize

from kinora.world.evaluate.blobs import Blob
from kinora.world.evaluate.common import F64
from kinora.world.evaluate.scene import Scene


@dataclass
class Track:
    cls: int
    segment: int
    blobs: list[Blob] = field(default_factory=list)

    @property
    def last(self) -> Blob:
        return self.blobs[-1]

    def predict(self, frame: int) -> tuple[float, float]:
        b = self.last
        if len(self.blobs) < 2:
            return b.cx, b.cy
        p = self.blobs[-2]
        k = (frame - b.frame) / max(1, b.frame - p.frame)
        return b.cx + k * (b.cx - p.cx), b.cy + k * (b.cy - p.cy)


def _tracks(scene: Scene, blobs: list[list[Blob]]) -> list[Track]:
    """Link blobs of the same colour from frame to frame in segments with a still or sliding camera
    (nearest to the predicted or last position, one-to-one, allowing two missed frames)."""
    done: list[Track] = []
    for si, seg in enumerate(scene.segments):
        if not seg.measurable:
            continue
        for cls in sorted({g.cls for g in scene.groups}):
            live: list[Track] = []
            for t in range(seg.start, seg.end):
                done.extend(tr for tr in live if t - tr.last.frame > 3)
                live = [tr for tr in live if t - tr.last.frame <= 3]
                here = [b for b in blobs[t] if b.cls == cls]
                _assign(live, here, t)
                matched = {id(tr.last) for tr in live}
                live.extend(Track(cls, si, [b]) for b in here if id(b) not in matched)
            done.extend(live)
    return [tr for tr in done if len(tr.blobs) >= 8]


def _assign(live: list[Track], here: list[Blob], t: int) -> None:
    if not live or not here:
        return
    cost = np.full((len(live), len(here)), 1e6)
    for i, tr in enumerate(live):
        px, py = tr.predict(t)
        last = tr.last
        gate = max(6.0, 1.5 * last.size)
        for j, b in enumerate(here):
            # Near the prediction, or near the last position: a bounce turns the motion around
            # between two frames, and the prediction then overshoots by twice the speed.
            d = min(math.hypot(b.cx - px, b.cy - py), math.hypot(b.cx - last.cx, b.cy - last.cy))
            ratio = b.area / last.area
            if d <= gate and 0.5 <= ratio <= 2.0:
                cost[i, j] = d
    rows, cols = optimize.linear_sum_assignment(cost)
    for i, j in zip(rows, cols, strict=True):
        if cost[i, j] < 1e6:
            live[i].blobs.append(here[j])


@dataclass
class TrackPath:
    """A track as arrays over its frames, with unreliable samples (touching the border, merged with
    or split from another blob) dropped."""

    frames: npt.NDArray[np.int64]
    t: F64
    x: F64
    y: F64
    size: float  # median blob diameter, px


def _path(scene: Scene, track: Track) -> TrackPath:
    areas = np.array([b.area for b in track.blobs], dtype=np.float64)
    med = float(np.median(areas))
    # Motion blur shrinks a fast object's colour mask smoothly (by half at 7 m/s); merging with a
    # like-coloured object or losing a piece makes the area jump for a frame or so.
    around = np.convolve(np.pad(areas, 1, mode="edge"), [0.5, 0.0, 0.5], mode="valid")
    jump = np.abs(areas - around) > 0.35 * around
    ok = (areas > 0.4 * med) & (areas < 1.6 * med) & ~jump
    keep = [b for b, good in zip(track.blobs, ok, strict=True) if good and not b.border]
    frames = np.array([b.frame for b in keep], dtype=np.int64)
    seg = scene.segments[track.segment]
    xy = np.array([seg.undo_shift(b.frame, b.cx, b.cy) for b in keep]).reshape(-1, 2)
    return TrackPath(
        frames=frames,
        t=scene.times[frames],
        x=xy[:, 0],
        y=xy[:, 1],
        size=2.0 * math.sqrt(med / math.pi),
    )
