"""Draw simulated frames: background from a per-shot atlas, soft contact shadows, then every
object as an anti-aliased signed-distance shape with material shading, in the plan's style.

All object work happens on small patches around each object, so a frame costs a background slice
plus a few thousand pixels per object; that is what keeps 720x1280 faster than real time. Cameo figures are
painted once per clip into sprites (`figure_draw`) and only sampled and lit per frame; a figure that holds still
in a still shot is not drawn again.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kinora.world.background import F32, convex_sdf, render_background, set_scale
from kinora.world.bodies import car_layout, pin_outline, prop_boxes, silhouette
from kinora.world.camera import CameraPath
from kinora.world.catalog import KINDS
from kinora.world.figure_draw import Sprite, build_sprite, face_image, sample, sample_upright
from kinora.world.look import Look, grade, look_for
from kinora.world.plan import ObjectSpec, ScenePlan
from kinora.world.sim import Simulation

U8 = npt.NDArray[np.uint8]
LIGHT = np.array([-0.45, 0.75, 0.5], dtype=np.float32) / np.linalg.norm([-0.45, 0.75, 0.5])
HALF = (LIGHT + np.array([0, 0, 1], dtype=np.float32)) / np.linalg.norm(LIGHT + np.array([0, 0, 1]))
MAX_ATLAS = 5000  # pixels per side of a shot's background atlas

# material -> (specular strength, Blinn-Phong exponent)
SHINE = {"rubber": (0.18, 10), "wood": (0.12, 12), "metal": (0.9, 60), "glass": (1.0, 90),
         "stone": (0.06, 6), "plastic": (0.5, 40), "felt": (0.0, 1)}


@dataclass
class _Atlas:
    image: U8  # (Ha, Wa, 3)
    x0: float  # world x of the left edge
    y1: float  # world y of the top edge
    scale: float  # pixels per metre


Window = tuple[int, int, int, int]  # rows r0:r1, columns c0:c1
# Sprites hold this many sprite pixels per screen pixel at the closest the camera gets.
SPRITE_OVERSAMPLE = 1.25


@dataclass
class _Drawn:
    """A figure as last composited: reused while neither it nor the camera moves."""

    key: tuple[float, ...]
    window: Window
    colour: F32  # (h, w, 3) 0..255, graded and vignetted
    alpha: F32  # (h, w)


class Renderer:
    def __init__(self, plan: ScenePlan, sim: Simulation, cam: CameraPath, width: int, height: int, seed: int,
                 faces: Mapping[str, Sequence[npt.NDArray[Any]]] | None = None):
        """`faces` maps a cameo's handle to its face crops; a figure whose handle has none gets a plain face."""
        self.plan, self.sim, self.cam = plan, sim, cam
        self.width, self.height, self.seed = width, height, seed
        self.look = look_for(plan.style, plan.environment)
        self.ui = min(width, height) / 720.0  # pixel sizes are designed at 720 px
        self.vignette = self._vignette()
        self.atlases: dict[int, _Atlas] = {}
        self._bg_key: tuple[float, float, float] | None = None
        self._bg: U8 | None = None
        self.specs = {o.id: o for o in plan.objects}
        self.albedo = {o.id: grade(np.asarray(o.rgb, dtype=np.float32) / 255, self.look) for o in plan.objects}
        self.grain = np.random.default_rng(seed).normal(0, self.look.grain, size=(4, height, width)).astype(
            np.int16) if self.look.grain else None
        self.faceless: list[str] = []  # handles of figures drawn with a plain face
        self.sprites = self._sprites(faces or {})
        self.lit = {oid: self._prelit(oid, sprite) for oid, sprite in self.sprites.items()}
        self._drawn: dict[str, _Drawn] = {}

    def _sprites(self, faces: Mapping[str, Sequence[npt.NDArray[Any]]]) -> dict[str, Sprite]:
        """Every figure painted once, with its face, at the sharpest scale the camera reaches."""
        ppm = float(self.cam.scale.max()) * SPRITE_OVERSAMPLE if len(self.cam.scale) else 1.0
        sprites = {}
        for o in self.plan.objects:
            if o.figure is None:
                continue
            face = face_image(faces.get(o.figure.handle, ()))
            if face is None:
                self.faceless.append(o.figure.handle)
            sprites[o.id] = build_sprite(o, face, self.look, ppm)
        return sprites

    def _prelit(self, oid: str, sprite: Sprite) -> F32 | None:
        """A sprite's colour as the scene lights it standing straight, and its distance channel, (rows, cols, 4):
        an upright figure is then only sampled. None where the style draws edges by the pixel (outlines, glows),
        which depend on the scale."""
        if self.look.outline or self.look.neon:
            return None
        data = sprite.data  # (rows, cols, CHANNELS)
        nx, ny = data[..., 4], data[..., 5]
        nz = np.sqrt(np.clip(1 - nx * nx - ny * ny, 0, 1))
        d = data[..., 3]
        rgb, _ = _lit(data[..., :3], np.ones_like(d), d, nx, ny, nz, self.specs[oid].material, data[..., :3],
                      self.look, self.ui, data[..., 6])
        lit: F32 = np.concatenate([rgb, d[..., None]], axis=-1)
        return lit

    # ----------------------------------------------------------------------------------------------
    # background

    def _vignette(self) -> npt.NDArray[np.uint16]:
        ys = (np.arange(self.height, dtype=np.float32) + 0.5) / self.height - 0.5
        xs = (np.arange(self.width, dtype=np.float32) + 0.5) / self.width - 0.5
        r2 = (xs[None, :] * 1.6) ** 2 + (ys[:, None] * 1.2) ** 2
        return np.round(256 * (1.0 - self.look.vignette * r2 ** 1.5)).astype(np.uint16)  # (H, W)

    def _atlas(self, shot: int) -> _Atlas:
        if shot in self.atlases:
            return self.atlases[shot]
        frames = np.nonzero(self.cam.shot == shot)[0]
        s = self.cam.scale[frames]
        half_w, half_h = self.width / 2 / s, self.height / 2 / s
        x0, x1 = float((self.cam.cx[frames] - half_w).min()), float((self.cam.cx[frames] + half_w).max())
        y0, y1 = float((self.cam.cy[frames] - half_h).min()), float((self.cam.cy[frames] + half_h).max())
        scale = float(s.max())
        scale = min(scale, MAX_ATLAS / (x1 - x0), MAX_ATLAS / (y1 - y0))
        wa, ha = math.ceil((x1 - x0) * scale) + 2, math.ceil((y1 - y0) * scale) + 2
        xs = (x0 + (np.arange(wa) + 0.5) / scale).astype(np.float32)
        ys = (y1 - (np.arange(ha) + 0.5) / scale).astype(np.float32)
        shrink = set_scale(float(np.median(s)), self.height)
        img = render_background(xs, ys, self.plan.environment, self.look, self.seed, 1.0 / scale, shrink)
        atlas = _Atlas(np.round(np.clip(img, 0, 1) * 255).astype(np.uint8), x0, y1, scale)
        self.atlases[shot] = atlas
        return atlas

    def background(self, i: int) -> U8:
        """The vignetted background of frame i; reused while the camera holds still."""
        key = (float(self.cam.cx[i]), float(self.cam.cy[i]), float(self.cam.scale[i]))
        if key == self._bg_key and self._bg is not None:
            return self._bg
        atlas = self._atlas(int(self.cam.shot[i]))
        s = self.cam.scale[i]
        xs = key[0] + (np.arange(self.width) + 0.5 - self.width / 2) / s  # world x of each column
        ys = key[1] - (np.arange(self.height) + 0.5 - self.height / 2) / s  # world y of each row
        cols = ((xs - atlas.x0) * atlas.scale).astype(np.int64)
        rows = ((atlas.y1 - ys) * atlas.scale).astype(np.int64)
        cols = np.clip(cols, 0, atlas.image.shape[1] - 1)
        rows = np.clip(rows, 0, atlas.image.shape[0] - 1)
        if abs(s - atlas.scale) < 1e-9 and cols[-1] - cols[0] == self.width - 1:
            bg = atlas.image[rows[0] : rows[0] + self.height, cols[0] : cols[0] + self.width]
        else:
            bg = atlas.image[rows[:, None], cols[None, :]]
        bg = ((bg.astype(np.uint16) * self.vignette[..., None]) >> 8).astype(np.uint8)
        self._bg_key, self._bg = key, bg
        return bg

    # ----------------------------------------------------------------------------------------------
    # frames

    def frame(self, i: int) -> U8:
        out = self.background(i).copy()
        # Figures first: they stand a step back from the action, which passes in front of them. Bowls last:
        # their front wall hides whatever lies inside them.
        order = {"figure": 0, "bowl": 2}
        parts = sorted(((pid, self.sim.poses[pid][i]) for pid in self.sim.poses),
                       key=lambda p: order.get(KINDS[self.specs[self.sim.owners[p[0]]].kind].shape, 1))
        for pid, pose in parts:
            if "." not in pid:
                self._shadow(out, i, self.specs[pid], pose)
        for pid, pose in parts:
            spec = self.specs[self.sim.owners[pid]]
            if spec.pivot is not None:
                self._rod(out, i, spec.pivot, pose)
            self._part(out, i, pid, spec, pose)
        if self.grain is not None:
            noisy = out.astype(np.int16) + self.grain[i % len(self.grain)][..., None]
            out = np.clip(noisy, 0, 255).astype(np.uint8)
        return out

    def frames(self) -> Iterator[U8]:
        for i in range(len(self.sim.times)):
            yield self.frame(i)

    def _window(self, i: int, x: float, y: float, radius_m: float,
                radius_y: float | None = None) -> tuple[int, int, int, int, F32, F32] | None:
        """Pixel window around world point (x, y) and each pixel's world offset from it; `radius_y` makes it
        a rectangle."""
        s = float(self.cam.scale[i])
        pc, pr = self.cam.to_pixels(i, x, y, self.width, self.height)
        rad = radius_m * s + 3
        rad_y = rad if radius_y is None else radius_y * s + 3
        c0, c1 = max(int(pc - rad), 0), min(int(pc + rad) + 1, self.width)
        r0, r1 = max(int(pr - rad_y), 0), min(int(pr + rad_y) + 1, self.height)
        if c1 - c0 < 2 or r1 - r0 < 2:  # off screen, or a sliver too thin to shade
            return None
        dx = ((np.arange(c0, c1, dtype=np.float32) + 0.5 - pc) / s)[None, :]  # (1, w)
        dy = (-(np.arange(r0, r1, dtype=np.float32) + 0.5 - pr) / s)[:, None]  # (h, 1)
        return r0, r1, c0, c1, dx, dy

    def _composite(self, out: U8, win: Window, rgb: F32, alpha: F32) -> None:
        self._blend(out, win, self._colour(win, rgb), alpha)

    def _colour(self, win: Window, rgb: F32) -> F32:
        """Lit colour graded and vignetted, 0..255."""
        r0, r1, c0, c1 = win
        vig = self.vignette[r0:r1, c0:c1, None].astype(np.float32) / 256
        col: F32 = np.clip(grade(rgb, self.look), 0, 1) * 255 * vig
        return col

    @staticmethod
    def _blend(out: U8, win: Window, col: F32, alpha: F32) -> None:
        r0, r1, c0, c1 = win
        bg = out[r0:r1, c0:c1].astype(np.float32)
        a = alpha[..., None]
        out[r0:r1, c0:c1] = np.clip(bg * (1 - a) + col * a, 0, 255).astype(np.uint8)

    def _shadow(self, out: U8, i: int, spec: ObjectSpec, pose: npt.NDArray[np.float64]) -> None:
        w, h = silhouette(spec)
        x, y = float(pose[0]), float(pose[1])
        ground = self._ground_under(x, y - h / 2)
        lift = max(y - h / 2 - ground, 0.0)
        rx = 0.55 * max(w, h * 0.6) * (1 + 0.8 * lift)
        ry = rx * 0.16
        opacity = self.look.shadow * math.exp(-lift / 0.45)
        if opacity < 0.02:
            return
        cx = x + 0.25 * lift + 0.04 * w
        win = self._window(i, cx, ground, rx * 1.6)
        if win is None:
            return
        r0, r1, c0, c1, dx, dy = win
        a = opacity * np.exp(-2.2 * ((dx / rx) ** 2 + (dy / ry) ** 2))
        shade = 1.0 - a[..., None] * 0.9
        out[r0:r1, c0:c1] = (out[r0:r1, c0:c1] * shade).astype(np.uint8)

    def _ground_under(self, x: float, bottom: float) -> float:
        """Height of the highest static surface below `bottom` at x (0 is the floor)."""
        best = 0.0
        for prop in self.plan.environment.props:
            for poly in prop_boxes(prop):
                xs = [p[0] for p in poly]
                if not min(xs) <= x <= max(xs):
                    continue
                top = max(p[1] for p in poly)
                if prop.kind == "ramp":
                    x_lo, x_hi = min(xs), max(xs)
                    u = (x - x_lo) / (x_hi - x_lo)
                    top = prop.height * (u if prop.facing == "right" else 1 - u)
                if top <= bottom + 0.02:
                    best = max(best, top)
        return best

    def _rod(self, out: U8, i: int, pivot: tuple[float, float], pose: npt.NDArray[np.float64]) -> None:
        px, py = pivot
        bx, by = float(pose[0]), float(pose[1])
        mx, my = (px + bx) / 2, (py + by) / 2
        length = math.hypot(bx - px, by - py)
        win = self._window(i, mx, my, length / 2 + 0.03)
        if win is None:
            return
        r0, r1, c0, c1, dx, dy = win
        ax, ay, ex, ey = px - mx, py - my, bx - px, by - py
        t = np.clip(((dx - ax) * ex + (dy - ay) * ey) / max(length**2, 1e-9), 0, 1)
        d = np.hypot(dx - ax - t * ex, dy - ay - t * ey) - 0.004  # (h, w) metres
        mount = np.hypot(dx - ax, dy - ay) - 0.018
        d = np.minimum(d, mount)
        s = float(self.cam.scale[i])
        alpha = np.clip(0.5 - d * s, 0, 1)
        rgb = np.broadcast_to(np.array([0.25, 0.25, 0.27], dtype=np.float32), (*alpha.shape, 3))
        if self.look.neon:
            rgb = np.broadcast_to(np.array([0.7, 0.7, 1.0], dtype=np.float32), (*alpha.shape, 3))
        self._composite(out, (r0, r1, c0, c1), rgb, alpha)

    def _part(self, out: U8, i: int, pid: str, spec: ObjectSpec, pose: npt.NDArray[np.float64]) -> None:
        if spec.id in self.sprites:
            self._figure(out, i, spec, pose)
            return
        w, h = silhouette(spec)
        is_wheel = "." in pid
        reach = (h * 0.3 if is_wheel else math.hypot(w, h) / 2) + (0.05 if self.look.neon else 0.0)
        win = self._window(i, float(pose[0]), float(pose[1]), reach)
        if win is None:
            return
        r0, r1, c0, c1, dx, dy = win
        s = float(self.cam.scale[i])
        angle = float(pose[2])
        ca, sa = math.cos(angle), math.sin(angle)
        u = ca * dx + sa * dy  # body frame (metres), (h, w)
        v = -sa * dx + ca * dy
        if is_wheel:
            rgb, alpha = _wheel(u, v, dx, dy, car_layout(w, h)[2], s, self.look)
        else:
            rgb, alpha = _shade(spec, self.albedo[spec.id], u, v, dx, dy, angle, s, self.look, self.ui)
        self._composite(out, (r0, r1, c0, c1), rgb, alpha)

    def _figure(self, out: U8, i: int, spec: ObjectSpec, pose: npt.NDArray[np.float64]) -> None:
        """A cameo figure: its sprite turned with its body, lit like the rest of the scene."""
        x, y, angle = float(pose[0]), float(pose[1]), float(pose[2])
        key = (float(self.cam.cx[i]), float(self.cam.cy[i]), float(self.cam.scale[i]), x, y, angle)
        drawn = self._drawn.get(spec.id)
        if drawn is not None and drawn.key == key:
            self._blend(out, drawn.window, drawn.colour, drawn.alpha)
            return
        sprite = self.sprites[spec.id]
        ca, sa = math.cos(angle), math.sin(angle)
        hw, hh = sprite.half
        glow = 0.05 if self.look.neon else 0.0
        win = self._window(i, x, y, abs(ca) * hw + abs(sa) * hh + glow, abs(sa) * hw + abs(ca) * hh + glow)
        if win is None:
            self._drawn.pop(spec.id, None)
            return
        r0, r1, c0, c1, dx, dy = win
        s = float(self.cam.scale[i])
        soft = _softness(spec) * 2
        # Standing straight to within a quarter pixel at its top: its rows and columns are the sprite's.
        upright = abs(angle) * sprite.half[1] * s < 0.25
        lit = self.lit[spec.id]
        if upright and lit is not None:
            texel = sample_upright(sprite, lit, dx[0], dy[:, 0])  # (h, w, 4)
            rgb, alpha = texel[..., :3], np.clip(0.5 - texel[..., 3] * s / soft, 0, 1)
        elif upright:
            texel = sample_upright(sprite, sprite.data, dx[0], dy[:, 0])  # (h, w, CHANNELS)
            rgb, alpha = self._light_texels(spec, texel, 1.0, 0.0, s)
        else:
            inside, texels, dist = sample(sprite, ca * dx + sa * dy, -sa * dx + ca * dy)  # body frame
            rgb = np.zeros((*dist.shape, 3), dtype=np.float32)
            d_px = dist * s
            alpha = np.clip(0.5 - d_px / soft, 0, 1)
            if self.look.neon:  # the glow reaches past the sprite
                alpha = np.maximum(alpha, np.exp(-np.abs(d_px) / (6.0 * self.ui)) * 0.9)
            rgb[inside], alpha[inside] = self._light_texels(spec, texels, ca, sa, s)
        window = (r0, r1, c0, c1)
        colour = self._colour(window, rgb)
        self._drawn[spec.id] = _Drawn(key, window, colour, alpha)
        self._blend(out, window, colour, alpha)

    def _light_texels(self, spec: ObjectSpec, texel: F32, ca: float, sa: float, s: float) -> tuple[F32, F32]:
        """Light sprite samples (..., CHANNELS) of a figure turned by (cos, sin) at scale `s`: rgb, alpha."""
        bnx, bny = texel[..., 4], texel[..., 5]
        nx, ny = ca * bnx - sa * bny, sa * bnx + ca * bny  # body-frame normals turned into the world
        nz = np.sqrt(np.clip(1 - nx * nx - ny * ny, 0, 1))
        d_px = texel[..., 3] * s
        alpha = np.clip(0.5 - d_px / (_softness(spec) * 2), 0, 1)
        base = texel[..., :3]
        return _lit(base, alpha, d_px, nx, ny, nz, spec.material, base, self.look, self.ui, texel[..., 6])


# --------------------------------------------------------------------------------------------------
# shapes: signed distance in the body frame (metres, negative inside), plus a "cylinder" coordinate
# in -1..1 across the object for round bodies (pins, cans) so they shade as solids of revolution


def _box_sdf(u: F32, v: F32, w: float, h: float, r: float) -> F32:
    qx, qy = np.abs(u) - w / 2 + r, np.abs(v) - h / 2 + r
    outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
    return outside + np.minimum(np.maximum(qx, qy), 0) - r


def _pin_sdf(u: F32, v: F32, w: float, h: float) -> tuple[F32, F32]:
    half = pin_outline(w, h)
    ys = np.array([p[1] for p in half], dtype=np.float32)
    rs = np.array([p[0] for p in half], dtype=np.float32)
    r = np.interp(np.clip(v, -h / 2, h / 2), ys, rs).astype(np.float32)
    d = np.maximum(np.abs(u) - r, np.abs(v) - h / 2) * 0.9  # slopes make |u|-r overestimate distance
    return d, np.clip(u / np.maximum(r, 1e-4), -1, 1)


def _sdf(spec: ObjectSpec, u: F32, v: F32) -> tuple[F32, F32 | None]:
    shape = KINDS[spec.kind].shape
    w, h = silhouette(spec)
    if shape == "circle":
        return np.hypot(u, v) - w / 2, None
    if shape == "pin":
        return _pin_sdf(u, v, w, h)
    if shape == "bowl":
        # Seen from the side a bowl is solid: its outer wall hides what lies inside (physics keeps
        # the hollow, so marbles still roll into it).
        outer = [(-w / 2, h / 2), (-w * 0.28, -h / 2), (w * 0.28, -h / 2), (w / 2, h / 2)]
        return convex_sdf(u, v, outer), None
    if shape == "car":
        chassis, cabin, _, _ = car_layout(w, h)
        return np.minimum(convex_sdf(u, v, chassis), convex_sdf(u, v, cabin)), None
    d = _box_sdf(u, v, w, h, min(w, h) * 0.06)
    return d, (np.clip(u / (w / 2), -1, 1) if spec.kind == "can" else None)


def _normals(d: F32, dx: F32, dy: F32, radius_px: float, cyl: F32 | None, ca: float, sa: float,
             scale: float, sphere_r: float | None) -> tuple[F32, F32, F32]:
    """World-space unit normals of a bevelled (or spherical) body, each (h, w)."""
    if sphere_r is not None:
        nx, ny = dx / sphere_r, dy / sphere_r
        nz = np.sqrt(np.clip(1 - nx * nx - ny * ny, 0, 1))
        return nx, ny, nz
    gy, gx = np.gradient(d)  # rows grow downward, so world y is -gy
    g = np.hypot(gx, gy) + 1e-6
    depth_px = -d * scale
    tilt = np.clip(1.0 - depth_px / radius_px, 0, 1) ** 2 * 0.85
    nx, ny = gx / g * tilt, -gy / g * tilt
    if cyl is not None:
        nx = nx + cyl * ca * 0.8
        ny = ny + cyl * sa * 0.8
    nz = np.sqrt(np.clip(1 - nx * nx - ny * ny, 0.02, 1))
    norm = np.sqrt(nx * nx + ny * ny + nz * nz)
    return nx / norm, ny / norm, nz / norm


def _texture(spec: ObjectSpec, u: F32, v: F32, albedo: npt.NDArray[np.float32]) -> F32:
    w, h = silhouette(spec)
    tex = np.ones_like(u)
    if spec.material == "wood":
        tex = tex * (0.9 + 0.1 * np.sin(v * 90 / max(h, 0.05) * 0.3 + 2.0 * np.sin(u * 40)))
    elif spec.material == "stone":
        tex = tex * (0.9 + 0.1 * np.sin(u * 300) * np.sin(v * 270 + u * 50))
    col = albedo[None, None, :] * tex[..., None]
    shape = KINDS[spec.kind].shape
    contrast = np.where(albedo.mean() > 0.5, 0.15, 0.95).astype(np.float32)
    if shape == "circle":
        # A painted band through the centre turns with the ball, so rolling reads as rolling.
        band = np.clip(1.0 - np.abs(u) / (w * 0.06), 0, 1)[..., None]
        col = col * (1 - 0.35 * band)
    elif spec.kind == "domino":
        line = np.clip(1.0 - np.abs(v) / (h * 0.012), 0, 1)
        pips = np.zeros_like(u)
        for py in (-0.3, -0.15, 0.15, 0.3):
            pips = np.maximum(pips, np.clip(1.0 - (np.hypot(u, v - py * h) - w * 0.12) / (w * 0.03), 0, 1))
        mark = np.maximum(line, pips)[..., None]
        col = col * (1 - mark) + contrast * mark
    elif shape == "pin":
        stripe = ((v > h * 0.16) & (v < h * 0.22)) | ((v > h * 0.25) & (v < h * 0.29))
        col = np.where(stripe[..., None], np.array([0.8, 0.1, 0.1], dtype=np.float32), col)
    elif shape == "bowl":
        # The opening, seen slightly from above, is in the bowl's own shadow.
        rim = ((u / (w * 0.47)) ** 2 + ((v - h * 0.41) / (h * 0.09)) ** 2) < 1
        col = np.where(rim[..., None], col * 0.45, col)
    elif shape == "car":
        _, cabin, _, _ = car_layout(w, h)
        window = convex_sdf(u, v, [(x * 0.82, y * 0.95 + 0.05 * h * 0.1) for x, y in cabin]) < -h * 0.05
        col = np.where(window[..., None], np.array([0.55, 0.7, 0.85], dtype=np.float32), col)
    return col


def _softness(spec: ObjectSpec) -> float:
    """Half the width (px) of an object's anti-aliased edge: felt is fuzzy."""
    return 1.5 if spec.material == "felt" else 0.5


def _shade(spec: ObjectSpec, albedo: npt.NDArray[np.float32], u: F32, v: F32, dx: F32, dy: F32, angle: float,
           scale: float, look: Look, ui: float) -> tuple[F32, F32]:
    d, cyl = _sdf(spec, u, v)
    d_px = d * scale
    alpha = np.clip(0.5 - d_px / (_softness(spec) * 2), 0, 1)
    w, h = silhouette(spec)
    sphere = w / 2 if KINDS[spec.kind].shape == "circle" else None
    nx, ny, nz = _normals(d, dx, dy, max(min(w, h) * 0.25 * scale, 1.5), cyl, math.cos(angle),
                          math.sin(angle), scale, sphere)
    base = _texture(spec, u, v, albedo)
    return _lit(base, alpha, d_px, nx, ny, nz, spec.material, albedo, look, ui)


def _lit(base: F32, alpha: F32, d_px: F32, nx: F32, ny: F32, nz: F32, material: str, tint: F32, look: Look,
         ui: float, paint: F32 | None = None) -> tuple[F32, F32]:
    """Light a surface of colour `base` (h, w, 3) with world normals (h, w each) in the style's manner; `tint`
    colours its outline and neon glow, and `paint` (h, w) is how much the light shades each pixel (1: fully;
    less for a photo, which is lit already). Returns rgb and the alpha that glass and glows change."""
    diffuse = np.clip(nx * LIGHT[0] + ny * LIGHT[1] + nz * LIGHT[2], 0, 1)
    ks, power = SHINE[material]
    spec_term = ks * np.clip(nx * HALF[0] + ny * HALF[1] + nz * HALF[2], 0, 1) ** power
    if look.bands:
        diffuse = np.floor(diffuse * look.bands + 0.5) / look.bands
        spec_term = np.where(spec_term > 0.3, 0.8, 0.0).astype(np.float32)
    light = np.asarray(look.light, dtype=np.float32)
    occlusion = 1.0 - 0.25 * np.clip(-ny, 0, 1)  # undersides see less sky
    shade = look.ambient + (1 - look.ambient) * diffuse
    if paint is not None:
        shade = 1 - paint * (1 - shade)
    rgb = base * shade[..., None] * light * occlusion[..., None]
    rgb = rgb + spec_term[..., None] * light
    if material == "metal" and not look.bands:
        sky = np.clip(0.5 + 0.5 * ny, 0, 1)[..., None] * 0.25  # a cheap environment reflection
        rgb = rgb * 0.8 + sky
    if material == "glass":
        alpha = alpha * np.clip(0.55 + 0.45 * (1 - nz) + spec_term, 0, 1)
    if look.outline:
        ink = np.float32(0.05) if look.bands == 2 else tint * 0.3
        edge = np.clip(look.outline * ui - (-d_px) + 0.5, 0, 1)[..., None]
        rgb = rgb * (1 - edge) + ink * edge
    if look.neon:
        glow = np.exp(-np.abs(d_px) / (6.0 * ui))
        rgb = rgb * 0.25 + glow[..., None] * tint * 1.6
        alpha = np.maximum(alpha, glow * 0.9)
    return rgb.astype(np.float32), alpha.astype(np.float32)


def _wheel(u: F32, v: F32, dx: F32, dy: F32, r: float, scale: float, look: Look) -> tuple[F32, F32]:
    rho = np.hypot(u, v)
    alpha = np.clip(0.5 - (rho - r) * scale, 0, 1)
    hub = rho < r * 0.45
    spoke = (np.abs(u) < r * 0.08) | (np.abs(v) < r * 0.08)
    tone = np.where(hub, np.where(spoke, 0.45, 0.75), 0.12).astype(np.float32)
    shade = 0.8 + 0.2 * np.clip(dy / r, -1, 1)
    rgb = np.repeat((tone * shade)[..., None], 3, axis=-1)
    if look.neon:
        rgb = rgb + np.exp(-np.abs(rho - r) * scale / 4)[..., None] * 0.6
    return rgb.astype(np.float32), alpha.astype(np.float32)
