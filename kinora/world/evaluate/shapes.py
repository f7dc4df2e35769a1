"""Shape and kind: a blob's outline measures (fill, aspect, solidity), each catalog kind's prototype
outline, how well an outline matches a kind, and planned silhouette sizes."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage, spatial

from kinora.world.catalog import KINDS, Kind
from kinora.world.evaluate.common import MIN_SHAPE_AREA, Mask
from kinora.world.plan import ObjectSpec


@dataclass(frozen=True)
class Shape:
    fill: float  # area / minimum-area bounding rectangle
    aspect: float  # long side / short side of that rectangle
    solidity: float  # area / convex hull area


def _shape(mask: Mask) -> Shape | None:
    area = int(mask.sum())
    if area < MIN_SHAPE_AREA:
        return None
    edge = mask & ~ndimage.binary_erosion(mask)
    ys, xs = np.nonzero(edge)
    pts = np.stack([xs, ys], axis=1).astype(np.float64)
    try:
        hull = spatial.ConvexHull(pts)
    except (spatial.QhullError, ValueError):
        return None
    verts = pts[hull.vertices]
    best = (math.inf, 1.0, 1.0)
    for i in range(len(verts)):
        dx, dy = verts[(i + 1) % len(verts)] - verts[i]
        angle = math.atan2(dy, dx)
        c, s = math.cos(angle), math.sin(angle)
        rot = verts @ np.array([[c, -s], [s, c]])
        # Pixel centres span one pixel less than the pixels themselves.
        w = float(np.ptp(rot[:, 0])) + 1.0
        h = float(np.ptp(rot[:, 1])) + 1.0
        if w * h < best[0]:
            best = (w * h, w, h)
    rect, w, h = best
    perimeter = float(np.linalg.norm(np.diff(np.vstack([verts, verts[:1]]), axis=0), axis=1).sum())
    hull_area = float(hull.volume) + perimeter / 2.0 + 1.0  # grow the centre hull by half a pixel
    return Shape(fill=area / rect, aspect=max(w, h) / min(w, h), solidity=min(1.0, area / hull_area))


def _prototype(kind: Kind) -> Shape:
    aspect = max(kind.aspect, 1.0 / kind.aspect)
    if kind.shape == "circle":
        return Shape(math.pi / 4, 1.0, 1.0)
    if kind.shape == "box":
        return Shape(1.0, aspect, 1.0)
    # Silhouettes the catalog only names: rough guesses, so they match loosely.
    fill, solidity = {"pin": (0.62, 0.85), "bowl": (0.70, 0.90), "car": (0.75, 0.90), "figure": (0.7, 0.8)}[kind.shape]
    return Shape(fill, aspect, solidity)


def _shape_distance(a: Shape, b: Shape) -> float:
    return (
        abs(a.fill - b.fill) / 0.07
        + abs(math.log(a.aspect / b.aspect)) / 0.25
        + abs(a.solidity - b.solidity) / 0.08
    )


# What an outline may be explained as: cameo figures are no prompt's objects, and their outline would
# steal matches from pins.
OUTLINE_KINDS = tuple(k for k, kind in KINDS.items() if kind.shape != "figure")


def _nearest_kind(shape: Shape) -> str:
    return min(OUTLINE_KINDS, key=lambda k: _shape_distance(shape, _prototype(KINDS[k])))


def _kind_match(shape: Shape | None, kind: str) -> float:
    """1 when `kind` is (nearly) the best catalog explanation of the outline, 0.5 when only its shape
    family agrees, 0 otherwise; None-shapes (too small to judge) are given the benefit of the doubt."""
    if shape is None:
        return 1.0
    dists = {k: _shape_distance(shape, _prototype(KINDS[k])) for k in dict.fromkeys((*OUTLINE_KINDS, kind))}
    best = min(dists.values())
    if dists[kind] <= best + 1.0:
        return 1.0
    nearest = min(dists, key=lambda k: dists[k])
    return 0.5 if KINDS[nearest].shape == KINDS[kind].shape else 0.0


def _planned_area(spec: ObjectSpec) -> float:
    """Silhouette area in m^2: size is the diameter of circles, the height of boxes and pins, and the
    width of bowls and cars; aspect is width / height."""
    w, h = _extent(spec)
    return _prototype(KINDS[spec.kind]).fill * w * h


def _extent(spec: ObjectSpec) -> tuple[float, float]:
    """Planned silhouette width and height in metres (see _planned_area)."""
    kind = KINDS[spec.kind]
    if kind.shape in ("bowl", "car"):
        return spec.size, spec.size / kind.aspect
    return spec.size * kind.aspect, spec.size
