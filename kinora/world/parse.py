"""Prompt -> ScenePlan for the world engine: a deterministic, rule-based reading of a text prompt.

Three passes. The scanner cuts the prompt into items (object mentions, verbs, props, camera phrases)
and settles the scene-wide words (floor, setting, time, style, speed) on the way. The resolver decides
which mentions are new objects and which refer back, who does what to whom, and which props belong to
whom; it groups each mover with what it hits into a cluster. `layout.arrange` turns the clusters into
exact initial conditions. Every word that no pass could use ends up in `plan.unrecognized`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, cast

from kinora.world import lexicon as lx
from kinora.world.catalog import COLORS, FLOORS, KINDS, shade_color
from kinora.world.layout import GRAVITY, Arrangement, Cluster, Mode, Piece, Pose, arrange
from kinora.world.plan import (
    Action,
    ActionKind,
    Camera,
    CameraMove,
    Environment,
    Framing,
    ObjectSpec,
    PropKind,
    ScenePlan,
    Shot,
    Style,
    TimeOfDay,
)

__all__ = ["MAX_OBJECTS", "PromptError", "parse_prompt"]

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
EXAMPLE_OBJECTS = "a ball, cube, domino, block, marble, bowling pin, plank, can, bowl or toy car"


class PromptError(ValueError):
    """The prompt names nothing the world engine can simulate."""


# -- scanned items ---------------------------------------------------------------------------------------


@dataclass
class _Item:
    start: int  # token span
    end: int
    sentence: int
    shot: int


@dataclass
class _Mention(_Item):
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
class _Verb(_Item):
    action: str = "drop"  # an ActionKind, or "fall" / "push", settled by what does it
    speed: float = 1.0
    mutual: bool = False
    passive: bool = False


@dataclass
class _PropMention(_Item):
    kind: PropKind = "ramp"
    material: str | None = None
    prep: str | None = None


@dataclass
class _Pronoun(_Item):
    prep: str | None = None


@dataclass
class _FloorMention(_Item):
    pass


@dataclass
class _CameraMention(_Item):
    move: CameraMove | None = None
    framing: Framing | None = None


@dataclass
class _Scene:
    """Scene-wide words, first mention wins."""

    floor: str | None = None
    setting: Literal["indoor", "outdoor"] | None = None
    setting_floor: str | None = None
    time: TimeOfDay | None = None
    style: Style | None = None
    tempo: float | None = None
    gravity: float | None = None
    shots: int = 1


_OBJECT_MODS = ("det", "count", "ordinal", "size", "shade", "color", "palette", "material", "arr_of")
_HEADS = ("kind", "special", "arr_noun", "prop", "floor_noun", "floor_only", "proform")
_NP_CATS = frozenset(_OBJECT_MODS + _HEADS + ("floor_material",))
# Senses of words outside noun phrases, in the order that settles a word with several.
_WORD_CATS = ("cut", "tempo", "gravity", "style", "camera", "framing", "verb", "time", "setting", "mutual",
              "speed", "agent", "prep", "pronoun", "shade", "function", "meta", "det", "ordinal", "kind")


_Span = tuple[int, int, tuple[lx.Sense, ...]]  # a phrase in a noun phrase: token start, end, its senses


def _sense(senses: tuple[lx.Sense, ...], *cats: str) -> lx.Sense | None:
    """The first sense of the given categories, trying them in order."""
    for cat in cats:
        for s in senses:
            if s.cat == cat:
                return s
    return None


class _Scanner:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.items: list[_Item] = []
        self.known: list[bool] = [False] * len(tokens)  # understood, or a function word
        self.notes: list[tuple[int, str]] = []  # (token position, understood phrase)
        self.scene = _Scene()
        self.sentence = 0
        self.prep: str | None = None
        self.pending_speed = 1.0
        self.last_kind: str | None = None

    def run(self) -> None:
        i = 0
        while i < len(self.tokens):
            i = self._step(i)

    def _mark(self, start: int, end: int, note: str | None = None) -> None:
        for k in range(start, end):
            self.known[k] = True
        if note is not None:
            self.notes.append((start, note))

    def _at(self, start: int, end: int) -> tuple[int, int, int, int]:
        return start, end, self.sentence, self.scene.shots - 1

    def _last_verb(self) -> _Verb | None:
        for item in reversed(self.items):
            if item.sentence != self.sentence:
                return None
            if isinstance(item, _Verb):
                return item
        return None

    def _step(self, i: int) -> int:
        tok = self.tokens[i]
        if tok in lx.SENTENCE_END or tok in lx.CLAUSE_END:
            if tok in lx.SENTENCE_END:
                self.sentence += 1
            self.prep = None
            self._mark(i, i + 1)
            return i + 1
        end = self._noun_phrase(i)
        if end is not None:
            return end
        for end, senses in lx.lookup_all(self.tokens, i):  # longest first: "in a chain reaction" -> "in"
            sense = _sense(senses, *_WORD_CATS)
            if sense is not None and self._word(i, end, sense):
                return end
        return i + 1

    def _word(self, i: int, end: int, s: lx.Sense) -> bool:
        """Handle a phrase that is not part of a noun phrase; False leaves it unrecognized."""
        scene = self.scene
        text = " ".join(self.tokens[i:end])
        if s.cat == "cut":
            scene.shots += 1
            self.sentence += 1
            self.prep = None
            self._mark(i, end, f"cut to shot {scene.shots}")
        elif s.cat == "tempo":
            scene.tempo = scene.tempo or s.number
            self._mark(i, end, TEMPO_NAMES[s.number])
        elif s.cat == "gravity":
            scene.gravity = scene.gravity or s.number
            self._mark(i, end, f"gravity: {s.number} m/s2")
        elif s.cat == "style":
            scene.style = scene.style or cast(Style, s.value)
            self._mark(i, end, f"style: {s.value}")
        elif s.cat in ("camera", "framing"):
            item = _CameraMention(*self._at(i, end))
            if s.cat == "camera":
                item.move = cast(CameraMove, s.value)
            else:
                item.framing = cast(Framing, s.value)
            self.items.append(item)
            self._mark(i, end, f"{'camera' if s.cat == 'camera' else 'framing'}: {s.value}")
        elif s.cat == "verb":
            self.items.append(_Verb(*self._at(i, end), action=s.value, speed=self.pending_speed))
            self.pending_speed = 1.0
            self._mark(i, end, s.value)
        elif s.cat == "time" or (s.cat == "shade" and s.value == "dark"):  # "in the dark"
            scene.time = scene.time or cast(TimeOfDay, s.value if s.cat == "time" else "night")
            self._mark(i, end, f"time: {scene.time}")
        elif s.cat == "setting":
            scene.setting = scene.setting or cast(Literal["indoor", "outdoor"], s.value)
            scene.setting_floor = scene.setting_floor or s.extra or None
            self._mark(i, end, f"setting: {text}")
        elif s.cat in ("mutual", "speed", "agent"):
            return self._verb_modifier(i, end, s)
        elif s.cat == "prep":
            self.prep = s.value
            self._mark(i, end)
        elif s.cat == "pronoun":
            self.items.append(_Pronoun(*self._at(i, end), prep=self.prep))
            self.prep = None
            self._mark(i, end)
        elif s.cat in ("function", "meta", "det", "ordinal") or (s.cat == "kind" and text in BARE_NOT_NOUNS):
            self._mark(i, end)
        else:
            return False
        return True

    def _verb_modifier(self, i: int, end: int, s: lx.Sense) -> bool:
        verb = self._last_verb()
        if s.cat == "speed":
            if verb is None:
                self.pending_speed *= s.number
            else:
                verb.speed *= s.number
            self._mark(i, end, f"speed: {' '.join(self.tokens[i:end])}")
            return True
        if s.cat == "mutual":
            if verb is None:
                return False
            verb.mutual = True
            self._mark(i, end, "each other")
        else:  # "by" right after a verb makes it passive ("knocked over by a ball"); else it is grammar
            if verb is not None and verb.end == i:
                verb.passive = True
            self._mark(i, end)
        return True

    # -- noun phrases ------------------------------------------------------------------------------------

    def _run(self, i: int) -> list[_Span]:
        """The longest stretch from i of words that can belong to one noun phrase."""
        run: list[_Span] = []
        j = i
        while j < len(self.tokens):
            found = lx.lookup(self.tokens, j)
            if found is None and run and run[-1][2] and self._continues(j + 1):
                run.append((j, j + 1, ()))  # an unknown word inside a noun phrase: "a tall tower"
                j += 1
                continue
            if found is None:
                break
            end, senses = found
            cats = {s.cat for s in senses}
            if not cats & _NP_CATS and not ("verb" in cats and self._participle(run, end)):
                break
            starts_new = cats & {"det", "count"} and not cats & set(_HEADS)
            if run and starts_new and any(_sense(r[2], *_HEADS, "color", "material", "size") for r in run):
                break
            run.append((j, end, senses))
            j = end
        return run

    def _continues(self, j: int) -> bool:
        found = lx.lookup(self.tokens, j) if j < len(self.tokens) else None
        return found is not None and any(s.cat in _NP_CATS for s in found[1])

    def _participle(self, run: list[_Span], end: int) -> bool:
        """A verb between a determiner and a noun is an adjective: "a rolling ball"."""
        nxt = lx.lookup(self.tokens, end)
        return bool(run) and all(_sense(r[2], *_OBJECT_MODS) for r in run) and nxt is not None and any(
            s.cat in _NP_CATS for s in nxt[1])

    def _noun_phrase(self, i: int) -> int | None:
        run = self._run(i)
        if not run:
            return None
        for k in range(len(run) - 1, -1, -1):
            start, end, senses = run[k]
            mods = run[:k]
            for head in (s for s in senses if s.cat in _HEADS):
                made = self._head(mods, start, end, head, senses)
                if made is not None:
                    return made
        last_start, last_end, last = run[-1]
        floor = _sense(last, "floor_material")
        if floor is not None and self.prep in SURFACE_PREPS and all(_sense(m[2], "det") for m in run[:-1]):
            return self._floor(run[:-1], last_start, last_end, floor.value)  # "bounces on marble"
        arr = [m for m in run if _sense(m[2], "arr_of")]
        if arr and all(_sense(m[2], *_OBJECT_MODS) for m in run):  # "a row of ten": the usual kind
            value = cast(lx.Sense, _sense(arr[-1][2], "arr_of")).value
            head = lx.Sense("kind", ARRANGEMENT_KIND[value], plural=True)
            return self._object(run, last_end, last_end, head)
        return None

    def _head(self, mods: list[_Span], start: int, end: int, head: lx.Sense,
              senses: tuple[lx.Sense, ...]) -> int | None:
        """Build the noun phrase `mods` + head, or None when the modifiers cannot go with this head."""
        word = " ".join(self.tokens[start:end])
        has = {s.cat for m in mods for s in m[2]}
        if head.cat in ("kind", "special", "arr_noun", "proform"):
            allowed = _OBJECT_MODS + ("verb",) + (("kind",) if head.cat == "arr_noun" else ())
            if not all(not m[2] or _sense(m[2], *allowed) for m in mods):
                return None
            floor = _sense(senses, "floor_material")
            if floor is not None and self.prep in SURFACE_PREPS and not has & {"count", "size", "color"}:
                return self._floor(mods, start, end, floor.value)  # "dominoes on tiles", "on a marble"
            if word in BARE_NOT_NOUNS and not mods:
                return None
            if head.value == "cube" and self.prep in ENCLOSING_PREPS:
                return self._prop(mods, start, end, "walls")  # "in a box": the scene is enclosed
            if head.cat == "proform" and (self.last_kind is None or not has & {"color", "size", "material",
                                                                                   "ordinal"}):
                return None
            return self._object(mods, start, end, head)
        if head.cat == "prop":
            return self._prop(mods, start, end, cast(PropKind, head.value))
        if head.cat == "floor_noun":
            materials = [s for m in mods if (s := _sense(m[2], "floor_material")) is not None]
            return self._floor(mods, start, end, materials[-1].value if materials else None)
        if head.cat == "floor_only" and all(_sense(m[2], "det") for m in mods):
            return self._floor(mods, start, end, head.value)
        return None

    def _object(self, mods: list[_Span], start: int, end: int,
                head: lx.Sense) -> int:
        m = _Mention(*self._at(mods[0][0] if mods else start, end), plural=head.plural, prep=self.prep)
        m.noun = " ".join(self.tokens[start:end])
        if head.cat == "proform":
            m.kind = cast(str, self.last_kind)
            m.plural = self.tokens[start] == "ones"
        elif head.cat == "special":
            m.kind, m.special = "ball", head.value
        elif head.cat == "arr_noun":
            m.arrangement = cast(Arrangement, head.value)
            m.kind, m.noun = ARRANGEMENT_KIND[head.value], ""
        else:
            m.kind = head.value
        shade: tuple[str, int, int] | None = None  # understood once a colour follows
        participles: list[_Verb] = []
        for s_start, s_end, senses in mods:
            s = _sense(senses, "det", "count", "ordinal", "size", "shade", "color", "palette", "material",
                       "arr_of", "kind", "verb")
            if s is None:
                continue  # an unknown word: left unrecognized
            known = True
            if s.cat == "det":
                m.definite = s.value == "def"
            elif s.cat == "count":
                m.count = max(1, int(s.number)) * (m.count or 1)
            elif s.cat == "ordinal":
                m.ordinal = int(s.number)
            elif s.cat == "size":
                m.scale, m.size_word = s.number, " ".join(self.tokens[s_start:s_end])
            elif s.cat == "shade":
                shade, known = (s.value, s_start, s_end), False
            elif s.cat == "color":
                m.color = s.value
                if shade is not None:
                    m.color = f"{shade[0]} {s.value}"
                    self._mark(shade[1], shade[2])
                shade = None
            elif s.cat == "material":
                m.material = s.value
            elif s.cat == "arr_of":
                m.arrangement = cast(Arrangement, s.value)
            elif s.cat == "kind":
                m.kind = s.value
            elif s.cat == "verb":
                participles.append(_Verb(s_start, s_end, self.sentence, self.scene.shots - 1, action=s.value))
                self.notes.append((s_start, s.value))
            if known:
                self._mark(s_start, s_end)
        self._mark(start, end)
        end = self._post_modifiers(m, end)
        m.end = end
        self.items.append(m)
        self.items += participles  # after the noun, so that it reads as their subject
        self.last_kind = m.kind
        self.prep = None
        return end

    def _post_modifiers(self, m: _Mention, end: int) -> int:
        """"dominoes in a row", "blocks stacked up", "a ball made of glass"."""
        found = lx.lookup(self.tokens, end)
        if found is None:
            return end
        after, senses = found
        post = _sense(senses, "arr_post", "made_of")
        if post is None:
            return end
        if post.cat == "arr_post":
            m.arrangement = cast(Arrangement, post.value)
            self._mark(end, after)
            return after
        material = lx.lookup(self.tokens, after)
        found_material = _sense(material[1], "material") if material else None
        if material is None or found_material is None:
            return end
        m.material = found_material.value
        self._mark(end, material[0])
        return material[0]

    def _prop(self, mods: list[_Span], start: int, end: int,
              kind: PropKind) -> int:
        item = _PropMention(*self._at(mods[0][0] if mods else start, end), kind=kind, prep=self.prep)
        for s_start, s_end, senses in mods:
            s = _sense(senses, "det", "material", "floor_material")
            if s is None:
                continue  # a colour or size of scenery is not modelled: left unrecognized
            if s.cat == "material":
                item.material = s.value
            elif s.cat == "floor_material":
                item.material = FLOORS[s.value]
            self._mark(s_start, s_end)
        self._mark(start, end, kind if item.material is None else f"{item.material} {kind}")
        self.items.append(item)
        self.prep = None
        return end

    def _floor(self, mods: list[_Span], start: int, end: int,
               floor: str | None) -> int:
        for s_start, s_end, senses in mods:
            if _sense(senses, "det", "floor_material"):
                self._mark(s_start, s_end)
        if floor is not None and self.scene.floor is None:
            self.scene.floor = floor
        self._mark(start, end, "floor" if floor is None else f"floor: {floor}")
        self.items.append(_FloorMention(*self._at(mods[0][0] if mods else start, end)))
        self.prep = None
        return end


# -- resolution: objects, who does what, props -----------------------------------------------------------


@dataclass
class _Group:
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
class _Ref:
    group: int
    members: list[int]


@dataclass
class _Deed:
    """One action as the prompt states it."""

    action: str
    subjects: list[_Ref]
    targets: list[_Ref] = field(default_factory=list)


DEFAULT_SUBJECT: dict[str, tuple[str, int, Arrangement | None, str | None]] = {  # action -> kind, count, ...
    "drop": ("ball", 1, None, None),
    "fall": ("ball", 1, None, None),
    "bounce": ("ball", 1, None, None),
    "roll": ("ball", 1, None, None),
    "slide": ("cube", 1, None, None),
    "collide": ("ball", 2, None, None),
    "topple": ("domino", 10, "row", None),
    "collapse": ("block", 5, "stack", None),
    "swing": ("ball", 1, None, "pendulum"),
    "throw": ("ball", 1, None, None),
    "rest": ("cube", 1, None, None),
    "push": ("ball", 1, None, None),
}


class _Resolver:
    def __init__(self, scan: _Scanner) -> None:
        self.tokens = scan.tokens
        self.items = scan.items
        self.notes = scan.notes
        self.groups: list[_Group] = []
        self.refs: dict[int, _Ref] = {}  # item index of a mention -> what it names
        self.deeds: list[_Deed] = []
        self.verb_subjects: dict[int, list[_Ref]] = {}  # item index of a verb -> its subjects
        self.walls: str | None = None  # the walls' material when the scene is enclosed
        self.spare_props: list[tuple[PropKind, str]] = []  # props that no object uses
        self.numbers: dict[str, int] = {}
        self.gravity = scan.scene.gravity or GRAVITY
        self.clamped = False

    def run(self) -> None:
        for idx, item in enumerate(self.items):
            if isinstance(item, _Mention):
                self._mention(idx, item)
        for idx, item in enumerate(self.items):
            if isinstance(item, _Verb):
                self._verb(idx, item)
        for idx, item in enumerate(self.items):
            if isinstance(item, _PropMention):
                self._attach(idx, item)
        self._settle()

    # -- mentions ----------------------------------------------------------------------------------------

    def _mention(self, idx: int, m: _Mention) -> None:
        """A definite mention ("the red ball"), or any mention in a later shot, names an object already in
        the scene when one fits; everything else brings new objects."""
        if m.prep == "like":  # "topples like dominoes": a comparison, not more objects
            self.notes.append((m.start, f"like {m.noun}"))
            return
        if self._hangs_previous(m):
            return
        if m.definite or m.shot > 0:
            ref = self._find(m)
            if ref is not None:
                self.refs[idx] = ref
                g = self.groups[ref.group]
                self.notes.append((m.start, f"{' '.join(self.tokens[m.start:m.end])} = "
                                             f"{', '.join(g.id(k) for k in ref.members)}"))
                return
        gi = self._new_group(m)
        if gi is not None:
            self.refs[idx] = _Ref(gi, list(range(self.groups[gi].count)))
            self.notes.append((m.start, self._describe(self.groups[gi], m)))

    def _hangs_previous(self, m: _Mention) -> bool:
        """"a steel ball on a pendulum": the pendulum is how the ball before it hangs, not a second ball."""
        if m.special not in SWINGERS or m.prep not in ("on", "from", "as") or not self.groups:
            return False
        g = self.groups[-1]
        if g.kind != "ball" or g.count != 1 or g.special is not None:
            return False
        g.special = m.special
        self.notes.append((m.start, f"{m.noun} ({g.id(0)})"))
        return True

    def _find(self, m: _Mention) -> _Ref | None:
        for gi in range(len(self.groups) - 1, -1, -1):
            g = self.groups[gi]
            if g.kind != m.kind or (m.material and g.material and m.material != g.material):
                continue
            if m.special is not None and g.special != m.special:
                continue
            members = list(range(g.count))
            if m.color is not None:
                exact = [k for k in members if g.colors[k] == m.color]
                free = [k for k in members if g.colors[k] is None]
                if not exact and not free:
                    continue
                members = exact or (free if m.plural else free[:1])
                for k in members:
                    g.colors[k] = m.color
            if m.ordinal is not None:
                members = [members[-1] if m.ordinal < 0 else members[min(m.ordinal, len(members)) - 1]]
            return _Ref(gi, members)
        return None

    def _new_group(self, m: _Mention) -> int | None:
        material, scale, count = SPECIALS.get(m.special or "", (None, 1.0, 0))
        arrangement = m.arrangement
        if arrangement is None and m.kind == "domino" and (m.plural or (m.count or 1) > 1):
            arrangement = "row"  # dominoes come in rows
        count = m.count or count or (DEFAULT_COUNT[arrangement] if arrangement else 0) or (
            PLURAL_COUNT if m.plural else 1)
        return self._add_group(m.kind, count, m.color, m.material or material, m.scale or scale, arrangement,
                               m.special)

    def _add_group(self, kind: str, count: int, color: str | None, material: str | None, scale: float,
                   arrangement: Arrangement | None, special: str | None) -> int | None:
        room = MAX_OBJECTS - sum(g.count for g in self.groups)
        if count > room:
            self.clamped = True
            count = room
        if count <= 0:
            return None
        first = self.numbers.get(kind, 0) + 1
        self.numbers[kind] = first + count - 1
        self.groups.append(_Group(kind, count, first, [color] * count, material, scale, arrangement, special))
        return len(self.groups) - 1

    def _describe(self, g: _Group, m: _Mention) -> str:
        if m.special is not None:
            return f"{m.noun} ({g.id(0)}{'..' + g.id(g.count - 1) if g.count > 1 else ''})"
        noun = m.noun or (lx.plurals(g.kind)[0] if g.count > 1 else g.kind)
        words = [str(g.count), m.size_word, m.color or "", m.material or "", noun]
        text = " ".join(w for w in words if w)
        return f"{g.arrangement} of {text}" if m.arrangement is not None else text

    # -- verbs -------------------------------------------------------------------------------------------

    def _verb(self, idx: int, v: _Verb) -> None:
        subjects, targets, wall, floor = self._parties(idx, v)
        if not subjects:
            subjects = self._default_subject(v)
            if not subjects:
                return
        self.verb_subjects[idx] = subjects
        action = "drop" if v.action == "collide" and floor and not targets else v.action  # "hits the floor"
        for ref in subjects:
            g = self.groups[ref.group]
            g.motions.append(action)
            g.speed *= v.speed
            g.wall = g.wall or wall
        self.deeds.append(_Deed(action, subjects))
        if targets:
            self._link(subjects, targets, v.mutual)
            if action != "collide":  # "rolls into the dominoes" also collides
                self.deeds.append(_Deed("collide", subjects, targets))
            else:
                self.deeds[-1].targets = targets
        elif action == "collide":
            self._collide_among(subjects)

    def _link(self, subjects: list[_Ref], targets: list[_Ref], mutual: bool) -> None:
        chain = [r.group for r in targets]
        if {r.group for r in subjects} == set(chain):  # "the red one hits the blue one", of two balls
            self._collide_among(subjects)
            return
        for ref in subjects:
            g = self.groups[ref.group]
            if g.target is None and chain[0] != ref.group:
                g.target, g.mutual = chain[0], mutual
        for a, b in zip(chain, chain[1:], strict=False):  # "hits a cube and a can": one after the other
            if self.groups[a].target is None and a != b:
                self.groups[a].target = b
        for gi in chain:
            self.groups[gi].hit = True

    def _collide_among(self, subjects: list[_Ref]) -> None:
        """"A red ball and a blue ball collide": head-on; "two balls collide": the group's halves."""
        groups = list(dict.fromkeys(r.group for r in subjects))
        if len(groups) >= 2:
            a, b = self.groups[groups[0]], groups[1]
            if a.target is None:
                a.target, a.mutual = b, True
                self.groups[b].hit = True
        elif self.groups[groups[0]].count >= 2:
            self.groups[groups[0]].mutual_self = True

    def _default_subject(self, v: _Verb) -> list[_Ref]:
        """A verb with nobody doing it gets the usual object for it ("bouncing in slow motion": a ball)."""
        kind, count, arrangement, special = DEFAULT_SUBJECT[v.action]
        material, scale, _ = SPECIALS.get(special or "", (None, 1.0, 0))
        gi = self._add_group(kind, count, None, material, scale, arrangement, special)
        if gi is None:
            return []
        self.notes.append((v.start, f"default object: {count} {kind if count == 1 else lx.plurals(kind)[0]}"))
        return [_Ref(gi, list(range(self.groups[gi].count)))]

    def _parties(self, idx: int, v: _Verb) -> tuple[list[_Ref], list[_Ref], bool, bool]:
        """(subjects, targets, drives into a wall, hits the floor) of a verb."""
        if v.passive:  # "the tower is hit by a ball"
            return self._after(idx, v.sentence, lambda m: True), self._before(idx, v.sentence), False, False
        subjects = (self._coordinated_subject(idx, v) or self._before(idx, v.sentence)
                    or self._after(idx, v.sentence, lambda m: m.prep not in TARGET_PREPS) or self._earlier(v))
        return (subjects, *self._targets(idx, v, subjects))

    def _coordinated_subject(self, idx: int, v: _Verb) -> list[_Ref]:
        """"A ball hits the tower and bounces": the second verb keeps the first one's subject."""
        k = v.start - 1
        while k >= 0 and (found := lx.lookup(self.tokens, k)) is not None and _sense(found[1], "speed"):
            k -= 1
        if k < 0 or self.tokens[k] not in COORDINATORS:
            return []
        for j in range(idx - 1, -1, -1):
            item = self.items[j]
            if item.sentence != v.sentence or isinstance(item, _Mention | _Pronoun):
                return []
            if isinstance(item, _Verb):
                return self.verb_subjects.get(j, [])
        return []

    def _before(self, idx: int, sentence: int) -> list[_Ref]:
        """The nearest mention before item idx in its clause, preferring one that is not the object of a
        preposition ("a ball next to a cube rolls": the ball), with any mentions joined to it by "and"."""
        fallback: list[_Ref] = []
        for j in range(idx - 1, -1, -1):
            item = self.items[j]
            if item.sentence != sentence or isinstance(item, _Verb):
                break
            if isinstance(item, _Pronoun):
                ref = self._antecedent(j, set())
                return [ref] if ref is not None else fallback
            if isinstance(item, _Mention) and j in self.refs:
                if item.prep is None:
                    return self._joined(j, -1)
                fallback = fallback or self._joined(j, -1)
        return fallback

    def _after(self, idx: int, sentence: int, ok: Callable[[_Mention], bool]) -> list[_Ref]:
        for j in range(idx + 1, len(self.items)):
            item = self.items[j]
            if item.sentence != sentence or isinstance(item, _Verb):
                break
            if isinstance(item, _Mention) and j in self.refs and ok(item):
                return self._joined(j, 1)
        return []

    def _earlier(self, v: _Verb) -> list[_Ref]:
        """A verb alone in its sentence ("A ball. It bounces.") acts on the latest object."""
        for j in range(len(self.items) - 1, -1, -1):
            if j in self.refs and self.items[j].start < v.start:
                return [self.refs[j]]
        return []

    def _joined(self, j: int, step: int) -> list[_Ref]:
        """The mention at j and those joined to it by "and" in the direction of step. A bare comma does
        not join: "ten pins, a ball knocks them over" has one subject."""
        refs = [self.refs[j]]
        k = j + step
        while 0 <= k < len(self.items) and k in self.refs:
            a, b = sorted((self.items[k], self.items[k - step]), key=lambda item: item.start)
            between = self.tokens[a.end:b.start]
            joined = "and" in between and all(t in ("and", ",") for t in between)
            if a.sentence != b.sentence or not joined:
                break
            refs.append(self.refs[k])
            k += step
        return refs[::-1] if step < 0 else refs

    def _antecedent(self, j: int, exclude: set[int]) -> _Ref | None:
        for k in range(j - 1, -1, -1):
            if k in self.refs and self.refs[k].group not in exclude:
                return self.refs[k]
        return None

    def _targets(self, idx: int, v: _Verb, subjects: list[_Ref]) -> tuple[list[_Ref], bool, bool]:
        collide = v.action == "collide"
        onto = v.action in ("drop", "fall", "bounce")
        for j in range(idx + 1, len(self.items)):
            item = self.items[j]
            if item.sentence != v.sentence or isinstance(item, _Verb):
                break
            if isinstance(item, _Mention) and j in self.refs and not _overlaps(self.refs[j], subjects):
                if collide or item.prep in TARGET_PREPS or (onto and item.prep in ("onto", "on", "upon")):
                    return self._joined(j, 1), False, False
            elif isinstance(item, _Pronoun) and (collide or item.prep in TARGET_PREPS):
                ref = self._antecedent(idx, {r.group for r in subjects})
                return ([ref] if ref is not None else []), False, False
            elif isinstance(item, _PropMention) and item.kind == "walls":
                if collide or item.prep in TARGET_PREPS:
                    return [], True, False
            elif isinstance(item, _FloorMention) and collide:
                return [], False, True
        return [], False, False

    # -- props -------------------------------------------------------------------------------------------

    def _attach(self, idx: int, p: _PropMention) -> None:
        """A prop belongs to the subject of the verb in front of it ("rolls down a ramp"), else to the
        nearest object before it ("a ball on a table"), else to the next object, else to the first."""
        if p.kind == "walls":
            self.walls = self.walls or p.material or "wood"
            return
        owners: list[_Ref] = []
        for j in range(idx - 1, -1, -1):
            item = self.items[j]
            if item.sentence != p.sentence:
                break
            if isinstance(item, _Verb):
                owners = self.verb_subjects.get(j, [])
                break
            if isinstance(item, _Mention) and j in self.refs:
                owners = [self.refs[j]]
                break
        owners = owners or self._after(idx, p.sentence, lambda m: True)
        for g in [self.groups[r.group] for r in owners] if owners else self.groups:
            if p.kind not in g.props and not (p.kind != "table" and {"ramp", "stairs"} & set(g.props)):
                g.props[p.kind] = p.prep
                if p.material is not None:
                    g.prop_materials[p.kind] = p.material
                return
        self.spare_props.append((p.kind, p.material or "wood"))

    # -- settling ----------------------------------------------------------------------------------------

    def _settle(self) -> None:
        """Arrangements implied by actions, and "fall" / "push" read by what falls or is pushed."""
        for g in self.groups:
            if g.arrangement is None and g.count > 1:
                if "collapse" in g.motions:
                    g.arrangement = "stack"
                elif "topple" in g.motions or (g.kind in STANDING_KINDS and "fall" in g.motions):
                    g.arrangement = "row"
            g.motions = [self.settle(g, a) for a in g.motions]
        for deed in self.deeds:
            deed.action = self.settle(self.groups[deed.subjects[0].group], deed.action)

    def settle(self, g: _Group, action: str) -> str:
        """The action a verb means for this group ("falls": a ball drops, a domino topples)."""
        if action == "push":  # set going the way it moves
            if g.arrangement in ("stack", "pyramid"):
                return "collapse"
            if g.kind in STANDING_KINDS or g.arrangement == "row":
                return "topple"
            return "roll" if KINDS[g.kind].shape in ("circle", "car") else "slide"
        if action == "fall":
            if g.props.get("table") in OFF_PREPS:
                return "drop"
            if g.arrangement in ("stack", "pyramid"):
                return "collapse"
            if g.hit or g.kind in STANDING_KINDS or g.arrangement == "row":
                return "topple"
            return "drop"
        if action == "topple" and g.arrangement in ("stack", "pyramid"):
            return "collapse"
        if action == "collapse" and g.arrangement == "row":
            return "topple"
        return action

    # -- clusters ----------------------------------------------------------------------------------------

    def clusters(self) -> tuple[list[Cluster], dict[int, Mode]]:
        """Chains of "A drives into B (which drives into C)", each laid out as one cluster; also the
        mode each group's chain starts in."""
        chains: list[list[int]] = []
        claimed: set[int] = set()
        for gi in sorted(range(len(self.groups)), key=lambda k: self.groups[k].hit):
            if gi in claimed:
                continue
            chain = [gi]
            claimed.add(gi)
            while (t := self.groups[chain[-1]].target) is not None and t not in claimed:
                chain.append(t)
                claimed.add(t)
            chains.append(chain)
        tailed: set[int] = set()  # first groups of chains that a second mover drives back into
        for chain in list(chains):  # a second mover at a target already taken drives at it from behind
            t = self.groups[chain[0]].target
            if len(chain) == 1 and t is not None and _mode(self.groups[chain[0]], True) == "ground":
                host = next(c for c in chains if t in c)
                if host is not chain and host[-1] == t and host[0] not in tailed and len(host) > 1:
                    host.append(chain[0])
                    chains.remove(chain)
                    tailed.add(host[0])
        clusters: list[Cluster] = []
        modes: dict[int, Mode] = {}
        for chain in chains:
            head = self.groups[chain[0]]
            mode = _mode(head, len(chain) > 1)
            rolls = {"roll", "slide"} & set(head.motions)
            if mode == "ground" and len(chain) > 1 and _tall_stack(self.groups[chain[1]]) and not rolls:
                mode = "throw"  # "a ball hits the tower": rolling into its base would pull the base out
            modes[chain[0]] = mode
            tail = chain[0] in tailed or (len(chain) > 1 and self.groups[chain[-2]].mutual
                                          and self.groups[chain[-2]].target == chain[-1])
            clusters.append(self._cluster(chain, mode, tail))
            clusters[-1].gravity = self.gravity
        return clusters, modes

    def _cluster(self, chain: list[int], mode: Mode, tail: bool) -> Cluster:
        head = self.groups[chain[0]]
        materials = {k: v for gi in chain for k, v in self.groups[gi].prop_materials.items()}
        sloped = mode in ("ramp", "ramp_drop", "ramp_up", "stairs")
        tabled = any("table" in self.groups[gi].props for gi in chain)
        on_table = tabled and not sloped and mode != "table_off"
        used = {"ramp"} if mode.startswith("ramp") else {"stairs"} if mode == "stairs" else {"table"}
        for kind in dict.fromkeys(k for gi in chain for k in self.groups[gi].props):
            if kind not in used:  # mentioned, but nothing in this chain starts on it: it stands aside
                self.spare_props.append((cast(PropKind, kind), materials.get(kind, "wood")))
        pieces = []
        for n, gi in enumerate(chain):
            g = self.groups[gi]
            if n == 0 or (tail and n == len(chain) - 1):
                arrangement = g.arrangement or ("row" if mode == "topple" and g.count > 1 else "loose")
            else:
                arrangement = g.arrangement or "row"
            size = min(3.0, max(0.01, KINDS[g.kind].size * g.scale))
            pieces.append(Piece(gi, g.kind, g.count, size, arrangement))
        return Cluster(pieces, mode, on_table=on_table, speed=head.speed, hop="bounce" in head.motions,
                       slide="slide" in head.motions, mutual_tail=tail, wall_end=head.wall,
                       materials=materials)


def _overlaps(ref: _Ref, refs: list[_Ref]) -> bool:
    """Whether ref names any object that refs name."""
    return any(r.group == ref.group and set(r.members) & set(ref.members) for r in refs)


def _tall_stack(g: _Group) -> bool:
    return g.arrangement == "stack" and g.count >= 3


def _mode(g: _Group, has_targets: bool) -> Mode:
    """How a chain's first group gets going."""
    first = g.motions[0] if g.motions else None
    if g.special in SWINGERS or "swing" in g.motions:
        return "pendulum"
    if "throw" in g.motions:
        return "throw"
    if "ramp" in g.props:
        prep = g.props["ramp"]
        if prep == "up":
            return "ramp_up"
        return "ramp_drop" if first in ("drop", "bounce") and prep in ("onto", "on", "upon") else "ramp"
    if "stairs" in g.props:
        return "stairs"
    off = g.props.get("table") in OFF_PREPS
    if off:
        return "table_off"
    if has_targets:
        return "drop_onto" if first in ("drop", "bounce") else "ground"
    if g.mutual_self:
        return "mutual"
    if first in ("drop", "bounce"):
        return "air"
    if {"roll", "slide", "collide"} & set(g.motions):
        return "ground"
    for motion in g.motions:
        if motion in ("topple", "collapse", "rest"):
            return cast(Mode, motion)
    by_arrangement = {"row": "topple", "stack": "collapse", "pyramid": "collapse"}
    return cast(Mode, by_arrangement.get(g.arrangement or "", "air"))


# What a group does when the prompt gives it nothing to do, by how its chain starts.
DEFAULT_ACTION: dict[str, str] = {
    "air": "drop", "topple": "topple", "collapse": "collapse", "pendulum": "swing", "ramp": "roll",
    "ramp_drop": "drop", "ramp_up": "roll", "stairs": "roll", "table_off": "drop", "ground": "roll",
    "rest": "rest", "throw": "throw", "mutual": "collide", "drop_onto": "drop",
}


# -- the plan --------------------------------------------------------------------------------------------


def parse_prompt(prompt: str, seed: int = 0) -> ScenePlan:
    """Read a prompt into a scene plan; raises PromptError when it names nothing to simulate.
    The same prompt and seed always give the same plan; the seed only jitters positions by a few cm."""
    scan = _Scanner(lx.tokenize(prompt))
    scan.run()
    res = _Resolver(scan)
    res.run()
    if res.clamped:
        scan.notes.append((len(scan.tokens), f"clamped to {MAX_OBJECTS} objects"))
    if not res.groups:
        understood = ", ".join(_understood(scan.notes))
        raise PromptError(f'nothing to simulate in "{prompt}": understood only [{understood}]; '
                          f"name an object such as {EXAMPLE_OBJECTS}")
    clusters, modes = res.clusters()
    layout = arrange(clusters, res.walls, res.spare_props, seed)
    objects = _objects(res, layout.poses, layout.sizes)
    shots = _shots(scan, res)
    scene = scan.scene
    floor = scene.floor or scene.setting_floor or "wood"
    setting = scene.setting or ("outdoor" if floor in ("grass", "sand") else "indoor")
    return ScenePlan(
        prompt=prompt,
        objects=objects,
        environment=Environment(setting=setting, time_of_day=scene.time or "day", floor=floor,
                                props=layout.props, gravity=res.gravity),
        actions=_actions(res, modes),
        shots=shots,
        style=scene.style or "realistic",
        slow_motion=scene.tempo or 1.0,
        understood=_understood(scan.notes),
        unrecognized=_unrecognized(scan),
    )


# What an uncoloured object looks like when it has a look of its own: a bowling pin is white and a
# steel ball is steel, not the next colour in the palette.
NATURAL_KIND_COLOR = {"pin": "white"}
NATURAL_MATERIAL_COLOR = {"metal": "silver"}


def _objects(res: _Resolver, poses: dict[tuple[int, int], Pose], sizes: dict[int, float]) -> list[ObjectSpec]:
    taken = {c.split()[-1] for g in res.groups for c in g.colors if c}
    palette = [c for c in PALETTE if c not in taken] or list(PALETTE)  # keep "the red ball" unambiguous
    objects: list[ObjectSpec] = []
    n = 0
    for gi, g in enumerate(res.groups):
        material = g.material or ("rubber" if "bounce" in g.motions else KINDS[g.kind].material)
        natural = NATURAL_KIND_COLOR.get(g.kind) or NATURAL_MATERIAL_COLOR.get(material)
        if natural is None and g.arrangement == "row":
            # A row is a set (dominoes come in one colour); stacks stay many-coloured like toy blocks.
            natural, n = palette[n % len(palette)], n + 1
        for m in range(g.count):
            color = g.colors[m]
            if color is None and natural is not None and natural not in taken:
                color = natural
            elif color is None:
                color, n = palette[n % len(palette)], n + 1
            *shade, base = color.split()
            pose = poses[(gi, m)]
            rgb = shade_color(COLORS[base], shade[0] if shade else "")
            objects.append(ObjectSpec(
                id=g.id(m), kind=g.kind, color=color, rgb=rgb, material=material, size=sizes[gi], x=pose.x,
                y=pose.y, angle=pose.angle, vx=pose.vx, vy=pose.vy, spin=pose.spin, pivot=pose.pivot,
            ))
    return objects


def _actions(res: _Resolver, modes: dict[int, Mode]) -> list[Action]:
    actions: list[Action] = []
    for deed in res.deeds:
        ids = [res.groups[r.group].id(k) for r in deed.subjects + deed.targets for k in r.members]
        action = Action(kind=cast(ActionKind, deed.action), subjects=list(dict.fromkeys(ids)))
        if action not in actions:
            actions.append(action)
    for gi, g in enumerate(res.groups):
        if not g.motions and not g.hit and gi in modes:
            kind = DEFAULT_ACTION[modes[gi]]
            if kind == "roll" and KINDS[g.kind].shape != "circle":
                kind = "slide"
            actions.append(Action(kind=cast(ActionKind, kind), subjects=[g.id(m) for m in range(g.count)]))
    return actions


def _shots(scan: _Scanner, res: _Resolver) -> list[Shot]:
    """One shot per cut, splitting the clip evenly; the camera words of each shot set its camera."""
    cameras = [Camera() for _ in range(scan.scene.shots)]
    for idx, item in enumerate(scan.items):
        if not isinstance(item, _CameraMention):
            continue
        camera = cameras[item.shot]
        camera.move = item.move or camera.move
        camera.framing = item.framing or camera.framing
        for j in range(idx + 1, len(scan.items)):  # the object named after the camera words
            after = scan.items[j]
            if after.sentence != item.sentence or isinstance(after, _Verb):
                break
            if j in res.refs:
                ref = res.refs[j]
                camera.target = res.groups[ref.group].id(ref.members[0])
                scan.notes.append((after.end, f"camera target: {camera.target}"))
                break
    for n, camera in enumerate(cameras[1:], start=1):  # "cut to the blue ball": the shot shows it
        shown = [j for j, item in enumerate(scan.items) if item.shot == n and j in res.refs]
        if camera.target is None and shown:
            ref = res.refs[shown[0]]
            camera.target = res.groups[ref.group].id(ref.members[0])
            scan.notes.append((scan.items[shown[0]].end, f"camera target: {camera.target}"))
    for camera in cameras:
        if camera.target is None and (camera.move in ("follow", "zoom_in") or camera.framing == "close"):
            lead = next((g for g in res.groups if g.motions), res.groups[0])  # the first thing that moves
            camera.target = lead.id(0)
            scan.notes.append((len(scan.tokens), f"camera target: {camera.target}"))
    return [Shot(start=n / len(cameras), camera=c) for n, c in enumerate(cameras)]


def _understood(notes: list[tuple[int, str]]) -> list[str]:
    return list(dict.fromkeys(text for _, text in sorted(notes, key=lambda n: n[0])))


def _unrecognized(scan: _Scanner) -> list[str]:
    words = [t for t, known in zip(scan.tokens, scan.known, strict=True) if not known]
    return list(dict.fromkeys(w for w in words if w not in lx.SENTENCE_END and w not in lx.CLAUSE_END))
