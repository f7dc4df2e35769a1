"""Reading a remix or extension prompt against the scene it changes.

"make the balls blue", "the red ball is kicked to the left", "same scene at night, in slow motion": the
prompt is cut into items by the parser's own scanner and resolver (`prompt_scan`, `prompt_resolve`), and
then every object mention is matched to the source plan's objects instead of bringing new ones. What the
scanner leaves over is read here: a colour, material or size word after an object ("make the balls blue",
"turn the cube metal", "make it bigger") changes that object, and "left" / "right" give a verb its
direction. An object the source does not have (another kind, or another count: "three cubes") means the
prompt describes a different scene; `Edit.new_objects` says so.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field

from kinora.world import lexicon as lx
from kinora.world.plan import CameraMove, Framing, ScenePlan
from kinora.world.prompt_build import settle_groups
from kinora.world.prompt_items import (
    CameoMention,
    CameraMention,
    FloorMention,
    Item,
    Mention,
    Pronoun,
    Scene,
    Verb,
    first_sense,
)
from kinora.world.prompt_resolve import Resolver
from kinora.world.prompt_scan import Scanner

DIRECTIONS = {"left": -1.0, "leftward": -1.0, "leftwards": -1.0, "right": 1.0, "rightward": 1.0,
              "rightwards": 1.0}
COMPARATIVES = {"bigger": 1.5, "larger": 1.5, "taller": 1.5, "smaller": 0.67, "tinier": 0.5, "shorter": 0.67}
# Words that say a later mention of the same kind is what an object becomes, not another object:
# "turn the cube into a glass cube", "change the red ball to a blue one", "replace it with a metal one".
BECOMES_PREPS = frozenset({"into", "to", "with"})
# How people ask for a change; they say nothing about the scene themselves.
EDIT_WORDS = frozenset({"make", "turn", "turns", "change", "changes", "paint", "painted", "color", "colour",
                        "recolor", "recolour", "replace", "instead", "same", "everything", "all", "now",
                        "become", "becomes", "but", "keep", "please", "remix", "version", "continue",
                        "continues", "then", "afterwards", "after", "that", "next", "ones"})


@dataclass
class Look:
    """What the prompt says an object should look like or be made of."""

    color: str | None = None  # as understood, e.g. "light blue"
    material: str | None = None
    scale: float | None = None  # times its size now

    def __bool__(self) -> bool:
        return self.color is not None or self.material is not None or self.scale is not None

    def merged(self, other: Look) -> Look:
        return Look(other.color or self.color, other.material or self.material,
                    other.scale if other.scale is not None else self.scale)


@dataclass
class Change:
    ids: list[str]  # source object ids
    look: Look


@dataclass
class Motion:
    """Something the prompt makes objects do: a settled action (see `prompt_build.settle`)."""

    action: str
    ids: list[str]
    targets: list[str] = field(default_factory=list)
    direction: float | None = None  # -1 left, +1 right, None: not said
    speed: float = 1.0  # "gently" 0.6, "hard" 1.5


@dataclass
class CameraWords:
    """What the prompt says about one shot's camera; None where it says nothing."""

    move: CameraMove | None = None
    framing: Framing | None = None
    target: str | None = None  # a source object id


@dataclass
class Edit:
    scene: Scene  # scene-wide words (floor, setting, time, style, tempo, gravity); None where not said
    cameras: list[CameraWords]  # one per shot the prompt describes; [] when it says nothing of the camera
    changes: list[Change]
    motions: list[Motion]
    new_objects: list[str]  # mentions of objects the source does not have, as understood
    new_cameos: list[str]  # handles of cameos the prompt mentions that the source has no figure for
    understood: list[str]
    unrecognized: list[str]


@dataclass
class _Selection:
    ids: list[str]
    look: Look  # what the mention itself says that the selected objects are not (yet)


def read_edit(prompt: str, plan: ScenePlan, handles: Collection[str] = ()) -> Edit:
    """Read `prompt` as a change to `plan` (see the module's docstring). "@handle" names a figure of the plan or
    one of `handles`, the request's cameos."""
    return _Reader(prompt, plan, handles).run()


def _same_color(a: str, b: str) -> bool:
    """"blue" names a light blue object too; "light blue" names only light blue ones."""
    return a == b or (" " not in b and a.split()[-1] == b)


class _Reader:
    def __init__(self, prompt: str, plan: ScenePlan, handles: Collection[str] = ()) -> None:
        self.plan = plan
        self.figures = {o.figure.handle: o.id for o in plan.objects if o.figure is not None}
        self.scan = Scanner(lx.tokenize(prompt), handles=set(self.figures) | set(handles))
        self.scan.run()
        scanned = len(self.scan.notes)
        self.res = Resolver(self.scan)
        self.res.run()
        settle_groups(self.res)
        self.tokens = self.scan.tokens
        self.used = list(self.scan.known)  # tokens understood by the scanner or by this reader
        # The resolver describes every mention as new objects ("3 balls"); a matched one is described here.
        self.notes = self.scan.notes[:scanned]
        self.resolver_notes = self.scan.notes[scanned:]
        self.sentence_of = self._sentences()
        self.selections: dict[int, _Selection] = {}  # item index of a mention or pronoun -> objects
        self.becomes: set[int] = set()  # mentions that say what an earlier one becomes
        self.new_objects: list[str] = []
        self.new_cameos: list[str] = []
        self.changes: list[Change] = []

    def run(self) -> Edit:
        self._select_all()
        named = {self.scan.items[j].start for j in self.selections} | {self.scan.items[j].start for j in self.becomes}
        self.notes += [n for n in self.resolver_notes if n[0] not in named]
        self._orphans()
        return Edit(scene=self.scan.scene, cameras=self._cameras(), changes=self._merged_changes(),
                    motions=self._motions(), new_objects=self.new_objects, new_cameos=self.new_cameos,
                    understood=list(dict.fromkeys(text for _, text in sorted(self.notes, key=lambda n: n[0]))),
                    unrecognized=self._unrecognized())

    def _sentences(self) -> list[int]:
        out, sentence = [], 0
        for tok in self.tokens:
            out.append(sentence)
            if tok in lx.SENTENCE_END:
                sentence += 1
        return out

    # -- which objects each mention names -------------------------------------------------------------

    def _select_all(self) -> None:
        items = self.scan.items
        for idx, item in enumerate(items):
            if isinstance(item, Mention) and item.prep != "like":
                before = self._previous_named(idx)
                if before is not None and self._names_what_it_becomes(before, idx, item):
                    self._becomes(before, idx, item)
                    continue
                sel = self._select(idx, item)
                if sel is None and self._floor_word(idx, item):
                    continue
                if sel is None:
                    self.new_objects.append(" ".join(self.tokens[item.start:item.end]))
                    continue
                self.selections[idx] = sel
                words = " ".join(self.tokens[item.start:item.end])
                self.notes.append((item.start, f"{words} = {', '.join(sel.ids)}"))
                if sel.look:
                    self.changes.append(Change(sel.ids, sel.look))
            elif isinstance(item, Pronoun):
                before = self._previous_named(idx)
                ids = self.selections[before].ids if before is not None else [o.id for o in self.plan.objects]
                self.selections[idx] = _Selection(ids, Look())
            elif isinstance(item, CameoMention):
                figure = self.figures.get(item.handle)
                self.notes.append((item.start, f"@{item.handle} = {figure}" if figure else f"@{item.handle}: new"))
                if figure is None and item.handle not in self.new_cameos:
                    self.new_cameos.append(item.handle)

    def _floor_word(self, idx: int, m: Mention) -> bool:
        """"make the floor tile": a floor material right after "floor" names the floor, not an object
        ("tile" is also a domino, "marble" a marble)."""
        prev = self.scan.items[idx - 1] if idx > 0 else None
        head = lx.lookup(self.tokens, m.end - 1)
        floor = None if head is None else first_sense(head[1], "floor_material")
        if not isinstance(prev, FloorMention) or floor is None or m.start - prev.end > 2 or m.count is not None:
            return False
        self.scan.scene.floor = self.scan.scene.floor or floor.value
        self.notes.append((m.start, f"floor: {floor.value}"))
        return True

    def _previous_named(self, idx: int) -> int | None:
        """The closest mention or pronoun before item idx in its sentence that names source objects."""
        sentence = self.sentence_of[self.scan.items[idx].start]
        for j in range(idx - 1, -1, -1):
            if self.sentence_of[self.scan.items[j].start] != sentence:
                return None
            if j in self.selections:
                return j
        return None

    def _names_what_it_becomes(self, before: int, idx: int, m: Mention) -> bool:
        """"turn the red ball into a blue one", but not "the red ball rolls into the blue ball"."""
        between = self.scan.items[before + 1:idx]
        return m.prep in BECOMES_PREPS and self._kind_of(before) == m.kind and not any(
            isinstance(item, Verb) for item in between)

    def _kind_of(self, idx: int) -> str | None:
        kinds = {self.plan.object(i).kind for i in self.selections[idx].ids}
        return kinds.pop() if len(kinds) == 1 else None

    def _becomes(self, before: int, idx: int, m: Mention) -> None:
        look = Look(m.color, m.material, m.scale)
        self.changes.append(Change(self.selections[before].ids, look))
        self.becomes.add(idx)
        self.notes.append((m.start, f"becomes: {' '.join(self.tokens[m.start:m.end])}"))

    def _select(self, idx: int, m: Mention) -> _Selection | None:
        """The source objects a mention names, or None when the source has no such objects: none of its
        kind, or another count ("three cubes", or "a ball drops" when there were several). A colour or
        material that some of them have picks those ("the red ball"); one that none has is a change
        ("a blue ball" when the ball is red)."""
        chosen = [o for o in self.plan.objects if o.kind == m.kind]
        if not chosen or (m.count is not None and m.count != len(chosen)):
            return None
        ref = self.res.refs.get(idx)
        acts = ref is not None and bool(self.res.groups[ref.group].motions)
        if acts and m.count is None and not m.plural and not m.definite and len(chosen) > 1:
            return None  # "a blue ball drops" describes a scene with one ball
        look = Look(scale=m.scale)
        if m.color is not None:
            same = [o for o in chosen if _same_color(o.color, m.color)]
            chosen, look.color = (same, None) if same else (chosen, m.color)
        if m.material is not None:
            same = [o for o in chosen if o.material == m.material]
            chosen, look.material = (same, None) if same else (chosen, m.material)
        if m.ordinal is not None:
            chosen = [chosen[-1] if m.ordinal < 0 else chosen[min(m.ordinal, len(chosen)) - 1]]
        elif m.count is None and not m.plural and not m.definite:
            chosen = chosen[:1]  # "a ball": one of them
        return _Selection([o.id for o in chosen], look)

    # -- words the scanner left over -------------------------------------------------------------------

    def _orphans(self) -> None:
        """Colour, material and size words after an object ("make the balls light blue") change it."""
        for i, tok in enumerate(self.tokens):
            if self.used[i]:
                continue
            if tok in DIRECTIONS or tok in EDIT_WORDS:
                self.used[i] = True
                if tok in DIRECTIONS:
                    self.notes.append((i, f"direction: {tok}"))
                continue
            look = self._loose_look(i)
            if look is None:
                continue
            self.used[i] = True
            ids = self._owner_of_word(i)
            self.changes.append(Change(ids, look))
            self.notes.append((i, f"{look.color or look.material or f'size x{look.scale:g}'}: {', '.join(ids)}"))

    def _loose_look(self, i: int) -> Look | None:
        tok = self.tokens[i]
        if tok in COMPARATIVES:
            return Look(scale=COMPARATIVES[tok])
        found = lx.lookup(self.tokens, i)
        sense = None if found is None else first_sense(found[1], "color", "material", "size")
        if sense is None:
            return None
        if sense.cat == "color":
            prev = lx.lookup(self.tokens, i - 1) if i > 0 and not self.used[i - 1] else None
            shade = None if prev is None else first_sense(prev[1], "shade")
            if shade is not None:
                self.used[i - 1] = True
                return Look(color=f"{shade.value} {sense.value}")
            return Look(color=sense.value)
        if sense.cat == "material":
            return Look(material=sense.value)
        return Look(scale=sense.number)

    def _owner_of_word(self, i: int) -> list[str]:
        """The objects a loose word describes: the closest mention before it in its sentence, else the
        closest after it, else every object ("make everything blue")."""
        sentence = self.sentence_of[i]
        before = [j for j in self.selections if self.scan.items[j].start < i and
                  self.sentence_of[self.scan.items[j].start] == sentence]
        if before:
            return self.selections[max(before, key=lambda j: self.scan.items[j].start)].ids
        after = [j for j in self.selections if self.scan.items[j].start > i and
                 self.sentence_of[self.scan.items[j].start] == sentence]
        if after:
            return self.selections[min(after, key=lambda j: self.scan.items[j].start)].ids
        return [o.id for o in self.plan.objects]

    def _merged_changes(self) -> list[Change]:
        """One change per object, later words winning ("make the ball red, no, blue")."""
        per: dict[str, Look] = {}
        for change in self.changes:
            for oid in change.ids:
                per[oid] = per.get(oid, Look()).merged(change.look)
        groups: dict[tuple[str | None, str | None, float | None], list[str]] = {}
        for oid, look in per.items():
            if look:
                groups.setdefault((look.color, look.material, look.scale), []).append(oid)
        return [Change(ids, Look(*key)) for key, ids in groups.items()]

    # -- deeds, camera ------------------------------------------------------------------------------------

    def _group_ids(self, group: int, members: list[int]) -> list[str]:
        """Source ids of resolver group `group`: those of the first mention that names it; [] for a group
        the resolver made up for a verb with no subject it could see."""
        for idx, ref in self.res.refs.items():
            if ref.group == group and idx in self.selections:
                ids = self.selections[idx].ids
                return [ids[m] for m in members if m < len(ids)] if len(ids) == self.res.groups[group].count else ids
        return []

    def _implicit_subject(self, verb: int | None, group: int) -> list[str]:
        """Who does a verb with no subject of the source's: a pronoun in its sentence ("then it topples"),
        else the source objects of the kind the verb suggests ("then bounce": the balls), else the
        scene's only object."""
        if verb is not None:
            sentence = self.sentence_of[self.scan.items[verb].start]
            for j, sel in self.selections.items():
                item = self.scan.items[j]
                if isinstance(item, Pronoun) and self.sentence_of[item.start] == sentence:
                    return sel.ids
        kind = [o.id for o in self.plan.objects if o.kind == self.res.groups[group].kind]
        return kind or ([self.plan.objects[0].id] if len(self.plan.objects) == 1 else [])

    def _motions(self) -> list[Motion]:
        """One motion per verb: "rolls into the blue ball" is a roll with a target (the resolver makes it a
        roll and a collision)."""
        verbs = {id(subjects): idx for idx, subjects in self.res.verb_subjects.items()}
        by_verb: dict[int, Motion] = {}
        for deed in self.res.deeds:
            key = id(deed.subjects)
            verb = verbs.get(key)
            ids = list(dict.fromkeys(i for r in deed.subjects for i in self._group_ids(r.group, r.members)))
            ids = ids or self._implicit_subject(verb, deed.subjects[0].group)
            targets = [t for r in deed.targets for t in self._group_ids(r.group, r.members) if t not in ids]
            if not ids:
                continue
            if key in by_verb:
                by_verb[key].targets = list(dict.fromkeys(by_verb[key].targets + targets))
                continue
            speed = math.prod(self.res.groups[r.group].speed for r in deed.subjects[:1])
            direction = None if verb is None else self._direction(verb)
            by_verb[key] = Motion(deed.action, ids, list(dict.fromkeys(targets)), direction, speed)
        out: list[Motion] = []
        for motion in by_verb.values():
            if motion not in out:
                out.append(motion)
        return out

    def _direction(self, verb: int) -> float | None:
        """"left" / "right" in the verb's sentence, the closest one after the verb first."""
        item = self.scan.items[verb]
        sentence = self.sentence_of[item.start]
        words = [(i, DIRECTIONS[t]) for i, t in enumerate(self.tokens)
                 if t in DIRECTIONS and self.sentence_of[i] == sentence]
        if not words:
            return None
        after = [w for w in words if w[0] >= item.end]
        return (after or words)[0][1]

    def _cameras(self) -> list[CameraWords]:
        mentions = [(idx, item) for idx, item in enumerate(self.scan.items) if isinstance(item, CameraMention)]
        if not mentions:
            return []
        cameras = [CameraWords() for _ in range(self.scan.scene.shots)]
        for idx, item in mentions:
            camera = cameras[item.shot]
            camera.move = item.move or camera.move
            camera.framing = item.framing or camera.framing
            target = self._camera_target(idx, item)
            camera.target = target or camera.target
        return cameras

    def _camera_target(self, idx: int, item: Item) -> str | None:
        """The object named right after the camera words ("zoom in on the red ball")."""
        for j in range(idx + 1, len(self.scan.items)):
            after = self.scan.items[j]
            if self.sentence_of[after.start] != self.sentence_of[item.start]:
                return None
            if j in self.selections:
                return self.selections[j].ids[0]
        return None

    def _unrecognized(self) -> list[str]:
        words = [t for t, known in zip(self.tokens, self.used, strict=True) if not known]
        return list(dict.fromkeys(w for w in words if w not in lx.SENTENCE_END and w not in lx.CLAUSE_END))
