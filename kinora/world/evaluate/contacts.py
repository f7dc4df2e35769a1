"""Contacts: where a track's motion changes abruptly (a fall ends, a sideways reversal), timed to a
fraction of a frame by intersecting the motion fitted on either side."""

from __future__ import annotations

import math

import numpy as np

from kinora.world.evaluate.common import F64
from kinora.world.evaluate.scene import Scene
from kinora.world.evaluate.tracks import Track, TrackPath, _path


def _events(path: TrackPath) -> list[int]:
    """Path positions i where motion changed abruptly between (i-1 -> i) and (i -> i+1): a fall turning
    up or stopping (gravity can never do that), or a horizontal reversal, stop or start. Velocities
    are per frame, so a sample or two missing around the contact does not hide it."""
    n = len(path.t)
    f = path.frames
    out: list[int] = []
    vmin = max(1.0, 0.025 * path.size)  # px per frame: above centroid jitter, below a small bounce
    for i in range(1, n - 1):
        d0, d1 = int(f[i] - f[i - 1]), int(f[i + 1] - f[i])
        if d0 > 3 or d1 > 3:
            continue
        vy0, vy1 = (path.y[i] - path.y[i - 1]) / d0, (path.y[i + 1] - path.y[i]) / d1
        fall_ends = vy0 > vmin and (vy1 < -0.3 * vmin or abs(vy1) < 0.25 * vy0)
        if fall_ends and abs(vy1) < 0.25 * vy0 and i + 2 < n:
            after = (path.y[i + 2] - path.y[i + 1]) / max(1, int(f[i + 2] - f[i + 1]))
            fall_ends = after <= 0.5 * vy0  # otherwise a blip, and still falling
        sideways = False
        if 2 <= i < n - 2 and f[i + 2] - f[i - 2] == 4:
            # Two-frame speeds: a box's centroid moves in whole-pixel steps as its straight edges
            # cross pixel columns, which must not read as stops and starts.
            vx0, vx1 = (path.x[i] - path.x[i - 2]) / 2, (path.x[i + 2] - path.x[i]) / 2
            fastest = max(abs(vx0), abs(vx1))
            reverses = vx0 * vx1 < 0 and min(abs(vx0), abs(vx1)) > 0.3 * vmin
            sideways = fastest > 2.0 * vmin and (reverses or abs(vx1 - vx0) > 0.75 * fastest)
        if (fall_ends or sideways) and not (out and i - out[-1] <= 2):
            out.append(i)
    return out


def _fit_side(t: F64, v: F64, accel: float | None) -> tuple[F64, float]:
    """Polynomial coefficients (highest first) of one coordinate on one side of a contact, and the
    residual. With a known acceleration two samples suffice; a still side is a constant."""
    n = len(t)
    cands: list[tuple[F64, float]] = []
    if n >= 4:
        c = np.polyfit(t, v, 2)
        cands.append((c, float(np.sum((np.polyval(c, t) - v) ** 2)) + 0.5))
    if accel is not None:
        lin = np.polyfit(t, v - 0.5 * accel * t**2, 1) if n >= 2 else np.array([0.0, v[0]])
        c = np.array([0.5 * accel, lin[0], lin[1]])
        cands.append((c, float(np.sum((np.polyval(c, t) - v) ** 2))))
    if n >= 2:
        lin = np.polyfit(t, v, 1)
        c = np.array([0.0, lin[0], lin[1]])
        cands.append((c, float(np.sum((np.polyval(c, t) - v) ** 2)) + (0.2 if accel is not None else 0.0)))
    if not cands:
        return np.array([0.0, 0.0, float(v[0])]), 0.0
    return min(cands, key=lambda cr: cr[1])


def _refine(path: TrackPath, i: int, lo: int, hi: int, accel: float | None) -> float:
    """Sub-frame contact time: fit the motion on both sides of sample i and find when the two fits
    meet. Sample i itself may belong to either side; both are tried and the better fit kept."""
    best = (math.inf, float(path.t[i]))
    t0 = float(path.t[i])
    for left_end, span in ((i, (i, i + 1)), (i - 1, (i - 1, i))):
        left = slice(max(lo, left_end - 5), left_end + 1)
        right = slice(left_end + 1, min(hi, left_end + 7))
        tl, tr = path.t[left] - t0, path.t[right] - t0
        if len(tl) < 2 or len(tr) < 2:
            continue
        cost = 0.0
        fits = []
        for coord, acc in ((path.x, 0.0), (path.y, accel)):
            cl, rl = _fit_side(tl, coord[left], acc)
            cr, rr = _fit_side(tr, coord[right], acc)
            fits.append((cl, cr))
            cost += rl / len(tl) + rr / len(tr)
        grid = np.linspace(path.t[span[0]] - t0, path.t[span[1]] - t0, 241)
        gap = np.zeros_like(grid)
        for cl, cr in fits:
            gap += (np.polyval(cl, grid) - np.polyval(cr, grid)) ** 2
        k = int(np.argmin(gap))
        total = cost + float(gap[k])
        if total < best[0]:
            best = (total, t0 + float(grid[k]))
    return best[1]


def _contacts(scene: Scene, tracks: list[Track], accel: dict[int, float]) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    for ti, track in enumerate(tracks):
        path = _path(scene, track)
        if len(path.t) < 5:
            continue
        events = _events(path)
        bounds = [0, *events, len(path.t)]
        for k, i in enumerate(events):
            t = _refine(path, i, bounds[k] + 1 if k else 0, bounds[k + 2], accel.get(ti))
            out.append((_track_name(scene, track), t))
    return sorted(out, key=lambda c: c[1])


def _track_name(scene: Scene, track: Track) -> str:
    kinds = [g for g in scene.groups if g.cls == track.cls]
    if scene.noir:
        return "object"
    return f"{kinds[0].color} {'/'.join(g.kind for g in kinds)}" if kinds else "object"
