"""Rendering: sizes, styles, determinism, and that what is drawn is where the simulation says."""

from __future__ import annotations

import numpy as np
import pytest

from kinora.world.camera import plan_camera
from kinora.world.plan import Camera, ScenePlan, Shot
from kinora.world.render import Renderer
from kinora.world.sim import simulate
from tests.world.conftest import drop_plan, obj


def _render(plan: ScenePlan, width: int, height: int, seconds: float = 2.0, seed: int = 0) -> np.ndarray:
    sim = simulate(plan, seconds, 24)
    cam = plan_camera(plan, sim, width, height)
    renderer = Renderer(plan, sim, cam, width, height, seed)
    return np.stack(list(renderer.frames()))


@pytest.mark.parametrize(("width", "height"), [(256, 256), (480, 854), (720, 1280), (1280, 720)])
def test_any_size_renders(width: int, height: int) -> None:
    frames = _render(drop_plan(1.0), width, height, seconds=0.5)
    assert frames.shape == (12, height, width, 3) and frames.dtype == np.uint8
    assert frames.std() > 5  # not a flat image


@pytest.mark.parametrize("style", ["cartoon", "anime", "noir", "neon"])
def test_styles_differ_from_realistic_and_noir_is_grey(style: str) -> None:
    plan = drop_plan(1.0).model_copy(update={"style": style})
    frames = _render(plan, 256, 256, seconds=0.5)
    if style == "noir":
        spread = frames.max(axis=-1).astype(int) - frames.min(axis=-1)
        assert spread.max() <= 2
    else:
        realistic = _render(drop_plan(1.0), 256, 256, seconds=0.5)
        assert np.abs(frames.astype(int) - realistic).mean() > 3


def test_same_seed_same_frames_and_other_seed_differs_only_in_grain() -> None:
    plan = drop_plan(1.0).model_copy(update={"style": "noir"})
    a, b = _render(plan, 256, 256, 0.5, seed=1), _render(plan, 256, 256, 0.5, seed=1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, _render(plan, 256, 256, 0.5, seed=2))


def test_ball_is_drawn_where_it_is_simulated() -> None:
    plan = drop_plan(1.2, floor="tile")
    sim = simulate(plan, 1.0, 24)
    cam = plan_camera(plan, sim, 480, 854)
    renderer = Renderer(plan, sim, cam, 480, 854, 0)
    for i in (0, 10, 20):
        frame = renderer.frame(i).astype(int)
        red = frame[..., 0] - frame[..., 1:].max(axis=-1) > 40
        rows, cols = np.nonzero(red)
        x, y = sim.poses["ball1"][i, :2]
        col, row = cam.to_pixels(i, x, y, 480, 854)
        assert abs(cols.mean() - col) < 3 and abs(rows.mean() - row) < 6
        diameter = cam.scale[i] * 0.22
        assert cols.max() - cols.min() == pytest.approx(diameter, rel=0.15)


def test_close_up_shot_magnifies_its_target() -> None:
    ball = obj("ball1", "ball", x=0.0, y=0.11, size=0.22)
    far = obj("cube1", "cube", x=1.2, y=0.1, size=0.2, material="wood", color="blue")
    plan = ScenePlan(objects=[ball, far], shots=[Shot(start=0), Shot(start=0.5, camera=Camera(
        framing="close", target="ball1"))])
    sim = simulate(plan, 2.0, 24)
    cam = plan_camera(plan, sim, 480, 854)
    assert cam.shot[0] == 0 and cam.shot[-1] == 1
    assert cam.scale[-1] > 2 * cam.scale[0]
    col, row = cam.to_pixels(len(cam.cx) - 1, 0.0, 0.11, 480, 854)
    assert 0 < col < 480 and 0 < row < 854


@pytest.mark.parametrize("move", ["pan", "zoom_in", "zoom_out", "follow"])
def test_camera_moves_move(move: str) -> None:
    ball = obj("ball1", "ball", x=-0.8, y=0.11, size=0.22, vx=1.0, spin=-1.0 / 0.11)
    plan = ScenePlan(objects=[ball], shots=[Shot(start=0, camera=Camera(move=move, target="ball1"))])  # type: ignore[arg-type]
    sim = simulate(plan, 2.0, 24)
    cam = plan_camera(plan, sim, 480, 854)
    if move.startswith("zoom"):
        grows = cam.scale[-1] > cam.scale[0] * 1.5
        assert grows if move == "zoom_in" else cam.scale[0] > cam.scale[-1] * 1.5
    else:
        assert abs(cam.cx[-1] - cam.cx[0]) > 0.2
    frames = _render(plan, 256, 456, seconds=1.0)
    assert not np.array_equal(frames[0], frames[-1])


def test_objects_at_the_frame_edge_render() -> None:
    # Regression: a part clipped to a one-pixel sliver at the edge crashed the shading.
    from kinora.world.parse import parse_prompt

    plan = parse_prompt("a steel ball rolls down a ramp into a row of ten dominoes", seed=1)
    frames = _render(plan, 640, 360, seconds=4.0)
    assert frames.shape == (96, 360, 640, 3)


def test_a_wide_layout_in_portrait_gets_an_operator_who_follows_the_action() -> None:
    # Twenty dominoes span about 2.4 m: framing all of them in a portrait frame would leave each a
    # few pixels wide, so the static wide shot follows the toppling wave at a readable scale.
    from kinora.world.parse import parse_prompt

    plan = parse_prompt("a row of twenty dominoes topples", seed=0)
    sim = simulate(plan, 4.0, 24)
    cam = plan_camera(plan, sim, 360, 640)
    assert cam.scale.min() * 0.2 >= 0.1 * 360 * 0.99  # a domino is a tenth of the frame wide or more
    assert abs(cam.cx[-1] - cam.cx[0]) > 0.5  # and the camera travels with the wave
    landscape = plan_camera(parse_prompt("a red ball bounces", seed=0), simulate(
        parse_prompt("a red ball bounces", seed=0), 2.0, 24), 1280, 720)
    assert np.ptp(landscape.cx) == 0  # a compact scene keeps its locked-off wide shot


def test_a_close_up_keeps_the_wall_in_view() -> None:
    # Zoomed onto a 5 cm marble the floor's far edge would sit far above the frame; the set is drawn
    # smaller for close cameras so the shot still shows floor and wall.
    marble = obj("marble1", "marble", x=0.0, y=0.025, size=0.05, material="glass", color="blue")
    plan = ScenePlan(objects=[marble], shots=[Shot(start=0, camera=Camera(framing="close", target="marble1"))])
    frame = _render(plan, 1280, 720, seconds=0.5)[0].astype(int)
    wall, floor = frame[20].mean(axis=0), frame[-20].mean(axis=0)
    assert wall[2] > 150 and floor[2] < 100  # a light wall above, a wood floor below
