"""Cameo figures on screen. A figure is painted once per clip into a sprite in its own body frame: albedo, signed
distance to its outline, surface normals and how much the scene's light shades it. Every frame then samples the
sprite in the figure's small window, turned with its body, and lights it like any other object (`render._lit`);
a figure standing straight, the usual case, is only sampled from a pre-lit copy, one axis at a time. The head
carries the cameo's face crop on an ellipsoid, the crop's colours near the rim carried out to the edge so that
no background of the chip shows; a figure whose cameo is gone gets a plain, neutral face.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kinora.world.background import F32
from kinora.world.bodies import silhouette
from kinora.world.figures import FigureLayout, figure_layout
from kinora.world.look import Look, grade
from kinora.world.plan import ObjectSpec

Colour = F32  # (3,) or (rows, cols, 3), RGB in [0, 1]

CHANNELS = 7  # albedo r, g, b; signed distance (m); normal x, y (body frame); paint
MARGIN_PX = 3  # sprite pixels around the outline, for its anti-aliasing
BLEED = 3  # sprite pixels that colours are carried past the outline
MAX_SPRITE = 720  # most sprite pixels along a figure's height
MIN_PPM = 48.0  # fewest sprite pixels per metre, however small the frame
# How an aligned face chip (dlib's get_face_chip: brows near 0.18 of its height, chin near 0.85, the jaw
# spanning its middle two thirds) maps onto the head: the head's height shows this share of the chip's
# height, centred on this row, so that hair tops the head and the chin sits at its bottom.
FACE_SPAN = 0.86
FACE_CENTRE = 0.45
FACE_PAINT = 0.45  # how much the scene's light shades a face photo, which is lit already
RIM = 0.88  # normalized head radius beyond which the photo's colours at RIM carry on to the edge
NEUTRAL_SKIN = (0.80, 0.75, 0.70)
SHOES = (0.16, 0.15, 0.15)


# -- the face ------------------------------------------------------------------------------------------------


def _rgb(crop: npt.NDArray[Any]) -> F32 | None:
    """A crop as float RGB in [0, 1], cut to its central square; None when it is not an image."""
    a = np.asarray(crop)
    if a.ndim == 2:
        a = np.repeat(a[..., None], 3, axis=-1)
    if a.ndim != 3 or a.shape[2] not in (3, 4) or min(a.shape[:2]) < 8:
        return None
    side = min(a.shape[:2])
    r0, c0 = (a.shape[0] - side) // 2, (a.shape[1] - side) // 2
    a = a[r0 : r0 + side, c0 : c0 + side, :3]
    scale = 255.0 if a.dtype == np.uint8 else 1.0
    rgb: F32 = np.clip(a.astype(np.float32) / scale, 0.0, 1.0)  # (S, S, 3)
    return rgb


def face_image(crops: Sequence[npt.NDArray[Any]]) -> F32 | None:
    """The most typical of a cameo's face crops (the one nearest their per-pixel median; the first of one or
    two), (S, S, 3) float RGB; None when no crop is usable."""
    usable = [c for c in (_rgb(c) for c in crops) if c is not None]
    if not usable:
        return None
    same = np.stack([c for c in usable if c.shape == usable[0].shape])  # (N, S, S, 3)
    pick = 0
    if len(same) >= 3:
        median = np.median(same, axis=0)  # (S, S, 3)
        pick = int(np.argmin(((same - median) ** 2).mean(axis=(1, 2, 3))))
    face: F32 = same[pick]
    return face


def skin_tone(face: F32) -> F32:
    """The colour of the cheeks in an aligned face chip, for the neck and hands."""
    n = face.shape[0]
    rows = slice(int(0.5 * n), int(0.68 * n))
    cheeks = np.concatenate([face[rows, int(0.22 * n) : int(0.36 * n)].reshape(-1, 3),
                             face[rows, int(0.64 * n) : int(0.78 * n)].reshape(-1, 3)])
    tone: F32 = np.median(cheeks, axis=0).astype(np.float32)  # (3,)
    return tone


def _bilinear(image: F32, rows: F32, cols: F32) -> F32:
    """`image` (H, W, C) at fractional pixel positions, clamped to its edge; (..., C)."""
    h, w = image.shape[:2]
    r = np.clip(rows, 0, h - 1.001)
    c = np.clip(cols, 0, w - 1.001)
    r0, c0 = r.astype(np.int64), c.astype(np.int64)
    tr, tc = (r - r0)[..., None], (c - c0)[..., None]
    top = image[r0, c0] * (1 - tc) + image[r0, c0 + 1] * tc
    bottom = image[r0 + 1, c0] * (1 - tc) + image[r0 + 1, c0 + 1] * tc
    out: F32 = (top * (1 - tr) + bottom * tr).astype(np.float32)
    return out


# -- signed distances in the body frame (metres, negative inside) ------------------------------------------


def _box(u: F32, v: F32, box: tuple[float, float, float, float], r: float) -> F32:
    x0, y0, x1, y1 = box
    qx = np.abs(u - (x0 + x1) / 2) - (x1 - x0) / 2 + r
    qy = np.abs(v - (y0 + y1) / 2) - (y1 - y0) / 2 + r
    d: F32 = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) + np.minimum(np.maximum(qx, qy), 0) - r
    return d


def _capsule(u: F32, v: F32, a: tuple[float, float], b: tuple[float, float], r: float) -> F32:
    ex, ey = b[0] - a[0], b[1] - a[1]
    t = np.clip(((u - a[0]) * ex + (v - a[1]) * ey) / (ex * ex + ey * ey), 0, 1)
    d: F32 = np.hypot(u - a[0] - t * ex, v - a[1] - t * ey) - r
    return d


def _ellipse(u: F32, v: F32, cx: float, cy: float, ax: float, ay: float) -> tuple[F32, F32]:
    """Approximate distance to an ellipse, and the normalized radius (1 on the ellipse)."""
    q = np.hypot((u - cx) / ax, (v - cy) / ay)
    return (q - 1) * min(ax, ay), q


# -- the sprite ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sprite:
    data: F32  # (rows, cols, CHANNELS)
    dist: F32  # (rows, cols) the distance channel again, contiguous, to be sampled on its own
    u0: float  # body-frame u of the left edge (m)
    v1: float  # body-frame v of the top edge (m)
    ppm: float  # sprite pixels per metre
    half: tuple[float, float]  # half width and half height of what is drawn, margin included (m)

    @property
    def rows(self) -> int:
        return int(self.data.shape[0])

    @property
    def cols(self) -> int:
        return int(self.data.shape[1])


class _Canvas:
    """Layers painted back to front in the body frame."""

    def __init__(self, u: F32, v: F32, ppm: float) -> None:
        self.u, self.v, self.ppm = u, v, ppm
        shape = u.shape
        self.albedo = np.zeros((*shape, 3), dtype=np.float32)
        self.dist = np.full(shape, np.inf, dtype=np.float32)
        self.nx = np.zeros(shape, dtype=np.float32)
        self.ny = np.zeros(shape, dtype=np.float32)
        self.paint = np.zeros(shape, dtype=np.float32)
        self.cover = np.zeros(shape, dtype=np.float32)  # of all parts: the channels above are weighted by it

    def put(self, d: F32, colour: Colour, height: F32, paint: float = 1.0) -> None:
        """Paint a part with signed distance `d` and surface `height` (m toward the camera) over what is there."""
        cover = np.clip(0.5 - d * self.ppm, 0, 1)  # (rows, cols), anti-aliased at sprite resolution
        gy, gx = np.gradient(height, 1.0 / self.ppm)  # rows run down, so d/dv = -gy
        nz = 1.0 / np.sqrt(1.0 + gx * gx + gy * gy)
        for have, new in ((self.nx, -gx * nz), (self.ny, gy * nz), (self.paint, np.float32(paint)),
                          (self.cover, np.float32(1.0))):
            have += (new - have) * cover
        self.albedo += (np.broadcast_to(colour, self.albedo.shape) - self.albedo) * cover[..., None]
        np.minimum(self.dist, d, out=self.dist)

    def channels(self) -> F32:
        """Albedo, normals and paint (rows, cols, 6), no longer weighted by coverage, and carried BLEED pixels
        out past the outline: a sample straddling the edge then mixes the figure's own colours, not black."""
        stack = np.concatenate([self.albedo, self.nx[..., None], self.ny[..., None], self.paint[..., None]], axis=-1)
        have = self.cover > 1e-3
        stack[have] /= self.cover[have][:, None]
        for _ in range(BLEED):
            total = np.zeros_like(stack)
            count = np.zeros(have.shape, dtype=np.float32)
            for shift, axis in ((1, 0), (-1, 0), (1, 1), (-1, 1)):
                total += np.roll(stack * have[..., None], shift, axis=axis)
                count += np.roll(have, shift, axis=axis)
            fill = ~have & (count > 0)
            stack[fill] = total[fill] / count[fill][:, None]
            have = have | fill
        return stack

    def part(self, d: F32, colour: Colour, bevel: float, across: tuple[float, float] | None = None) -> None:
        """A part rounded like a tube or pillow: a circular profile of radius `bevel` from its outline inward.
        `across` (centre u, half width) makes it an upright cylinder instead, its ends rounded by `bevel`."""
        depth = np.minimum(-d, bevel)
        height = np.sqrt(np.clip(bevel * bevel - (bevel - depth) ** 2, 0, None))
        if across is not None:
            cu, half = across
            height = np.minimum(height * half / bevel, np.sqrt(np.clip(half * half - (self.u - cu) ** 2, 0, None)))
        self.put(d, colour, height)


def _head(c: _Canvas, parts: FigureLayout, face: F32 | None, skin: F32) -> None:
    """The head: an ellipsoid showing the face crop, or a plain face with two eyes and a mouth."""
    cx, cy, ax, ay = parts.head
    d, q = _ellipse(c.u, c.v, cx, cy, ax, ay)
    height = ax * np.sqrt(np.clip(1 - q * q, 0, 1))
    if face is None:
        colour = np.broadcast_to(skin, (*c.u.shape, 3)).copy()
        for side in (-1.0, 1.0):
            eye, _ = _ellipse(c.u, c.v, cx + side * 0.36 * ax, cy + 0.1 * ay, 0.09 * ax, 0.11 * ay)
            colour[eye < 0] = (0.18, 0.16, 0.16)
        mouth = _capsule(c.u, c.v, (cx - 0.25 * ax, cy - 0.45 * ay), (cx + 0.25 * ax, cy - 0.45 * ay), 0.03 * ay)
        colour[mouth < 0] = (0.5, 0.32, 0.3)
        c.put(d, colour, height)
        return
    n = face.shape[0]
    px = n * FACE_SPAN / (2 * ay)  # crop pixels per metre
    # Near the rim the photo's colours are carried outward along rays, so that whatever lies outside the face
    # in the chip (the background beside the ears) never shows: the head's edge is its own hair and skin.
    pull = np.minimum(1.0, RIM / np.maximum(q, 1e-6))
    rows = (cy - c.v) * pull * px + n * FACE_CENTRE - 0.5
    cols = (c.u - cx) * pull * px + n / 2 - 0.5
    c.put(d, _bilinear(face, rows, cols), height, paint=FACE_PAINT)


def _hat(c: _Canvas, parts: FigureLayout, hat: F32) -> None:
    """A cap over the top of the head: a dome and, in front, a brim."""
    cx, cy, ax, ay = parts.head
    line = cy + 0.3 * ay
    dome, q = _ellipse(c.u, c.v, cx, cy, ax * 1.06, ay * 1.04)
    c.put(np.maximum(dome, line - c.v), hat, ax * np.sqrt(np.clip(1 - q * q, 0, 1)))
    visor, _ = _ellipse(c.u, c.v, cx, line, ax * 0.86, 0.18 * ay)  # seen from the front: its lower half
    c.part(np.maximum(visor, c.v - line), hat * 0.8, 0.06 * ay)


def build_sprite(spec: ObjectSpec, face: F32 | None, look: Look, ppm: float) -> Sprite:
    """Paint figure `spec` at `ppm` sprite pixels per metre (capped at MAX_SPRITE along its height)."""
    assert spec.figure is not None, "only figures have sprites"
    w, h = silhouette(spec)
    ppm = float(np.clip(ppm, MIN_PPM, MAX_SPRITE / h))
    pad = MARGIN_PX / ppm
    cols, rows = math.ceil((w + 2 * pad) * ppm), math.ceil((h + 2 * pad) * ppm)
    u0, v1 = -cols / ppm / 2, rows / ppm / 2
    u = (u0 + (np.arange(cols, dtype=np.float32) + 0.5) / ppm)[None, :].repeat(rows, axis=0)  # (rows, cols)
    v = (v1 - (np.arange(rows, dtype=np.float32) + 0.5) / ppm)[:, None].repeat(cols, axis=1)
    c = _Canvas(u, v, ppm)
    fig = spec.figure
    parts = figure_layout(h, fig.kind == "character")
    top = np.asarray(spec.rgb, dtype=np.float32) / 255
    legs = np.asarray(fig.legs, dtype=np.float32) / 255
    skin = skin_tone(face) if face is not None else np.asarray(NEUTRAL_SKIN, dtype=np.float32)
    for leg in parts.legs:
        width = leg[2] - leg[0]
        shod = (v < -h / 2 + 0.06 * h)[..., None] if fig.kind == "person" else np.zeros((*u.shape, 1), dtype=bool)
        c.part(_box(u, v, leg, 0.3 * width), np.where(shod, np.asarray(SHOES, dtype=np.float32), legs),
               0.3 * width, across=((leg[0] + leg[2]) / 2, width / 2))
    trunk = parts.trunk
    c.part(_box(u, v, trunk, parts.round), top, parts.round, across=(0.0, (trunk[2] - trunk[0]) / 2))
    for shoulder, hand in parts.arms:
        c.part(_capsule(u, v, shoulder, hand, parts.limb), top, parts.limb)
        c.part(np.hypot(u - hand[0], v - hand[1]) - parts.hand, skin, parts.hand)
    if parts.neck is not None:
        half = (parts.neck[2] - parts.neck[0]) / 2
        c.part(_box(u, v, parts.neck, 0.01 * h), skin, 0.01 * h, across=(0.0, half))
    if fig.neck is not None:
        band = parts.band
        c.part(_box(u, v, band, 0.4 * (band[3] - band[1])), np.asarray(fig.neck, dtype=np.float32) / 255,
               (band[3] - band[1]) / 2)
    _head(c, parts, face, skin)
    if fig.hat is not None:
        _hat(c, parts, np.asarray(fig.hat, dtype=np.float32) / 255)
    bled = c.channels()  # (rows, cols, 6)
    albedo = grade(np.clip(bled[..., :3], 0, 1), look)
    data = np.concatenate([albedo, c.dist[..., None], bled[..., 3:]], axis=-1).astype(np.float32)
    return Sprite(data, np.ascontiguousarray(data[..., 3]), u0, v1, ppm, (cols / ppm / 2, rows / ppm / 2))


def _coords(sprite: Sprite, u: F32, v: F32) -> tuple[F32, F32]:
    """Fractional sprite column and row of body-frame points."""
    return (u - sprite.u0) * sprite.ppm - 0.5, (sprite.v1 - v) * sprite.ppm - 0.5


def _outside(sprite: Sprite, fx: F32, fy: F32) -> F32:
    """How far (m) points lie outside the sprite, so that a distance sampled at its edge keeps growing and
    glows and outlines fade as they should."""
    over_x = np.maximum(np.maximum(-fx, fx - (sprite.cols - 1)), 0)
    over_y = np.maximum(np.maximum(-fy, fy - (sprite.rows - 1)), 0)
    out: F32 = np.hypot(over_x, over_y) / sprite.ppm
    return out


def sample(sprite: Sprite, u: F32, v: F32) -> tuple[npt.NDArray[np.bool_], F32, F32]:
    """The sprite at body-frame points (u, v) (h, w each), only where they fall on it (a turned figure fills
    part of its window): which points do (h, w), their channels (N, CHANNELS), and every point's distance to
    the outline (h, w). The distance is bilinear, for a smooth edge; the rest is the nearest sprite pixel, which
    at SPRITE_OVERSAMPLE is within half a screen pixel (a turned figure is a falling one: nobody sees more)."""
    fx, fy = _coords(sprite, u, v)
    inside = (fx > -0.5) & (fx < sprite.cols - 0.5) & (fy > -0.5) & (fy < sprite.rows - 0.5)
    px, py = fx[inside], fy[inside]  # (N,)
    nearest = np.clip(np.rint(py), 0, sprite.rows - 1).astype(np.int64) * sprite.cols + np.clip(
        np.rint(px), 0, sprite.cols - 1).astype(np.int64)
    texels: F32 = np.take(sprite.data.reshape(-1, CHANNELS), nearest, axis=0)  # np.take: faster than [...]
    x0 = np.clip(np.floor(px), 0, sprite.cols - 2).astype(np.int64)
    y0 = np.clip(np.floor(py), 0, sprite.rows - 2).astype(np.int64)
    tx, ty = np.clip(px - x0, 0, 1), np.clip(py - y0, 0, 1)
    flat = sprite.dist.reshape(-1)
    idx = y0 * sprite.cols + x0
    top = flat.take(idx) * (1 - tx) + flat.take(idx + 1) * tx
    bottom = flat.take(idx + sprite.cols) * (1 - tx) + flat.take(idx + sprite.cols + 1) * tx
    dist = np.empty(fx.shape, dtype=np.float32)
    dist[inside] = top * (1 - ty) + bottom * ty
    off = ~inside  # at least the sprite's margin from the outline, and further the further off it is
    dist[off] = MARGIN_PX / sprite.ppm + _outside(sprite, fx[off], fy[off])
    texels[:, 3] = dist[inside]
    return inside, texels, dist


def sample_upright(sprite: Sprite, channels: F32, u: F32, v: F32) -> F32:
    """`sample` for a figure standing straight, whose columns are body-frame `u` (w,) and rows `v` (h,): one
    axis at a time, over only the sprite columns the window needs; (h, w, C)."""
    fx, fy = _coords(sprite, u, v)
    x0 = np.clip(np.floor(fx), 0, sprite.cols - 2).astype(np.int64)
    y0 = np.clip(np.floor(fy), 0, sprite.rows - 2).astype(np.int64)
    tx = np.clip(fx - x0, 0, 1)[None, :, None].astype(np.float32)
    ty = np.clip(fy - y0, 0, 1)[:, None, None].astype(np.float32)
    first, last = int(x0.min()), int(x0.max()) + 2
    band = channels[:, first:last]  # (rows, k, C)
    above, below = np.take(band, y0, axis=0), np.take(band, y0 + 1, axis=0)
    rows = above + (below - above) * ty  # (h, k, C)
    left, right = np.take(rows, x0 - first, axis=1), np.take(rows, x0 - first + 1, axis=1)
    out: F32 = left + (right - left) * tx
    out[..., 3] += _outside(sprite, fx[None, :], fy[:, None])
    return out
