"""Cameos in the world engine: figures that bear their face, stand beside the action, keep the plan plain JSON, and
still render when the cameo is gone."""

from __future__ import annotations

import json

import numpy as np
import numpy.typing as npt
import pytest

from kinora.engines.base import CameoRef, Clip, GenerationRequest
from kinora.engines.world import CAPABILITIES, WorldEngine
from kinora.world.catalog import COLORS
from kinora.world.figures import Cameo, figure_layout, read_appearance
from kinora.world.layout import dims
from kinora.world.parse import parse_prompt
from kinora.world.plan import ScenePlan
from kinora.world.remix import read_source
from kinora.world.sim import simulate

U8 = npt.NDArray[np.uint8]
W, H = 320, 256
GREEN = (60, 200, 70)  # a face no scene object has: it shows where the face crop is drawn
MAGENTA = (210, 60, 200)


def face(skin: tuple[int, int, int], seed: int = 0) -> U8:
    """A face-like chip laid out as dlib's get_face_chip lays one out (150 px; eyes near 0.4 of its height, chin
    near 0.87): hair, an oval of `skin`, eyes, brows and a mouth."""
    n = 150
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32) / n
    img = np.empty((n, n, 3), np.float32)
    img[:] = (120, 130, 140)
    img[((xx - 0.5) / 0.42) ** 2 + ((yy - 0.42) / 0.45) ** 2 < 1] = (50, 35, 25)
    img[(((xx - 0.5) / 0.33) ** 2 + ((yy - 0.52) / 0.36) ** 2 < 1) & (yy > 0.22)] = skin
    for ex in (0.37, 0.63):
        img[((xx - ex) / 0.07) ** 2 + ((yy - 0.4) / 0.035) ** 2 < 1] = (250, 250, 250)
        img[((xx - ex) / 0.03) ** 2 + ((yy - 0.4) / 0.03) ** 2 < 1] = (20, 20, 20)
    img[((xx - 0.5) / 0.13) ** 2 + ((yy - 0.71) / 0.03) ** 2 < 1] = (150, 40, 50)
    img += np.random.default_rng(seed).normal(0, 2, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


ANN = CameoRef("ann", [face(GREEN)], appearance="always wears a yellow cap")
BOB = CameoRef("Bob", [face(MAGENTA, 1), face(MAGENTA, 2), face(MAGENTA, 3)], appearance="a blue hoodie")


def generate(prompt: str, cameos: list[CameoRef], **kw: object) -> Clip:
    req = GenerationRequest(prompt=prompt, seconds=4.0, width=W, height=H, fps=12, seed=7, cameos=cameos,
                            **kw)  # type: ignore[arg-type]
    return WorldEngine().generate(req, lambda _: None, lambda: False)


def head_pixels(clip: Clip, object_id: str, frame: int) -> U8:
    """The frame's pixels over the middle of a standing figure's face, (n, 3)."""
    plan = ScenePlan.model_validate(clip.metadata["plan"])
    spec = plan.object(object_id)
    hx, hy, ax, ay = figure_layout(spec.size, spec.figure is not None and spec.figure.kind == "character").head
    x, y, angle = clip.metadata["trajectories"][object_id][frame]
    assert abs(angle) < 0.05, "a standing figure"
    cam = clip.metadata["camera"]
    s = cam["scale"][frame]
    col = W / 2 + (x + hx - cam["cx"][frame]) * s
    row = H / 2 - (y + hy - 0.2 * ay - cam["cy"][frame]) * s  # the cheeks, below the eyes
    half_w, half_h = max(1, round(0.5 * ax * s)), max(1, round(0.3 * ay * s))
    r, c = round(row), round(col)
    assert half_w <= c < W - half_w and half_h <= r < H - half_h, "the face is in frame"
    return clip.frames[frame, r - half_h : r + half_h + 1, c - half_w : c + half_w + 1].reshape(-1, 3)


def looks_green(pixels: U8) -> bool:
    r, g, b = (float(c) for c in pixels.astype(float).mean(axis=0))
    return g > r + 40 and g > b + 40


def looks_magenta(pixels: U8) -> bool:
    r, g, b = (float(c) for c in pixels.astype(float).mean(axis=0))
    return r > g + 40 and b > g + 40


@pytest.fixture(scope="module")
def ann_clip() -> Clip:
    return generate("@ann juggles three red balls on a wooden floor", [ANN])


def test_the_engine_takes_cameos() -> None:
    assert CAPABILITIES.cameos


def test_one_cameo_stands_in_the_scene_bearing_her_face(ann_clip: Clip) -> None:
    meta = ann_clip.metadata
    assert meta["cameos"] == [{"handle": "ann", "object_id": "figure1"}]
    assert meta["missing_cameos"] == []
    assert not {"@ann", "ann"} & set(meta["unrecognized"])
    assert "@ann: yellow cap (figure1)" in meta["understood"]
    for frame in (0, len(ann_clip.frames) // 2, len(ann_clip.frames) - 1):
        assert looks_green(head_pixels(ann_clip, "figure1", frame))


def test_the_figure_wears_what_the_notes_say(ann_clip: Clip) -> None:
    plan = ScenePlan.model_validate(ann_clip.metadata["plan"])
    figure = plan.object("figure1")
    assert figure.kind == "figure" and figure.figure is not None
    assert figure.figure.hat == COLORS["yellow"]
    # The cap is drawn on top of the head: yellow pixels right above the face.
    cam = ann_clip.metadata["camera"]
    x, y, _ = ann_clip.metadata["trajectories"]["figure1"][0]
    s = cam["scale"][0]
    col = round(W / 2 + (x - cam["cx"][0]) * s)
    row = round(H / 2 - (y + 0.45 * figure.size - cam["cy"][0]) * s)
    r, g, b = ann_clip.frames[0, row - 1 : row + 2, col - 2 : col + 3].reshape(-1, 3).astype(float).mean(axis=0)
    assert r > b + 60 and g > b + 60


def test_two_cameos_in_mention_order_beside_the_action() -> None:
    clip = generate("@ann and @bob watch a tower of blocks collapse", [ANN, BOB])
    meta = clip.metadata
    assert meta["cameos"] == [{"handle": "ann", "object_id": "figure1"}, {"handle": "bob", "object_id": "figure2"}]
    assert not {"@ann", "@bob", "ann", "bob"} & set(meta["unrecognized"])
    assert looks_green(head_pixels(clip, "figure1", 0)) and looks_magenta(head_pixels(clip, "figure2", 0))
    last = len(clip.frames) - 1
    assert looks_green(head_pixels(clip, "figure1", last)) and looks_magenta(head_pixels(clip, "figure2", last))
    # Nothing starts inside a figure: the figures stand clear of the tower and of each other.
    plan = ScenePlan.model_validate(meta["plan"])
    spans = sorted((o.x - dims(o.kind, o.size)[0] / 2, o.x + dims(o.kind, o.size)[0] / 2, o.kind)
                   for o in plan.objects)
    figures = [i for i, span in enumerate(spans) if span[2] == "figure"]
    assert figures == [len(spans) - 2, len(spans) - 1]  # side by side, beyond the tower
    assert spans[-3][1] < spans[-2][0] and spans[-2][1] < spans[-1][0]


def test_every_cameo_gets_a_figure_and_unknown_handles_are_reported() -> None:
    plan = parse_prompt("@zed watches three red balls bounce", seed=1, cameos=[Cameo("ann"), Cameo("@Bob")])
    assert [o.figure.handle for o in plan.objects if o.figure is not None] == ["ann", "bob"]
    assert "@zed" in plan.unrecognized and "zed" not in plan.unrecognized


def test_same_seed_and_crops_same_frames_and_the_face_is_the_crop(ann_clip: Clip) -> None:
    again = generate("@ann juggles three red balls on a wooden floor", [ANN])
    np.testing.assert_array_equal(again.frames, ann_clip.frames)
    other = generate("@ann juggles three red balls on a wooden floor",
                     [CameoRef("ann", [face(MAGENTA)], appearance=ANN.appearance)])
    assert looks_magenta(head_pixels(other, "figure1", 0))
    np.testing.assert_array_equal(other.metadata["trajectories"]["ball1"], ann_clip.metadata["trajectories"]["ball1"])


def test_the_plan_round_trips_as_json_without_pixels(ann_clip: Clip) -> None:
    text = json.dumps(ann_clip.metadata["plan"])
    assert len(text) < 10_000  # handles and colours, not a 150x150 image
    plan = ScenePlan.model_validate(json.loads(text))
    assert plan.model_dump(mode="json") == ann_clip.metadata["plan"]
    figure = plan.object("figure1").figure
    assert figure is not None and set(figure.model_dump()) == {"handle", "kind", "hat", "legs", "neck"}
    assert read_source(json.loads(json.dumps(ann_clip.metadata))).plan == plan


def test_a_plan_whose_cameo_is_gone_renders_with_a_plain_face(ann_clip: Clip) -> None:
    plan = ann_clip.metadata["plan"]
    clip = generate("", [], options={"plan": plan})
    assert clip.metadata["cameos"] == [{"handle": "ann", "object_id": "figure1"}]
    assert clip.metadata["missing_cameos"] == ["ann"]
    pixels = head_pixels(clip, "figure1", 0)
    assert not looks_green(pixels)
    assert np.ptp(pixels.astype(float).mean(axis=0)) < 60  # a neutral skin tone


def test_a_remix_keeps_the_figure_and_says_when_its_face_is_missing(ann_clip: Clip) -> None:
    kept = generate("make the balls blue", [ANN], remix_of=ann_clip, options={"mode": "remix"})
    assert kept.metadata["cameos"] == [{"handle": "ann", "object_id": "figure1"}]
    assert kept.metadata["missing_cameos"] == [] and looks_green(head_pixels(kept, "figure1", 0))
    gone = generate("make the balls blue", [], remix_of=ann_clip, options={"mode": "remix"})
    assert gone.metadata["missing_cameos"] == ["ann"]


def test_a_remix_brings_in_a_new_cameo(ann_clip: Clip) -> None:
    clip = generate("@bob joins, at night", [ANN, BOB], remix_of=ann_clip, options={"mode": "remix"})
    assert [c["handle"] for c in clip.metadata["cameos"]] == ["ann", "bob"]
    assert any("cameo joins: @bob" in c for c in clip.metadata["remix"]["changes"])


def test_a_character_cameo_is_dressed_from_its_notes() -> None:
    rex = CameoRef("rex", [face(MAGENTA)], kind="character", appearance="a golden retriever with a blue collar")
    clip = generate("@rex watches a ball roll", [rex])
    spec = ScenePlan.model_validate(clip.metadata["plan"]).object("figure1")
    assert spec.figure is not None and spec.figure.kind == "character"
    assert spec.rgb == COLORS["gold"] and spec.figure.neck == COLORS["blue"]
    assert looks_magenta(head_pixels(clip, "figure1", 0))


@pytest.mark.parametrize(("notes", "hat", "top", "legs", "neck"), [
    ("always wears a red cap", "red", None, None, None),
    ("blue jeans and a green hoodie", None, "green", "blue", None),
    ("a golden retriever with a blue collar", None, "gold", None, "blue"),
    ("light blue shirt, brown eyes, a black scarf", None, "light blue", None, "black"),
])
def test_appearance_notes_name_colours(notes: str, hat: str | None, top: str | None, legs: str | None,
                                       neck: str | None) -> None:
    dress = read_appearance(notes)
    assert dress.hat == (COLORS[hat] if hat else None)
    assert ((dress.top or dress.body) or ("", None))[0] == (top or "")
    assert dress.legs == (COLORS[legs] if legs else None)
    assert dress.neck == (COLORS[neck] if neck else None)


def test_a_figure_told_to_fall_over_falls_and_one_in_the_way_gets_hit() -> None:
    plan = parse_prompt("@ann falls over", seed=0, cameos=[Cameo("ann")])
    sim = simulate(plan, 2.0, 24)
    assert abs(sim.poses["figure1"][-1, 2]) > 1.2  # lying on the floor
    plan = parse_prompt("a red ball rolls toward @ann", seed=0, cameos=[Cameo("ann")])
    assert any(a.kind == "collide" and "figure1" in a.subjects for a in plan.actions)
    sim = simulate(plan, 2.0, 24)
    assert any({i.a, i.b} == {"ball1", "figure1"} for i in sim.impacts)


def test_an_extension_keeps_its_figures_and_no_one_joins_mid_shot(ann_clip: Clip) -> None:
    clip = generate("then @bob waves", [ANN, BOB], remix_of=ann_clip, options={"mode": "extend"})
    assert clip.metadata["cameos"] == [{"handle": "ann", "object_id": "figure1"}]
    assert looks_green(head_pixels(clip, "figure1", 0))
    assert any("new cameo: @bob" in item for item in clip.metadata["extension"]["ignored"])
