"""Palettes and lighting per style and environment: the numbers that make a scene look like a place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kinora.world.plan import Environment, Style

RGB = tuple[float, float, float]


@dataclass(frozen=True)
class Look:
    sky_top: RGB  # wall (indoor) or sky (outdoor), top of frame
    sky_low: RGB  # ... at the horizon / wall base
    floor_far: RGB
    floor_near: RGB
    seam: RGB  # planks, tiles, grid lines
    light: RGB  # key light colour
    ambient: float  # share of albedo lit with no direct light
    shadow: float  # shadow opacity
    outline: float  # outline width in px at 720 px short side (0: none)
    bands: int  # cel-shading bands (0: smooth)
    grey: bool
    neon: bool
    vignette: float
    grain: float  # std of film grain, 0..255 units
    saturation: float
    pool: float = 0.2  # strength of the key light's pool on the wall


_SKY = {  # (top, low) for outdoor skies by time of day
    "morning": ((120, 170, 225), (235, 215, 190)),
    "day": ((70, 140, 230), (185, 215, 245)),
    "sunset": ((70, 60, 130), (250, 150, 80)),
    "evening": ((40, 45, 95), (150, 110, 130)),
    "night": ((6, 10, 28), (30, 40, 70)),
}
_WALL = {  # (top, low) for indoor walls by time of day
    "morning": ((214, 206, 190), (236, 228, 212)),
    "day": ((208, 204, 196), (232, 228, 220)),
    "sunset": ((190, 150, 120), (225, 185, 150)),
    "evening": ((120, 105, 95), (170, 150, 130)),
    "night": ((45, 48, 62), (80, 80, 95)),
}
_FLOOR = {  # (far, near, seam)
    "wood": ((150, 105, 65), (120, 80, 45), (80, 52, 30)),
    "concrete": ((150, 150, 148), (120, 120, 118), (105, 105, 103)),
    "stone": ((140, 135, 128), (105, 100, 95), (80, 76, 72)),
    "tile": ((215, 215, 210), (190, 190, 186), (150, 150, 146)),
    "marble": ((230, 228, 222), (205, 202, 196), (175, 170, 165)),
    "metal": ((150, 155, 162), (110, 115, 122), (90, 94, 100)),
    "glass": ((190, 210, 215), (160, 185, 190), (140, 160, 165)),
    "carpet": ((120, 60, 60), (95, 45, 45), (85, 40, 40)),
    "grass": ((95, 150, 70), (60, 120, 45), (50, 100, 38)),
    "sand": ((225, 200, 150), (205, 178, 128), (190, 165, 118)),
    "felt": ((40, 110, 60), (30, 90, 48), (26, 80, 42)),
    "rubber": ((60, 60, 64), (45, 45, 48), (35, 35, 38)),
    "plastic": ((200, 200, 205), (175, 175, 180), (150, 150, 155)),
}
_LIGHT = {"morning": (1.0, 0.96, 0.88), "day": (1.0, 1.0, 0.98), "sunset": (1.0, 0.82, 0.62),
          "evening": (0.85, 0.8, 0.9), "night": (0.62, 0.7, 0.95)}
_BRIGHT = {"morning": 1.0, "day": 1.05, "sunset": 0.95, "evening": 0.8, "night": 0.6}


def _f(rgb: tuple[int, int, int]) -> RGB:
    return rgb[0] / 255, rgb[1] / 255, rgb[2] / 255


def look_for(style: Style, env: Environment) -> Look:
    sky = (_SKY if env.setting == "outdoor" else _WALL)[env.time_of_day]
    far, near, seam = _FLOOR[env.floor]
    k = _BRIGHT[env.time_of_day]
    base: dict[str, Any] = dict(
        sky_top=_f(sky[0]), sky_low=_f(sky[1]), floor_far=_mul(_f(far), k), floor_near=_mul(_f(near), k),
        seam=_mul(_f(seam), k), light=_LIGHT[env.time_of_day], ambient=0.42 if k > 0.9 else 0.5,
        shadow=0.55 * k, outline=0.0, bands=0, grey=False, neon=False, vignette=0.22, grain=0.0,
        saturation=1.0,
    )
    if style == "cartoon":
        base |= dict(outline=3.0, bands=2, vignette=0.0, saturation=1.3, ambient=0.6, shadow=0.35)
    elif style == "anime":
        base |= dict(outline=1.6, bands=3, vignette=0.08, saturation=1.15, ambient=0.55, shadow=0.4)
    elif style == "noir":
        # Low key: a dark set lit by one hard pool of light (the pool is drawn by the background).
        base |= dict(sky_top=_mul(base["sky_top"], 0.35), sky_low=_mul(base["sky_low"], 0.5),
                     floor_far=_mul(base["floor_far"], 0.7), floor_near=_mul(base["floor_near"], 0.45),
                     grey=True, vignette=0.55, grain=6.0, ambient=0.28, shadow=0.75, saturation=0.0, pool=0.9)
    elif style == "neon":
        base |= dict(sky_top=(0.02, 0.0, 0.06), sky_low=(0.12, 0.02, 0.2), floor_far=(0.05, 0.02, 0.1),
                     floor_near=(0.02, 0.01, 0.05), seam=(1.0, 0.2, 0.8), neon=True, ambient=0.18,
                     vignette=0.35, shadow=0.6, saturation=1.2)
    return Look(**base)


def _mul(c: RGB, k: float) -> RGB:
    return min(c[0] * k, 1.0), min(c[1] * k, 1.0), min(c[2] * k, 1.0)


def grade(rgb: np.ndarray, look: Look) -> np.ndarray:
    """Saturation and greyscale grading of float RGB in [0, 1], shape (..., 3)."""
    if look.saturation == 1.0:
        return rgb
    luma = rgb @ np.array([0.299, 0.587, 0.114], dtype=rgb.dtype)
    if look.grey:
        # Noir: a contrast S-curve on luminance.
        y = np.clip(luma, 0, 1)
        y = y * y * (3 - 2 * y)
        grey: np.ndarray = np.repeat(y[..., None], 3, axis=-1)
        return grey
    graded: np.ndarray = np.clip(luma[..., None] + (rgb - luma[..., None]) * look.saturation, 0.0, 1.0)
    return graded
