"""Where the camera looks in every frame: a centre (m) and a scale (pixels per metre) per frame.

Framing is computed from the simulated trajectories, so a wide shot holds everything that moves
and a follow shot keeps its target in view; moves ease in and out like a real operator's. Cameo figures stand
beside the action and stay in every shot that is not about one object (a close-up, a follow, a zoom).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.ndimage import gaussian_filter1d

from kinora.world.bodies import prop_boxes, silhouette
from kinora.world.plan import Camera, ObjectSpec, ScenePlan
from kinora.world.sim import Simulation

F64 = npt.NDArray[np.float64]

FLOOR_ROW = 0.74  # the floor line sits this far down a portrait frame (0.80 in landscape)
VIEW_LIMIT = 4.0  # metres from the origin that a wide shot will include
# A static wide shot becomes an operator's shot that follows the action when it would shrink objects
# below this share of the frame's width, or when the action is out of its frame for this share of
# the time.
MIN_OBJECT_SHARE = 0.1
MAX_TIME_OUT_OF_FRAME = 0.15
FIGURE_MARGIN = 0.04  # share of the frame's width kept between a figure and the frame's edge
# A shot about a cameo figure looks at its face, this far above the figure's centre (share of its height), and a
# close-up frames it as it frames an object this share of its height: head and shoulders.
FACE_LIFT = 0.3
FACE_SHOT = 0.2
# A continuation's camera starts exactly where its source's ended, drifting on at the speed it had and
# easing into the continuation's own shot over this long; the drift dies away over CARRY_S.
BLEND_S = 0.75
CARRY_S = 0.3


@dataclass
class CameraPath:
    cx: npt.NDArray[np.float64]  # (F,) metres
    cy: npt.NDArray[np.float64]  # (F,)
    scale: npt.NDArray[np.float64]  # (F,) pixels per metre
    shot: npt.NDArray[np.int64]  # (F,) index of the shot each frame belongs to

    def to_pixels(self, frame: int, x: float, y: float, width: int, height: int) -> tuple[float, float]:
        s = self.scale[frame]
        return width / 2 + (x - self.cx[frame]) * s, height / 2 - (y - self.cy[frame]) * s


@dataclass(frozen=True)
class CameraState:
    """The camera at one instant: centre (m), scale (pixels per metre), and how fast each changes per
    video second."""

    cx: float
    cy: float
    scale: float
    vx: float = 0.0
    vy: float = 0.0
    vscale: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CameraState:
        return cls(**{k: float(data[k]) for k in ("cx", "cy", "scale")},
                   **{k: float(data.get(k, 0.0)) for k in ("vx", "vy", "vscale")})


def end_state(path: CameraPath, fps: float) -> CameraState:
    """Where the camera would be one frame after the path's last frame, moving as it moved then (still,
    when the last frame starts a new shot: a cut is not a move)."""
    moving = len(path.cx) > 1 and path.shot[-1] == path.shot[-2]

    def last(a: npt.NDArray[np.float64]) -> tuple[float, float]:
        step = float(a[-1] - a[-2]) if moving else 0.0
        return float(a[-1]) + step, step * fps

    (cx, vx), (cy, vy), (scale, vscale) = last(path.cx), last(path.cy), last(path.scale)
    return CameraState(cx, cy, max(scale, 1e-3), vx, vy, vscale)


def _ease(u: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return u * u * (3 - 2 * u)


def _scene_bounds(plan: ScenePlan, sim: Simulation) -> tuple[float, float, float, float]:
    """Where the action is: the starting layout and props, widened toward where things go (the
    middle 80 % of each path) by at most 40 % of the layout's width a side, so a ball that rolls
    away leaves the frame instead of shrinking the whole scene."""
    x0, x1, y1 = np.inf, -np.inf, 0.0
    path_lo, path_hi = np.inf, -np.inf
    for part_id, pose in sim.poses.items():
        obj = plan.object(sim.owners[part_id])
        half = max(silhouette(obj)) / 2
        x0, x1 = min(x0, pose[0, 0] - half), max(x1, pose[0, 0] + half)
        y1 = max(y1, pose[0, 1] + half)
        inside = pose[(np.abs(pose[:, 0]) < VIEW_LIMIT) & (pose[:, 1] < VIEW_LIMIT)]
        if len(inside):
            lo, hi = np.percentile(inside[:, 0], [10, 90])
            path_lo, path_hi = min(path_lo, lo - half), max(path_hi, hi + half)
            y1 = max(y1, float(np.percentile(inside[:, 1], 90)) + half)
        if obj.pivot is not None:
            x0, x1, y1 = min(x0, obj.pivot[0]), max(x1, obj.pivot[0]), max(y1, obj.pivot[1])
    for prop in plan.environment.props:
        for poly in prop_boxes(prop):
            x0, x1 = min(x0, *(p[0] for p in poly)), max(x1, *(p[0] for p in poly))
            y1 = max(y1, *(p[1] for p in poly))
    reach = max(0.4 * (x1 - x0), 0.5)
    x0, x1 = min(x0, max(path_lo, x0 - reach)), max(x1, min(path_hi, x1 + reach))
    return float(x0), float(x1), 0.0, float(y1)


def _wide(bounds: tuple[float, float, float, float], width: int, height: int) -> tuple[float, float, float]:
    """Centre and scale that show the bounds with margins, the floor line low enough to leave room
    above for everything that rises, and no more empty wall than the frame's shape forces."""
    x0, x1, _, y1 = bounds
    content = max(y1, 0.3) * 1.15
    scale = min(width / (max(x1 - x0, 0.6) * 1.25), height * 0.72 / content)
    floor_row = float(np.clip(0.58 + content * scale / (2 * height), 0.62, 0.8))
    cy = (floor_row - 0.5) * height / scale  # world y at the frame centre puts y=0 on the floor row
    return (x0 + x1) / 2, cy, scale


def _is_figure(plan: ScenePlan, part_id: str, sim: Simulation) -> bool:
    return plan.object(sim.owners[part_id]).figure is not None


def _figures(plan: ScenePlan, sim: Simulation) -> tuple[float, float, float] | None:
    """Where the cameo figures are over the clip: (left end, right end, top), metres; None without figures."""
    spans = []
    for part_id, pose in sim.poses.items():
        if _is_figure(plan, part_id, sim):
            w, h = silhouette(plan.object(sim.owners[part_id]))
            reach = np.abs(np.cos(pose[:, 2])) * w / 2 + np.abs(np.sin(pose[:, 2])) * h / 2  # (F,)
            spans.append((float((pose[:, 0] - reach).min()), float((pose[:, 0] + reach).max()),
                          float(pose[:, 1].max()) + h / 2))
    if not spans:
        return None
    return min(s[0] for s in spans), max(s[1] for s in spans), max(s[2] for s in spans)


def _movers(plan: ScenePlan) -> list[ObjectSpec]:
    """The objects the action is made of: all but the figures watching it (unless there is nothing else)."""
    return [o for o in plan.objects if o.figure is None] or list(plan.objects)


def _target_track(plan: ScenePlan, sim: Simulation, camera: Camera) -> tuple[npt.NDArray[np.float64], float]:
    """Smoothed (F, 2) track of the shot's target (or of everything that moves) and its size."""
    target = None if camera.target is None else plan.object(camera.target)
    if target is not None and target.figure is not None:  # a shot about a cameo is about their face
        pose = sim.poses[target.id]
        lift = FACE_LIFT * target.size
        track = pose[:, :2] + lift * np.stack([-np.sin(pose[:, 2]), np.cos(pose[:, 2])], axis=1)  # (F, 2)
        size = FACE_SHOT * target.size
    elif target is not None:
        pose = sim.poses[target.id]
        size = max(silhouette(target))
        track = pose[:, :2]
    else:
        poses = [p for pid, p in sim.poses.items() if not _is_figure(plan, pid, sim)] or list(sim.poses.values())
        stacked = np.stack([p[:, :2] for p in poses])  # (P, F, 2)
        track = np.median(stacked, axis=0)
        size = max(max(silhouette(o)) for o in _movers(plan))
    track = np.clip(track, -VIEW_LIMIT, VIEW_LIMIT)
    return gaussian_filter1d(track, sigma=4.0, axis=0, mode="nearest"), size


def _action(sim: Simulation) -> tuple[npt.NDArray[np.float64], float]:
    """Where the action is, (F,) x per frame: the mean x of all parts weighted by how fast each moves,
    smoothed over about half a second so the camera glides between whatever is moving; and how far
    the moving things spread around it (m, the 80th percentile over the clip)."""
    poses = np.stack(list(sim.poses.values()))  # (P, F, 3)
    xy = np.clip(poses[..., :2], -VIEW_LIMIT, VIEW_LIMIT)
    speed = np.hypot(*np.gradient(xy, axis=1).transpose(2, 0, 1)) + 1e-4  # (P, F)
    weight = speed**2 / (speed**2).sum(axis=0)  # squared: the fastest movers are the action
    x = (weight * xy[..., 0]).sum(axis=0)
    spread = np.sqrt((weight * (xy[..., 0] - x) ** 2).sum(axis=0))
    fps = 1.0 / (sim.times[1] - sim.times[0]) if len(sim.times) > 1 else 24.0
    smoothed: npt.NDArray[np.float64] = gaussian_filter1d(x, sigma=0.5 * fps, mode="nearest")
    moving = speed.max(axis=0) > 0.2 / fps  # frames where something moves faster than 0.2 m/s
    return smoothed, float(np.percentile(spread[moving], 80)) if moving.any() else 0.0


def _operator_scale(plan: ScenePlan, action_x: F64, spread: float, wide: tuple[float, float, float], width: int,
                    height: int, close_in: bool = True,
                    figures: tuple[float, float, float] | None = None) -> float | None:
    """The scale for an operator who follows the action, or None when the locked-off wide shot works.
    The operator closes in until objects read (unless `close_in` is off: a continuation keeps the
    framing it was handed), but keeps what moves together in the frame, and the figures too."""
    wx, wy, ws = wide
    typical = float(np.median([max(silhouette(o)) for o in _movers(plan)]))
    reach = 1.3 * spread + 1.5 * typical  # how far the action reaches either side of its centre
    if close_in and ws * typical < MIN_OBJECT_SHARE * width:
        closer = min(MIN_OBJECT_SHARE * width / typical, ws * 4, width / (2.6 * spread + 3 * typical))
        if figures is not None:
            closer = min(closer, _figure_scale(figures, action_x, reach, wy * ws, width, height))
        if closer > ws * 1.05:
            return closer
    out_of_frame = np.abs(action_x - wx) > 0.45 * width / ws
    if float(out_of_frame.mean()) <= MAX_TIME_OUT_OF_FRAME:
        return None
    if figures is None:
        return ws
    # Following action that leaves the wide frame, with figures to keep in it: step back a little.
    return max(0.6 * ws, min(ws, _figure_scale(figures, action_x, reach, wy * ws, width, height)))


def _figure_scale(figures: tuple[float, float, float], action_x: F64, reach: float, lift: float, width: int,
                  height: int) -> float:
    """The closest scale that shows the figures beside the action (`reach` either side of `action_x`, most of
    the time) with their heads in frame, the floor staying on the wide shot's row (`lift` px below centre)."""
    lo, hi, top = figures
    need = np.maximum(hi, action_x + reach) - np.minimum(lo, action_x - reach)  # (F,) metres
    across = width * (1 - 2 * FIGURE_MARGIN) / float(np.percentile(need, 80))
    return min(across, (height / 2 + lift) / (1.08 * top))


def _keep_figures(sx: F64, ss: F64, figures: tuple[float, float, float], width: int) -> F64:
    """Centres moved (as little as they can be) so that the figures are in frame; where they cannot all be, the
    frame stays within their span."""
    lo, hi, _ = figures
    half = width / 2 / ss
    margin = FIGURE_MARGIN * width / ss
    least, most = hi + margin - half, lo - margin + half  # centres that keep the right / left end in
    kept: F64 = np.where(least <= most, np.clip(sx, least, np.maximum(least, most)),
                         np.clip(sx, most, np.maximum(least, most)))
    return kept


def plan_camera(plan: ScenePlan, sim: Simulation, width: int, height: int,
                start: CameraState | None = None) -> CameraPath:
    """The camera of every frame. `start` continues an earlier clip's camera: its framing stands in for
    the wide shot (so a locked-off shot stays locked), and the path eases out of its motion."""
    n = len(sim.times)
    cx, cy, scale = np.zeros(n), np.zeros(n), np.zeros(n)
    shot_of = np.zeros(n, dtype=np.int64)
    wide = _wide(_scene_bounds(plan, sim), width, height) if start is None else (start.cx, start.cy, start.scale)
    action_x, spread = _action(sim)
    figures = _figures(plan, sim)
    operator = _operator_scale(plan, action_x, spread, wide, width, height, close_in=start is None, figures=figures)
    cuts = [round(s.start * n) for s in plan.shots] + [n]
    for i, shot in enumerate(plan.shots):
        a, b = cuts[i], min(max(cuts[i + 1], cuts[i] + 1), n)
        if a >= n:
            break
        shot_of[a:b] = i
        cx[a:b], cy[a:b], scale[a:b] = _shot_path(plan, sim, shot.camera, slice(a, b), wide, operator,
                                                  action_x, width, height, figures)
    if start is not None:
        _ease_from(start, sim.times, cx, cy, scale)
    return CameraPath(cx, cy, scale, shot_of)


def _ease_from(start: CameraState, times: npt.NDArray[np.float64], cx: npt.NDArray[np.float64],
               cy: npt.NDArray[np.float64], scale: npt.NDArray[np.float64]) -> None:
    """Blend the path (in place) from `start`, carried on at its own speed, into the planned path."""
    carry = CARRY_S * (1.0 - np.exp(-times / CARRY_S))  # distance covered at unit speed, slowing down
    w = _ease(np.clip(times / BLEND_S, 0.0, 1.0))
    for values, x0, v in ((cx, start.cx, start.vx), (cy, start.cy, start.vy), (scale, start.scale, start.vscale)):
        values[:] = (x0 + v * carry) * (1.0 - w) + values * w
    np.maximum(scale, 1e-3, out=scale)  # a fast zoom out carried on must not turn the picture inside out


def _shot_path(plan: ScenePlan, sim: Simulation, camera: Camera, frames: slice,
               wide: tuple[float, float, float], operator: float | None, action_x: F64, width: int,
               height: int, figures: tuple[float, float, float] | None = None) -> tuple[F64, F64, F64]:
    """Centre x, centre y and scale of every frame of one shot."""
    wx, wy, ws = wide
    full_track, size = _target_track(plan, sim, camera)
    track = full_track[frames]
    count = len(track)
    u = _ease(np.linspace(0.0, 1.0, count))
    if camera.framing == "close":
        scale = max(min(width, height) / (size * 3.2), ws)
    else:
        scale = ws * (1.9 if camera.framing == "medium" else 1.0)
    sx = np.full(count, wx if camera.framing == "wide" else float(track[:, 0].mean()))
    ss = np.full(count, scale)
    if camera.move == "follow" or (camera.target is not None and camera.framing == "close"):
        sx = track[:, 0].copy()
    if camera.move == "pan":
        sx = sx + (u - 0.5) * (width / scale) * 0.5
    elif camera.move in ("zoom_in", "zoom_out"):
        z = 1.0 + 0.9 * (u if camera.move == "zoom_in" else 1.0 - u)
        ss = scale * z
        sx = sx + (track[:, 0] - sx) * (z - 1.0) / 0.9
    elif operator and camera.move == "static" and camera.framing == "wide" and camera.target is None:
        ss = np.full(count, operator)
        sx = action_x[frames]
    if camera.move == "follow" or camera.framing != "wide":
        # Keep the target vertically in frame but never lift the floor above the frame's lower half.
        floor_row = FLOOR_ROW if height >= width else 0.80
        sy = np.maximum(track[:, 1], (floor_row - 0.5) * height / ss)
    else:
        sy = wy * ws / ss  # zooms keep the wide shot's floor row
    about_the_scene = camera.target is None and camera.move in ("static", "pan") and camera.framing != "close"
    if figures is not None and about_the_scene:
        sx = _keep_figures(sx, ss, figures, width)
    return sx, sy, ss
