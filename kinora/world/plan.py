"""The scene plan: everything the world engine needs to simulate, render and score a clip.

A plan is plain data (pydantic), produced by `parse.parse_prompt` or written by hand as JSON and
passed with `--plan`. Units are SI: metres, seconds, kilograms; x grows to the right, y grows up,
and the floor surface is y = 0. Positions are centres of mass.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kinora.world.catalog import FLOORS, KINDS, MATERIALS

Style = Literal["realistic", "cartoon", "anime", "noir", "neon"]
CameraMove = Literal["static", "pan", "zoom_in", "zoom_out", "follow"]
Framing = Literal["wide", "medium", "close"]
ActionKind = Literal["drop", "bounce", "roll", "slide", "collide", "topple", "collapse", "swing", "throw", "rest"]
PropKind = Literal["ramp", "stairs", "table", "walls"]
TimeOfDay = Literal["morning", "day", "sunset", "evening", "night"]
RGB = tuple[int, int, int]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


def _one_of(field: str, value: str, allowed: Iterable[str]) -> str:
    names = list(allowed)
    if value not in names:
        raise ValueError(f"{field} must be one of {', '.join(names)}; got {value!r}")
    return value


class FigureSpec(_Model):
    """Who a "figure" object is: a cameo, named by its handle, dressed from its appearance notes. The face is not
    here: a plan is saved as JSON with the clip, and the face crops come from the request's cameos when it is
    rendered (a figure whose cameo is gone gets a plain face)."""

    handle: str = Field(min_length=1, max_length=64, pattern=r"^[^A-Z\s]+$")  # lower case, as mentioned
    kind: Literal["person", "character"] = "person"  # character: a pet or an object, drawn as a mascot
    hat: RGB | None = None  # a cap or hat the notes name; the body colour is the object's rgb
    legs: RGB = (58, 62, 74)
    neck: RGB | None = None  # a collar, scarf or tie


class ObjectSpec(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: str
    color: str  # the name as understood, e.g. "light blue"
    rgb: tuple[int, int, int]
    material: str
    size: float = Field(gt=0.005, le=3.0)  # metres, see catalog.Kind.size
    x: float
    y: float
    angle: float = 0.0  # radians, counter-clockwise
    vx: float = 0.0
    vy: float = 0.0
    spin: float = 0.0  # rad/s, counter-clockwise
    pivot: tuple[float, float] | None = None  # pendulum: hangs from this fixed point on a rod
    figure: FigureSpec | None = None  # kind "figure" only

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        return _one_of("kind", v, KINDS)

    @field_validator("material")
    @classmethod
    def _known_material(cls, v: str) -> str:
        return _one_of("material", v, MATERIALS)

    @model_validator(mode="after")
    def _figure_iff_kind(self) -> ObjectSpec:
        if (self.kind == "figure") != (self.figure is not None):
            raise ValueError(f"figure: object {self.id!r} of kind {self.kind!r} "
                             f"{'needs' if self.figure is None else 'cannot have'} a figure")
        return self


class Prop(_Model):
    """Static scenery. ramp: x is its left end; it rises over `width` to `height` on the `facing`
    side. stairs: x is the left end; `steps` steps over `width`, the top step at `height` on the
    `facing` side. table: centred on x, `width` wide, a 4 cm top at `height`. walls: 5 cm walls
    of `height` just outside [x - width/2, x + width/2]."""

    kind: PropKind
    x: float
    width: float = Field(gt=0)
    height: float = Field(ge=0)
    facing: Literal["left", "right"] = "right"  # ramps and stairs: the side that is high
    steps: int = Field(default=4, ge=1, le=20)
    material: str = "wood"

    @field_validator("material")
    @classmethod
    def _known_material(cls, v: str) -> str:
        return _one_of("material", v, MATERIALS)


class Environment(_Model):
    setting: Literal["indoor", "outdoor"] = "indoor"
    time_of_day: TimeOfDay = "day"
    floor: str = "wood"
    props: list[Prop] = Field(default_factory=list)
    gravity: float = Field(default=9.81, gt=0, le=100)

    @field_validator("floor")
    @classmethod
    def _known_floor(cls, v: str) -> str:
        return _one_of("floor", v, FLOORS)


class Camera(_Model):
    move: CameraMove = "static"
    framing: Framing = "wide"
    # Object id the shot is about: framed by medium and close shots, tracked by follow, zoomed
    # toward by zooms; a static wide shot frames everything and ignores it.
    target: str | None = None


class Shot(_Model):
    start: float = Field(ge=0, lt=1)  # fraction of the clip where this shot begins
    camera: Camera = Field(default_factory=Camera)


class Action(_Model):
    kind: ActionKind
    subjects: list[str] = Field(default_factory=list)  # object ids


class Kick(_Model):
    """A blow during the clip: at video second `t` the object is set moving as if struck. A value left
    None keeps what the object has then (a hop sets only vy). Extensions use kicks for "then the red
    ball is kicked to the left"; a remix of an extended clip replays them on the whole clip's clock."""

    t: float = Field(ge=0)
    object: str
    vx: float | None = None
    vy: float | None = None
    spin: float | None = None  # rad/s, counter-clockwise


class ScenePlan(_Model):
    version: Literal[1] = 1
    prompt: str = ""
    objects: list[ObjectSpec]
    environment: Environment = Field(default_factory=Environment)
    actions: list[Action] = Field(default_factory=list)
    shots: list[Shot] = Field(default_factory=lambda: [Shot(start=0.0)])
    style: Style = "realistic"
    slow_motion: float = Field(default=1.0, gt=0.05, le=1.0)  # simulated seconds per video second
    kicks: list[Kick] = Field(default_factory=list)
    understood: list[str] = Field(default_factory=list)
    unrecognized: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> ScenePlan:
        if not self.objects:
            raise ValueError("objects must hold at least one object")
        ids = [o.id for o in self.objects]
        if len(set(ids)) != len(ids):
            raise ValueError(f"objects: ids must be unique; got {ids}")
        if not self.shots or self.shots[0].start != 0:
            raise ValueError("shots: the first shot must start at 0")
        starts = [s.start for s in self.shots]
        if starts != sorted(starts):
            raise ValueError(f"shots: starts must increase; got {starts}")
        known = set(ids)
        for shot in self.shots:
            if shot.camera.target is not None and shot.camera.target not in known:
                raise ValueError(f"shots: camera target {shot.camera.target!r} is not an object id")
        for action in self.actions:
            missing = [s for s in action.subjects if s not in known]
            if missing:
                raise ValueError(f"actions: subjects {missing} are not object ids")
        for kick in self.kicks:
            if kick.object not in known:
                raise ValueError(f"kicks: object {kick.object!r} is not an object id")
        return self

    def object(self, object_id: str) -> ObjectSpec:
        for o in self.objects:
            if o.id == object_id:
                return o
        raise KeyError(object_id)
