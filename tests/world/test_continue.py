"""Continuing a simulation: end states, kicks, ringing tails, the camera's hand-over, and reading a remix
or extension prompt against the scene it changes."""

from __future__ import annotations

import numpy as np
import pytest

from kinora.world.camera import CameraState, end_state, plan_camera
from kinora.world.catalog import COLORS
from kinora.world.edit import read_edit
from kinora.world.events import Impact
from kinora.world.foley import SAMPLE_RATE, ringing, synthesize
from kinora.world.parse import parse_prompt
from kinora.world.plan import Environment, Kick, ScenePlan
from kinora.world.sim import BodyState, simulate
from tests.world.conftest import obj

FPS = 12


def _scene() -> ScenePlan:
    """A ball bouncing, a ball rolling toward a row of cubes it reaches after a few seconds, a resting cube."""
    return ScenePlan(objects=[
        obj("ball1", "ball", x=-1.5, y=1.2, size=0.22),
        obj("ball2", "ball", x=0.0, y=0.11, size=0.22, color="blue", vx=0.6, spin=-0.6 / 0.11),
        obj("cube1", "cube", x=2.2, y=0.1, size=0.2, material="wood"),
        obj("cube2", "cube", x=3.0, y=0.1, size=0.2, material="wood"),
    ])


def _continued(plan: ScenePlan, end: dict[str, BodyState]) -> ScenePlan:
    objects = [o.model_copy(update={"x": end[o.id].x, "y": end[o.id].y, "angle": end[o.id].angle,
                                    "vx": end[o.id].vx, "vy": end[o.id].vy, "spin": end[o.id].spin})
               for o in plan.objects]
    return plan.model_copy(update={"objects": objects})


def test_a_simulation_split_in_two_matches_the_uninterrupted_one() -> None:
    plan = _scene()
    whole = simulate(plan, 6.0, FPS)
    first = simulate(plan, 3.0, FPS)
    second = simulate(_continued(plan, first.end), 3.0, FPS, start=first.end)
    for pid, pose in whole.poses.items():
        joined = np.concatenate([first.poses[pid], second.poses[pid]])
        assert np.abs(joined[:, :2] - pose[:, :2]).max() < 1e-4, pid
    assert len(first.impacts) + len(second.impacts) == len(whole.impacts)
    assert second.impacts and all(i.t >= 0 for i in second.impacts)  # ball2 hits the cubes after the seam


def test_the_end_state_is_one_frame_after_the_last_frame() -> None:
    sim = simulate(_scene(), 2.0, FPS)
    longer = simulate(_scene(), 2.0 + 1 / FPS, FPS)
    for pid, state in sim.end.items():
        assert (state.x, state.y, state.angle) == pytest.approx(tuple(longer.poses[pid][-1]), abs=1e-9)
    assert not sim.end["ball2"].sleeping and sim.end["ball2"].vx == pytest.approx(0.6, abs=0.01)


def test_start_names_a_part_it_lacks() -> None:
    sim = simulate(_scene(), 1.0, FPS)
    partial = {k: v for k, v in sim.end.items() if k != "cube2"}
    with pytest.raises(ValueError, match=r"start: no state for parts \['cube2'\]"):
        simulate(_scene(), 1.0, FPS, start=partial)


def test_a_kick_sets_an_object_moving_at_its_time() -> None:
    ball = obj("ball1", "ball", x=0.0, y=0.11, size=0.22)
    plan = ScenePlan(objects=[ball], kicks=[Kick(t=1.0, object="ball1", vx=-2.0, spin=2.0 / 0.11)])
    sim = simulate(plan, 2.0, FPS)
    x = sim.poses["ball1"][:, 0]
    assert np.abs(x[: FPS + 1]).max() < 1e-6  # at rest until the kick
    speed = np.diff(x[FPS + 2:]) * FPS
    assert speed == pytest.approx(-2.0, abs=0.05)
    assert np.abs(sim.poses["ball1"][FPS + 2:, 1] - 0.11).max() < 1e-3  # vy was kept: it rolls


def test_a_kick_must_name_an_object() -> None:
    with pytest.raises(ValueError, match="kicks: object 'ball9' is not an object id"):
        ScenePlan(objects=[obj("ball1", "ball", x=0.0, y=0.11, size=0.22)], kicks=[Kick(t=0.0, object="ball9")])


def test_a_ringing_impact_goes_on_exactly_across_the_seam() -> None:
    """A steel ball struck just before the end of one clip rings on in the next; head + tail is the same
    sound as one longer clip, less each clip's own ambience."""
    env = Environment()
    hit = Impact(t=0.8, x=0.0, y=0.0, a="ball1", b="floor", material_a="metal", material_b="stone", size_a=0.2,
                 size_b=1.0, impulse=30.0, speed=3.0, pan=0.3)
    whole = synthesize([hit], [], env, 2.0, seed=4) - synthesize([], [], env, 2.0, seed=4)
    head = synthesize([hit], [], env, 1.0, seed=4) - synthesize([], [], env, 1.0, seed=4)
    tails = ringing([hit], 1.0, seed=4)
    assert len(tails) == 1 and tails[0].onset == -round(0.2 * SAMPLE_RATE)
    tail = synthesize([], [], env, 1.0, seed=9, tails=tails) - synthesize([], [], env, 1.0, seed=9)
    joined = np.concatenate([head, tail])
    assert np.abs(joined - whole).max() < 1e-5
    assert np.abs(tail[:100]).max() > 1e-3  # it really rings on
    assert ringing([hit], 13.0, seed=4) == []  # ... and has died away 12 s on


def test_a_continued_camera_starts_where_the_last_one_ended() -> None:
    plan = _scene()
    sim = simulate(plan, 2.0, FPS)
    cam = plan_camera(plan, sim, 256, 256)
    start = end_state(cam, FPS)
    assert start.cx == pytest.approx(2 * cam.cx[-1] - cam.cx[-2])
    nxt = simulate(_continued(plan, sim.end), 2.0, FPS, start=sim.end)
    cont = plan_camera(plan, nxt, 256, 256, start=start)
    assert (cont.cx[0], cont.cy[0], cont.scale[0]) == pytest.approx((start.cx, start.cy, start.scale))
    held = plan_camera(plan, nxt, 256, 256, start=CameraState(0.3, 0.5, 150.0))
    assert np.ptp(held.scale) < 1e-9  # a continuation never reframes on its own


# -- reading a prompt against a scene --------------------------------------------------------------------


def _three_balls() -> ScenePlan:
    return parse_prompt("a red ball, a green ball and a yellow cube drop onto a wooden floor", seed=1)


def test_a_colour_after_the_objects_recolours_them() -> None:
    edit = read_edit("make the balls light blue", _three_balls())
    assert [(c.ids, c.look.color) for c in edit.changes] == [(["ball1", "ball2"], "light blue")]
    assert not edit.new_objects and not edit.motions and edit.unrecognized == []


def test_a_colour_the_object_has_picks_it() -> None:
    edit = read_edit("change the red ball to a metal one", _three_balls())
    assert [(c.ids, c.look.material, c.look.color) for c in edit.changes] == [(["ball1"], "metal", None)]


def test_scene_words_floor_and_pronouns() -> None:
    edit = read_edit("make it bigger, at night, and make the floor tile", _three_balls())
    assert edit.scene.time == "night" and edit.scene.floor == "tile" and not edit.new_objects
    assert [(sorted(c.ids), c.look.scale) for c in edit.changes] == [(["ball1", "ball2", "cube1"], 1.5)]


def test_a_verb_with_a_direction_is_a_motion() -> None:
    edit = read_edit("then the green ball is kicked hard to the left", _three_balls())
    assert [(m.action, m.ids, m.direction, m.speed) for m in edit.motions] == [("throw", ["ball2"], -1.0, 1.5)]


def test_camera_words_name_their_target() -> None:
    edit = read_edit("zoom in on the yellow cube", _three_balls())
    assert [(c.move, c.framing, c.target) for c in edit.cameras] == [("zoom_in", None, "cube1")]


@pytest.mark.parametrize("prompt", ["three cubes fall", "a bowling pin topples", "a ball drops on a carpet"])
def test_objects_the_scene_lacks_make_a_new_scene(prompt: str) -> None:
    assert read_edit(prompt, _three_balls()).new_objects


def test_rgb_follows_the_new_colour_name() -> None:
    assert COLORS["blue"] != COLORS["red"]  # the engine test relies on the two being told apart


def test_a_second_ball_it_rolls_into_is_a_target_not_a_change() -> None:
    plan = parse_prompt("a red ball and a blue ball rest on the floor", seed=1)
    edit = read_edit("the red ball rolls into the blue ball", plan)
    assert edit.changes == [] and [(m.action, m.ids, m.targets) for m in edit.motions][0] == (
        "roll", ["ball1"], ["ball2"])
    assert [(c.ids, c.look.color) for c in read_edit("turn the red ball into a green ball", plan).changes] == [
        (["ball1"], "green")]


def test_a_pronoun_with_nothing_before_it_names_the_scene() -> None:
    plan = parse_prompt("a blue cube rests on the floor", seed=1)
    assert [(m.action, m.ids) for m in read_edit("then it falls over", plan).motions] == [("topple", ["cube1"])]
    assert [(c.ids, c.look.material) for c in read_edit("make it glass", plan).changes] == [(["cube1"], "glass")]
