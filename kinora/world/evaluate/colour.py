"""Colour: Lab conversion, a shading-tolerant colour distance, the lookup table that labels every RGB
value with the planned colour it shows, white balance, and the shared class of achromatic colours."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from kinora.world.catalog import COLORS
from kinora.world.evaluate.common import (
    COLOUR_MAX_DIST,
    F64,
    LUT_BITS,
    NEUTRAL_CHROMA,
    NEUTRAL_PIXEL_CHROMA,
    SIBLING_DIST,
    U8,
)
from kinora.world.plan import ScenePlan

_M_RGB_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
_WHITE = np.array([0.95047, 1.0, 1.08883])


def srgb_to_lab(rgb: npt.ArrayLike) -> F64:
    """CIE Lab (D65) of sRGB values in 0..255, shape (..., 3)."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = lin @ _M_RGB_XYZ.T / _WHITE
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    lab = np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)
    return np.asarray(lab, dtype=np.float64)


def _chroma(lab: F64) -> F64:
    """a*, b* divided by (L* + 16): scaling the light scales all three by the same cube root, so this
    stays put across a shaded ball while still telling red from orange."""
    return np.asarray(lab[..., 1:] / (lab[..., :1] + 16.0) * 100.0, dtype=np.float64)


def colour_distance(lab: F64, proto: F64, chroma: F64 | None = None) -> F64:
    """Distance from pixels `lab` (N, 3) to one prototype colour (3,), tolerant of shading: lightness
    counts little, and a change of saturation (a highlight mixing in white, a style's colour grading)
    counts less than a change of hue.
    `chroma` may pass `_chroma(lab)` when it is already known."""
    u = _chroma(lab) if chroma is None else chroma
    p = _chroma(proto[None])[0]
    du = u - p
    norm = float(np.hypot(p[0], p[1]))
    if norm > 20.0:  # chromatic: split into the saturation direction and the hue direction
        r = p / norm
        radial = du @ r
        tangent = du @ np.array([-r[1], r[0]])
        # Grading pushes saturation up (cartoon, neon) and highlights pull it down; hue is what stays.
        radial = np.where(radial < 0, 0.6 * radial, 0.4 * radial)
        d2 = radial**2 + tangent**2 + (0.3 * (lab[:, 0] - proto[0])) ** 2
    else:  # achromatic colours differ only in lightness
        d2 = (du**2).sum(axis=1) + (0.6 * (lab[:, 0] - proto[0])) ** 2
    return np.asarray(np.sqrt(d2), dtype=np.float64)


def colour_lut(
    planned: Sequence[tuple[int, int, int]], gains: tuple[float, float, float] = (1.0, 1.0, 1.0)
) -> npt.NDArray[np.int8]:
    """For every RGB value quantized to LUT_BITS per channel: the index of the planned colour it shows,
    or -1. Catalog colours compete as decoys so that a plank's brown is not taken for a planned red.
    `gains` (linear light, per channel) white-balance the pixels first, as an eye adapts to sunset."""
    return _colour_lut(tuple((int(r), int(g), int(b)) for r, g, b in planned), gains)


def _to_linear(srgb: F64) -> F64:
    c = srgb / 255.0
    return np.asarray(np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4), dtype=np.float64)


def _to_srgb(linear: F64) -> F64:
    c = np.clip(linear, 0.0, 1.0)
    return np.asarray(
        255.0 * np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055), dtype=np.float64
    )


def white_gains(frames: U8) -> tuple[float, float, float]:
    """Per-channel gains (linear light) that make the scene's brightest surfaces neutral, from the
    median of a few frames (moving objects drop out). Capped at 1.8, and 1 when the cast is faint."""
    pick = np.unique(np.linspace(0, len(frames) - 1, min(len(frames), 9)).round().astype(int))
    still = np.median(frames[pick][:, ::4, ::4], axis=0).reshape(-1, 3)
    white = _to_linear(np.percentile(still, 99, axis=0))
    gains = np.clip(white.max() / np.maximum(white, 1e-3), 1.0, 1.8)
    if float(gains.max()) < 1.06:
        return (1.0, 1.0, 1.0)
    r, g, b = (round(float(v) / 0.02) * 0.02 for v in gains)
    return (r, g, b)


# Light colour by time of day (linear RGB, roughly 5000 K morning, 3500 K sunset, moonlight at night).
_DAYLIGHT = {
    "morning": (1.0, 0.96, 0.88),
    "day": (1.0, 1.0, 1.0),
    "sunset": (1.0, 0.82, 0.62),
    "evening": (0.85, 0.8, 0.9),
    "night": (0.62, 0.7, 0.95),
}


def _choose_gains(
    frames: U8, colours: list[tuple[int, int, int]], plan: ScenePlan
) -> tuple[float, float, float]:
    """White balance: none, the plan's time of day, or the scene's brightest surfaces, whichever shows
    the planned colours on the most object-sized pixels in a few frames (a rival must beat neutral
    clearly). One gain serves the whole scene, and areas the size of a floor or wall do not count, so
    bending the light cannot turn the scenery into an object."""
    neutral = (1.0, 1.0, 1.0)
    if plan.style in ("neon", "noir"):  # a coloured glow or grey is the style, not a cast to correct
        return neutral
    tint = np.array(_DAYLIGHT[plan.environment.time_of_day])
    r, g, b = (round(float(v) / 0.02) * 0.02 for v in tint.max() / tint)
    candidates = list(dict.fromkeys([neutral, (r, g, b), white_gains(frames)]))
    if len(candidates) == 1:
        return neutral
    pick = np.unique(np.linspace(0, len(frames) - 1, min(len(frames), 5)).round().astype(int))
    index = _lut_index(frames[pick][:, ::2, ::2])
    scores = [_object_pixels(colour_lut(colours, gains)[index], len(colours)) for gains in candidates]
    best = int(np.argmax(scores))
    return candidates[best] if scores[best] > scores[0] + 0.3 else neutral


def _object_pixels(labels: npt.NDArray[np.int8], n: int) -> float:
    """Sum over colours of log(1 + pixels in object-sized pieces of that colour)."""
    t, h, w = labels.shape
    total = 0.0
    for cls in range(n):
        count = 0
        for frame in labels:
            lab, k = ndimage.label(frame == cls)
            if k == 0:
                continue
            areas = np.bincount(lab.ravel())[1:]
            count += int(areas[(areas >= 3) & (areas < 0.02 * h * w)].sum())
        total += math.log1p(count)
    return total


@functools.lru_cache(maxsize=8)
def _colour_lut(
    planned: tuple[tuple[int, int, int], ...], gains: tuple[float, float, float]
) -> npt.NDArray[np.int8]:
    levels = 1 << LUT_BITS
    step = 256 // levels
    q = np.arange(levels) * step + step / 2 - 0.5
    grid = np.stack(np.meshgrid(q, q, q, indexing="ij"), -1).reshape(-1, 3)
    if gains != (1.0, 1.0, 1.0):
        grid = _to_srgb(_to_linear(grid) * np.array(gains))
    lab = srgb_to_lab(grid)
    chroma = _chroma(lab)
    protos = [srgb_to_lab(np.array(c, dtype=np.float64)) for c in planned]
    any_neutral = any(_is_neutral(p) for p in protos)
    decoys = []
    for rgb in COLORS.values():
        # A catalog colour that is a planned one in other light (navy for blue, silver for white)
        # would steal its shaded or saturated pixels, so it is no decoy; with an achromatic colour
        # planned, no grey is a decoy, as shading turns white into silver and grey.
        p = srgb_to_lab(np.array(rgb, dtype=np.float64))
        if any_neutral and _is_neutral(p):
            continue
        if all(float(colour_distance(p[None], q_)[0]) > SIBLING_DIST for q_ in protos):
            decoys.append(p)
    best = np.full(len(lab), np.inf)
    nearest = np.full(len(lab), -1, dtype=np.int64)
    for i, p in enumerate(protos + decoys):
        d = colour_distance(lab, p, chroma)
        closer = d < best
        best = np.where(closer, d, best)
        nearest = np.where(closer, i, nearest)
    lut = np.where((nearest < len(protos)) & (best < COLOUR_MAX_DIST), nearest, -1)
    # Below L* ~10 the chroma of an 8-bit pixel is mostly noise; only dark planned colours live there.
    dark_ok = np.array([min(10.0, 0.4 * float(p[0])) for p in protos] + [0.0])
    lut = np.where(lab[:, 0] >= dark_ok[np.where(lut >= 0, lut, len(protos))], lut, -1)
    lut = _neutral_pixels(lut, lab, chroma, protos)
    out = lut.astype(np.int8)
    out.flags.writeable = False
    return out


def _is_neutral(lab: F64) -> bool:
    """Whether a Lab colour is achromatic (white, silver, grey, black): hue means nothing there."""
    return float(np.hypot(*_chroma(lab[None])[0])) < NEUTRAL_CHROMA


def _neutral_pixels(lut: npt.NDArray[np.int64], lab: F64, chroma: F64, protos: list[F64]) -> npt.NDArray[np.int64]:
    """All achromatic planned colours share one class (the first one's index): shading turns a white pin
    silver and a silver ball grey, so lightness cannot tell them apart pixel by pixel; blobs of the
    class are told apart later by shape and lightness. A grey pixel joins it at any shade from well
    below the darkest planned grey (the side away from the light) up to white (highlights)."""
    neutral = [i for i, p in enumerate(protos) if _is_neutral(p)]
    if not neutral:
        return lut
    lightness = [float(protos[i][0]) for i in neutral]
    low = max(3.0, 0.4 * min(lightness) - 4.0)
    high = min(100.0, max(lightness) + 40.0)
    grey = (np.hypot(chroma[:, 0], chroma[:, 1]) < NEUTRAL_PIXEL_CHROMA) & (lab[:, 0] >= low) & (lab[:, 0] <= high)
    taken = np.isin(lut, neutral)
    return np.asarray(np.where((lut < 0) & grey | taken, neutral[0], lut), dtype=np.int64)


def _lut_index(rgb: U8) -> npt.NDArray[np.intp]:
    shift = 8 - LUT_BITS
    r = (rgb[..., 0] >> shift).astype(np.intp)
    g = (rgb[..., 1] >> shift).astype(np.intp)
    b = (rgb[..., 2] >> shift).astype(np.intp)
    return np.asarray((r << (2 * LUT_BITS)) | (g << LUT_BITS) | b, dtype=np.intp)
