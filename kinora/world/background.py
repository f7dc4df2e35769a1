"""The world behind the objects: wall or sky, a receding floor, and the static props, rendered in
world coordinates on any grid so that a camera can slice or resample it."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from kinora.world.bodies import prop_boxes
from kinora.world.look import Look, grade
from kinora.world.plan import Environment, Prop

F32 = npt.NDArray[np.floating[Any]]  # float32 in practice; numpy's stubs widen freely
FAR_EDGE = 0.45  # world y (m) where the floor meets the wall: the floor recedes behind the objects
HORIZON = 0.75  # outdoor: where distant hills meet the sky


def _mix(a: F32, b: F32, t: F32 | float) -> F32:
    return a + (b - a) * t


def _col(rgb: tuple[float, float, float]) -> F32:
    return np.asarray(rgb, dtype=np.float32)


def _line(frac_coord: F32, width: F32) -> F32:
    """Anti-aliased thin lines at the integers of `frac_coord`, `width` in the same units."""
    d = np.abs(frac_coord - np.round(frac_coord))
    return np.clip(1.0 - d / np.maximum(width, 1e-6), 0.0, 1.0)


def set_scale(scale: float, height: int) -> float:
    """How much smaller the set (wall, floor, sky) is drawn for a camera at `scale` px/m: a close-up
    is shot from lower and nearer, so the floor's far edge stays about 30 % of the frame above the
    floor line instead of climbing out of the top."""
    return max(1.0, FAR_EDGE * scale / (0.3 * height))


def render_background(xs: F32, ys: F32, env: Environment, look: Look, seed: int, px: float,
                      shrink: float = 1.0) -> F32:
    """(len(ys), len(xs), 3) float RGB; `xs` left to right and `ys` top to bottom in metres, `px`
    the size of one output pixel in metres (for anti-aliasing). The set is drawn `shrink` times
    smaller around the floor line; props stay where the physics has them."""
    X, Y = np.meshgrid(xs.astype(np.float32), ys.astype(np.float32))  # (H, W)
    SX, SY, spx = X * shrink, Y * shrink, px * shrink
    img = _sky(SX, SY, env, look, seed, spx)
    floor = SY < FAR_EDGE
    img[floor] = _floor(SX[floor], SY[floor], env, look, spx)
    for i, prop in enumerate(env.props):
        _draw_prop(img, X, Y, prop, look, px, seed + i)
    return grade(img, look)


def _sky(X: F32, Y: F32, env: Environment, look: Look, seed: int, px: float) -> F32:
    t = np.clip((Y - FAR_EDGE) / 2.6, 0.0, 1.0)[..., None] ** 0.7
    img = _mix(_col(look.sky_low), _col(look.sky_top), t).astype(np.float32)
    rng = np.random.default_rng(seed)
    if env.setting == "indoor":
        base = (Y >= FAR_EDGE) & (Y < FAR_EDGE + 0.07)
        img[base] *= 0.82  # skirting board
        img *= (1.0 - 0.12 * np.exp(-np.maximum(Y - FAR_EDGE, 0) / 0.25))[..., None]  # corner occlusion
        # The key light leaves a soft pool on the wall behind the scene: depth without a texture.
        pool = np.exp(-(((X - 0.3) / 1.6) ** 2 + ((Y - FAR_EDGE - 0.7) / 0.9) ** 2))
        return np.clip(img * (1.0 - look.pool * 0.6 + look.pool * pool)[..., None], 0, 1)
    if env.time_of_day == "night" and not look.neon:
        ph = rng.uniform(0, 1000, size=2)
        star = np.sin(X * 91.7 + ph[0]) * np.sin(Y * 77.3 + ph[1]) * np.sin((X + Y) * 53.1)
        img += (np.clip(star - 0.985, 0, None) * 40.0 * (Y > HORIZON))[..., None].astype(np.float32)
    if env.time_of_day in ("sunset", "morning") and not look.neon:
        d = np.hypot(X - 0.9, Y - HORIZON - 0.25)
        glow = np.exp(-d / 0.35)[..., None] * np.array([1.0, 0.75, 0.4], dtype=np.float32)
        img = img + glow * 0.5 + (d < 0.12)[..., None] * 0.6
    ph = rng.uniform(0, 6.28, size=3)
    hill = HORIZON + 0.16 + 0.08 * np.sin(X * 1.3 + ph[0]) + 0.04 * np.sin(X * 3.1 + ph[1])
    cover = np.clip((hill - Y) / px + 0.5, 0, 1)[..., None]
    haze = _mix(_col(look.floor_far), _col(look.sky_low), 0.55)
    return np.clip(_mix(img, np.broadcast_to(haze, img.shape), cover * (Y > FAR_EDGE)[..., None]), 0, 1)


def _floor(X: F32, Y: F32, env: Environment, look: Look, px: float) -> F32:
    depth = FAR_EDGE - Y  # 0 at the far edge, grows toward the viewer
    near = np.clip(depth / 1.4, 0.0, 1.0)[:, None]
    img = _mix(_col(look.floor_far), _col(look.floor_near), near)
    persp = 1.0 / (depth + 0.15)  # perspective: lines bunch up toward the far edge
    line_w = px * persp * persp * 1.2
    rows, cols = np.zeros_like(X), np.zeros_like(X)
    if env.floor in ("wood", "tile", "marble", "metal", "glass", "concrete", "stone", "rubber", "plastic") or look.neon:
        rows = _line(persp * 1.5, line_w * 1.5)
    if env.floor in ("tile", "marble", "stone") or look.neon:
        cols = _line(X * persp * 0.9, np.maximum(persp * px * 1.2, 1e-4))
    if env.floor == "wood":
        stagger = np.floor(persp * 1.5) * 0.37
        cols = _line(X * persp * 0.3 + stagger, np.maximum(persp * px * 0.3, 1e-4)) * 0.7
        grain = 0.05 * np.sin(persp * 55.0 + np.sin(X * 2.3) * 2.0) * (0.6 + 0.4 * np.sin(X * 0.9 + persp))
        img = img * (1.0 + grain)[:, None]
    if env.floor in ("grass", "sand", "carpet", "felt", "concrete"):
        speckle = np.sin(X * 211.0) * np.sin(Y * 187.0 + X * 13.0) * np.sin(X * 97.0 - Y * 233.0)
        img = img * (1.0 + 0.09 * speckle)[:, None]
    seams = np.clip(rows + cols, 0, 1)[:, None]
    seam_col = _col(look.seam)
    if look.neon:
        glowing: F32 = np.clip(img + seams * seam_col * (0.35 + 0.65 * near), 0, 1)
        return glowing
    wall_ao = 1.0 - 0.25 * np.exp(-depth / 0.04)
    shaded: F32 = _mix(img, np.broadcast_to(seam_col, img.shape), seams * 0.6) * wall_ao[:, None]
    return shaded


def convex_sdf(px_: F32, py_: F32, poly: list[tuple[float, float]]) -> F32:
    """Signed distance (m) to a convex polygon given counter-clockwise or clockwise."""
    pts = np.asarray(poly, dtype=np.float32)
    area = np.sum(pts[:, 0] * np.roll(pts[:, 1], -1) - np.roll(pts[:, 0], -1) * pts[:, 1])
    sign = 1.0 if area > 0 else -1.0
    d = np.full(px_.shape, -np.inf, dtype=np.float32)
    for (x0, y0), (x1, y1) in zip(pts, np.roll(pts, -1, axis=0), strict=True):
        ex, ey = x1 - x0, y1 - y0
        n = np.hypot(ex, ey)
        # Outward normal of a counter-clockwise edge is (ey, -ex).
        d = np.maximum(d, sign * ((px_ - x0) * ey - (py_ - y0) * ex) / n)
    return d


def _draw_prop(img: F32, X: F32, Y: F32, prop: Prop, look: Look, px: float, seed: int) -> None:
    wood = np.array([0.62, 0.44, 0.28], dtype=np.float32)
    base = wood if prop.material == "wood" else np.array([0.6, 0.6, 0.62], dtype=np.float32)
    if look.neon:
        base = np.array([0.08, 0.05, 0.15], dtype=np.float32)
    for poly in prop_boxes(prop):
        xs = [p[0] for p in poly]
        ys = [p[1] for p in poly]
        near_x = (min(xs) - 2 * px <= X) & (max(xs) + 2 * px >= X)
        box = near_x & (min(ys) - 2 * px <= Y) & (max(ys) + 2 * px >= Y)
        if not box.any():
            continue
        d = convex_sdf(X[box], Y[box], poly)
        cover = np.clip(0.5 - d / px, 0, 1)[:, None]
        # Lit from the upper left: surfaces near the top edge of a piece catch the light.
        top = max(ys)
        shade = 0.75 + 0.25 * np.clip(1.0 - (top - Y[box]) / 0.06, 0, 1)
        grain = 1.0 + 0.05 * np.sin(X[box] * 40.0 + Y[box] * 7.0 + seed)
        col = base[None, :] * (shade * grain)[:, None]
        if look.neon:
            col = col + np.exp(-np.abs(d) / (3 * px))[:, None] * np.array([0.2, 0.9, 1.0], dtype=np.float32)
        elif look.outline:
            col = col * np.where(-d < look.outline * px, 0.15, 1.0)[:, None]
        img[box] = img[box] * (1 - cover) + col * cover
