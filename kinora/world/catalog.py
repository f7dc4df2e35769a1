"""What the world is made of: object kinds, materials and colours, shared by parser, simulator,
renderer and foley so that a word means the same thing everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Shape = Literal["circle", "box", "pin", "bowl", "car", "figure"]


@dataclass(frozen=True)
class Kind:
    name: str
    shape: Shape
    size: float  # metres: diameter for circles, height for boxes and pins, width for bowls and cars
    aspect: float  # width / height of the side-view silhouette
    material: str  # default material
    words: tuple[str, ...]  # singular forms the parser recognizes (plurals are derived)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("ball", "circle", 0.22, 1.0, "rubber", ("ball", "sphere", "orb")),
        Kind("marble", "circle", 0.05, 1.0, "glass", ("marble",)),
        Kind("cube", "box", 0.20, 1.0, "wood", ("cube", "box", "crate", "die", "dice")),
        Kind("block", "box", 0.12, 2.0, "wood", ("block", "brick")),
        Kind("domino", "box", 0.20, 0.22, "plastic", ("domino", "tile")),
        Kind("pin", "pin", 0.38, 0.32, "wood", ("bowling pin", "pin", "skittle")),
        Kind("plank", "box", 0.04, 12.0, "wood", ("plank", "board", "beam")),
        Kind("can", "box", 0.16, 0.62, "metal", ("can", "cylinder", "tin", "barrel")),
        Kind("bowl", "bowl", 0.30, 2.6, "stone", ("bowl",)),
        Kind("car", "car", 0.36, 2.4, "plastic", ("toy car", "car", "truck")),
        # A cameo standing in the scene (see `figures`): no words, since only an @handle brings one in.
        # Felt: a soft body that thuds when hit and grips the floor, so it stands its ground.
        Kind("figure", "figure", 1.0, 0.5, "felt", ()),
    )
}


@dataclass(frozen=True)
class Material:
    name: str
    density: float  # kg/m^3; mass = density * area * depth (depth = the object's width)
    restitution: float  # bounciness, 0..1
    friction: float
    # Modal sound: partials as ratios of `base_hz` (for a 0.1 m object; pitch scales with 1/size),
    # their decay times in seconds, and how much broadband click sits on top of the tone.
    base_hz: float
    partials: tuple[float, ...]
    decays: tuple[float, ...]
    click: float
    roughness: float  # loudness of rolling/sliding noise
    hardness: float  # 0..1: harder surfaces make shorter contacts, hence brighter impacts


MATERIALS: dict[str, Material] = {
    m.name: m
    for m in (
        Material("rubber", 1100, 0.82, 0.9, 180, (1.0, 1.6, 2.3), (0.05, 0.03, 0.02), 0.5, 0.25, 0.25),
        Material("wood", 650, 0.45, 0.6, 520, (1.0, 2.76, 5.4), (0.09, 0.05, 0.03), 0.6, 0.5, 0.6),
        Material("metal", 7800, 0.35, 0.35, 1450, (1.0, 2.32, 4.25, 6.63), (0.9, 0.6, 0.4, 0.3), 0.2, 0.45, 1.0),
        Material("glass", 2500, 0.55, 0.3, 2300, (1.0, 2.45, 4.1), (0.5, 0.3, 0.2), 0.3, 0.35, 0.95),
        Material("stone", 2600, 0.25, 0.75, 380, (1.0, 1.93, 3.1), (0.07, 0.04, 0.03), 0.9, 0.7, 0.9),
        Material("plastic", 950, 0.5, 0.45, 900, (1.0, 2.1, 3.9), (0.06, 0.035, 0.02), 0.6, 0.4, 0.55),
        Material("felt", 300, 0.1, 0.95, 140, (1.0, 1.5), (0.02, 0.015), 0.15, 0.08, 0.05),
    )
}

# Floors are materials too: what an object hits decides half of the sound.
FLOORS: dict[str, str] = {
    "wood": "wood",
    "concrete": "stone",
    "stone": "stone",
    "tile": "stone",
    "marble": "stone",
    "metal": "metal",
    "glass": "glass",
    "carpet": "felt",
    "grass": "felt",
    "sand": "felt",
    "felt": "felt",
    "rubber": "rubber",
    "plastic": "plastic",
}

COLORS: dict[str, tuple[int, int, int]] = {
    "red": (214, 40, 40),
    "orange": (245, 130, 32),
    "yellow": (250, 210, 40),
    "green": (46, 160, 67),
    "blue": (38, 98, 217),
    "purple": (128, 60, 180),
    "pink": (240, 120, 170),
    "brown": (135, 84, 45),
    "black": (28, 28, 30),
    "white": (238, 238, 235),
    "gray": (128, 128, 132),
    "cyan": (40, 200, 220),
    "magenta": (210, 40, 160),
    "gold": (212, 175, 55),
    "silver": (190, 192, 198),
    "teal": (0, 128, 128),
    "beige": (225, 205, 165),
    "navy": (25, 40, 110),
}
COLOR_ALIASES: dict[str, str] = {"grey": "gray", "violet": "purple", "golden": "gold", "crimson": "red"}


def shade_color(rgb: tuple[int, int, int], modifier: str) -> tuple[int, int, int]:
    """Apply "light" / "dark" to a colour by mixing toward white or black."""
    if modifier == "light":
        return tuple(round(c + (255 - c) * 0.45) for c in rgb)  # type: ignore[return-value]
    if modifier == "dark":
        return tuple(round(c * 0.55) for c in rgb)  # type: ignore[return-value]
    return rgb
