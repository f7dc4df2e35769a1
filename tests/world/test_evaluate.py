"""The evaluator against clips whose truth we know: a synthetic renderer (numpy, in this file) draws a
red ball bouncing under a chosen gravity and a blue cube dropping, with the nuisances a real renderer
has (shaded objects, a specular highlight, soft shadows, a plank floor, vignette, film grain) and a
click exactly at every contact. Wrong clips must score visibly lower."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from kinora.engines.base import Clip
from kinora.media.encode import write_mp4
from kinora.world.catalog import COLORS
from kinora.world.evaluate import EvalReport, audio_onsets, colour_lut, evaluate
from kinora.world.plan import Action, ObjectSpec, ScenePlan, Shot
from kinora.world.plan import Camera as ShotCamera

FPS = 24
SR = 48_000
PX_PER_M = 200.0
FLOOR_Y = 700  # px: the floor surface in the full-size frame


@dataclass(frozen=True)
class Ball:
    rgb: tuple[int, int, int] = COLORS["red"]
    x: float = 0.5
    y: float = 3.0
    vx: float = 0.1
    d: float = 0.22
    restitution: float = 0.6


@dataclass(frozen=True)
class Camera:
    px_per_m: float = PX_PER_M
    left: float = 40.0  # px of world x = 0
    floor: float = FLOOR_Y  # px of world y = 0

    def px(self, x: float, y: float) -> tuple[float, float]:
        return self.left + x * self.px_per_m, self.floor - y * self.px_per_m


@dataclass(frozen=True)
class Scene:
    width: int = 480
    height: int = 854
    seconds: float = 4.0
    gravity: float = 9.81  # what the pixels obey (video time)
    balls: tuple[Ball, ...] = (Ball(),)
    cube: bool = True
    cube_as_disk: bool = False
    cube_rgb: tuple[int, int, int] = COLORS["blue"]
    cube_x: float = 1.7
    cube_y: float = 1.5
    cube_side: float = 0.2
    stack: int = 1  # more than 1: that many cubes standing in a tower instead of one dropping
    camera: Camera = Camera()
    cut: float | None = None  # seconds: from here a closer camera
    close: Camera = Camera(px_per_m=1.6 * PX_PER_M, left=-160.0, floor=740.0)
    floor: str = "planks"  # or "grass"
    audio_delay: float = 0.0
    outline: bool = False
    grey: bool = False
    blur: bool = False
    pan: float = 0.0  # px per second the camera slides right
    seed: int = 7


def ball_motion(
    s: Scene, b: Ball
) -> tuple[list[tuple[float, float, float | None]], list[tuple[float, float]]]:
    """Flights as (t_start, height_of_centre_at_start, vy_at_start or None at rest) and contacts as
    (t, speed)."""
    r = b.d / 2
    g = s.gravity
    t1 = math.sqrt(2 * (b.y - r) / g)
    flights: list[tuple[float, float, float | None]] = [(0.0, b.y, 0.0)]
    contacts = [(t1, g * t1)]
    t, v = t1, g * t1 * b.restitution
    while v > 0.8 and t < s.seconds:
        flights.append((t, r, v))
        t += 2 * v / g
        contacts.append((t, v))
        v *= b.restitution
    flights.append((t, r, None))
    return flights, contacts


def ball_height(s: Scene, b: Ball, t: float) -> float:
    flights, _ = ball_motion(s, b)
    t0, y0, vy = [f for f in flights if f[0] <= t][-1]
    if vy is None:
        return b.d / 2
    return max(b.d / 2, y0 + vy * (t - t0) - 0.5 * s.gravity * (t - t0) ** 2)


def cube_height(s: Scene, t: float) -> float:
    return max(s.cube_side / 2, s.cube_y - 0.5 * s.gravity * t * t)


def cube_contact(s: Scene) -> float:
    return math.sqrt(2 * (s.cube_y - s.cube_side / 2) / s.gravity)


def background(s: Scene, cam: Camera, rng: np.random.Generator) -> npt.NDArray[np.float32]:
    h, w = s.height, s.width + math.ceil(s.pan * s.seconds)
    floor_y = int(cam.floor)
    y = np.arange(h, dtype=np.float32)[:, None]
    x = np.arange(w, dtype=np.float32)[None, :]
    shade = (y / floor_y)[..., None] * np.array([26, 26, 30]) + (x / w)[..., None] * 8
    img = np.broadcast_to(np.array([226, 222, 214], np.float32) - shade, (h, w, 3)).copy()
    if s.floor == "grass":
        blades = rng.normal(0, 14, (h - floor_y, w, 1)).astype(np.float32)
        img[floor_y:] = np.array(COLORS["green"], np.float32) * 0.85 + blades
    else:
        plank_h = round(24 * cam.px_per_m / PX_PER_M)
        for k, top in enumerate(range(floor_y, h, plank_h)):
            base = np.array([178, 138, 94] if k % 2 else [166, 126, 84], np.float32)
            band = img[top : top + plank_h]
            band[:] = base + 6 * np.sin(x / (7 + 3 * k) + k)[..., None] + rng.normal(0, 2, (1, w, 1))
            band[0] = base * 0.7  # the seam between planks
            for cut in rng.integers(0, w, 2):
                band[:, cut : cut + 2] = base * 0.72
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((xx - w / 2) / (0.75 * w)) ** 2 + ((yy - h / 2) / (0.75 * h)) ** 2
    return img * (1 - 0.3 * r2)[..., None]  # vignette


def shade_disk(
    img: npt.NDArray[np.float32], cx: float, cy: float, r: float, rgb: tuple[int, int, int], outline: bool
) -> None:
    y0, y1 = max(0, int(cy - r - 2)), min(img.shape[0], int(cy + r + 3))
    x0, x1 = max(0, int(cx - r - 2)), min(img.shape[1], int(cx + r + 3))
    if y0 >= y1 or x0 >= x1:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    dx, dy = xx - cx, yy - cy
    dist = np.hypot(dx, dy)
    cover = np.clip(r + 0.5 - dist, 0, 1)[..., None]
    light = 1.12 - 0.55 * np.clip((dx + dy) / (2.8 * r) + 0.5, 0, 1)  # lit from the top left
    colour = np.array(rgb, np.float32) * light[..., None]
    spec = np.exp(-(((dx + 0.38 * r) ** 2 + (dy + 0.38 * r) ** 2) / (2 * (0.16 * r) ** 2)))[..., None]
    colour = colour * (1 - 0.8 * spec) + 250 * 0.8 * spec
    if outline:
        ring = np.clip(1.0 - np.abs(dist - (r - 1.0)) / 1.5, 0, 1)[..., None]
        colour = colour * (1 - ring) + 20 * ring
    img[y0:y1, x0:x1] = img[y0:y1, x0:x1] * (1 - cover) + np.clip(colour, 0, 255) * cover


def shade_square(
    img: npt.NDArray[np.float32], cx: float, cy: float, half: float, rgb: tuple[int, int, int]
) -> None:
    y0, y1 = max(0, int(cy - half - 2)), min(img.shape[0], int(cy + half + 3))
    x0, x1 = max(0, int(cx - half - 2)), min(img.shape[1], int(cx + half + 3))
    if y0 >= y1 or x0 >= x1:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    cover_x = np.clip(half + 0.5 - np.abs(xx - cx), 0, 1)
    cover = (cover_x * np.clip(half + 0.5 - np.abs(yy - cy), 0, 1))[..., None]
    light = 1.1 - 0.4 * np.clip((yy - cy + half) / (2 * half), 0, 1)
    colour = np.array(rgb, np.float32) * light[..., None]
    img[y0:y1, x0:x1] = img[y0:y1, x0:x1] * (1 - cover) + np.clip(colour, 0, 255) * cover


def shadow(img: npt.NDArray[np.float32], floor_y: float, cx: float, half_w: float, height_px: float) -> None:
    y0, y1 = int(floor_y) - 12, int(floor_y) + 14
    x0, x1 = max(0, int(cx - 3 * half_w)), min(img.shape[1], int(cx + 3 * half_w))
    if x0 >= x1:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    spread = 1 + height_px / 300
    e = ((xx - cx) / (1.1 * half_w * spread)) ** 2 + ((yy - floor_y - 1) / (0.22 * half_w * spread)) ** 2
    dark = 0.45 / spread * np.exp(-(e**2))
    img[y0:y1, x0:x1] *= (1 - dark)[..., None]


def draw(s: Scene, bg: npt.NDArray[np.float32], cam: Camera, t: float) -> npt.NDArray[np.float32]:
    shift = int(s.pan * t)
    img = bg[:, shift : shift + s.width].copy()
    cam = replace(cam, left=cam.left - shift)
    items = []
    if s.cube:
        half = s.cube_side / 2 * cam.px_per_m
        heights = [cube_height(s, t)] if s.stack == 1 else [(i + 0.5) * s.cube_side for i in range(s.stack)]
        for height in heights:
            cx, cy = cam.px(s.cube_x, height)
            shadow(img, cam.floor, cx, half, cam.floor - cy - half)
            items.append((cx, cy, half, s.cube_rgb, not s.cube_as_disk))
    for b in s.balls:
        bx, by = cam.px(b.x + b.vx * t, ball_height(s, b, t))
        r = b.d / 2 * cam.px_per_m
        shadow(img, cam.floor, bx, r, cam.floor - by - r)
        items.append((bx, by, r, b.rgb, False))
    for x, y, size, rgb, square in items:
        if square:
            shade_square(img, x, y, size, rgb)
        else:
            shade_disk(img, x, y, size, rgb, s.outline)
    return img


def render(s: Scene) -> Clip:
    rng = np.random.default_rng(s.seed)
    backgrounds = {cam: background(s, cam, rng) for cam in (s.camera, s.close)}
    n = round(s.seconds * FPS)
    frames = np.empty((n, s.height, s.width, 3), np.uint8)
    for i in range(n):
        t = i / FPS
        cam = s.close if s.cut is not None and t >= s.cut else s.camera
        if s.blur:  # a 180-degree shutter: the average of the half frame-time around t
            img = (
                sum(
                    draw(s, backgrounds[cam], cam, max(0.0, t + dt / (4 * FPS)))
                    for dt in (-1, -0.5, 0, 0.5, 1)
                )
                / 5
            )
        else:
            img = draw(s, backgrounds[cam], cam, t)
        img = img + rng.normal(0, 4, (s.height, s.width, 1)).astype(np.float32)  # film grain
        if s.grey:
            img = (img @ np.array([0.299, 0.587, 0.114], np.float32))[..., None].repeat(3, axis=2)
        frames[i] = np.clip(img + 0.5, 0, 255).astype(np.uint8)
    return Clip(frames, float(FPS), soundtrack(s), SR)


def hits(s: Scene) -> list[tuple[float, float]]:
    """(time, speed) of every contact."""
    out = [c for b in s.balls for c in ball_motion(s, b)[1]]
    if s.cube and s.stack == 1:
        out.append((cube_contact(s), s.gravity * cube_contact(s)))
    return sorted(c for c in out if c[0] < s.seconds)


def contacts(s: Scene) -> list[float]:
    return [t for t, _ in hits(s)]


def soundtrack(s: Scene) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(s.seed + 1)
    total = round(s.seconds * SR)
    mono = rng.normal(0, 0.001, total)
    k = np.arange(round(0.25 * SR)) / SR
    for t, v in hits(s):
        start = round((t + s.audio_delay) * SR)
        if start >= total:
            continue
        amp = float(np.clip(0.1 * v, 0.08, 0.8))
        click = amp * (
            0.6 * np.sin(2 * np.pi * 700 * k) * np.exp(-k / 0.04)
            + 0.3 * np.sin(2 * np.pi * 2100 * k) * np.exp(-k / 0.015)
            + 0.4 * rng.normal(0, 1, k.size) * np.exp(-k / 0.003)
        )
        end = min(total, start + k.size)
        mono[start:end] += click[: end - start]
    return np.stack([mono, mono], axis=1).astype(np.float32)


def plan_for(s: Scene, **changes: object) -> ScenePlan:
    """The plan the scene was drawn from (every ball and the cube, in their drawn colours)."""
    names = {rgb: name for name, rgb in COLORS.items()}
    objects = [
        ObjectSpec(
            id=f"ball{i}",
            kind="ball" if b.d > 0.1 else "marble",
            color=names[b.rgb],
            rgb=b.rgb,
            material="rubber",
            size=b.d,
            x=b.x,
            y=b.y,
            vx=b.vx,
        )
        for i, b in enumerate(s.balls)
    ]
    heights = [s.cube_y] if s.stack == 1 else [(i + 0.5) * s.cube_side for i in range(s.stack)]
    objects += [
        ObjectSpec(
            id=f"cube{i}" if i else "cube",
            kind="cube",
            color=names[s.cube_rgb],
            rgb=s.cube_rgb,
            material="wood",
            size=s.cube_side,
            x=s.cube_x,
            y=y,
        )
        for i, y in enumerate(heights)
    ]
    plan = ScenePlan(objects=objects, actions=[Action(kind="drop", subjects=[o.id for o in objects])])
    return plan.model_copy(update=changes)


_CACHE: dict[Scene, Path] = {}


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("evalclips")


def clip_file(s: Scene, where: Path) -> Path:
    if s not in _CACHE:
        _CACHE[s] = write_mp4(render(s), where / f"clip{len(_CACHE)}.mp4")
    return _CACHE[s]


@pytest.fixture(scope="module")
def good(clip_dir: Path) -> tuple[Scene, EvalReport]:
    s = Scene()
    return s, evaluate(clip_file(s, clip_dir), plan_for(s))


# ------------------------------------------------------------------ the right clip


def test_right_clip_adherence(good: tuple[Scene, EvalReport]) -> None:
    _, report = good
    assert report.adherence.score >= 0.95, report.summary()
    by_kind = {g.kind: g for g in report.adherence.groups}
    assert by_kind["ball"].seen == 1 and by_kind["ball"].color_found
    assert by_kind["cube"].seen == 1 and by_kind["cube"].kind_score == 1.0


def test_right_clip_gravity(good: tuple[Scene, EvalReport]) -> None:
    _, report = good
    p = report.physics
    assert p.g_fit is not None and p.rel_error is not None, report.summary()
    assert p.rel_error < 0.03, report.summary()
    assert p.object is not None and "ball" in p.object
    assert p.px_per_m is not None and abs(p.px_per_m - PX_PER_M * 640 / 854) / (PX_PER_M * 640 / 854) < 0.03


def test_right_clip_sync(good: tuple[Scene, EvalReport]) -> None:
    s, report = good
    sync = report.sync
    assert sync.median_abs_ms is not None and sync.worst_abs_ms is not None, report.summary()
    assert sync.median_abs_ms < 5.0, report.summary()
    assert sync.worst_abs_ms < 1000 / FPS, report.summary()
    assert sync.matched_fraction == 1.0
    truth = contacts(s)
    for pair in sync.pairs:  # every visible contact is one of the true ones, found to a few ms
        assert min(abs(pair.video_t - t) for t in truth) < 0.012, sync.pairs
    assert sync.contacts >= len(truth) - 2
    assert report.score >= 0.95


def test_report_is_json_and_has_a_summary(good: tuple[Scene, EvalReport]) -> None:
    _, report = good
    data = json.loads(report.model_dump_json())
    assert data["adherence"]["groups"][0]["kind"] in ("ball", "cube")
    assert EvalReport.model_validate(data) == report
    text = report.summary()
    assert "adherence" in text and "physics" in text and "sync" in text


# ------------------------------------------------------------------ wrong clips


def test_missing_object_lowers_adherence(clip_dir: Path) -> None:
    s = Scene(cube=False)
    report = evaluate(clip_file(s, clip_dir), plan_for(Scene()))
    assert report.adherence.score <= 0.55, report.summary()
    cube = next(g for g in report.adherence.groups if g.kind == "cube")
    assert cube.seen == 0 and cube.color_found is False
    # A plan that only asks for a close shot of the ball does not promise the cube is in view.
    close = [Shot(start=0, camera=ShotCamera(framing="close", target="ball0"))]
    report = evaluate(clip_file(s, clip_dir), plan_for(Scene(), shots=close))
    cube = next(g for g in report.adherence.groups if g.kind == "cube")
    assert not cube.required and report.adherence.score >= 0.95, report.summary()


def test_wrong_count_and_kind_lower_adherence(clip_dir: Path) -> None:
    s = Scene(cube_as_disk=True)
    report = evaluate(clip_file(s, clip_dir), plan_for(Scene()))
    cube = next(g for g in report.adherence.groups if g.kind == "cube")
    assert cube.color_found and cube.kind_score <= 0.5, report.summary()
    assert report.adherence.score <= 0.75
    good_clip = clip_file(Scene(), clip_dir)
    base = plan_for(Scene())
    second = base.objects[0].model_copy(update={"id": "ball2"})
    two = base.model_copy(update={"objects": [*base.objects, second]})
    report = evaluate(good_clip, two)
    ball = next(g for g in report.adherence.groups if g.kind == "ball")
    assert ball.expected == 2 and ball.seen == 1 and ball.count_score == 0.5, report.summary()


def test_delayed_audio_is_measured(clip_dir: Path) -> None:
    s = Scene(audio_delay=0.1)
    report = evaluate(clip_file(s, clip_dir), plan_for(s))
    sync = report.sync
    assert sync.median_abs_ms is not None and abs(sync.median_abs_ms - 100) < 10, report.summary()
    offsets = [p.offset_ms for p in sync.pairs if p.offset_ms is not None]
    assert offsets and all(o > 0 for o in offsets)
    assert sync.score is not None and sync.score < 0.3


def test_wrong_gravity_is_measured(clip_dir: Path) -> None:
    s = Scene(gravity=5.0)
    report = evaluate(clip_file(s, clip_dir), plan_for(s))
    p = report.physics
    assert p.g_fit is not None and p.rel_error is not None, report.summary()
    assert abs(p.g_fit - 5.0) / 5.0 < 0.03
    assert p.rel_error > 0.4 and p.score is not None and p.score < 0.3


def test_slow_motion_is_undone(clip_dir: Path) -> None:
    s = Scene(gravity=9.81 * 0.5**2)  # the world at 9.81 m/s^2, shown at half speed
    report = evaluate(clip_file(s, clip_dir), plan_for(s, slow_motion=0.5))
    assert report.physics.rel_error is not None and report.physics.rel_error < 0.03, report.summary()


# ------------------------------------------------------------------ styles and nuisances


def test_cartoon_outlines(clip_dir: Path) -> None:
    s = Scene(outline=True)
    report = evaluate(clip_file(s, clip_dir), plan_for(s, style="cartoon"))
    assert report.adherence.score >= 0.95, report.summary()
    assert report.physics.rel_error is not None and report.physics.rel_error < 0.03


def test_noir_scores_counts_and_kinds_only(clip_dir: Path) -> None:
    s = Scene(grey=True)
    report = evaluate(clip_file(s, clip_dir), plan_for(s, style="noir"))
    a = report.adherence
    assert not a.color_checked and any("noir" in n for n in a.notes)
    assert all(g.color_found is None for g in a.groups)
    assert a.score >= 0.9, report.summary()


def test_other_colours(clip_dir: Path) -> None:
    s = Scene(balls=(Ball(rgb=COLORS["orange"]),), cube_rgb=COLORS["green"])
    plan = plan_for(s)
    report = evaluate(clip_file(s, clip_dir), plan)
    assert report.adherence.score >= 0.95, report.summary()
    wrong = plan.model_copy(deep=True)
    wrong.objects[0] = wrong.objects[0].model_copy(update={"color": "purple", "rgb": COLORS["purple"]})
    report = evaluate(clip_file(s, clip_dir), wrong)
    ball = next(g for g in report.adherence.groups if g.kind == "ball")
    assert not ball.color_found and report.adherence.score <= 0.55, report.summary()


def test_eight_second_clip(clip_dir: Path) -> None:
    s = replace(Scene(), seconds=8.0)
    report = evaluate(clip_file(s, clip_dir), plan_for(s))
    assert report.adherence.score >= 0.95 and report.physics.rel_error is not None


def test_counts_like_coloured_objects_apart_and_stacked(clip_dir: Path) -> None:
    balls = (Ball(x=0.3, y=3.0, vx=0.0), Ball(x=0.8, y=2.3, vx=0.05), Ball(x=1.3, y=1.7, vx=0.0))
    s = Scene(balls=balls, stack=3, seconds=3.0)
    report = evaluate(clip_file(s, clip_dir), plan_for(s))
    seen = {g.kind: g.seen for g in report.adherence.groups}
    assert seen == {"ball": 3, "cube": 3}, report.summary()
    assert report.adherence.score >= 0.95
    assert report.sync.median_abs_ms is not None and report.sync.median_abs_ms < 5.0, report.summary()


def test_marbles_a_few_pixels_wide(clip_dir: Path) -> None:
    marbles = (Ball(x=0.4, y=1.6, vx=0.0, d=0.05), Ball(x=0.9, y=1.2, vx=0.0, d=0.05))
    s = Scene(balls=marbles, camera=Camera(px_per_m=160, left=30, floor=700), seconds=3.0)
    report = evaluate(clip_file(s, clip_dir), plan_for(s))  # marbles about 6 px across when analysed
    marble = next(g for g in report.adherence.groups if g.kind == "marble")
    assert marble.seen == 2 and report.adherence.score >= 0.95, report.summary()


def test_motion_blur(clip_dir: Path) -> None:
    s = Scene(blur=True)
    report = evaluate(clip_file(s, clip_dir), plan_for(s))
    assert report.adherence.score >= 0.95, report.summary()
    assert report.physics.rel_error is not None and report.physics.rel_error < 0.03, report.summary()
    assert report.sync.worst_abs_ms is not None and report.sync.worst_abs_ms < 1000 / FPS


def test_floor_of_the_planned_colour(clip_dir: Path) -> None:
    s = Scene(floor="grass", balls=(Ball(rgb=COLORS["green"]),))
    report = evaluate(clip_file(s, clip_dir), plan_for(s))
    assert report.adherence.score >= 0.95, report.summary()
    assert report.physics.rel_error is not None and report.physics.rel_error < 0.03, report.summary()
    assert report.sync.matched_fraction == 1.0


def test_panning_camera(clip_dir: Path) -> None:
    s = Scene(pan=60.0)
    report = evaluate(
        clip_file(s, clip_dir), plan_for(s, shots=[Shot(start=0, camera=ShotCamera(move="pan"))])
    )
    assert report.segments == [(0, 96, False)]
    assert report.adherence.score >= 0.95, report.summary()
    assert report.physics.rel_error is not None and report.physics.rel_error < 0.03, report.summary()
    assert report.sync.median_abs_ms is not None and report.sync.median_abs_ms < 5.0, report.summary()


def test_cut_to_a_close_up(clip_dir: Path) -> None:
    s = Scene(cut=2.0)
    shots = [Shot(start=0), Shot(start=0.5, camera=ShotCamera(framing="close", target="ball0"))]
    report = evaluate(clip_file(s, clip_dir), plan_for(s, shots=shots))
    assert [seg[:2] for seg in report.segments] == [(0, 48), (48, 96)]
    assert report.adherence.score >= 0.95, report.summary()
    assert report.physics.rel_error is not None and report.physics.rel_error < 0.03, report.summary()


# ------------------------------------------------------------------ parts


def test_colour_table_tolerates_shading_but_not_other_hues() -> None:
    lut = colour_lut([COLORS["red"], COLORS["blue"]])

    def label(rgb: tuple[int, int, int]) -> int:
        r, g, b = (c >> 2 for c in rgb)
        return int(lut[(r << 12) | (g << 6) | b])

    red = np.array(COLORS["red"], np.float64)
    for scale in (0.5, 0.75, 1.0, 1.15):
        assert label(tuple(np.clip(red * scale, 0, 255).astype(int))) == 0  # type: ignore[arg-type]
    assert label(COLORS["blue"]) == 1
    for other in ("orange", "pink", "brown", "beige", "white", "gray", "purple"):
        assert label(COLORS[other]) == -1, other
    assert label((166, 126, 84)) == -1  # the plank floor


def test_audio_onsets_to_the_sample() -> None:
    rng = np.random.default_rng(3)
    audio = rng.normal(0, 0.001, (SR * 2, 2)).astype(np.float32)
    truth = [4800, 20011, 20011 + 3000, 70000]
    k = np.arange(4000) / SR
    for n, at in enumerate(truth):
        amp = 0.5 if n != 2 else 0.3  # the third rides on the ringing of the second
        hit = amp * (
            np.sin(2 * np.pi * (900 + 500 * n) * k + 0.7) * np.exp(-k / 0.05)
            + 0.5 * rng.normal(0, 1, k.size) * np.exp(-k / 0.002)
        )
        audio[at : at + k.size] += hit[:, None].astype(np.float32)
    found = audio_onsets(audio, SR, start=0.5)
    assert len(found) == len(truth), found
    for n, (f, at) in enumerate(zip(found, truth, strict=True)):
        tolerance = 3 if n != 2 else SR // 1000  # on top of ringing: to the millisecond
        assert abs((f - 0.5) * SR - at) <= tolerance, (f, at)


# ------------------------------------------------------------------ world-engine scenes


def _world_report(prompt: str, clip_dir: Path, name: str) -> EvalReport:
    """A prompt rendered by the world engine at a small size, then judged from the MP4 alone."""
    from kinora.world.generate import render_plan
    from kinora.world.parse import parse_prompt

    plan = parse_prompt(prompt, seed=2)
    clip = render_plan(plan, seconds=4, width=320, height=568, fps=FPS, seed=2)
    return evaluate(write_mp4(clip, clip_dir / f"{name}.mp4"), plan)


def test_achromatic_objects_on_a_light_wall(clip_dir: Path) -> None:
    # A silver ball and white pins: grey on grey, found by low chroma against a still background once
    # the following camera settles; the pins' red neck stripes must not cut each pin in two.
    report = _world_report("a steel ball knocks over three bowling pins", clip_dir, "pins")
    # Colours found and counts exact; a pin lying in the heap may read as another kind (a known weakness
    # of outline-based kinds), so kinds are not asserted here.
    assert all(g.color_found for g in report.adherence.groups), report.summary()
    assert [g.seen for g in report.adherence.groups] == [1, 3], report.summary()


def test_wooden_ramp_is_not_an_orange_block(clip_dir: Path) -> None:
    # The ramp and the floor are wood, near orange: still scenery, so exactly one orange block counts.
    report = _world_report("a green rubber ball rolls down a ramp and hits an orange block", clip_dir, "ramp")
    seen = {g.color: g.seen for g in report.adherence.groups}
    assert seen == {"green": 1, "orange": 1}, report.summary()
    # Counts are what this test is about; telling a lying wood-grain block from a car by its outline
    # is a known weakness (kind score ~0.6), so it is not asserted here.
    assert all(g.count_score == 1.0 for g in report.adherence.groups), report.summary()
