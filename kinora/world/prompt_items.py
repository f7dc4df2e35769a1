"""Shared pieces of the prompt parser (`kinora.world.parse`): its constants, the items the scanner cuts a
prompt into, and the groups of objects, references and deeds the resolver makes of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from kinora.world import lexicon as lx
from kinora.world.layout import Arrangement
from kinora.world.plan import CameraMove, Framing, PropKind, Style, TimeOfDay

MAX_OBJECTS = 40
DEFAULT_COUNT = {"row": 10, "stack": 5, "pyramid": 6}
ARRANGEMENT_KIND = {"row": "domino", "stack": "block", "pyramid": "can"}
PLURAL_COUNT = 3  # "balls" with no number
# Default colours for objects the prompt gives none, in the order they are handed out.
PALETTE = ("blue", "orange", "green", "red", "purple", "yellow", "teal", "pink", "cyan", "magenta", "gold",
           "navy", "white", "brown")
SURFACE_PREPS = frozenset({"on", "onto", "upon", "across", "along", "over"})
ENCLOSING_PREPS = frozenset({"in", "inside", "within"})
TARGET_PREPS = frozenset({"into", "at", "toward", "towards", "against"})
OFF_PREPS = frozenset({"off", "from"})
BARE_NOT_NOUNS = frozenset({"can", "die", "tin"})  # a modal, a verb, a material, unless a determiner precedes
STANDING_KINDS = frozenset({"domino", "pin"})
COORDINATORS = frozenset({"and", "then", ",", "before", "after", "until", "but"})
SPECIALS: dict[str, tuple[str, float, int]] = {  # special -> (material, size scale, count)
    "pendulum": ("metal", 1.0, 1),
    "wrecking": ("metal", 2.0, 1),
    "cradle": ("metal", 0.45, 5),
    "bowling": ("plastic", 1.0, 1),
    "tennis": ("rubber", 0.3, 1),
    "golf": ("plastic", 0.2, 1),
    "pingpong": ("plastic", 0.18, 1),
    "basketball": ("rubber", 1.1, 1),
    "soccer": ("rubber", 1.0, 1),
    "beach": ("rubber", 1.8, 1),
    "billiard": ("plastic", 0.26, 1),
    "baseball": ("plastic", 0.33, 1),
}
SWINGERS = frozenset({"pendulum", "wrecking", "cradle"})
TEMPO_NAMES = {0.1: "super slow motion", 0.25: "slow motion", 0.5: "half speed", 1.0: "real time"}


# -- scanned items ---------------------------------------------------------------------------------------


@dataclass
class Item:
    start: int  # token span
    end: int
    sentence: int
    shot: int


@dataclass
class Mention(Item):
    kind: str = "ball"
    count: int | None = None
    plural: bool = False
    definite: bool = False
    ordinal: int | None = None
    color: str | None = None  # as understood, e.g. "light blue"
    material: str | None = None
    scale: float | None = None
    size_word: str = ""
    arrangement: Arrangement | None = None
    special: str | None = None
    prep: str | None = None  # the preposition in front of it
    noun: str = ""  # the head as written, for `understood`


@dataclass
class Verb(Item):
    action: str = "drop"  # an ActionKind, or "fall" / "push", settled by what does it
    speed: float = 1.0
    mutual: bool = False
    passive: bool = False


@dataclass
class PropMention(Item):
    kind: PropKind = "ramp"
    material: str | None = None
    prep: str | None = None


@dataclass
class Pronoun(Item):
    prep: str | None = None


@dataclass
class FloorMention(Item):
    pass


@dataclass
class CameoMention(Item):
    """"@ann": a cameo of the request, standing in the scene as a figure."""

    handle: str = ""
    prep: str | None = None  # the preposition in front of it: "rolls toward @ann"


@dataclass
class CameraMention(Item):
    move: CameraMove | None = None
    framing: Framing | None = None


@dataclass
class Scene:
    """Scene-wide words, first mention wins."""

    floor: str | None = None
    setting: Literal["indoor", "outdoor"] | None = None
    setting_floor: str | None = None
    time: TimeOfDay | None = None
    style: Style | None = None
    tempo: float | None = None
    gravity: float | None = None
    shots: int = 1


def first_sense(senses: tuple[lx.Sense, ...], *cats: str) -> lx.Sense | None:
    """The first sense of the given categories, trying them in order."""
    for cat in cats:
        for s in senses:
            if s.cat == cat:
                return s
    return None


# -- resolved objects ------------------------------------------------------------------------------------


@dataclass
class Group:
    """Objects introduced by one mention: same kind, material and size."""

    kind: str
    count: int
    first: int  # number in the id of the first member
    colors: list[str | None]
    material: str | None
    scale: float
    arrangement: Arrangement | None
    special: str | None
    motions: list[str] = field(default_factory=list)
    target: int | None = None  # the group it drives into
    mutual: bool = False  # ... which drives back at it
    mutual_self: bool = False  # its own members drive at each other
    wall: bool = False  # it drives into a wall
    hit: bool = False  # something drives into it
    props: dict[str, str | None] = field(default_factory=dict)  # prop kind -> preposition
    prop_materials: dict[str, str] = field(default_factory=dict)
    speed: float = 1.0

    def id(self, member: int) -> str:
        return f"{self.kind}{self.first + member}"


@dataclass
class Ref:
    group: int
    members: list[int]


@dataclass
class Deed:
    """One action as the prompt states it."""

    action: str
    subjects: list[Ref]
    targets: list[Ref] = field(default_factory=list)
