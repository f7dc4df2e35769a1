"""Remixes, edits and extensions through the world engine, with the source clip's metadata saved as JSON
and loaded back, as the worker does."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from kinora.engines.base import Capabilities, Clip, GenerationRequest
from kinora.engines.registry import get_engine
from kinora.world.catalog import COLORS
from kinora.world.plan import Environment, ObjectSpec, ScenePlan
from kinora.world.remix import FOREIGN
from kinora.world.state import EndState

FPS = 12
MOON = 1.62


def _make(prompt: str = "", *, remix_of: Clip | None = None, mode: str | None = None, seconds: float = 4.0,
          plan: ScenePlan | None = None, seed: int = 3) -> Clip:
    options: dict[str, Any] = {} if mode is None else {"mode": mode}
    if plan is not None:
        options["plan"] = plan.model_dump(mode="json")
    req = GenerationRequest(prompt=prompt, seconds=seconds, width=256, height=256, fps=FPS, seed=seed,
                            remix_of=remix_of, options=options)
    return get_engine("world").generate(req, lambda _: None, lambda: False)


def _saved(clip: Clip) -> Clip:
    """The clip as the worker hands it back: metadata through json.dumps / json.loads."""
    metadata = json.loads(json.dumps(clip.metadata, allow_nan=False))
    return Clip(frames=clip.frames, fps=clip.fps, audio=clip.audio, sample_rate=clip.sample_rate, metadata=metadata)


def _ball(oid: str, color: str, **kw: float) -> ObjectSpec:
    return ObjectSpec(id=oid, kind="ball", color=color, rgb=COLORS[color], material="rubber", size=0.22,
                      **kw)


def _moving_scene() -> ScenePlan:
    """On the moon: a ball still falling at the 4 s seam (it lands 0.14 s later), a ball rolling at 0.4 m/s
    and a cube at rest."""
    return ScenePlan(
        objects=[
            _ball("ball1", "red", x=-3.5, y=14.0),
            _ball("ball2", "blue", x=-1.0, y=0.11, vx=0.4, spin=-0.4 / 0.11),
            ObjectSpec(id="cube1", kind="cube", color="green", rgb=COLORS["green"], material="wood", size=0.2,
                       x=3.0, y=0.1),
        ],
        environment=Environment(gravity=MOON),
    )


def _seam(source: Clip, continuation: Clip, pid: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Last three source positions and first three continuation positions of a part: (3, 3) each, and
    the velocities (m/s) over the five frame steps around the seam, (5, 2)."""
    a = np.array(source.metadata["trajectories"][pid])[-3:]
    b = np.array(continuation.metadata["trajectories"][pid])[:3]
    steps = np.diff(np.concatenate([a, b])[:, :2], axis=0) * FPS
    return a, b, steps


def test_world_can_remix_and_extend_but_takes_no_video() -> None:
    caps = get_engine("world").capabilities()
    assert caps.remix and caps.extend and not caps.video_input
    other = Capabilities(min_side=64, max_width=64, max_height=64, min_seconds=1, max_seconds=2, fps=(8,),
                         audio=False, image_input=False, needs_weights=True)
    assert not (other.remix or other.extend or other.video_input)


def _plain(value: Any) -> bool:
    """Only what json.loads gives back: no numpy scalars, tuples or NaN anywhere."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, float):
        return type(value) is float and np.isfinite(value)
    return value is None or type(value) in (str, int, bool)


def test_metadata_survives_json_and_holds_the_end_state() -> None:
    clip = _make("a red ball bounces on a tile floor")
    extended = _make("then the ball is kicked to the right", remix_of=_saved(clip), mode="extend")
    remixed = _make("make the ball metal", remix_of=_saved(extended), mode="remix")
    for made in (clip, extended, remixed):
        assert _plain(made.metadata)
        assert json.loads(json.dumps(made.metadata, allow_nan=False)) == made.metadata
    meta = _saved(clip).metadata
    state = EndState.from_dict(meta["state"])
    assert state.seconds == 4.0 and state.video_t == 4.0 and state.segment == 0
    assert set(state.bodies) == {"ball1"} and state.camera.scale > 0
    assert ScenePlan.model_validate(meta["plan"]).objects[0].color == "red"
    assert "remix" not in meta and "extension" not in meta


def test_remix_recolours_and_keeps_everything_else() -> None:
    source = _make("three red balls drop onto a wooden floor")
    remix = _make("make the balls blue", remix_of=_saved(source), mode="remix", seed=99)
    before, after = (ScenePlan.model_validate(c.metadata["plan"]) for c in (source, remix))
    assert [(o.id, o.x, o.y, o.size, o.material) for o in after.objects] == [
        (o.id, o.x, o.y, o.size, o.material) for o in before.objects]
    assert {o.color for o in after.objects} == {"blue"} and {o.rgb for o in after.objects} == {COLORS["blue"]}
    assert after.environment == before.environment and after.shots == before.shots
    assert remix.metadata["seed"] == source.metadata["seed"] == 3  # the source's seed, not the request's
    assert remix.metadata["trajectories"] == source.metadata["trajectories"]  # colour changes no physics
    assert not np.array_equal(remix.frames, source.frames)
    info = remix.metadata["remix"]
    assert info["mode"] == "remix" and not info["new_scene"]
    assert info["changes"] == ["ball1, ball2, ball3: colour red -> blue"]
    assert info["from_understood"] == source.metadata["understood"]


def test_remix_changes_scene_words_and_camera_only() -> None:
    source = _make("a red ball rolls into five dominoes")
    remix = _make("same scene at night in slow motion, cartoon style, the floor is marble",
                  remix_of=_saved(source), mode="edit")
    before, after = (ScenePlan.model_validate(c.metadata["plan"]) for c in (source, remix))
    assert after.objects == before.objects and after.actions == before.actions
    env = after.environment
    assert (env.time_of_day, env.floor, after.style, after.slow_motion) == ("night", "marble", "cartoon", 0.25)
    assert remix.metadata["remix"]["mode"] == "edit"
    assert len(remix.metadata["remix"]["changes"]) == 4


def test_remix_with_a_verb_sets_the_object_moving_from_where_it_stands() -> None:
    source = _make("a red ball and a blue cube rest on the floor")
    remix = _make("the red ball rolls to the right", remix_of=_saved(source), mode="remix")
    before, after = (ScenePlan.model_validate(c.metadata["plan"]) for c in (source, remix))
    ball = after.object("ball1")
    assert (ball.x, ball.y) == (before.object("ball1").x, before.object("ball1").y) and ball.vx > 1.0
    assert after.object("cube1") == before.object("cube1")
    x = np.array(remix.metadata["trajectories"]["ball1"])[:, 0]
    assert x[6] > x[0] + 0.5


def test_remix_describing_another_scene_keeps_the_look_and_the_seed() -> None:
    source = _make("three red balls drop onto a wooden floor at sunset, anime style")
    remix = _make("two cubes fall", remix_of=_saved(source), mode="remix")
    plan = ScenePlan.model_validate(remix.metadata["plan"])
    assert [o.kind for o in plan.objects] == ["cube", "cube"]
    assert (plan.environment.time_of_day, plan.environment.floor, plan.style) == ("sunset", "wood", "anime")
    assert remix.metadata["remix"]["new_scene"] and remix.metadata["seed"] == 3


def test_extension_continues_every_body_seamlessly() -> None:
    source = _make(plan=_moving_scene())
    cont = _make(remix_of=_saved(source), mode="extend", seconds=4.0)
    assert cont.frames.shape == (48, 256, 256, 3) and cont.audio is not None and len(cont.audio) == 4 * 48_000
    # Falling: constant acceleration through the seam, up to the landing in the third frame after it.
    a, b, v = _seam(source, cont, "ball1")
    assert np.diff(v[:4, 1]) == pytest.approx(-MOON / FPS, abs=2e-3)
    assert np.abs(v[:, 0]).max() < 1e-3
    # Rolling: the same speed on both sides of the seam.
    _, _, v = _seam(source, cont, "ball2")
    assert v[:, 0] == pytest.approx(0.4, abs=2e-3) and np.abs(v[:, 1]).max() < 1e-3
    # Resting: stays put, to the tenth of a millimetre.
    rest = np.array(source.metadata["trajectories"]["cube1"][-1])
    assert np.abs(np.array(cont.metadata["trajectories"]["cube1"]) - rest).max() < 1e-4
    # The falling ball lands when free fall from 14 m says, and only that is heard.
    landing = np.sqrt(2 * (14.0 - 0.11) / MOON) - 4.0
    hits = [e for e in cont.metadata["events"] if e["a"] == "ball1" or e["b"] == "ball1"]
    assert hits and hits[0]["t"] == pytest.approx(landing, abs=0.005)
    assert all("ball1" in (e["a"], e["b"]) for e in cont.metadata["events"])
    # The camera picks up where it was.
    cam = source.metadata["state"]["camera"]
    assert [cont.metadata["camera"][k][0] for k in ("cx", "cy", "scale")] == pytest.approx(
        [cam["cx"], cam["cy"], cam["scale"]], abs=1e-3)
    ext = cont.metadata["extension"]
    assert ext["segment"] == 1 and ext["source_seconds"] == 4.0 and cont.metadata["state"]["video_t"] == 8.0


def test_an_extended_clip_extends_again_and_again() -> None:
    clip = _make("a red ball bounces in slow motion", seconds=4.0)
    clips = [clip]
    for n in range(1, 7):
        clip = _make("", remix_of=_saved(clip), mode="extend", seconds=4.0)
        clips.append(clip)
        assert clip.metadata["state"]["segment"] == n
        assert clip.metadata["state"]["video_t"] == pytest.approx(4.0 * (n + 1))
        assert clip.metadata["state"]["sim_t"] == pytest.approx(1.0 * (n + 1))  # slow motion: 1/4
    for earlier, later in zip(clips, clips[1:], strict=False):
        a, b, v = _seam(earlier, later, "ball1")
        assert np.abs(b[0] - a[-1]).max() < 0.1  # at most one frame's travel at a quarter speed
        assert np.abs(np.diff(v, axis=0)).max() < 0.5  # no jolt beyond a bounce's


def test_extension_prompt_adds_a_kick_and_a_camera_move() -> None:
    source = _make("a red ball and a blue ball rest on the floor")
    cont = _make("then the red ball is kicked to the left and the camera follows it", remix_of=_saved(source),
                 mode="extend")
    plan = ScenePlan.model_validate(cont.metadata["plan"])
    assert [(k.t, k.object) for k in plan.kicks] == [(0.5, "ball1")] and (plan.kicks[0].vx or 0) < 0
    assert plan.shots[0].camera.move == "follow" and plan.shots[0].camera.target == "ball1"
    x = np.array(cont.metadata["trajectories"]["ball1"])[:, 0]
    assert np.abs(x[:6] - x[0]).max() < 1e-4 and x[-1] < x[0] - 1.0  # still until 0.5 s, then off left
    blue = np.array(cont.metadata["trajectories"]["ball2"])
    assert np.abs(blue - blue[0]).max() < 1e-4
    # A remix of the extended clip replays the whole chain: first clip's layout, the kick at 4.5 s.
    remix = _make("make the balls green", remix_of=_saved(cont), mode="remix", seconds=8.0)
    replay = ScenePlan.model_validate(remix.metadata["plan"])
    first = ScenePlan.model_validate(source.metadata["plan"])
    assert [(o.x, o.y) for o in replay.objects] == [(o.x, o.y) for o in first.objects]
    assert [(k.t, k.object) for k in replay.kicks] == [(4.5, "ball1")]
    assert {o.color for o in replay.objects} == {"green"}


def test_extension_ignores_what_cannot_change_mid_shot() -> None:
    source = _make("a red ball bounces")
    cont = _make("make the ball blue at night", remix_of=_saved(source), mode="extend")
    assert ScenePlan.model_validate(cont.metadata["plan"]).object("ball1").color == "red"
    assert len(cont.metadata["extension"]["ignored"]) == 2


@pytest.mark.parametrize("metadata", [
    {},
    {"engine": "ltx2", "model": "ltx-2", "seed": 1},
    {"engine": "ltx2", "plan": {"objects": []}},
])
def test_clips_of_other_engines_cannot_be_remixed(metadata: dict[str, Any]) -> None:
    foreign = Clip(frames=np.zeros((4, 256, 256, 3), np.uint8), fps=FPS, audio=None, sample_rate=48_000,
                   metadata=metadata)
    for mode in ("remix", "edit", "extend"):
        with pytest.raises(ValueError, match="^" + FOREIGN.replace("(", r"\(").replace(")", r"\)") + "$"):
            _make("make it blue", remix_of=foreign, mode=mode)


def test_mode_errors_name_the_argument() -> None:
    source = _saved(_make("a red ball bounces"))
    with pytest.raises(ValueError, match="options.mode must be one of remix, edit, extend; got 'splice'"):
        _make("x", remix_of=source, mode="splice")
    with pytest.raises(ValueError, match="remix_of: mode 'extend' needs the source clip; got none"):
        _make("x", mode="extend")
    stale = Clip(source.frames, source.fps, source.audio, source.sample_rate,
                 {k: v for k, v in source.metadata.items() if k != "state"})
    with pytest.raises(ValueError, match="remix_of: the source metadata holds no end state"):
        _make("", remix_of=stale, mode="extend")


def test_an_extension_has_its_source_size() -> None:
    source = _saved(_make("a red ball bounces"))
    with pytest.raises(ValueError, match="size must match the source clip .*source is 256x256, got 320x256"):
        get_engine("world").generate(GenerationRequest(prompt="", seconds=4, width=320, height=256, fps=FPS,
                                                       remix_of=source, options={"mode": "extend"}),
                                     lambda _: None, lambda: False)


def test_a_finished_pan_holds_instead_of_starting_over() -> None:
    source = _make("a red ball bounces while the camera pans")
    assert ScenePlan.model_validate(source.metadata["plan"]).shots[0].camera.move == "pan"
    cont = _make("", remix_of=_saved(source), mode="extend")
    assert ScenePlan.model_validate(cont.metadata["plan"]).shots[0].camera.move == "static"
    cx = np.concatenate([source.metadata["camera"]["cx"][-3:], cont.metadata["camera"]["cx"][:12]])
    assert np.abs(np.diff(cx)).max() < 0.01  # metres per frame: no swing back to the pan's start
