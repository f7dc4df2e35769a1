"""Physics: free fall, energy, resting stacks, events and determinism of the simulator."""

from __future__ import annotations

import numpy as np
import pytest

from kinora.world.plan import ScenePlan
from kinora.world.sim import simulate
from tests.world.conftest import drop_plan, obj, stack_plan


def _fitted_g(times: np.ndarray, ys: np.ndarray) -> float:
    a, _, _ = np.polyfit(times, ys, 2)
    return float(-2 * a)


@pytest.mark.parametrize("gravity", [9.81, 3.7, 1.62])
def test_free_fall_fits_gravity_within_two_percent(gravity: float) -> None:
    sim = simulate(drop_plan(2.0, gravity=gravity), seconds=4, fps=24)
    first = sim.impacts[0].t
    before = sim.times < first - 1e-9
    g = _fitted_g(sim.times[before], sim.poses["ball1"][before, 1])
    assert abs(g - gravity) / gravity < 0.02


def test_slow_motion_slows_the_video_clock() -> None:
    plan = drop_plan(2.0).model_copy(update={"slow_motion": 0.25})
    sim = simulate(plan, seconds=4, fps=24)
    before = sim.times < sim.impacts[0].t - 1e-9
    g_video = _fitted_g(sim.times[before], sim.poses["ball1"][before, 1])
    assert g_video == pytest.approx(9.81 * 0.25**2, rel=0.02)
    # The first impact of a 2 m drop (ball radius 0.11) comes at sqrt(2 h / g) simulated seconds.
    assert sim.impacts[0].t * 0.25 == pytest.approx(np.sqrt(2 * 1.89 / 9.81), abs=0.003)


@pytest.mark.parametrize("material", ["rubber", "wood", "metal", "glass"])
def test_energy_never_grows(material: str) -> None:
    sim = simulate(drop_plan(1.5, material=material), seconds=5, fps=24)
    growth = np.diff(sim.energy)
    assert growth.max() <= 0.002 * sim.energy[0]
    assert sim.energy[-1] < sim.energy[0]


def test_energy_never_grows_in_a_busy_scene() -> None:
    objects = [obj("ball1", "ball", x=-0.6, y=1.2, size=0.22, vx=1.5),
               obj("cube1", "cube", x=0.4, y=0.1, size=0.2, material="wood", color="blue"),
               obj("cube2", "cube", x=0.4, y=0.3, size=0.2, material="wood", color="blue"),
               obj("pin1", "pin", x=0.9, y=0.19, size=0.38, material="wood", color="white")]
    sim = simulate(ScenePlan(objects=objects), seconds=5, fps=24)
    assert np.diff(sim.energy).max() <= 0.005 * sim.energy[0]


def test_resting_stack_stays_at_rest() -> None:
    sim = simulate(stack_plan(6), seconds=6, fps=24)
    for pid, pose in sim.poses.items():
        drift = np.abs(pose - pose[0]).max(axis=0)
        assert drift[0] < 1e-3 and drift[1] < 1e-3 and drift[2] < 1e-3, (pid, drift)
    assert sim.impacts == []


def test_bounces_make_impacts_with_shrinking_impulse() -> None:
    sim = simulate(drop_plan(1.5), seconds=4, fps=24)
    floor_hits = [i for i in sim.impacts if {"ball1", "floor"} == {i.a, i.b}]
    assert len(floor_hits) >= 3
    impulses = [i.impulse for i in floor_hits[:3]]
    assert impulses[0] > impulses[1] > impulses[2]
    first = floor_hits[0]
    assert first.x == pytest.approx(0.0, abs=1e-3) and first.y == pytest.approx(0.0, abs=6e-3)
    assert first.speed == pytest.approx(np.sqrt(2 * 9.81 * (1.5 - 0.11)), rel=0.02)
    # The ball touches the floor at the frame nearest the impact.
    frame = int(round(first.t * 24))
    assert sim.poses["ball1"][frame, 1] == pytest.approx(0.11, abs=0.03)


def test_rolling_ball_reports_a_contact_track() -> None:
    ball = obj("ball1", "ball", x=-1.0, y=0.11, size=0.22, vx=1.2, spin=-1.2 / 0.11)
    sim = simulate(ScenePlan(objects=[ball]), seconds=4, fps=24)
    tracks = [c for c in sim.contacts if "ball1" in (c.a, c.b)]
    assert tracks and max(max(t.roll) for t in tracks) > 1.0


def test_same_plan_same_simulation() -> None:
    plan = ScenePlan(objects=[obj("ball1", "ball", x=-0.5, y=1.0, size=0.22, vx=1.0),
                              obj("cube1", "cube", x=0.3, y=0.1, size=0.2, material="wood")])
    a, b = simulate(plan, 4, 24), simulate(plan, 4, 24)
    for pid in a.poses:
        np.testing.assert_array_equal(a.poses[pid], b.poses[pid])
    assert a.impacts == b.impacts
