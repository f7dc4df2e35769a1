"""Cameos in the world engine: consented people and characters standing in the scene as figures.

A prompt names them as @handle, and the request carries one `Cameo` per handle (the engine makes them from its
`CameoRef`s). Each becomes an object of kind "figure": a rigid body standing on the floor beside the action, on
the side the action comes from (upstream, see `layout.FLOW`), so what moves heads away from it. Its clothes come
from the cameo's appearance notes ("always wears a red cap": a red cap). The plan keeps the handle and those
colours only, never the face: the renderer takes the face crops from the request by handle.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

from kinora.world import lexicon as lx
from kinora.world.catalog import COLOR_ALIASES, COLORS, KINDS, shade_color
from kinora.world.layout import FLOW, dims
from kinora.world.plan import RGB, Action, ActionKind, FigureSpec, ObjectSpec, Prop, ScenePlan

MAX_FIGURES = 4
PERSON_HEIGHT = 1.0  # m: toy-like proportions, so that a person and a 0.22 m ball share a frame
CHARACTER_HEIGHT = 0.7
GAP = 0.3  # m from the action to the nearest figure
SIDE_GAP = 0.12  # m between figures standing side by side
TILT = 0.34  # rad: a figure told to fall over starts leaning this far, just past its balance
TIP_SPIN = 1.5  # rad/s toward the fall
HOP = 2.4  # m/s: a figure told to jump leaves the floor this fast

# What a verb does to a figure that is its subject ("@ann falls over"); other verbs leave it standing.
ACTS = {"topple": "topple", "fall": "topple", "collapse": "topple", "push": "topple", "bounce": "bounce",
        "rest": "rest"}

HEADWEAR = frozenset({"cap", "hat", "beanie", "helmet", "beret", "headband", "bonnet", "crown", "turban", "hood"})
TOPS = frozenset({"shirt", "tshirt", "tee", "jacket", "hoodie", "sweater", "jumper", "coat", "dress", "top", "blouse",
                  "vest", "jersey", "uniform", "suit", "cardigan", "sweatshirt", "fur", "robe", "cape", "overalls"})
LEGWEAR = frozenset({"pants", "jeans", "trousers", "shorts", "skirt", "leggings", "joggers", "sweatpants"})
NECKWEAR = frozenset({"collar", "scarf", "tie", "bowtie", "necktie", "necklace", "bandana", "neckerchief", "bow"})
# Things a figure does not draw: their colours must not dress its body ("blue eyes", "white paws").
UNDRAWN = frozenset({"hair", "eyes", "eye", "beard", "moustache", "mustache", "glasses", "sunglasses", "shoes",
                     "sneakers", "boots", "socks", "gloves", "nails", "lipstick", "spots", "stripes", "patches", "ears",
                     "nose", "tail", "paws"})
PARTS = {**{w: "hat" for w in HEADWEAR}, **{w: "top" for w in TOPS}, **{w: "legs" for w in LEGWEAR},
         **{w: "neck" for w in NECKWEAR}, **{w: "" for w in UNDRAWN}}
STOPS = frozenset({",", ".", ";", "and", "with", "or"})
LOOK_AHEAD = 4  # tokens from a colour word to the garment it describes ("red baseball cap")
EXTRA_COLORS: dict[str, RGB] = {
    "maroon": (120, 30, 45), "olive": (110, 115, 50), "khaki": (190, 170, 120), "denim": (70, 95, 140),
    "cream": (240, 230, 200), "tan": (205, 165, 120), "blonde": (225, 195, 120), "blond": (225, 195, 120),
    "ginger": (200, 110, 50), "chocolate": (90, 55, 35), "charcoal": (54, 56, 60), "burgundy": (110, 25, 45),
}
SHADES = {"light": "light", "pale": "light", "dark": "dark", "deep": "dark"}
# Plain clothes for a figure whose notes name no colour: picked by handle, so a person dresses the same in
# every clip.
TOPS_PALETTE: tuple[tuple[str, RGB], ...] = (
    ("slate", (74, 92, 122)), ("olive", (112, 120, 82)), ("brick", (150, 84, 72)), ("sage", (120, 140, 118)),
    ("sand", (178, 156, 120)), ("plum", (96, 72, 104)), ("steel", (108, 118, 130)))
LEGS_PALETTE: tuple[RGB, ...] = ((46, 52, 66), (60, 78, 110), (72, 64, 58), (40, 40, 44))
FUR_PALETTE: tuple[tuple[str, RGB], ...] = (
    ("tan", (196, 160, 112)), ("brown", (130, 92, 60)), ("gray", (140, 140, 144)), ("cream", (226, 214, 188)))


@dataclass(frozen=True)
class FigureLayout:
    """The parts of a cameo figure in its bounding box (metres, origin at the box centre, y up). Boxes are
    (x0, y0, x1, y1); the head is an ellipse (centre x, centre y, half width, half height)."""

    head: tuple[float, float, float, float]
    trunk: tuple[float, float, float, float]  # torso (a person) or body (a character)
    legs: tuple[tuple[float, float, float, float], ...]
    neck: tuple[float, float, float, float] | None  # a person's bare neck
    band: tuple[float, float, float, float]  # where a collar, scarf or tie goes
    arms: tuple[tuple[tuple[float, float], tuple[float, float]], ...]  # (shoulder, hand) centres
    limb: float  # arm radius
    hand: float  # hand radius
    round: float  # corner radius of the trunk


def figure_layout(h: float, character: bool) -> FigureLayout:
    """A person: a big head over a torso with arms and two legs, 0.5 h wide, proportioned like a toy so the face
    reads at the scale of the scene. A character (a pet, an object): a round head on a round body, stubby legs."""
    if character:
        return FigureLayout(
            head=(0.0, 0.26 * h, 0.24 * h, 0.24 * h), trunk=(-0.2 * h, -0.36 * h, 0.2 * h, 0.06 * h),
            legs=((-0.18 * h, -h / 2, -0.05 * h, -0.28 * h), (0.05 * h, -h / 2, 0.18 * h, -0.28 * h)),
            neck=None, band=(-0.15 * h, -0.05 * h, 0.15 * h, 0.02 * h), arms=(), limb=0.0, hand=0.0,
            round=0.12 * h)
    return FigureLayout(
        head=(0.0, 0.315 * h, 0.15 * h, 0.185 * h), trunk=(-0.165 * h, -0.17 * h, 0.165 * h, 0.12 * h),
        legs=((-0.145 * h, -h / 2, -0.02 * h, -0.14 * h), (0.02 * h, -h / 2, 0.145 * h, -0.14 * h)),
        neck=(-0.045 * h, 0.08 * h, 0.045 * h, 0.16 * h), band=(-0.1 * h, 0.09 * h, 0.1 * h, 0.135 * h),
        arms=(((-0.19 * h, 0.085 * h), (-0.205 * h, -0.15 * h)), ((0.19 * h, 0.085 * h), (0.205 * h, -0.15 * h))),
        limb=0.042 * h, hand=0.045 * h, round=0.06 * h)


@dataclass(frozen=True)
class Cameo:
    """A cameo as the world engine sees it: who (the handle) and what they look like; no pixels."""

    handle: str
    kind: str = "person"  # "person", or "character": a pet or an object
    appearance: str = ""

    @property
    def key(self) -> str:
        return handle_key(self.handle)


def handle_key(handle: str) -> str:
    """A handle as prompts mention it and plans store it: lower case, no "@"."""
    return handle.strip().lstrip("@").lower()


@dataclass
class Dress:
    """A figure's colours read from appearance notes; None where the notes say nothing."""

    hat: RGB | None = None
    top: tuple[str, RGB] | None = None
    legs: RGB | None = None
    neck: RGB | None = None
    body: tuple[str, RGB] | None = None  # a colour not tied to a garment: "a golden retriever"
    said: list[str] = field(default_factory=list)  # what was understood, e.g. "red cap"


def _colour(tokens: list[str], i: int) -> tuple[str, RGB] | None:
    """The colour named at token i, with a shade word before it ("light blue")."""
    word = COLOR_ALIASES.get(tokens[i], tokens[i])
    rgb = COLORS.get(word) or EXTRA_COLORS.get(word)
    if rgb is None:
        return None
    shade = SHADES.get(tokens[i - 1], "") if i > 0 else ""
    return (f"{shade} {word}" if shade else word), shade_color(rgb, shade)


def read_appearance(text: str) -> Dress:
    """Colours of clothes (or fur) in free-text notes: a colour word goes with the garment right after it ("red
    cap", "blue collar"); one followed by no garment colours the body ("a golden retriever")."""
    dress = Dress()
    tokens = lx.tokenize(text)
    for i in range(len(tokens)):
        found = _colour(tokens, i)
        if found is None or (i + 1 < len(tokens) and _colour(tokens, i + 1) is not None):
            continue  # "navy blue": the last colour word names it
        part = None
        for tok in tokens[i + 1 : i + 1 + LOOK_AHEAD]:
            if tok in STOPS or _colour([tok], 0) is not None:
                break
            if tok in PARTS:
                part = (PARTS[tok], tok)
                break
        if part is None:
            dress.body = dress.body or found
            continue
        slot, garment = part
        if slot and getattr(dress, slot) is None:
            setattr(dress, slot, found if slot == "top" else found[1])
            dress.said.append(f"{found[0]} {garment}")
    if dress.body is not None and dress.top is None:
        dress.said.append(f"{dress.body[0]} body")
    return dress


def figure_spec(cameo: Cameo) -> tuple[FigureSpec, str, RGB]:
    """The figure's plan entry, and the name and colour of its body (the object's `color` and `rgb`)."""
    dress = read_appearance(cameo.appearance)
    character = cameo.kind == "character"
    rng = random.Random(zlib.crc32(cameo.key.encode()))
    top = dress.top or dress.body or rng.choice(FUR_PALETTE if character else TOPS_PALETTE)
    darker: RGB = (round(top[1][0] * 0.8), round(top[1][1] * 0.8), round(top[1][2] * 0.8))
    legs = dress.legs or (darker if character else rng.choice(LEGS_PALETTE))  # a character's paws: its body's
    spec = FigureSpec(handle=cameo.key, kind="character" if character else "person", hat=dress.hat, legs=legs,
                      neck=dress.neck)
    return spec, top[0], top[1]


def notes(cameo: Cameo) -> str:
    """What the figure of `cameo` was dressed from, for `plan.understood`."""
    said = read_appearance(cameo.appearance).said
    return f"@{cameo.key}: {', '.join(said)}" if said else f"@{cameo.key}"


# -- placement ----------------------------------------------------------------------------------------------


def _extent(objects: Sequence[ObjectSpec], props: Sequence[Prop]) -> tuple[float, float] | None:
    """World x from the left end of everything in the scene to its right end; None for an empty scene."""
    spans: list[tuple[float, float]] = []
    for o in objects:
        w, h = dims(o.kind, o.size)
        half = w / 2 if abs(o.angle) < 1e-3 else math.hypot(w, h) / 2
        spans.append((o.x - half, o.x + half))
        if o.pivot is not None:
            spans.append((o.pivot[0], o.pivot[0]))
    for prop in props:
        spans.append(_prop_span(prop))
    if not spans:
        return None
    return min(s[0] for s in spans), max(s[1] for s in spans)


def _prop_span(prop: Prop) -> tuple[float, float]:
    """World x span of a prop (see `bodies.prop_boxes`): tables and walls are centred on x, walls 5 cm thick."""
    if prop.kind == "table":
        return prop.x - prop.width / 2, prop.x + prop.width / 2
    if prop.kind == "walls":
        return prop.x - prop.width / 2 - 0.05, prop.x + prop.width / 2 + 0.05
    return prop.x, prop.x + prop.width


def _size(spec: FigureSpec) -> float:
    return CHARACTER_HEIGHT if spec.kind == "character" else PERSON_HEIGHT


def _width(spec: FigureSpec) -> float:
    return _size(spec) * KINDS["figure"].aspect


def _posed(obj: ObjectSpec, act: str) -> ObjectSpec:
    """A figure set doing `act`: "topple" leans it over its upstream foot (away from the action, which it must
    not wreck) and turns it that way; "bounce" sets it hopping."""
    if act == "bounce":
        return obj.model_copy(update={"vy": HOP})
    if act != "topple":
        return obj
    assert obj.figure is not None
    side = -FLOW
    parts = figure_layout(obj.size, obj.figure.kind == "character")
    half_base = max(abs(parts.trunk[0]), abs(parts.legs[0][0]))
    angle = -side * TILT
    corner_x = obj.x + side * half_base
    r0x, r0y = -side * half_base, obj.size / 2  # from the corner it turns about to its centre
    rx = r0x * math.cos(angle) - r0y * math.sin(angle)
    ry = r0x * math.sin(angle) + r0y * math.cos(angle)
    spin = -side * TIP_SPIN
    # Turning about the corner, not the centre: a centre spin would drive the foot into the floor.
    return obj.model_copy(update={"x": corner_x + rx, "y": ry, "angle": angle, "spin": spin,
                                  "vx": -spin * ry, "vy": spin * rx})


def place_figures(cameos: Sequence[Cameo], objects: Sequence[ObjectSpec], props: Sequence[Prop],
                  acts: Mapping[str, str] | None = None, targets: Collection[str] = ()) -> list[ObjectSpec]:
    """New figure objects for `cameos` (one per handle not already in `objects`), standing on the floor side by
    side, upstream of everything else with a gap, so nothing starts overlapping them and what moves heads away;
    the handles in `targets` ("a ball rolls toward @ann") stand downstream instead, where things head. `acts`
    maps a handle to what its figure does (see ACTS): "topple", "bounce" or "rest"."""
    taken = {o.figure.handle for o in objects if o.figure is not None}
    specs: list[tuple[FigureSpec, str, RGB]] = []
    for cameo in cameos:
        if cameo.key not in taken:
            taken.add(cameo.key)
            specs.append(figure_spec(cameo))
    if not specs:
        return []
    extent = _extent(objects, props)
    widths = [_width(s) for s, _, _ in specs]
    cursors: dict[float, float] = {}  # side (+1 upstream, -1 downstream) -> where the next figure's near edge goes
    if extent is None:  # nothing else in the scene: the figures stand centred
        cursors[-FLOW] = FLOW * (sum(widths) + SIDE_GAP * (len(widths) - 1)) / 2
    number = 1 + max((int(o.id.removeprefix("figure")) for o in objects
                      if o.kind == "figure" and o.id.removeprefix("figure").isdigit()), default=0)
    out = []
    for (spec, name, rgb), w in zip(specs, widths, strict=True):
        side = FLOW if spec.handle in targets and extent is not None else -FLOW  # things travel along FLOW
        if side not in cursors:
            assert extent is not None
            cursors[side] = (extent[1] if side > 0 else extent[0]) + side * GAP
        x = cursors[side] + side * w / 2
        cursors[side] = x + side * (w / 2 + SIDE_GAP)
        size = _size(spec)
        obj = ObjectSpec(id=f"figure{number}", kind="figure", color=name, rgb=rgb, material=KINDS["figure"].material,
                         size=size, x=round(x, 4), y=size / 2, figure=spec)
        out.append(_posed(obj, (acts or {}).get(spec.handle, "rest")))
        number += 1
    return out


def figure_actions(figures: Sequence[ObjectSpec], acts: Mapping[str, str]) -> list[Action]:
    """The plan's record of what figures do."""
    return [Action(kind=cast(ActionKind, acts[o.figure.handle]), subjects=[o.id])
            for o in figures if o.figure is not None and o.figure.handle in acts]


def add_figures(plan: ScenePlan, cameos: Sequence[Cameo]) -> list[str]:
    """Add (in place) a figure for every cameo `plan` has none for; what was added, for reports."""
    added = place_figures(cameos, plan.objects, plan.environment.props)
    plan.objects = [*plan.objects, *added]
    by_key = {c.key: c for c in cameos}
    return [f"{notes(by_key[o.figure.handle])} ({o.id})" for o in added if o.figure is not None]


def cast_list(plan: ScenePlan) -> list[dict[str, str]]:
    """`metadata["cameos"]`: every figure's handle and object id."""
    return [{"handle": o.figure.handle, "object_id": o.id} for o in plan.objects if o.figure is not None]

