"""The scene as analysed: planned colour groups, the segments a clip is cut into (shot starts, cuts,
settled tails), whether each is still (and its median background) or sliding, and the background
areas of a planned colour that are scenery rather than objects."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from kinora.media.probe import DecodedMedia
from kinora.world.evaluate.camera import _camera_shift
from kinora.world.evaluate.colour import (
    _choose_gains,
    _is_neutral,
    _lut_index,
    _to_linear,
    _to_srgb,
    colour_distance,
    colour_lut,
    srgb_to_lab,
)
from kinora.world.evaluate.common import F64, STILL_TAIL_MIN, STRICT_DIST, U8, Mask
from kinora.world.plan import ObjectSpec, ScenePlan


@dataclass(frozen=True)
class Group:
    kind: str
    color: str
    rgb: tuple[int, int, int]
    cls: int  # colour class (index into Scene.colours); 0 for everything in noir
    specs: tuple[ObjectSpec, ...]


@dataclass
class Segment:
    start: int
    end: int  # exclusive
    static: bool
    background: U8 | None = None
    noise: float = 0.0
    scenery: dict[int, Mask] = field(default_factory=dict)  # per colour: background areas of that colour
    shift: F64 | None = None  # (frames, 2): how far the picture slid (x, y px) in pans and follows
    scale: float | None = None  # px per metre, from objects that look like their planned kind
    ends: tuple[U8, U8] | None = None  # noir: median backgrounds of the first and last third

    @property
    def measurable(self) -> bool:
        """Whether image motion is world motion (after undoing a slide): static, panning or following."""
        return self.static or self.shift is not None

    def undo_shift(self, frame: int, x: float, y: float) -> tuple[float, float]:
        if self.shift is None:
            return x, y
        dx, dy = self.shift[frame - self.start]
        return x - float(dx), y - float(dy)


@dataclass
class Scene:
    plan: ScenePlan
    frames: U8
    times: F64
    fps: float
    source_size: tuple[int, int]
    colours: list[tuple[int, int, int]]
    groups: list[Group]
    lut: npt.NDArray[np.int8]
    noir: bool
    segments: list[Segment]
    gains: tuple[float, float, float] = (1.0, 1.0, 1.0)  # the white balance the colour table uses

    @property
    def area(self) -> int:
        return int(self.frames.shape[1] * self.frames.shape[2])

    @staticmethod
    def build(media: DecodedMedia, plan: ScenePlan) -> Scene:
        noir = plan.style == "noir"
        colours: list[tuple[int, int, int]] = []
        by_key: dict[tuple[str, tuple[int, int, int]], list[ObjectSpec]] = {}
        for obj in plan.objects:
            if obj.figure is not None:  # a cameo watching, many-coloured: not one of the objects to score
                continue
            rgb = (int(obj.rgb[0]), int(obj.rgb[1]), int(obj.rgb[2]))
            if rgb not in colours:
                colours.append(rgb)
            by_key.setdefault((obj.kind, rgb), []).append(obj)
        # Achromatic colours share the class of the first of them (see _neutral_pixels).
        labs = [srgb_to_lab(np.array(c, dtype=np.float64)) for c in colours]
        neutral = next((i for i, lab in enumerate(labs) if _is_neutral(lab)), -1)

        def cls_of(rgb: tuple[int, int, int]) -> int:
            i = colours.index(rgb)
            return neutral if _is_neutral(labs[i]) else i

        groups = [
            Group(kind, specs[0].color, rgb, 0 if noir else cls_of(rgb), tuple(specs))
            for (kind, rgb), specs in by_key.items()
        ]
        frames = media.frames
        scene = Scene(
            plan=plan,
            frames=frames,
            times=media.frame_times,
            fps=media.fps or 24.0,
            source_size=(media.width or frames.shape[2], media.height or frames.shape[1]),
            colours=colours,
            groups=groups,
            lut=colour_lut(colours, gains := _choose_gains(frames, colours, plan)),
            noir=noir,
            segments=[],
            gains=gains,
        )
        scene.segments = [_prepare_segment(scene, a, b) for a, b in _segment_bounds(scene)]
        return scene

    def expected(self, cls: int) -> int:
        return sum(len(g.specs) for g in self.groups if g.cls == cls)

    def label(self, rgb: U8) -> npt.NDArray[np.int8]:
        return np.asarray(self.lut[_lut_index(rgb)], dtype=np.int8)


def _thumbs(frames: U8, block: int = 8) -> npt.NDArray[np.float32]:
    """Block means over every other pixel: film grain averages out, camera motion does not."""
    sub = frames[:, ::2, ::2]
    b = max(1, block // 2)
    t, h, w, _ = sub.shape
    hb, wb = h // b, w // b
    small = sub[:, : hb * b, : wb * b].astype(np.float32)
    return np.asarray(small.reshape(t, hb, b, wb, b, 3).mean(axis=(2, 4)), dtype=np.float32)


def _segment_bounds(scene: Scene) -> list[tuple[int, int]]:
    """Planned shot starts plus visible cuts (a learned model may cut elsewhere than asked)."""
    n = len(scene.frames)
    cuts = {0}
    duration = n / scene.fps
    for shot in scene.plan.shots[1:]:
        cuts.add(int(np.searchsorted(scene.times, shot.start * duration - 0.5 / scene.fps)))
    if n > 2:
        # A cut changes most of the picture at once; a moving object, however close, only part of it.
        thumbs = _thumbs(scene.frames, 16)
        changed = (np.abs(np.diff(thumbs, axis=0)).max(axis=3) > 12.0).mean(axis=(1, 2))
        cuts.update(int(i) + 1 for i in np.flatnonzero(changed > 0.35))
    ordered = sorted(c for c in cuts if 0 <= c < n)
    merged = [ordered[0]]
    for c in ordered[1:]:
        if c - merged[-1] >= 3:
            merged.append(c)
    out: list[tuple[int, int]] = []
    for a, b in zip(merged, [*merged[1:], n], strict=True):
        out.extend(_split_still_tail(scene.frames, a, b))
    return out


def _split_still_tail(frames: U8, start: int, end: int) -> list[tuple[int, int]]:
    """A shot whose camera moves and then settles (an operator following the action until it comes to
    rest) is split where it settles: the settled part gets a still background, which is what tells
    static scenery (a wooden ramp, a light wall) from objects. Settled means every frame matches the
    part's median in nearly all blocks, far stricter than a still shot's test, as a slow drift at the
    end of a move must not smear the background."""
    if end - start < 2 * STILL_TAIL_MIN:
        return [(start, end)]
    part = frames[start:end]
    pick = np.unique(np.linspace(0, len(part) - 1, min(len(part), 25)).round().astype(int))
    if _still(part[pick], np.median(part[pick], axis=0).astype(np.uint8)):
        return [(start, end)]
    cut = end - STILL_TAIL_MIN
    if not _settled(frames[cut:end]):
        return [(start, end)]
    while cut - 6 >= start + STILL_TAIL_MIN and _settled(frames[cut - 6 : end]):
        cut -= 6
    return [(start, cut), (cut, end)]


def _settled(frames: U8) -> bool:
    pick = np.unique(np.linspace(0, len(frames) - 1, min(len(frames), 25)).round().astype(int))
    background = np.median(frames[pick], axis=0).astype(np.uint8)
    drift = np.abs(_thumbs(frames) - _thumbs(background[None])[0]).max(axis=3).reshape(len(frames), -1)
    return float(np.percentile(drift, 85, axis=1).max()) <= 1.6


def _prepare_segment(scene: Scene, start: int, end: int) -> Segment:
    seg = Segment(start, end, static=False)
    if end - start < 8:
        return seg
    frames = scene.frames[start:end]
    pick = np.unique(np.linspace(0, len(frames) - 1, min(len(frames), 25)).round().astype(int))
    background = np.median(frames[pick], axis=0).astype(np.uint8)
    if not _still(frames[pick], background):
        seg.shift = _camera_shift(frames)  # the background moves: a pan, zoom or follow shot
        return seg
    seg.static = True
    seg.background = background
    diff = np.abs(frames[pick[:5]].astype(np.int16) - background.astype(np.int16))
    seg.noise = float(1.4826 * np.median(diff))
    if scene.noir:
        # Greyscale objects are found only as change against the background, and one that ends at
        # rest sits in the median, hiding its own bounces there: compare with the first and the last
        # third of the shot as well.
        third = max(1, len(frames) // 3)
        seg.ends = (_median_frame(frames[:third]), _median_frame(frames[-third:]))
    else:
        seg.scenery = _scenery(scene, background)
    return seg


def _still(frames: U8, background: U8) -> bool:
    """Still if nearly every block (85%: moving objects take the rest) matches the median in most
    frames. Smooth walls hide camera motion, so the many still blocks alone prove nothing."""
    drift = np.abs(_thumbs(frames) - _thumbs(background[None])[0]).max(axis=3).reshape(len(frames), -1)
    return float(np.percentile(np.percentile(drift, 85, axis=1), 80)) <= 3.5


def _median_frame(frames: U8) -> U8:
    pick = np.unique(np.linspace(0, len(frames) - 1, min(len(frames), 15)).round().astype(int))
    return np.asarray(np.median(frames[pick], axis=0), dtype=np.uint8)


def _scenery(scene: Scene, background: U8) -> dict[int, Mask]:
    """Parts of the still background that show a planned colour but are not objects: floor bands, walls,
    and textures (many similar patches, e.g. tiles). Objects at rest look compact and few, so they stay."""
    labels = scene.label(background)
    h, w = labels.shape
    out: dict[int, Mask] = {}
    for cls in range(len(scene.colours)):
        mask = labels == cls
        if not mask.any():
            continue
        lab, n = ndimage.label(mask, structure=np.ones((3, 3)))
        slices = ndimage.find_objects(lab)
        areas = np.bincount(lab.ravel(), minlength=n + 1)
        wide = np.zeros(n + 1, dtype=bool)
        for i, sl in enumerate(slices, start=1):
            across = (sl[1].start == 0 and sl[1].stop == w) or (sl[0].start == 0 and sl[0].stop == h)
            wide[i] = across or areas[i] > 0.15 * h * w
        objectlike = int(((areas[1:] >= _min_area(scene)) & ~wide[1:]).sum())
        if objectlike > 2 * scene.expected(cls) + 2:
            wide[1:] = True  # a texture, not a handful of objects
        scenery = wide[lab]
        if scenery.any():
            scenery = ndimage.binary_dilation(scenery, iterations=2)
            out[cls] = scenery & ~_resting_objects(scene, background, cls)
    return out


def _resting_objects(scene: Scene, background: U8, cls: int) -> Mask:
    """Objects at rest on scenery of nearly their colour (an orange block on a wooden floor): the
    median background holds them, so they never show as change, but their colour is much nearer the
    planned one than the scenery's is. Compact, object-sized and few pieces that are that near
    (STRICT_DIST) are taken out of the scenery; a floor or a texture that near stays in it."""
    h, w = background.shape[:2]
    proto = srgb_to_lab(np.array(scene.colours[cls], dtype=np.float64))
    if _is_neutral(proto):
        return np.zeros((h, w), dtype=bool)  # grey on grey: only change can tell
    rgb = background.reshape(-1, 3).astype(np.float64)
    if scene.gains != (1.0, 1.0, 1.0):
        rgb = _to_srgb(_to_linear(rgb) * np.array(scene.gains))
    dist = colour_distance(srgb_to_lab(rgb), proto).reshape(h, w)
    near = dist < STRICT_DIST
    lab, n = ndimage.label(near, structure=np.ones((3, 3)))
    if n == 0:
        return near
    # The scenery's typical distance: a piece must be far nearer than that (a painted block on wood),
    # not just the nearest tufts of a grass floor of the planned green.
    typical = float(np.median(dist[scene.label(background) == cls]))
    areas = np.bincount(lab.ravel(), minlength=n + 1)
    means = ndimage.mean(dist, lab, index=np.arange(n + 1))
    keep = np.zeros(n + 1, dtype=bool)
    for i, sl in enumerate(ndimage.find_objects(lab), start=1):
        spans = (sl[1].start == 0 and sl[1].stop == w) or (sl[0].start == 0 and sl[0].stop == h)
        keep[i] = _min_area(scene) <= areas[i] <= 0.03 * h * w and not spans and means[i] < 0.5 * typical
    if int(keep.sum()) > 2 * scene.expected(cls) + 2:
        return np.zeros((h, w), dtype=bool)  # many near pieces: a texture in the scenery itself
    return np.asarray(ndimage.binary_dilation(keep[lab], iterations=1))


def _min_area(scene: Scene) -> int:
    return max(6, round(3e-5 * scene.area))
