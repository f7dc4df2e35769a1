"""The world engine through the Engine protocol: validation, progress, cancel, determinism, metadata."""

from __future__ import annotations

import numpy as np
import pytest

from kinora.engines.base import GenerationCancelled, GenerationRequest
from kinora.engines.registry import get_engine
from kinora.world.catalog import COLORS
from kinora.world.plan import ObjectSpec, ScenePlan

PLAN = ScenePlan(objects=[ObjectSpec(id="ball1", kind="ball", color="red", rgb=COLORS["red"], material="rubber",
                                     size=0.22, x=0.0, y=1.0)]).model_dump(mode="json")


def _req(**kw: object) -> GenerationRequest:
    base: dict[str, object] = dict(prompt="", seconds=4.0, width=256, height=256, fps=12, seed=3,
                                   options={"plan": PLAN})
    return GenerationRequest(**(base | kw))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"seconds": 30.0}, "seconds must be between 4 and 20; got 30"),
        ({"seconds": 2.0}, "seconds must be between 4 and 20; got 2"),
        ({"width": 1920, "height": 1080}, "size must fit within 1280x720 .*got 1920x1080"),
        ({"width": 128}, "size must be at least 256 px per side; got 128x256"),
        ({"width": 257}, "even width and height .*got 257x256"),
        ({"fps": 7}, "fps must be one of .*got 7"),
        ({"image": np.zeros((4, 4, 3), np.uint8)}, "image: this engine does not take an input image"),
    ],
)
def test_bad_requests_name_the_argument_and_value(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        get_engine("world").generate(_req(**change), lambda _: None, lambda: False)


def test_unknown_engine_is_named() -> None:
    with pytest.raises(ValueError, match="engine must be one of world, wan, ltx2; got 'sora'"):
        get_engine("sora")


def test_generate_reports_progress_and_metadata() -> None:
    seen: list[float] = []
    clip = get_engine("world").generate(_req(), seen.append, lambda: False)
    assert clip.frames.shape == (48, 256, 256, 3)
    assert clip.audio is not None and clip.audio.shape == (4 * 48_000, 2) and clip.sample_rate == 48_000
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0) and len(seen) > 5
    meta = clip.metadata
    assert meta["engine"] == "world" and meta["seed"] == 3
    assert ScenePlan.model_validate(meta["plan"]).objects[0].id == "ball1"
    assert meta["events"] and all(-1 <= e["pan"] <= 1 for e in meta["events"])
    assert len(meta["trajectories"]["ball1"]) == 48


def test_cancel_stops_the_job() -> None:
    calls = iter(range(100))
    with pytest.raises(GenerationCancelled):
        get_engine("world").generate(_req(), lambda _: None, lambda: next(calls) > 2)


def test_same_seed_same_clip() -> None:
    a = get_engine("world").generate(_req(), lambda _: None, lambda: False)
    b = get_engine("world").generate(_req(), lambda _: None, lambda: False)
    np.testing.assert_array_equal(a.frames, b.frames)
    np.testing.assert_array_equal(a.audio, b.audio)  # type: ignore[arg-type]
    c = get_engine("world").generate(_req(seed=4), lambda _: None, lambda: False)
    assert not np.array_equal(a.audio, c.audio)  # type: ignore[arg-type]


def test_a_prompt_with_another_seed_gives_another_clip() -> None:
    req = _req(prompt="two blue cubes and a red ball drop onto a tile floor", options={})
    a = get_engine("world").generate(req, lambda _: None, lambda: False)
    b = get_engine("world").generate(req, lambda _: None, lambda: False)
    c = get_engine("world").generate(_req(prompt=req.prompt, options={}, seed=9), lambda _: None, lambda: False)
    np.testing.assert_array_equal(a.frames, b.frames)
    assert not np.array_equal(a.frames, c.frames)
    assert a.metadata["unrecognized"] == [] and "2 blue cubes" in a.metadata["understood"]
