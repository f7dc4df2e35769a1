"""Blobs: connected pieces of a planned colour (or, in noir, of change against the background) in each
frame, with gaps closed, holes filled, painted bands joined and scenery left out."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from kinora.world.evaluate.common import U8, Mask
from kinora.world.evaluate.scene import Scene, Segment, _min_area


@dataclass
class Blob:
    frame: int
    cls: int
    area: int
    cx: float
    cy: float
    box: tuple[int, int, int, int]  # y0, x0, y1, x1 (exclusive)
    border: bool
    mask: Mask  # filled, inside the box

    @property
    def size(self) -> float:
        return 2.0 * math.sqrt(self.area / math.pi)


def _blobs(scene: Scene, mask: Mask, frame: int, cls: int) -> list[Blob]:
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return []
    cols = np.flatnonzero(mask.any(axis=0))
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    # Texture (wood grain, a painted band) and highlights break an object's colour into pieces and
    # holes; closing gaps of up to 4 px and filling holes puts it back together.
    padded = np.pad(mask[r0:r1, c0:c1], 2)
    closed = ndimage.binary_closing(padded, structure=np.ones((3, 3), dtype=bool), iterations=2)[2:-2, 2:-2]
    crop = ndimage.binary_fill_holes(closed)
    lab, n = ndimage.label(crop, structure=np.ones((3, 3)))
    if n == 0:
        return []
    ys, xs = np.nonzero(lab)
    ids = lab[ys, xs]
    areas = np.bincount(ids, minlength=n + 1)
    sy = np.bincount(ids, weights=ys, minlength=n + 1)
    sx = np.bincount(ids, weights=xs, minlength=n + 1)
    h, w = mask.shape
    out = []
    for i, sl in enumerate(ndimage.find_objects(lab), start=1):
        area = int(areas[i])
        if area < _min_area(scene) or area > 0.4 * h * w or sl is None:
            continue
        y0, y1 = sl[0].start + r0, sl[0].stop + r0
        x0, x1 = sl[1].start + c0, sl[1].stop + c0
        if (x0 == 0 and x1 == w) or (y0 == 0 and y1 == h):
            continue  # spans the frame: scenery
        if area < 1.5 * max(y1 - y0, x1 - x0):
            continue  # a line a pixel thick: an edge or a seam, not a body
        out.append(
            Blob(
                frame=frame,
                cls=cls,
                area=area,
                cx=float(sx[i] / area) + c0,
                cy=float(sy[i] / area) + r0,
                box=(y0, x0, y1, x1),
                border=y0 == 0 or x0 == 0 or y1 == h or x1 == w,
                mask=np.asarray(lab[sl] == i),
            )
        )
    return out


def _detect_all(scene: Scene) -> list[list[Blob]]:
    """Blobs of every frame, all colours together."""
    out: list[list[Blob]] = []
    for seg in scene.segments:
        for t in range(seg.start, seg.end):
            out.append(_detect_frame(scene, seg, t))
    return out


def _detect_frame(scene: Scene, seg: Segment, t: int) -> list[Blob]:
    frame = scene.frames[t]
    if scene.noir:
        if seg.background is None:
            return []
        refs = [seg.background, *(seg.ends or ())]
        changed = np.zeros(frame.shape[:2], dtype=bool)
        for ref in refs:
            changed |= _foreground(frame, ref, seg.noise)
        # Kept if its outline is new against some background: a ghost (where an object rests at
        # another time) has its outline in that background and none in the frame.
        return [b for b in _blobs(scene, changed, t, 0) if any(_new_outline(frame, ref, b) for ref in refs)]
    labels = scene.label(frame)
    blobs: list[Blob] = []
    for cls in sorted({g.cls for g in scene.groups}):
        mask = labels == cls
        scenery = seg.scenery.get(cls)
        if scenery is None or seg.background is None:
            blobs.extend(_blobs(scene, mask, t, cls))
            continue
        # Where the background itself has this colour, only pixels that changed (and not merely by
        # falling into a shadow) can be an object.
        ys, xs = np.nonzero(mask & scenery)
        mask[ys, xs] = _changed(frame[ys, xs], seg.background[ys, xs], seg.noise)
        found = _blobs(scene, mask, t, cls)
        blobs.extend(b for b in found if not _on(scenery, b) or _new_outline(frame, seg.background, b))
    return _join_pieces(blobs)


def _join_pieces(blobs: list[Blob]) -> list[Blob]:
    """Put back objects that a painted band cut in two (a bowling pin's red neck stripes): a small piece
    (under 30% of the area) right above or below a larger blob of its class, within a few pixels and
    over it, belongs to it. Like objects are of like size, so two stacked objects stay apart."""
    out = sorted(blobs, key=lambda b: -b.area)
    k = 0
    while k < len(out):
        big = out[k]
        for piece in out[k + 1 :]:
            if piece.cls == big.cls and piece.area < 0.3 * big.area and _stacked_near(big, piece):
                out[k] = big = _merged(big, piece)
                out.remove(piece)
        k += 1
    return out


def _stacked_near(big: Blob, piece: Blob) -> bool:
    y0, x0, y1, x1 = big.box
    py0, px0, py1, px1 = piece.box
    gap = max(py0 - y1, y0 - py1)
    overlap = min(x1, px1) - max(x0, px0)
    return 0 <= gap <= max(3.0, 0.25 * (y1 - y0)) and overlap >= 0.6 * (px1 - px0)


def _merged(a: Blob, b: Blob) -> Blob:
    """One blob from two, the gap between them filled straight up and down (a neck between head and body)."""
    y0, x0 = min(a.box[0], b.box[0]), min(a.box[1], b.box[1])
    y1, x1 = max(a.box[2], b.box[2]), max(a.box[3], b.box[3])
    mask = np.zeros((y1 - y0, x1 - x0), dtype=bool)
    for blob in (a, b):
        by0, bx0, by1, bx1 = blob.box
        mask[by0 - y0 : by1 - y0, bx0 - x0 : bx1 - x0] |= blob.mask
    gap = max(a.box[0] - b.box[2], b.box[0] - a.box[2], 0)
    mask = ndimage.binary_closing(np.pad(mask, gap + 2), structure=np.ones((gap + 3, 1), dtype=bool))
    mask = np.asarray(mask[gap + 2 : -gap - 2, gap + 2 : -gap - 2])
    area = int(mask.sum())
    ys, xs = np.nonzero(mask)
    return Blob(
        frame=a.frame, cls=a.cls, area=area, cx=float(xs.mean()) + x0, cy=float(ys.mean()) + y0,
        box=(y0, x0, y1, x1), border=a.border or b.border, mask=mask,
    )


def _changed(pixels: U8, background: U8, noise: float) -> Mask:
    """Per pixel (N, 3): differs from the background by more than noise, and not as a shadow does
    (every channel scaled down by about the same factor)."""
    f = pixels.astype(np.float32)
    b = background.astype(np.float32)
    differs = np.abs(f - b).max(axis=1) > max(18.0, 5.0 * noise)
    ratio = (f + 1.0) / (b + 1.0)
    hi, lo = ratio.max(axis=1), ratio.min(axis=1)
    shadow = (hi < 0.97) & (lo > 0.3) & (hi - lo < 0.12)
    return np.asarray(differs & ~shadow)


def _on(area: Mask, blob: Blob) -> bool:
    """Whether most of the blob lies in `area`."""
    y0, x0, y1, x1 = blob.box
    return bool(area[y0:y1, x0:x1][blob.mask].mean() > 0.5)


def _foreground(frame: U8, background: U8, noise: float) -> Mask:
    """Pixels that differ from a greyscale background (one channel is enough: noir is grey)."""
    diff = np.abs(frame[..., 1].astype(np.int16) - background[..., 1].astype(np.int16))
    return np.asarray(diff > max(18.0, 5.0 * noise))


def _new_outline(frame: U8, background: U8, blob: Blob) -> bool:
    """Whether the blob's outline is an edge that the background lacks. An object brings its own
    outline; a soft shadow, or the ghost a resting object leaves in the median where it is absent,
    does not (the ghost's outline is in the background instead)."""
    h, w = frame.shape[:2]
    y0, x0, y1, x1 = blob.box
    ya, xa, yb, xb = max(0, y0 - 2), max(0, x0 - 2), min(h, y1 + 2), min(w, x1 + 2)
    mask = np.zeros((yb - ya, xb - xa), dtype=bool)
    mask[y0 - ya : y1 - ya, x0 - xa : x1 - xa] = blob.mask
    ring = ndimage.binary_dilation(mask & ~ndimage.binary_erosion(mask))

    def strength(img: U8) -> float:
        gy, gx = np.gradient(img[ya:yb, xa:xb].astype(np.float32).mean(axis=2))
        return float(np.hypot(gx, gy)[ring].mean())

    return strength(frame) > 2.0 * strength(background) + 6.0
