"""Physics: gravity from visible free falls, in metres by the falling object's planned size against
its sub-pixel area, compared with the plan's gravity."""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from kinora.world.catalog import KINDS
from kinora.world.evaluate.blobs import Blob
from kinora.world.evaluate.common import U8
from kinora.world.evaluate.contacts import _events
from kinora.world.evaluate.report import PhysicsReport
from kinora.world.evaluate.scene import Scene
from kinora.world.evaluate.shapes import _extent, _planned_area, _prototype, _shape, _shape_distance
from kinora.world.evaluate.tracks import Track, TrackPath, _path
from kinora.world.plan import ObjectSpec, ScenePlan


def _physics(scene: Scene, tracks: list[Track]) -> tuple[PhysicsReport, dict[int, float]]:
    """Gravity from visible free falls: parabolas in y over the frames between contacts, with x moving
    at constant speed (which rules out ramps), fitted with one shared acceleration per track and scaled
    to metres by the object's planned size. Also returns each track's acceleration in px/s^2, which
    the contact refinement uses."""
    plan = scene.plan
    report = PhysicsReport(score=None, g_plan=plan.environment.gravity, slow_motion=plan.slow_motion)
    accel: dict[int, float] = {}
    best: tuple[int, int, list[tuple[int, int]], float, float] | None = None  # n, track, spans, a, rms
    for ti, track in enumerate(tracks):
        path = _path(scene, track)
        if len(path.t) < 6:
            continue
        bounds = [-1, *_events(path), len(path.t)]
        spans = [f for a, b in zip(bounds, bounds[1:], strict=False) if (f := _fall_fit(path, a + 1, b))]
        if not spans:
            continue
        a, rms = _joint_fall(path, spans)
        accel[ti] = a
        # Most frames wins, but an object under 12 px across only when nothing larger falls: its
        # size in pixels, and so the scale, is uncertain by several percent.
        n = sum(e - s for s, e in spans) + (10_000 if path.size >= 12.0 else 0)
        if best is None or n > best[0]:
            best = (n, ti, spans, a, rms)
    if best is None:
        if not any(seg.measurable for seg in scene.segments):
            report.reason = "no shot with a still or sliding camera to measure in"
        elif _expects_fall(plan):
            report.score = 0.0  # the plan drops something and nothing is seen falling
            report.reason = "no free fall visible, though the plan has one"
        else:
            report.reason = "no free fall visible (none planned)"
        return report, accel
    _, ti, spans, a, rms = best
    track = tracks[ti]
    spec = _spec_for(scene, track)
    if spec is None:
        report.reason = "the falling object matches no planned object"
        return report, accel
    path = _path(scene, track)
    areas = _fall_areas(scene, track, path, spans, scene.segments[track.segment].background)
    px_per_m = math.sqrt(float(np.median(areas)) / _planned_area(spec))
    g_fit = a / px_per_m / plan.slow_motion**2  # video-time gravity is g * slow_motion^2
    rel = abs(g_fit - report.g_plan) / report.g_plan
    report.g_fit = round(g_fit, 4)
    report.rel_error = round(rel, 4)
    report.score = round(float(np.clip(1.0 - (rel - 0.05) / 0.45, 0.0, 1.0)), 4)
    report.object = f"{spec.color} {spec.kind} ({spec.id})"
    report.segment = track.segment
    report.frames = [(int(path.frames[s]), int(path.frames[e - 1])) for s, e in spans]
    report.px_per_m = round(px_per_m, 3)
    report.residual_px = round(rms, 4)
    return report, accel


def _joint_fall(path: TrackPath, spans: list[tuple[int, int]]) -> tuple[float, float]:
    """One acceleration shared by all flights of a track, each with its own start height and speed:
    (acceleration in px/s^2, rms residual in px)."""
    rows = sum(e - s for s, e in spans)
    design = np.zeros((rows, 1 + 2 * len(spans)))
    target = np.zeros(rows)
    r = 0
    for k, (s, e) in enumerate(spans):
        t = path.t[s:e] - path.t[s]
        design[r : r + e - s, 0] = 0.5 * t**2
        design[r : r + e - s, 1 + 2 * k] = 1.0
        design[r : r + e - s, 2 + 2 * k] = t
        target[r : r + e - s] = path.y[s:e]
        r += e - s
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    rms = float(np.sqrt(np.mean((design @ coef - target) ** 2)))
    return float(coef[0]), rms


def _fall_areas(
    scene: Scene, track: Track, path: TrackPath, spans: list[tuple[int, int]], background: U8 | None
) -> list[float]:
    """Soft areas over the slower half of the fitted frames, reaching as far as blur can smear."""
    speed = np.hypot(np.gradient(path.x), np.gradient(path.y))  # px per frame
    used = {int(path.frames[i]): float(speed[i]) for s, e in spans for i in range(s, e)}
    slow = float(np.median(list(used.values())))
    chosen = [b for b in track.blobs if b.frame in used and used[b.frame] <= slow]
    if scene.plan.style == "neon":
        return [_glow_area(scene.frames[b.frame], b) for b in chosen]
    return [
        _soft_area(scene.frames[b.frame], background, b, 2 + math.ceil(0.6 * used[b.frame])) for b in chosen
    ]


def _glow_area(frame: U8, blob: Blob) -> float:
    """Area inside a glowing outline. A neon object's colour spills into a halo that fades outward,
    and the glow peaks on the outline itself: peel one-pixel rings off the blob from outside, find
    the brightest (to a fraction of a ring, by a parabola through its neighbours) and count what it
    encloses."""
    y0, x0, y1, x1 = blob.box
    luma = frame[y0:y1, x0:x1].astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    areas: list[float] = []
    levels: list[float] = []
    mask = blob.mask
    for _ in range(12):
        inner = ndimage.binary_erosion(mask)
        ring = mask & ~inner
        if not ring.any() or not inner.any():
            break
        areas.append(float(mask.sum()))
        levels.append(float(luma[ring].mean()))
        mask = inner
    k = int(np.argmax(levels)) if levels else 0
    if not 0 < k < len(levels) - 1:
        return areas[k] if areas else float(blob.area)
    a, b, c = levels[k - 1], levels[k], levels[k + 1]
    shift = float(np.clip(0.5 * (a - c) / (a - 2 * b + c), -0.5, 0.5)) if a - 2 * b + c < 0 else 0.0
    lo, hi = (k - 1, k) if shift < 0 else (k, k + 1)
    frac = shift + 1 if shift < 0 else shift
    return areas[lo] + frac * (areas[hi] - areas[lo])


def _soft_area(frame: U8, background: U8 | None, blob: Blob, reach: int = 2) -> float:
    """Sub-pixel silhouette area. Outline pixels mix object and background, and a colour threshold
    keeps a biased share of them (half a pixel all round is 6% of a 30 px ball); here each pixel near
    the outline counts by how far its colour moved from the background toward the object's colour
    just inside. Without a background image (moving camera) the background is the median colour
    just beyond that band."""
    h, w = frame.shape[:2]
    y0, x0, y1, x1 = blob.box
    pad = reach + 4
    ya, xa, yb, xb = max(0, y0 - pad), max(0, x0 - pad), min(h, y1 + pad), min(w, x1 + pad)
    mask = np.zeros((yb - ya, xb - xa), dtype=bool)
    mask[y0 - ya : y1 - ya, x0 - xa : x1 - xa] = blob.mask
    inner = ndimage.binary_erosion(mask, iterations=2)
    if inner.sum() < 4:  # a small object: its core is nearer the outline
        inner = ndimage.binary_erosion(mask)
        if inner.sum() < 2:
            return float(blob.area)
    reached = ndimage.binary_dilation(mask, iterations=reach)
    band = reached & ~inner
    _, (iy, ix) = ndimage.distance_transform_edt(~inner, return_indices=True)
    f = frame[ya:yb, xa:xb].astype(np.float64)
    by, bx = np.nonzero(band)
    if background is not None:
        b = background[ya:yb, xa:xb].astype(np.float64)[by, bx]
    else:
        beyond = ndimage.binary_dilation(reached, iterations=2) & ~reached
        b = np.median(f[beyond], axis=0)[None, :]
    inside = f[iy[by, bx], ix[by, bx]]
    toward = inside - b
    norm2 = (toward**2).sum(axis=1)
    alpha = ((f[by, bx] - b) * toward).sum(axis=1) / np.maximum(norm2, 1.0)
    # Not clipped at 0: grain then averages out over the wide band instead of adding up.
    alpha = np.where(norm2 > 400.0, np.clip(alpha, -0.5, 1.0), mask[by, bx])
    return float(inner.sum() + alpha.sum())


def _fall_fit(path: TrackPath, lo: int, hi: int) -> tuple[int, int] | None:
    """The span of path[lo:hi] that is a free fall: y a parabola bending down the image, x a straight
    line, enough travel to measure. While the fit is poor, the end sample that fits worse is dropped:
    at the start an object may be held still before it is let go, at the end a contact may hide in
    a gap of missing samples."""
    start, end = lo, hi
    limit = max(0.35, 0.015 * path.size)
    while end - start >= 6:
        if path.frames[end - 1] - path.frames[start] > 3 * (end - start):
            return None  # mostly gaps
        t = path.t[start:end] - path.t[start]
        cy = np.polyfit(t, path.y[start:end], 2)
        resid = np.polyval(cy, t) - path.y[start:end]
        rms = float(np.sqrt(np.mean(resid**2)))
        if rms > limit:
            if abs(resid[0]) >= abs(resid[-1]):
                start += 1
            else:
                end -= 1
            continue
        cx = np.polyfit(t, path.x[start:end], 2)
        travel = float(np.ptp(path.y[start:end]))
        if cy[0] > 0 and abs(cx[0]) < 0.15 * cy[0] and travel >= 0.5 * path.size:
            return start, end
        return None
    return None


def _spec_for(scene: Scene, track: Track) -> ObjectSpec | None:
    groups = [g for g in scene.groups if g.cls == track.cls]
    specs = [s for g in groups for s in g.specs if s.pivot is None]
    if not specs:
        return None
    if len({(s.kind, s.size) for s in specs}) == 1:
        return specs[0]
    mid = track.blobs[len(track.blobs) // 2]
    shape = _shape(mid.mask)
    if shape is None:
        return specs[0]
    return min(specs, key=lambda s: _shape_distance(shape, _prototype(KINDS[s.kind])))


def _expects_fall(plan: ScenePlan) -> bool:
    """Whether the plan drops or throws something: an action says so, or an object starts in the air
    (above the floor, any prop top and any other object under it, by more than 5 cm)."""
    if any(a.kind in ("drop", "bounce", "throw") for a in plan.actions):
        return True
    for obj in plan.objects:
        if obj.pivot is not None:
            continue
        w, h = _extent(obj)
        under = [0.0] + [p.height for p in plan.environment.props if abs(obj.x - p.x) <= p.width / 2 + 0.01]
        for other in plan.objects:
            ow, oh = _extent(other)
            if other is not obj and other.y < obj.y and abs(other.x - obj.x) < (w + ow) / 2:
                under.append(other.y + oh / 2)
        if obj.y - h / 2 > max(under) + 0.05:
            return True
    return False
