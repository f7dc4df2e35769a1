"""The resolver: decides which mentions are new objects and which refer back, who does what to whom, and
which props belong to whom."""

from __future__ import annotations

from collections.abc import Callable

from kinora.world import lexicon as lx
from kinora.world.layout import GRAVITY, Arrangement
from kinora.world.plan import PropKind
from kinora.world.prompt_items import (
    COORDINATORS,
    DEFAULT_COUNT,
    MAX_OBJECTS,
    PLURAL_COUNT,
    SPECIALS,
    SWINGERS,
    TARGET_PREPS,
    CameoMention,
    Deed,
    FloorMention,
    Group,
    Mention,
    Pronoun,
    PropMention,
    Ref,
    Verb,
    first_sense,
)
from kinora.world.prompt_scan import Scanner

# -- resolution: objects, who does what, props -----------------------------------------------------------


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


class Resolver:
    def __init__(self, scan: Scanner) -> None:
        self.tokens = scan.tokens
        self.items = scan.items
        self.notes = scan.notes
        self.groups: list[Group] = []
        self.refs: dict[int, Ref] = {}  # item index of a mention -> what it names
        self.deeds: list[Deed] = []
        self.verb_subjects: dict[int, list[Ref]] = {}  # item index of a verb -> its subjects
        self.walls: str | None = None  # the walls' material when the scene is enclosed
        self.spare_props: list[tuple[PropKind, str]] = []  # props that no object uses
        self.numbers: dict[str, int] = {}
        self.gravity = scan.scene.gravity or GRAVITY
        self.clamped = False
        self.cameo_verbs: dict[int, str] = {}  # item index of a verb a cameo does ("@ann falls over") -> handle
        self.cameo_deeds: list[tuple[str, str]] = []  # (handle, action) in prompt order
        self.cameo_targets: list[tuple[str, list[Ref]]] = []  # "a ball rolls toward @ann": (handle, who heads there)

    def run(self) -> None:
        for idx, item in enumerate(self.items):
            if isinstance(item, Mention):
                self._mention(idx, item)
        for idx, item in enumerate(self.items):
            if isinstance(item, Verb):
                self._verb(idx, item)
        for idx, item in enumerate(self.items):
            if isinstance(item, PropMention):
                self._attach(idx, item)

    # -- mentions ----------------------------------------------------------------------------------------

    def _mention(self, idx: int, m: Mention) -> None:
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
            self.refs[idx] = Ref(gi, list(range(self.groups[gi].count)))
            self.notes.append((m.start, self._describe(self.groups[gi], m)))

    def _hangs_previous(self, m: Mention) -> bool:
        """"a steel ball on a pendulum": the pendulum is how the ball before it hangs, not a second ball."""
        if m.special not in SWINGERS or m.prep not in ("on", "from", "as") or not self.groups:
            return False
        g = self.groups[-1]
        if g.kind != "ball" or g.count != 1 or g.special is not None:
            return False
        g.special = m.special
        self.notes.append((m.start, f"{m.noun} ({g.id(0)})"))
        return True

    def _find(self, m: Mention) -> Ref | None:
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
            return Ref(gi, members)
        return None

    def _new_group(self, m: Mention) -> int | None:
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
        self.groups.append(Group(kind, count, first, [color] * count, material, scale, arrangement, special))
        return len(self.groups) - 1

    def _describe(self, g: Group, m: Mention) -> str:
        if m.special is not None:
            return f"{m.noun} ({g.id(0)}{'..' + g.id(g.count - 1) if g.count > 1 else ''})"
        noun = m.noun or (lx.plurals(g.kind)[0] if g.count > 1 else g.kind)
        words = [str(g.count), m.size_word, m.color or "", m.material or "", noun]
        text = " ".join(w for w in words if w)
        return f"{g.arrangement} of {text}" if m.arrangement is not None else text

    # -- verbs -------------------------------------------------------------------------------------------

    def _verb(self, idx: int, v: Verb) -> None:
        cameo = self._cameo_subject(idx, v)
        subjects, targets, wall, floor = self._parties(idx, v, cameo=cameo is not None)
        if not subjects and cameo is not None:  # "@ann falls over": the figure does it
            self.cameo_verbs[idx] = cameo
            self.cameo_deeds.append((cameo, v.action))
            return
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
        self.deeds.append(Deed(action, subjects))
        if targets:
            self._link(subjects, targets, v.mutual)
            if action != "collide":  # "rolls into the dominoes" also collides
                self.deeds.append(Deed("collide", subjects, targets))
            else:
                self.deeds[-1].targets = targets
        elif action == "collide":
            self._collide_among(subjects)

    def _link(self, subjects: list[Ref], targets: list[Ref], mutual: bool) -> None:
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

    def _collide_among(self, subjects: list[Ref]) -> None:
        """"A red ball and a blue ball collide": head-on; "two balls collide": the group's halves."""
        groups = list(dict.fromkeys(r.group for r in subjects))
        if len(groups) >= 2:
            a, b = self.groups[groups[0]], groups[1]
            if a.target is None:
                a.target, a.mutual = b, True
                self.groups[b].hit = True
        elif self.groups[groups[0]].count >= 2:
            self.groups[groups[0]].mutual_self = True

    def _default_subject(self, v: Verb) -> list[Ref]:
        """A verb with nobody doing it gets the usual object for it ("bouncing in slow motion": a ball)."""
        kind, count, arrangement, special = DEFAULT_SUBJECT[v.action]
        material, scale, _ = SPECIALS.get(special or "", (None, 1.0, 0))
        gi = self._add_group(kind, count, None, material, scale, arrangement, special)
        if gi is None:
            return []
        self.notes.append((v.start, f"default object: {count} {kind if count == 1 else lx.plurals(kind)[0]}"))
        return [Ref(gi, list(range(self.groups[gi].count)))]

    def _parties(self, idx: int, v: Verb, cameo: bool = False) -> tuple[list[Ref], list[Ref], bool, bool]:
        """(subjects, targets, drives into a wall, hits the floor) of a verb. After a cameo ("@ann throws a
        ball", "@ann falls over next to a ball") only a direct object stands in for the cameo as the subject,
        and a verb with none is the cameo's, not the latest object's."""
        if v.passive:  # "the tower is hit by a ball"
            return self._after(idx, v.sentence, lambda m: True), self._before(idx, v.sentence), False, False
        stands_in: Callable[[Mention], bool] = (lambda m: m.prep is None) if cameo else (
            lambda m: m.prep not in TARGET_PREPS)
        subjects = (self._coordinated_subject(idx, v) or self._before(idx, v.sentence)
                    or self._after(idx, v.sentence, stands_in) or ([] if cameo else self._earlier(v)))
        return (subjects, *self._targets(idx, v, subjects))

    def _cameo_subject(self, idx: int, v: Verb) -> str | None:
        """The cameo right before a verb in its sentence, with no object mentioned between ("@ann falls over",
        "@ann jumps and falls over"). Whether it does the verb depends on what follows: in "@ann throws a
        ball" the ball is what moves."""
        for j in range(idx - 1, -1, -1):
            item = self.items[j]
            if item.sentence != v.sentence or isinstance(item, Mention | Pronoun):
                return None
            if isinstance(item, Verb):
                return self.cameo_verbs.get(j)
            if isinstance(item, CameoMention):
                return item.handle
        return None

    def _coordinated_subject(self, idx: int, v: Verb) -> list[Ref]:
        """"A ball hits the tower and bounces": the second verb keeps the first one's subject."""
        k = v.start - 1
        while k >= 0 and (found := lx.lookup(self.tokens, k)) is not None and first_sense(found[1], "speed"):
            k -= 1
        if k < 0 or self.tokens[k] not in COORDINATORS:
            return []
        for j in range(idx - 1, -1, -1):
            item = self.items[j]
            if item.sentence != v.sentence or isinstance(item, Mention | Pronoun):
                return []
            if isinstance(item, Verb):
                return self.verb_subjects.get(j, [])
        return []

    def _before(self, idx: int, sentence: int) -> list[Ref]:
        """The nearest mention before item idx in its clause, preferring one that is not the object of a
        preposition ("a ball next to a cube rolls": the ball), with any mentions joined to it by "and"."""
        fallback: list[Ref] = []
        for j in range(idx - 1, -1, -1):
            item = self.items[j]
            if item.sentence != sentence or isinstance(item, Verb):
                break
            if isinstance(item, Pronoun):
                ref = self._antecedent(j, set())
                return [ref] if ref is not None else fallback
            if isinstance(item, Mention) and j in self.refs:
                if item.prep is None:
                    return self._joined(j, -1)
                fallback = fallback or self._joined(j, -1)
        return fallback

    def _after(self, idx: int, sentence: int, ok: Callable[[Mention], bool]) -> list[Ref]:
        for j in range(idx + 1, len(self.items)):
            item = self.items[j]
            if item.sentence != sentence or isinstance(item, Verb):
                break
            if isinstance(item, Mention) and j in self.refs and ok(item):
                return self._joined(j, 1)
        return []

    def _earlier(self, v: Verb) -> list[Ref]:
        """A verb alone in its sentence ("A ball. It bounces.") acts on the latest object."""
        for j in range(len(self.items) - 1, -1, -1):
            if j in self.refs and self.items[j].start < v.start:
                return [self.refs[j]]
        return []

    def _joined(self, j: int, step: int) -> list[Ref]:
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

    def _antecedent(self, j: int, exclude: set[int]) -> Ref | None:
        for k in range(j - 1, -1, -1):
            if k in self.refs and self.refs[k].group not in exclude:
                return self.refs[k]
        return None

    def _targets(self, idx: int, v: Verb, subjects: list[Ref]) -> tuple[list[Ref], bool, bool]:
        collide = v.action == "collide"
        onto = v.action in ("drop", "fall", "bounce")
        for j in range(idx + 1, len(self.items)):
            item = self.items[j]
            if item.sentence != v.sentence or isinstance(item, Verb):
                break
            if isinstance(item, Mention) and j in self.refs and not _overlaps(self.refs[j], subjects):
                if collide or item.prep in TARGET_PREPS or (onto and item.prep in ("onto", "on", "upon")):
                    return self._joined(j, 1), False, False
            elif isinstance(item, Pronoun) and (collide or item.prep in TARGET_PREPS):
                ref = self._antecedent(idx, {r.group for r in subjects})
                return ([ref] if ref is not None else []), False, False
            elif isinstance(item, PropMention) and item.kind == "walls":
                if collide or item.prep in TARGET_PREPS:
                    return [], True, False
            elif isinstance(item, FloorMention) and collide:
                return [], False, True
            elif isinstance(item, CameoMention) and (collide or item.prep in TARGET_PREPS):
                self.cameo_targets.append((item.handle, subjects))  # the figure will stand where they head
                return [], False, False
        return [], False, False

    # -- props -------------------------------------------------------------------------------------------

    def _attach(self, idx: int, p: PropMention) -> None:
        """A prop belongs to the subject of the verb in front of it ("rolls down a ramp"), else to the
        nearest object before it ("a ball on a table"), else to the next object, else to the first."""
        if p.kind == "walls":
            self.walls = self.walls or p.material or "wood"
            return
        owners: list[Ref] = []
        for j in range(idx - 1, -1, -1):
            item = self.items[j]
            if item.sentence != p.sentence:
                break
            if isinstance(item, Verb):
                owners = self.verb_subjects.get(j, [])
                break
            if isinstance(item, Mention) and j in self.refs:
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


def _overlaps(ref: Ref, refs: list[Ref]) -> bool:
    """Whether ref names any object that refs name."""
    return any(r.group == ref.group and set(r.members) & set(ref.members) for r in refs)
