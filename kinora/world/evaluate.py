"""Judge a clip against its plan from the MP4 alone: prompt adherence, physics and audio/video sync.

Only the file's pixels and samples are used, never an engine's own metadata, so the same yardstick
scores our world engine and, later, learned video models. The pipeline:

1. Decode at <= 640 px on the longer side. Segments start at planned shot starts and at visible cuts.
   A segment whose background stays put (block means, which grain does not move) is still and gets a
   temporal-median background; one whose picture only slides (pan, tilt, follow) gets a per-frame
   camera shift from block phase correlation, so its image motion can be turned back into world
   motion; anything else (a zoom) is only counted in.
2. Pixels are classified by colour with a lookup table over all RGB values: a pixel shows a planned
   colour when that is its nearest prototype among the plan's and the catalog's colours, in a space
   built from Lab where shading is nearly invariant and saturation matters less than hue. A white
   balance (none, the plan's time of day, or the brightest surfaces) is picked by which shows the
   planned colours best. In still segments, background areas of a planned colour (a green floor for a
   green ball) only count where the picture changed, and not merely by a shadow falling there.
3. Connected components per colour (gaps closed, holes filled) are the objects. Adherence counts them
   per colour (the largest count that holds for 0.25 s; touching like-coloured objects are split by
   area once the scale in px/m is known from objects that look like their planned kind), shares them
   among the plan's groups of that colour by shape (fill of the minimum-area rectangle, its aspect,
   solidity) and scores colour found x count agreement x kind agreement. In noir only counts and
   kinds are scored, from change against the background.
4. Physics: blobs are tracked (one-to-one nearest, per colour); frames between contacts where y is a
   parabola and x a straight line are free fall; one acceleration is fitted over a track's falls and
   turned into metres by the object's planned size against its sub-pixel area (colour unmixing at the
   outline; the brightest ring for neon glow). g = a / px_per_m / slow_motion^2.
5. Sync: contacts are falls that turn up or stop and sideways reversals, timed to a fraction of a frame
   by intersecting the motion fitted on either side; onsets come from spectral flux, timed to the
   sample by the first crossing of 20% of the hit's rise. Each contact takes the nearest onset within
   150 ms.

Scores: physics 1 up to 5% error falling to 0 at 50%; a sync pair 1 up to 20 ms falling to 0 at
120 ms, unmatched contacts 0; overall the 0.4/0.3/0.3 weighted mean of the parts that apply.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field
from scipy import ndimage, optimize, signal, spatial

from kinora.media.probe import DecodedMedia, read_video
from kinora.world.catalog import COLORS, KINDS, Kind
from kinora.world.plan import ObjectSpec, ScenePlan

F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]

ANALYSIS_SIDE = 640  # px: marbles stay several pixels wide, and a frame labels in about a millisecond
LUT_BITS = 6  # colour table resolution per channel (64^3 entries)
COLOUR_MAX_DIST = 40.0  # a pixel farther than this from its nearest planned colour is nobody's
SIBLING_DIST = 24.0  # catalog colours nearer than this to a planned one are the same colour, shaded
STRICT_DIST = 18.0  # colour distance within which a piece of still background is an object at rest
NEUTRAL_CHROMA = 12.0  # a planned colour this close to grey (white, silver, grey, black) is achromatic
NEUTRAL_PIXEL_CHROMA = 10.0  # pixels this grey may show an achromatic object, at any shade
STILL_TAIL_MIN = 24  # frames: a settled end of a moving shot shorter than this keeps no background of its own
PERSIST_SECONDS = 0.25  # a count must hold this long to be believed (one-frame splits are not objects)
MIN_SHAPE_AREA = 30  # px: below this a blob's outline is too coarse to tell a ball from a box
SCALE_SHAPE_DIST = 3.0  # only blobs this near their kind's outline (see _shape_distance) set the scale
SYNC_WINDOW = 0.150  # s: a contact and an onset further apart than this are not the same event
SYNC_GOOD, SYNC_BAD = 0.020, 0.120  # s: |offset| scoring 1 (imperceptible) and 0 (clearly off)
WEIGHTS = {"adherence": 0.4, "physics": 0.3, "sync": 0.3}


# ---------------------------------------------------------------- report


class GroupResult(BaseModel):
    kind: str
    color: str
    rgb: tuple[int, int, int]
    expected: int
    seen: int
    color_found: bool | None  # None when the style hides colour (noir)
    count_score: float
    kind_score: float
    score: float
    shapes: list[str] = Field(default_factory=list)  # the nearest catalog kind of each blob, best frame
    required: bool = True  # False: the plan frames no wide shot, so this object may be out of view


class AdherenceReport(BaseModel):
    score: float
    color_checked: bool
    groups: list[GroupResult]
    notes: list[str] = Field(default_factory=list)


class PhysicsReport(BaseModel):
    score: float | None
    g_fit: float | None = None  # m/s^2 in simulated time
    g_plan: float
    rel_error: float | None = None
    slow_motion: float = 1.0
    object: str | None = None  # e.g. "red ball"
    segment: int | None = None
    frames: list[tuple[int, int]] = Field(default_factory=list)  # first and last frame of each fall
    px_per_m: float | None = None  # at the analysis resolution
    residual_px: float | None = None
    reason: str | None = None


class ContactPair(BaseModel):
    object: str
    video_t: float
    audio_t: float | None
    offset_ms: float | None  # audio minus video; positive when the sound comes late


class SyncReport(BaseModel):
    score: float | None
    contacts: int = 0
    onsets: list[float] = Field(default_factory=list)
    pairs: list[ContactPair] = Field(default_factory=list)
    matched_fraction: float | None = None
    median_abs_ms: float | None = None
    worst_abs_ms: float | None = None
    unmatched_onsets: int = 0  # sounds with no visible contact (off-screen, rolling, or spurious)
    reason: str | None = None


class EvalReport(BaseModel):
    path: str
    score: float
    adherence: AdherenceReport
    physics: PhysicsReport
    sync: SyncReport
    width: int
    height: int
    fps: float
    frames: int
    seconds: float
    analysis_size: tuple[int, int]
    segments: list[tuple[int, int, bool]]  # (first frame, end frame, static camera)
    elapsed: float

    def summary(self) -> str:
        lines = [f"{self.path}: score {self.score:.2f}"]
        a = self.adherence
        lines.append(f"  adherence {a.score:.2f}" + ("" if a.color_checked else " (colour not checked)"))
        for g in a.groups:
            found = "?" if g.color_found is None else ("yes" if g.color_found else "no")
            optional = "" if g.required else " (may be out of view)"
            lines.append(
                f"    {g.color} {g.kind}: expected {g.expected}, seen {g.seen}, colour {found}, "
                f"kind {g.kind_score:.2f} -> {g.score:.2f}{optional}"
            )
        lines.extend(f"    note: {n}" for n in a.notes)
        p = self.physics
        if p.g_fit is not None and p.rel_error is not None:
            lines.append(
                f"  physics {_fmt(p.score)}: g {p.g_fit:.2f} vs {p.g_plan:.2f} m/s^2 "
                f"({100 * p.rel_error:.1f}% off) from {p.object}, frames {p.frames}"
            )
        else:
            lines.append(f"  physics {_fmt(p.score)}: {p.reason}")
        s = self.sync
        if s.median_abs_ms is not None:
            lines.append(
                f"  sync {_fmt(s.score)}: {s.contacts} contacts, {len(s.onsets)} onsets, "
                f"matched {100 * (s.matched_fraction or 0):.0f}%, median {s.median_abs_ms:.1f} ms, "
                f"worst {s.worst_abs_ms:.1f} ms, {s.unmatched_onsets} sounds without contact"
            )
        else:
            lines.append(f"  sync {_fmt(s.score)}: {s.reason}")
        return "\n".join(lines)


def _fmt(score: float | None) -> str:
    return "n/a" if score is None else f"{score:.2f}"


# ---------------------------------------------------------------- entry point


def evaluate(path: str | Path, plan: ScenePlan, *, max_side: int = ANALYSIS_SIDE) -> EvalReport:
    """Score the clip at `path` against `plan` (see the module docstring for what is measured)."""
    started = time.perf_counter()
    media = read_video(path, max_side=max_side)
    frames = media.frames
    scene = _Scene.build(media, plan)
    blobs = _detect_all(scene)
    adherence = _adherence(scene, blobs)
    tracks = _tracks(scene, blobs)
    physics, accel = _physics(scene, tracks)
    contacts = _contacts(scene, tracks, accel)
    sync = _sync(media, contacts)
    parts = {"adherence": adherence.score, "physics": physics.score, "sync": sync.score}
    weight = sum(WEIGHTS[k] for k, v in parts.items() if v is not None)
    score = sum(WEIGHTS[k] * v for k, v in parts.items() if v is not None) / weight
    return EvalReport(
        path=str(path),
        score=round(score, 4),
        adherence=adherence,
        physics=physics,
        sync=sync,
        width=scene.source_size[0],
        height=scene.source_size[1],
        fps=media.fps,
        frames=len(frames),
        seconds=len(frames) / media.fps if media.fps else 0.0,
        analysis_size=(frames.shape[2], frames.shape[1]),
        segments=[(s.start, s.end, s.static) for s in scene.segments],
        elapsed=round(time.perf_counter() - started, 3),
    )


# ---------------------------------------------------------------- colour


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


# ---------------------------------------------------------------- scene and segments


@dataclass(frozen=True)
class _Group:
    kind: str
    color: str
    rgb: tuple[int, int, int]
    cls: int  # colour class (index into _Scene.colours); 0 for everything in noir
    specs: tuple[ObjectSpec, ...]


@dataclass
class _Segment:
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
class _Scene:
    plan: ScenePlan
    frames: U8
    times: F64
    fps: float
    source_size: tuple[int, int]
    colours: list[tuple[int, int, int]]
    groups: list[_Group]
    lut: npt.NDArray[np.int8]
    noir: bool
    segments: list[_Segment]
    gains: tuple[float, float, float] = (1.0, 1.0, 1.0)  # the white balance the colour table uses

    @property
    def area(self) -> int:
        return int(self.frames.shape[1] * self.frames.shape[2])

    @staticmethod
    def build(media: DecodedMedia, plan: ScenePlan) -> _Scene:
        noir = plan.style == "noir"
        colours: list[tuple[int, int, int]] = []
        by_key: dict[tuple[str, tuple[int, int, int]], list[ObjectSpec]] = {}
        for obj in plan.objects:
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
            _Group(kind, specs[0].color, rgb, 0 if noir else cls_of(rgb), tuple(specs))
            for (kind, rgb), specs in by_key.items()
        ]
        frames = media.frames
        scene = _Scene(
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


def _segment_bounds(scene: _Scene) -> list[tuple[int, int]]:
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


def _prepare_segment(scene: _Scene, start: int, end: int) -> _Segment:
    seg = _Segment(start, end, static=False)
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


def _camera_shift(frames: U8) -> F64 | None:
    """How far the picture slid in each frame against the first (x, y px), when sliding explains the
    change (pans, tilts, follow shots); None otherwise (zooms). Each 64 px block is phase-correlated
    with the previous frame; the step is the median over textured blocks, so a moving object (or the
    followed one standing still) is outvoted by the background."""
    grey = frames[:, ::2, ::2].astype(np.float32).mean(axis=3)
    n, h, w = grey.shape
    b = 32
    nby, nbx = h // b, w // b
    if n < 2 or nby * nbx < 4:
        return None
    blocks = grey[:, : nby * b, : nbx * b].reshape(n, nby, b, nbx, b).transpose(0, 1, 3, 2, 4)
    blocks = blocks - blocks.mean(axis=(3, 4), keepdims=True)
    # Texture per direction: a smooth wall shows a slide along it as no slide at all, so each axis is
    # voted on only by blocks with edges across it (clearly above the grain of the smoothest blocks).
    grad = np.stack(
        [np.abs(np.diff(blocks, axis=4)).mean(axis=(3, 4)), np.abs(np.diff(blocks, axis=3)).mean(axis=(3, 4))]
    ).reshape(2, n, -1)
    textured = grad > 2.0 * np.percentile(grad, 20, axis=(1, 2))[:, None, None]
    spectra = np.fft.rfft2(blocks * np.outer(np.hanning(b), np.hanning(b)).astype(np.float32))
    centre = np.stack(np.meshgrid(np.arange(nbx), np.arange(nby)), -1).reshape(-1, 2) * b + b / 2.0
    steps = np.zeros((n, 2))
    voted = np.zeros((n, 2), dtype=bool)
    zoom = 1.0
    blocks_idx = np.arange(nby * nbx)
    for t in range(1, n):
        cross = spectra[t] * np.conj(spectra[t - 1])
        corr = np.fft.irfft2(cross / (np.abs(cross) + 1e-6), s=(b, b)).reshape(-1, b, b)
        py, px = np.unravel_index(corr.reshape(len(corr), -1).argmax(axis=1), (b, b))
        found = (
            _peaks(corr[blocks_idx, py, :], px),  # along x, in the peak's row
            _peaks(corr[blocks_idx, :, px], py),  # along y, in the peak's column
        )
        rates = []
        for axis in (0, 1):
            ok = textured[axis, t] & textured[axis, t - 1]
            if ok.sum() >= 3:
                steps[t, axis] = 2.0 * float(np.median(found[axis][ok]))
                voted[t, axis] = True
                rates.append(_spread_rate(centre[ok, axis], found[axis][ok]))
        zoom *= 1.0 + (float(np.mean(rates)) if rates else 0.0)
    if abs(zoom - 1.0) > 0.04:
        return None  # the picture grew or shrank: a zoom, which no slide undoes
    # An axis the picture has too little texture across to measure stays in image coordinates: right
    # for a steady pan along it (constant drift changes no acceleration and fakes no contact).
    steps[:, voted[1:].mean(axis=0) < 0.7] = 0.0
    shift = np.cumsum(steps, axis=0)
    # Sliding must line the picture up with itself half a second apart; a zoom would not.
    lag = min(12, n - 1)
    if lag < 4:
        return None
    errors = []
    for t in range(lag, n, max(1, (n - lag) // 8)):
        dx, dy = np.round((shift[t] - shift[t - lag]) / 2.0).astype(int)
        a = grey[t, max(0, dy) : h + min(0, dy), max(0, dx) : w + min(0, dx)]
        c = grey[t - lag, max(0, -dy) : h + min(0, -dy), max(0, -dx) : w + min(0, -dx)]
        if a.size < 0.3 * h * w:
            return None
        errors.append(float(np.median(np.abs(_block_means(a - c, 4)))))
    return shift if errors and float(np.median(errors)) <= 3.0 else None


def _spread_rate(where: F64, moves: F64) -> float:
    """How fast block motions grow with position (a zoom's signature; 0 for a slide): the slope of
    move against position, after dropping the votes far from the median (a moving object)."""
    keep = np.abs(moves - np.median(moves)) <= 1.5
    if keep.sum() < 3 or np.ptp(where[keep]) == 0:
        return 0.0
    return float(np.polyfit(where[keep], moves[keep], 1)[0])


def _block_means(img: npt.NDArray[np.float32], b: int) -> npt.NDArray[np.float32]:
    h, w = img.shape[0] // b, img.shape[1] // b
    return np.asarray(img[: h * b, : w * b].reshape(h, b, w, b).mean(axis=(1, 3)), dtype=np.float32)


def _peaks(rows: F64, at: npt.NDArray[np.intp]) -> F64:
    """Sub-sample peak positions around index `at` of each circular correlation row, as signed shifts."""
    n = rows.shape[1]
    k = np.arange(len(rows))
    a, b, c = rows[k, (at - 1) % n], rows[k, at], rows[k, (at + 1) % n]
    denom = a - 2 * b + c
    offset = np.where(np.abs(denom) > 1e-12, 0.5 * (a - c) / np.where(denom == 0, 1.0, denom), 0.0)
    pos = at + np.clip(offset, -0.5, 0.5)
    return np.asarray(np.where(pos > n / 2, pos - n, pos), dtype=np.float64)


def _scenery(scene: _Scene, background: U8) -> dict[int, Mask]:
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


def _resting_objects(scene: _Scene, background: U8, cls: int) -> Mask:
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


def _min_area(scene: _Scene) -> int:
    return max(6, round(3e-5 * scene.area))


# ---------------------------------------------------------------- blobs


@dataclass
class _Blob:
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


def _blobs(scene: _Scene, mask: Mask, frame: int, cls: int) -> list[_Blob]:
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
            _Blob(
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


def _detect_all(scene: _Scene) -> list[list[_Blob]]:
    """Blobs of every frame, all colours together."""
    out: list[list[_Blob]] = []
    for seg in scene.segments:
        for t in range(seg.start, seg.end):
            out.append(_detect_frame(scene, seg, t))
    return out


def _detect_frame(scene: _Scene, seg: _Segment, t: int) -> list[_Blob]:
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
    blobs: list[_Blob] = []
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


def _join_pieces(blobs: list[_Blob]) -> list[_Blob]:
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


def _stacked_near(big: _Blob, piece: _Blob) -> bool:
    y0, x0, y1, x1 = big.box
    py0, px0, py1, px1 = piece.box
    gap = max(py0 - y1, y0 - py1)
    overlap = min(x1, px1) - max(x0, px0)
    return 0 <= gap <= max(3.0, 0.25 * (y1 - y0)) and overlap >= 0.6 * (px1 - px0)


def _merged(a: _Blob, b: _Blob) -> _Blob:
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
    return _Blob(
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


def _on(area: Mask, blob: _Blob) -> bool:
    """Whether most of the blob lies in `area`."""
    y0, x0, y1, x1 = blob.box
    return bool(area[y0:y1, x0:x1][blob.mask].mean() > 0.5)


def _foreground(frame: U8, background: U8, noise: float) -> Mask:
    """Pixels that differ from a greyscale background (one channel is enough: noir is grey)."""
    diff = np.abs(frame[..., 1].astype(np.int16) - background[..., 1].astype(np.int16))
    return np.asarray(diff > max(18.0, 5.0 * noise))


def _new_outline(frame: U8, background: U8, blob: _Blob) -> bool:
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


# ---------------------------------------------------------------- shape and kind


@dataclass(frozen=True)
class _Shape:
    fill: float  # area / minimum-area bounding rectangle
    aspect: float  # long side / short side of that rectangle
    solidity: float  # area / convex hull area


def _shape(mask: Mask) -> _Shape | None:
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
    return _Shape(fill=area / rect, aspect=max(w, h) / min(w, h), solidity=min(1.0, area / hull_area))


def _prototype(kind: Kind) -> _Shape:
    aspect = max(kind.aspect, 1.0 / kind.aspect)
    if kind.shape == "circle":
        return _Shape(math.pi / 4, 1.0, 1.0)
    if kind.shape == "box":
        return _Shape(1.0, aspect, 1.0)
    # Silhouettes the catalog only names: rough guesses, so they match loosely.
    fill, solidity = {"pin": (0.62, 0.85), "bowl": (0.70, 0.90), "car": (0.75, 0.90)}[kind.shape]
    return _Shape(fill, aspect, solidity)


def _shape_distance(a: _Shape, b: _Shape) -> float:
    return (
        abs(a.fill - b.fill) / 0.07
        + abs(math.log(a.aspect / b.aspect)) / 0.25
        + abs(a.solidity - b.solidity) / 0.08
    )


def _nearest_kind(shape: _Shape) -> str:
    return min(KINDS, key=lambda k: _shape_distance(shape, _prototype(KINDS[k])))


def _kind_match(shape: _Shape | None, kind: str) -> float:
    """1 when `kind` is (nearly) the best catalog explanation of the outline, 0.5 when only its shape
    family agrees, 0 otherwise; None-shapes (too small to judge) are given the benefit of the doubt."""
    if shape is None:
        return 1.0
    dists = {k: _shape_distance(shape, _prototype(v)) for k, v in KINDS.items()}
    best = min(dists.values())
    if dists[kind] <= best + 1.0:
        return 1.0
    nearest = min(dists, key=lambda k: dists[k])
    return 0.5 if KINDS[nearest].shape == KINDS[kind].shape else 0.0


# ---------------------------------------------------------------- adherence


def _persistent_count(counts: npt.NDArray[np.int64], need: int) -> int:
    """The largest c such that at least `need` frames show c or more."""
    if counts.size == 0:
        return 0
    need = max(1, min(need, counts.size))
    return int(np.sort(counts)[::-1][need - 1])


def _adherence(scene: _Scene, blobs: list[list[_Blob]]) -> AdherenceReport:
    notes: list[str] = []
    if scene.noir:
        notes.append("noir style: colour cannot be checked; counts and kinds only, moving objects only")
        if not any(s.static for s in scene.segments):
            notes.append("no static shot: greyscale objects cannot be told from the background")
    need = max(3, round(PERSIST_SECONDS * scene.fps))
    classes = sorted({g.cls for g in scene.groups})
    for seg in scene.segments:
        seg.scale = _segment_scale(scene, seg, blobs)
    best_frames: dict[int, list[int]] = {}
    for cls in classes:
        best_count, frames_at_best = 0, []
        for seg in scene.segments:
            counts = np.array(
                [
                    sum(_multiplicity(scene, seg, b) for b in blobs[t] if b.cls == cls)
                    for t in range(seg.start, seg.end)
                ]
            )
            count = _persistent_count(counts, need)
            texture = count > 2 * scene.expected(cls) + 2 and not seg.static
            if count > best_count and not texture:
                best_count = count
                frames_at_best = [seg.start + int(i) for i in np.flatnonzero(counts == count)]
        best_frames[cls] = frames_at_best
    groups: list[GroupResult] = []
    for cls in classes:
        members = [g for g in scene.groups if g.cls == cls]
        groups.extend(_score_groups(scene, members, best_frames[cls], blobs))
    # With only medium and close shots the camera keeps its targets in view, not the rest: an object
    # that is never seen then costs nothing (one that is seen is still scored).
    shots = scene.plan.shots
    if all(s.camera.framing != "wide" for s in shots):
        targets = {s.camera.target for s in shots}
        for group, result in zip(
            [g for c in classes for g in scene.groups if g.cls == c], groups, strict=True
        ):
            result.required = any(spec.id in targets for spec in group.specs)
        notes.append("no wide shot: only the camera's targets have to be in view")
    counted = [g.score for g in groups if g.required or g.seen]
    score = float(np.mean(counted)) if counted else 0.0
    return AdherenceReport(score=round(score, 4), color_checked=not scene.noir, groups=groups, notes=notes)


def _segment_scale(scene: _Scene, seg: _Segment, blobs: list[list[_Blob]]) -> float | None:
    """Pixels per metre in a segment whose scale holds still (static or sliding camera): the median
    over blobs that look like their planned kind of sqrt(area / planned silhouette area)."""
    if not seg.measurable or scene.noir:
        return None
    ratios: list[float] = []
    for t in np.unique(np.linspace(seg.start, seg.end - 1, 12).round().astype(int)):
        for blob in blobs[t]:
            shape = None if blob.border else _shape(blob.mask)
            if shape is None:
                continue
            if blob.area < 4 * MIN_SHAPE_AREA:
                continue  # a piece (a pin's head cut off by its stripes) is too coarse to trust
            for group in scene.groups:
                # A good absolute match too: touching objects (pins and ball in a heap) may still be
                # nearer one kind than the others, and would inflate the scale.
                if (
                    group.cls == blob.cls
                    and _kind_match(shape, group.kind) == 1.0
                    and _shape_distance(shape, _prototype(KINDS[group.kind])) <= SCALE_SHAPE_DIST
                ):
                    ratios.extend(math.sqrt(blob.area / _planned_area(spec)) for spec in group.specs)
                    break
    return float(np.median(ratios)) if len(ratios) >= 3 else None


def _multiplicity(scene: _Scene, seg: _Segment, blob: _Blob) -> int:
    """How many planned objects one blob is: 0 for a speck far smaller than anything planned in its
    colour, more than 1 for like-coloured objects that touch (a stack, a row). By area when the
    segment's scale is known, else, for boxes, by how many times longer the box is than planned."""
    specs = [spec for g in scene.groups if g.cls == blob.cls for spec in g.specs]
    areas = [_planned_area(spec) for spec in specs]
    if seg.scale is not None:
        px2 = seg.scale**2
        if blob.area < 0.25 * min(areas) * px2:
            return 0  # a speck, even at the border (where compression noise gathers in moving shots)
        if blob.area > 1.6 * max(areas) * px2 and not blob.border:
            return max(1, round(blob.area / (float(np.median(areas)) * px2)))
        return 1
    box_aspects = {
        max(KINDS[s.kind].aspect, 1 / KINDS[s.kind].aspect) for s in specs if KINDS[s.kind].shape == "box"
    }
    if len(box_aspects) != 1 or blob.border or blob.area < 4 * MIN_SHAPE_AREA:
        return 1
    shape = _shape(blob.mask)
    aspect = box_aspects.pop()
    if shape is None or shape.fill < 0.85 or shape.aspect < 1.6 * aspect:
        return 1
    return round(shape.aspect / aspect)


def _score_groups(
    scene: _Scene, members: list[_Group], frames: list[int], blobs: list[list[_Blob]]
) -> list[GroupResult]:
    """Share each frame's blobs of one colour among the plan's groups of that colour by shape, and score
    count and kind per group (median over up to 7 frames spread over those where the count peaks)."""
    pick = [frames[int(i)] for i in np.unique(np.linspace(0, len(frames) - 1, 7).round())] if frames else []
    seen: dict[int, list[int]] = {i: [] for i in range(len(members))}
    kinds: dict[int, list[float]] = {i: [] for i in range(len(members))}
    shapes: dict[int, list[str]] = {i: [] for i in range(len(members))}
    cls = members[0].cls
    for t in pick:
        seg = next(s for s in scene.segments if s.start <= t < s.end)
        counts = [0] * len(members)
        for blob in (b for b in blobs[t] if b.cls == cls):
            many = _multiplicity(scene, seg, blob)
            if many == 0:
                continue
            shape = None if blob.border else _shape(blob.mask)
            if many > 1:  # touching objects: only the family can be judged (a stack of cubes is boxy)
                boxy = shape is None or shape.fill >= 0.8
                matches = [1.0 if KINDS[g.kind].shape != "box" or boxy else 0.5 for g in members]
            else:
                matches = [_kind_match(shape, g.kind) for g in members]
            deficit = [len(g.specs) - counts[i] for i, g in enumerate(members)]
            i = max(range(len(members)), key=lambda j: (matches[j], deficit[j]))
            _share(counts, deficit, matches, i, many)
            kinds[i].append(matches[i])
            if shape is not None and many == 1 and len(shapes[i]) < len(members[i].specs) + 2:
                shapes[i].append(_nearest_kind(shape))
        for i, c in enumerate(counts):
            seen[i].append(c)
    results = []
    for i, g in enumerate(members):
        expected = len(g.specs)
        n = round(float(np.median(seen[i]))) if seen[i] else 0
        count_score = max(0.0, 1.0 - abs(n - expected) / expected)
        kind_score = float(np.mean(kinds[i])) if kinds[i] else 0.0
        found = n > 0
        colour = None if scene.noir else found
        score = (1.0 if scene.noir else float(found)) * count_score * (kind_score if n else 0.0)
        results.append(
            GroupResult(
                kind=g.kind,
                color=g.color,
                rgb=g.rgb,
                expected=expected,
                seen=n,
                color_found=colour,
                count_score=round(count_score, 4),
                kind_score=round(kind_score, 4),
                score=round(score, 4),
                shapes=shapes[i],
            )
        )
    return results


def _share(counts: list[int], deficit: list[int], matches: list[float], best: int, many: int) -> None:
    """Credit a blob that is `many` touching objects (a ball in a heap of pins) to the groups of its
    colour: the best-matching group up to what it still lacks, then the others that lack objects, by
    how well they match; whatever is left goes to the best group (an extra object is its error)."""
    order = [best] + sorted((j for j in range(len(counts)) if j != best), key=lambda j: -matches[j])
    left = many
    for j in order:
        take = min(left, max(0, deficit[j]))
        counts[j] += take
        left -= take
    counts[best] += left


# ---------------------------------------------------------------- tracking


@dataclass
class _Track:
    cls: int
    segment: int
    blobs: list[_Blob] = field(default_factory=list)

    @property
    def last(self) -> _Blob:
        return self.blobs[-1]

    def predict(self, frame: int) -> tuple[float, float]:
        b = self.last
        if len(self.blobs) < 2:
            return b.cx, b.cy
        p = self.blobs[-2]
        k = (frame - b.frame) / max(1, b.frame - p.frame)
        return b.cx + k * (b.cx - p.cx), b.cy + k * (b.cy - p.cy)


def _tracks(scene: _Scene, blobs: list[list[_Blob]]) -> list[_Track]:
    """Link blobs of the same colour from frame to frame in segments with a still or sliding camera
    (nearest to the predicted or last position, one-to-one, allowing two missed frames)."""
    done: list[_Track] = []
    for si, seg in enumerate(scene.segments):
        if not seg.measurable:
            continue
        for cls in sorted({g.cls for g in scene.groups}):
            live: list[_Track] = []
            for t in range(seg.start, seg.end):
                done.extend(tr for tr in live if t - tr.last.frame > 3)
                live = [tr for tr in live if t - tr.last.frame <= 3]
                here = [b for b in blobs[t] if b.cls == cls]
                _assign(live, here, t)
                matched = {id(tr.last) for tr in live}
                live.extend(_Track(cls, si, [b]) for b in here if id(b) not in matched)
            done.extend(live)
    return [tr for tr in done if len(tr.blobs) >= 8]


def _assign(live: list[_Track], here: list[_Blob], t: int) -> None:
    if not live or not here:
        return
    cost = np.full((len(live), len(here)), 1e6)
    for i, tr in enumerate(live):
        px, py = tr.predict(t)
        last = tr.last
        gate = max(6.0, 1.5 * last.size)
        for j, b in enumerate(here):
            # Near the prediction, or near the last position: a bounce turns the motion around
            # between two frames, and the prediction then overshoots by twice the speed.
            d = min(math.hypot(b.cx - px, b.cy - py), math.hypot(b.cx - last.cx, b.cy - last.cy))
            ratio = b.area / last.area
            if d <= gate and 0.5 <= ratio <= 2.0:
                cost[i, j] = d
    rows, cols = optimize.linear_sum_assignment(cost)
    for i, j in zip(rows, cols, strict=True):
        if cost[i, j] < 1e6:
            live[i].blobs.append(here[j])


@dataclass
class _Path:
    """A track as arrays over its frames, with unreliable samples (touching the border, merged with
    or split from another blob) dropped."""

    frames: npt.NDArray[np.int64]
    t: F64
    x: F64
    y: F64
    size: float  # median blob diameter, px


def _path(scene: _Scene, track: _Track) -> _Path:
    areas = np.array([b.area for b in track.blobs], dtype=np.float64)
    med = float(np.median(areas))
    # Motion blur shrinks a fast object's colour mask smoothly (by half at 7 m/s); merging with a
    # like-coloured object or losing a piece makes the area jump for a frame or so.
    around = np.convolve(np.pad(areas, 1, mode="edge"), [0.5, 0.0, 0.5], mode="valid")
    jump = np.abs(areas - around) > 0.35 * around
    ok = (areas > 0.4 * med) & (areas < 1.6 * med) & ~jump
    keep = [b for b, good in zip(track.blobs, ok, strict=True) if good and not b.border]
    frames = np.array([b.frame for b in keep], dtype=np.int64)
    seg = scene.segments[track.segment]
    xy = np.array([seg.undo_shift(b.frame, b.cx, b.cy) for b in keep]).reshape(-1, 2)
    return _Path(
        frames=frames,
        t=scene.times[frames],
        x=xy[:, 0],
        y=xy[:, 1],
        size=2.0 * math.sqrt(med / math.pi),
    )


# ---------------------------------------------------------------- contacts


def _events(path: _Path) -> list[int]:
    """Path positions i where motion changed abruptly between (i-1 -> i) and (i -> i+1): a fall turning
    up or stopping (gravity can never do that), or a horizontal reversal, stop or start. Velocities
    are per frame, so a sample or two missing around the contact does not hide it."""
    n = len(path.t)
    f = path.frames
    out: list[int] = []
    vmin = max(1.0, 0.025 * path.size)  # px per frame: above centroid jitter, below a small bounce
    for i in range(1, n - 1):
        d0, d1 = int(f[i] - f[i - 1]), int(f[i + 1] - f[i])
        if d0 > 3 or d1 > 3:
            continue
        vy0, vy1 = (path.y[i] - path.y[i - 1]) / d0, (path.y[i + 1] - path.y[i]) / d1
        fall_ends = vy0 > vmin and (vy1 < -0.3 * vmin or abs(vy1) < 0.25 * vy0)
        if fall_ends and abs(vy1) < 0.25 * vy0 and i + 2 < n:
            after = (path.y[i + 2] - path.y[i + 1]) / max(1, int(f[i + 2] - f[i + 1]))
            fall_ends = after <= 0.5 * vy0  # otherwise a blip, and still falling
        sideways = False
        if 2 <= i < n - 2 and f[i + 2] - f[i - 2] == 4:
            # Two-frame speeds: a box's centroid moves in whole-pixel steps as its straight edges
            # cross pixel columns, which must not read as stops and starts.
            vx0, vx1 = (path.x[i] - path.x[i - 2]) / 2, (path.x[i + 2] - path.x[i]) / 2
            fastest = max(abs(vx0), abs(vx1))
            reverses = vx0 * vx1 < 0 and min(abs(vx0), abs(vx1)) > 0.3 * vmin
            sideways = fastest > 2.0 * vmin and (reverses or abs(vx1 - vx0) > 0.75 * fastest)
        if (fall_ends or sideways) and not (out and i - out[-1] <= 2):
            out.append(i)
    return out


def _fit_side(t: F64, v: F64, accel: float | None) -> tuple[F64, float]:
    """Polynomial coefficients (highest first) of one coordinate on one side of a contact, and the
    residual. With a known acceleration two samples suffice; a still side is a constant."""
    n = len(t)
    cands: list[tuple[F64, float]] = []
    if n >= 4:
        c = np.polyfit(t, v, 2)
        cands.append((c, float(np.sum((np.polyval(c, t) - v) ** 2)) + 0.5))
    if accel is not None:
        lin = np.polyfit(t, v - 0.5 * accel * t**2, 1) if n >= 2 else np.array([0.0, v[0]])
        c = np.array([0.5 * accel, lin[0], lin[1]])
        cands.append((c, float(np.sum((np.polyval(c, t) - v) ** 2))))
    if n >= 2:
        lin = np.polyfit(t, v, 1)
        c = np.array([0.0, lin[0], lin[1]])
        cands.append((c, float(np.sum((np.polyval(c, t) - v) ** 2)) + (0.2 if accel is not None else 0.0)))
    if not cands:
        return np.array([0.0, 0.0, float(v[0])]), 0.0
    return min(cands, key=lambda cr: cr[1])


def _refine(path: _Path, i: int, lo: int, hi: int, accel: float | None) -> float:
    """Sub-frame contact time: fit the motion on both sides of sample i and find when the two fits
    meet. Sample i itself may belong to either side; both are tried and the better fit kept."""
    best = (math.inf, float(path.t[i]))
    t0 = float(path.t[i])
    for left_end, span in ((i, (i, i + 1)), (i - 1, (i - 1, i))):
        left = slice(max(lo, left_end - 5), left_end + 1)
        right = slice(left_end + 1, min(hi, left_end + 7))
        tl, tr = path.t[left] - t0, path.t[right] - t0
        if len(tl) < 2 or len(tr) < 2:
            continue
        cost = 0.0
        fits = []
        for coord, acc in ((path.x, 0.0), (path.y, accel)):
            cl, rl = _fit_side(tl, coord[left], acc)
            cr, rr = _fit_side(tr, coord[right], acc)
            fits.append((cl, cr))
            cost += rl / len(tl) + rr / len(tr)
        grid = np.linspace(path.t[span[0]] - t0, path.t[span[1]] - t0, 241)
        gap = np.zeros_like(grid)
        for cl, cr in fits:
            gap += (np.polyval(cl, grid) - np.polyval(cr, grid)) ** 2
        k = int(np.argmin(gap))
        total = cost + float(gap[k])
        if total < best[0]:
            best = (total, t0 + float(grid[k]))
    return best[1]


def _contacts(scene: _Scene, tracks: list[_Track], accel: dict[int, float]) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    for ti, track in enumerate(tracks):
        path = _path(scene, track)
        if len(path.t) < 5:
            continue
        events = _events(path)
        bounds = [0, *events, len(path.t)]
        for k, i in enumerate(events):
            t = _refine(path, i, bounds[k] + 1 if k else 0, bounds[k + 2], accel.get(ti))
            out.append((_track_name(scene, track), t))
    return sorted(out, key=lambda c: c[1])


def _track_name(scene: _Scene, track: _Track) -> str:
    kinds = [g for g in scene.groups if g.cls == track.cls]
    if scene.noir:
        return "object"
    return f"{kinds[0].color} {'/'.join(g.kind for g in kinds)}" if kinds else "object"


# ---------------------------------------------------------------- physics


def _physics(scene: _Scene, tracks: list[_Track]) -> tuple[PhysicsReport, dict[int, float]]:
    """Gravity from visible free falls: parabolas in y over the frames between contacts, with x moving
    at constant speed (which rules out ramps), fitted with one shared acceleration per track and scaled
    to metres by the object's planned size. Also returns each track's acceleration in px/s^2, which
    the contact refinement uses."""
    plan = scene.plan
    report = PhysicsReport(score=None, g_plan=plan.environment.gravity, slow_motion=plan.slow_motion)
    accel: dict[int, float] = {}
    best: tuple[int, int, list[tuple[int, int]], float, float] | None = None  # n, track, spans, a, rms
    for ti, track in enumerate(tracks):
        path = _path(scene, track)
        if len(path.t) < 6:
            continue
        bounds = [-1, *_events(path), len(path.t)]
        spans = [f for a, b in zip(bounds, bounds[1:], strict=False) if (f := _fall_fit(path, a + 1, b))]
        if not spans:
            continue
        a, rms = _joint_fall(path, spans)
        accel[ti] = a
        # Most frames wins, but an object under 12 px across only when nothing larger falls: its
        # size in pixels, and so the scale, is uncertain by several percent.
        n = sum(e - s for s, e in spans) + (10_000 if path.size >= 12.0 else 0)
        if best is None or n > best[0]:
            best = (n, ti, spans, a, rms)
    if best is None:
        if not any(seg.measurable for seg in scene.segments):
            report.reason = "no shot with a still or sliding camera to measure in"
        elif _expects_fall(plan):
            report.score = 0.0  # the plan drops something and nothing is seen falling
            report.reason = "no free fall visible, though the plan has one"
        else:
            report.reason = "no free fall visible (none planned)"
        return report, accel
    _, ti, spans, a, rms = best
    track = tracks[ti]
    spec = _spec_for(scene, track)
    if spec is None:
        report.reason = "the falling object matches no planned object"
        return report, accel
    path = _path(scene, track)
    areas = _fall_areas(scene, track, path, spans, scene.segments[track.segment].background)
    px_per_m = math.sqrt(float(np.median(areas)) / _planned_area(spec))
    g_fit = a / px_per_m / plan.slow_motion**2  # video-time gravity is g * slow_motion^2
    rel = abs(g_fit - report.g_plan) / report.g_plan
    report.g_fit = round(g_fit, 4)
    report.rel_error = round(rel, 4)
    report.score = round(float(np.clip(1.0 - (rel - 0.05) / 0.45, 0.0, 1.0)), 4)
    report.object = f"{spec.color} {spec.kind} ({spec.id})"
    report.segment = track.segment
    report.frames = [(int(path.frames[s]), int(path.frames[e - 1])) for s, e in spans]
    report.px_per_m = round(px_per_m, 3)
    report.residual_px = round(rms, 4)
    return report, accel


def _joint_fall(path: _Path, spans: list[tuple[int, int]]) -> tuple[float, float]:
    """One acceleration shared by all flights of a track, each with its own start height and speed:
    (acceleration in px/s^2, rms residual in px)."""
    rows = sum(e - s for s, e in spans)
    design = np.zeros((rows, 1 + 2 * len(spans)))
    target = np.zeros(rows)
    r = 0
    for k, (s, e) in enumerate(spans):
        t = path.t[s:e] - path.t[s]
        design[r : r + e - s, 0] = 0.5 * t**2
        design[r : r + e - s, 1 + 2 * k] = 1.0
        design[r : r + e - s, 2 + 2 * k] = t
        target[r : r + e - s] = path.y[s:e]
        r += e - s
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    rms = float(np.sqrt(np.mean((design @ coef - target) ** 2)))
    return float(coef[0]), rms


def _fall_areas(
    scene: _Scene, track: _Track, path: _Path, spans: list[tuple[int, int]], background: U8 | None
) -> list[float]:
    """Soft areas over the slower half of the fitted frames, reaching as far as blur can smear."""
    speed = np.hypot(np.gradient(path.x), np.gradient(path.y))  # px per frame
    used = {int(path.frames[i]): float(speed[i]) for s, e in spans for i in range(s, e)}
    slow = float(np.median(list(used.values())))
    chosen = [b for b in track.blobs if b.frame in used and used[b.frame] <= slow]
    if scene.plan.style == "neon":
        return [_glow_area(scene.frames[b.frame], b) for b in chosen]
    return [
        _soft_area(scene.frames[b.frame], background, b, 2 + math.ceil(0.6 * used[b.frame])) for b in chosen
    ]


def _glow_area(frame: U8, blob: _Blob) -> float:
    """Area inside a glowing outline. A neon object's colour spills into a halo that fades outward,
    and the glow peaks on the outline itself: peel one-pixel rings off the blob from outside, find
    the brightest (to a fraction of a ring, by a parabola through its neighbours) and count what it
    encloses."""
    y0, x0, y1, x1 = blob.box
    luma = frame[y0:y1, x0:x1].astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    areas: list[float] = []
    levels: list[float] = []
    mask = blob.mask
    for _ in range(12):
        inner = ndimage.binary_erosion(mask)
        ring = mask & ~inner
        if not ring.any() or not inner.any():
            break
        areas.append(float(mask.sum()))
        levels.append(float(luma[ring].mean()))
        mask = inner
    k = int(np.argmax(levels)) if levels else 0
    if not 0 < k < len(levels) - 1:
        return areas[k] if areas else float(blob.area)
    a, b, c = levels[k - 1], levels[k], levels[k + 1]
    shift = float(np.clip(0.5 * (a - c) / (a - 2 * b + c), -0.5, 0.5)) if a - 2 * b + c < 0 else 0.0
    lo, hi = (k - 1, k) if shift < 0 else (k, k + 1)
    frac = shift + 1 if shift < 0 else shift
    return areas[lo] + frac * (areas[hi] - areas[lo])


def _soft_area(frame: U8, background: U8 | None, blob: _Blob, reach: int = 2) -> float:
    """Sub-pixel silhouette area. Outline pixels mix object and background, and a colour threshold
    keeps a biased share of them (half a pixel all round is 6% of a 30 px ball); here each pixel near
    the outline counts by how far its colour moved from the background toward the object's colour
    just inside. Without a background image (moving camera) the background is the median colour
    just beyond that band."""
    h, w = frame.shape[:2]
    y0, x0, y1, x1 = blob.box
    pad = reach + 4
    ya, xa, yb, xb = max(0, y0 - pad), max(0, x0 - pad), min(h, y1 + pad), min(w, x1 + pad)
    mask = np.zeros((yb - ya, xb - xa), dtype=bool)
    mask[y0 - ya : y1 - ya, x0 - xa : x1 - xa] = blob.mask
    inner = ndimage.binary_erosion(mask, iterations=2)
    if inner.sum() < 4:  # a small object: its core is nearer the outline
        inner = ndimage.binary_erosion(mask)
        if inner.sum() < 2:
            return float(blob.area)
    reached = ndimage.binary_dilation(mask, iterations=reach)
    band = reached & ~inner
    _, (iy, ix) = ndimage.distance_transform_edt(~inner, return_indices=True)
    f = frame[ya:yb, xa:xb].astype(np.float64)
    by, bx = np.nonzero(band)
    if background is not None:
        b = background[ya:yb, xa:xb].astype(np.float64)[by, bx]
    else:
        beyond = ndimage.binary_dilation(reached, iterations=2) & ~reached
        b = np.median(f[beyond], axis=0)[None, :]
    inside = f[iy[by, bx], ix[by, bx]]
    toward = inside - b
    norm2 = (toward**2).sum(axis=1)
    alpha = ((f[by, bx] - b) * toward).sum(axis=1) / np.maximum(norm2, 1.0)
    # Not clipped at 0: grain then averages out over the wide band instead of adding up.
    alpha = np.where(norm2 > 400.0, np.clip(alpha, -0.5, 1.0), mask[by, bx])
    return float(inner.sum() + alpha.sum())


def _fall_fit(path: _Path, lo: int, hi: int) -> tuple[int, int] | None:
    """The span of path[lo:hi] that is a free fall: y a parabola bending down the image, x a straight
    line, enough travel to measure. While the fit is poor, the end sample that fits worse is dropped:
    at the start an object may be held still before it is let go, at the end a contact may hide in
    a gap of missing samples."""
    start, end = lo, hi
    limit = max(0.35, 0.015 * path.size)
    while end - start >= 6:
        if path.frames[end - 1] - path.frames[start] > 3 * (end - start):
            return None  # mostly gaps
        t = path.t[start:end] - path.t[start]
        cy = np.polyfit(t, path.y[start:end], 2)
        resid = np.polyval(cy, t) - path.y[start:end]
        rms = float(np.sqrt(np.mean(resid**2)))
        if rms > limit:
            if abs(resid[0]) >= abs(resid[-1]):
                start += 1
            else:
                end -= 1
            continue
        cx = np.polyfit(t, path.x[start:end], 2)
        travel = float(np.ptp(path.y[start:end]))
        if cy[0] > 0 and abs(cx[0]) < 0.15 * cy[0] and travel >= 0.5 * path.size:
            return start, end
        return None
    return None


def _spec_for(scene: _Scene, track: _Track) -> ObjectSpec | None:
    groups = [g for g in scene.groups if g.cls == track.cls]
    specs = [s for g in groups for s in g.specs if s.pivot is None]
    if not specs:
        return None
    if len({(s.kind, s.size) for s in specs}) == 1:
        return specs[0]
    mid = track.blobs[len(track.blobs) // 2]
    shape = _shape(mid.mask)
    if shape is None:
        return specs[0]
    return min(specs, key=lambda s: _shape_distance(shape, _prototype(KINDS[s.kind])))


def _planned_area(spec: ObjectSpec) -> float:
    """Silhouette area in m^2: size is the diameter of circles, the height of boxes and pins, and the
    width of bowls and cars; aspect is width / height."""
    w, h = _extent(spec)
    return _prototype(KINDS[spec.kind]).fill * w * h


def _expects_fall(plan: ScenePlan) -> bool:
    """Whether the plan drops or throws something: an action says so, or an object starts in the air
    (above the floor, any prop top and any other object under it, by more than 5 cm)."""
    if any(a.kind in ("drop", "bounce", "throw") for a in plan.actions):
        return True
    for obj in plan.objects:
        if obj.pivot is not None:
            continue
        w, h = _extent(obj)
        under = [0.0] + [p.height for p in plan.environment.props if abs(obj.x - p.x) <= p.width / 2 + 0.01]
        for other in plan.objects:
            ow, oh = _extent(other)
            if other is not obj and other.y < obj.y and abs(other.x - obj.x) < (w + ow) / 2:
                under.append(other.y + oh / 2)
        if obj.y - h / 2 > max(under) + 0.05:
            return True
    return False


def _extent(spec: ObjectSpec) -> tuple[float, float]:
    """Planned silhouette width and height in metres (see _planned_area)."""
    kind = KINDS[spec.kind]
    if kind.shape in ("bowl", "car"):
        return spec.size, spec.size / kind.aspect
    return spec.size * kind.aspect, spec.size


# ---------------------------------------------------------------- audio onsets and sync


def audio_onsets(audio: npt.NDArray[np.float32], sample_rate: int, start: float = 0.0) -> list[float]:
    """Onset times (s) of impact-like sounds. Spectral flux (how much new spectrum appears, in dB per
    frequency against the average of the preceding 3-10 ms) finds hits over room tone or rolling noise
    and on top of a still-ringing hit; a soft thud, which lifts few frequencies, passes when the
    broadband level jumps as well. Both are measured against the clip's own flicker (median and 90th
    percentile). Each hit is then placed at the first sample whose amplitude climbs 20% of the way
    from the level just before to the hit's peak."""
    if audio.size == 0:
        return []
    mono = audio.astype(np.float64).mean(axis=1) if audio.ndim == 2 else audio.astype(np.float64)
    x = signal.sosfilt(signal.butter(2, 60.0, "highpass", fs=sample_rate, output="sos"), mono)
    hop = max(1, sample_rate // 1000)
    win = 1 << max(4, round(math.log2(0.0053 * sample_rate)))  # ~5 ms: 256 samples at 48 kHz
    if len(x) < win + 12 * hop:
        return []
    frames = np.lib.stride_tricks.sliding_window_view(x, win)[::hop] * np.hanning(win)
    level = 20.0 * np.log10(np.abs(np.fft.rfft(frames, axis=1)) + 1e-9)
    level = np.maximum(level, float(np.percentile(level, 99.9)) - 70.0)  # ignore the faint
    # The 90th percentile over frequency of each bin's rise: a hit lifts a good share of the spectrum
    # (a click) or a few bins a lot (a ringing partial), noise only flickers here and there.
    flux = _flicker_units(np.percentile(np.maximum(0.0, level - _recent_mean(level)), 90, axis=1))
    power = (frames**2).sum(axis=1)
    recent = _recent_mean(power)
    jump = _flicker_units(10.0 * np.log10((power + 1e-20) / (recent + 1e-20)))
    # A sound that stops abruptly also brings new (broadband) spectrum; a hit brings some energy
    # too, if little next to a loud rumble. The first 25 ms have no past to compare with.
    louder = (power > 1.05 * recent) & (power > 2.0 * float(np.percentile(power, 20)))  # 3 dB over the hush
    louder[:25] = False
    hits = louder & ((flux > 3.0) | ((flux + jump > 5.0) & (flux > 1.5)))
    onsets: list[float] = []
    last = -math.inf
    for n in np.flatnonzero(hits):
        if n - last < 20:  # one hit (and its ringing) at a time: 20 ms
            continue
        last = float(n)
        onsets.append(start + _onset_sample(x, int(n) * hop, win) / sample_rate)
    return onsets


def _flicker_units(values: F64) -> F64:
    """Values relative to their median, in units of the typical excursion (90th percentile above the
    median), so that thresholds adapt to how busy a soundtrack is."""
    middle = float(np.median(values))
    spread = max(float(np.percentile(values, 90)) - middle, 0.5)
    return np.asarray((values - middle) / spread, dtype=np.float64)


def _recent_mean(values: F64, first: int = 3, last: int = 10) -> F64:
    """Per row, the mean of rows `first`..`last` before it (the row just before may hold the hit)."""
    pad = ((last, 0),) + ((0, 0),) * (values.ndim - 1)
    padded = np.pad(values, pad, mode="edge")
    n = len(values)
    rows = [padded[last - k : last - k + n] for k in range(first, last + 1)]
    return np.asarray(np.mean(rows, axis=0), dtype=np.float64)


def _onset_sample(x: F64, at: int, win: int) -> int:
    """The first sample of a hit caught by the spectral frame starting at `at`: it lies within a frame
    or so of there, and the level before that is the floor it has to climb from."""
    before = np.abs(x[max(0, at - 3 * win) : max(0, at - win)])
    floor = float(before.max()) if before.size else 0.0
    lo, hi = max(0, at - win), min(len(x), at + 3 * win)
    seg = np.abs(x[lo:hi])
    peak_at = int(np.argmax(seg))
    threshold = floor + 0.2 * max(0.0, float(seg[peak_at]) - floor)
    above = np.flatnonzero(seg[: peak_at + 1] >= threshold)
    return lo + int(above[0]) if above.size else lo + peak_at


def _sync(media: DecodedMedia, contacts: list[tuple[str, float]]) -> SyncReport:
    if media.audio is None:
        return SyncReport(score=None, reason="no audio stream")
    onsets = audio_onsets(media.audio, media.sample_rate, media.audio_start)
    report = SyncReport(score=None, contacts=len(contacts), onsets=[round(t, 5) for t in onsets])
    if not contacts:
        report.reason = "no visible contact in a shot with a still or sliding camera"
        return report
    on = np.array(onsets)
    used: set[int] = set()
    scores: list[float] = []
    offsets: list[float] = []
    for name, t in contacts:
        pair = ContactPair(object=name, video_t=round(t, 5), audio_t=None, offset_ms=None)
        if on.size:
            j = int(np.argmin(np.abs(on - t)))
            if abs(on[j] - t) <= SYNC_WINDOW:
                off = float(on[j] - t)
                pair.audio_t, pair.offset_ms = round(float(on[j]), 5), round(1000 * off, 2)
                used.add(j)
                offsets.append(abs(off))
                scores.append(float(np.clip(1 - (abs(off) - SYNC_GOOD) / (SYNC_BAD - SYNC_GOOD), 0, 1)))
                report.pairs.append(pair)
                continue
        scores.append(0.0)
        report.pairs.append(pair)
    report.matched_fraction = round(len(offsets) / len(contacts), 4)
    report.unmatched_onsets = len(onsets) - len(used)
    if offsets:
        report.median_abs_ms = round(1000 * float(np.median(offsets)), 2)
        report.worst_abs_ms = round(1000 * max(offsets), 2)
    else:
        report.reason = "no visible contact has a sound within 150 ms"
    report.score = round(float(np.mean(scores)), 4)
    return report
