"""The scanner: cuts a tokenized prompt into items (object mentions, verbs, props, camera phrases) and
settles the scene-wide words (floor, setting, time, style, speed) on the way."""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal, cast

from kinora.world import lexicon as lx
from kinora.world.catalog import FLOORS
from kinora.world.layout import Arrangement
from kinora.world.plan import CameraMove, Framing, PropKind, Style, TimeOfDay
from kinora.world.prompt_items import (
    ARRANGEMENT_KIND,
    BARE_NOT_NOUNS,
    ENCLOSING_PREPS,
    SURFACE_PREPS,
    TEMPO_NAMES,
    CameoMention,
    CameraMention,
    FloorMention,
    Item,
    Mention,
    Pronoun,
    PropMention,
    Scene,
    Verb,
    first_sense,
)

_OBJECT_MODS = ("det", "count", "ordinal", "size", "shade", "color", "palette", "material", "arr_of")
_HEADS = ("kind", "special", "arr_noun", "prop", "floor_noun", "floor_only", "proform")
_NP_CATS = frozenset(_OBJECT_MODS + _HEADS + ("floor_material",))
# Senses of words outside noun phrases, in the order that settles a word with several.
_WORD_CATS = ("cut", "tempo", "gravity", "style", "camera", "framing", "verb", "time", "setting", "mutual",
              "speed", "agent", "prep", "pronoun", "shade", "function", "meta", "det", "ordinal", "kind")


_Span = tuple[int, int, tuple[lx.Sense, ...]]  # a phrase in a noun phrase: token start, end, its senses


class Scanner:
    def __init__(self, tokens: list[str], handles: Collection[str] = ()) -> None:
        self.tokens = tokens
        self.handles = frozenset(handles)  # cameos of the request: "@ann" names one of them
        self.items: list[Item] = []
        self.known: list[bool] = [False] * len(tokens)  # understood, or a function word
        self.notes: list[tuple[int, str]] = []  # (token position, understood phrase)
        self.scene = Scene()
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

    def _last_verb(self) -> Verb | None:
        for item in reversed(self.items):
            if item.sentence != self.sentence:
                return None
            if isinstance(item, Verb):
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
        if tok.startswith("@"):
            return self._cameo(i)
        end = self._noun_phrase(i)
        if end is not None:
            return end
        for end, senses in lx.lookup_all(self.tokens, i):  # longest first: "in a chain reaction" -> "in"
            sense = first_sense(senses, *_WORD_CATS)
            if sense is not None and self._word(i, end, sense):
                return end
        return i + 1

    def _cameo(self, i: int) -> int:
        """"@ann": a figure when the request has that cameo; else the word stays unrecognized."""
        handle = self.tokens[i][1:]
        if handle in self.handles:
            self.items.append(CameoMention(*self._at(i, i + 1), handle=handle, prep=self.prep))
            self._mark(i, i + 1)  # the parser notes which figure it became
        self.prep = None
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
            item = CameraMention(*self._at(i, end))
            if s.cat == "camera":
                item.move = cast(CameraMove, s.value)
            else:
                item.framing = cast(Framing, s.value)
            self.items.append(item)
            self._mark(i, end, f"{'camera' if s.cat == 'camera' else 'framing'}: {s.value}")
        elif s.cat == "verb":
            self.items.append(Verb(*self._at(i, end), action=s.value, speed=self.pending_speed))
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
            self.items.append(Pronoun(*self._at(i, end), prep=self.prep))
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
            if run and starts_new and any(first_sense(r[2], *_HEADS, "color", "material", "size") for r in run):
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
        return bool(run) and all(first_sense(r[2], *_OBJECT_MODS) for r in run) and nxt is not None and any(
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
        floor = first_sense(last, "floor_material")
        if floor is not None and self.prep in SURFACE_PREPS and all(first_sense(m[2], "det") for m in run[:-1]):
            return self._floor(run[:-1], last_start, last_end, floor.value)  # "bounces on marble"
        arr = [m for m in run if first_sense(m[2], "arr_of")]
        if arr and all(first_sense(m[2], *_OBJECT_MODS) for m in run):  # "a row of ten": the usual kind
            value = cast(lx.Sense, first_sense(arr[-1][2], "arr_of")).value
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
            if not all(not m[2] or first_sense(m[2], *allowed) for m in mods):
                return None
            floor = first_sense(senses, "floor_material")
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
            materials = [s for m in mods if (s := first_sense(m[2], "floor_material")) is not None]
            return self._floor(mods, start, end, materials[-1].value if materials else None)
        if head.cat == "floor_only" and all(first_sense(m[2], "det") for m in mods):
            return self._floor(mods, start, end, head.value)
        return None

    def _object(self, mods: list[_Span], start: int, end: int,
                head: lx.Sense) -> int:
        m = Mention(*self._at(mods[0][0] if mods else start, end), plural=head.plural, prep=self.prep)
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
        participles: list[Verb] = []
        for s_start, s_end, senses in mods:
            s = first_sense(senses, "det", "count", "ordinal", "size", "shade", "color", "palette", "material",
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
                participles.append(Verb(s_start, s_end, self.sentence, self.scene.shots - 1, action=s.value))
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

    def _post_modifiers(self, m: Mention, end: int) -> int:
        """"dominoes in a row", "blocks stacked up", "a ball made of glass"."""
        found = lx.lookup(self.tokens, end)
        if found is None:
            return end
        after, senses = found
        post = first_sense(senses, "arr_post", "made_of")
        if post is None:
            return end
        if post.cat == "arr_post":
            m.arrangement = cast(Arrangement, post.value)
            self._mark(end, after)
            return after
        material = lx.lookup(self.tokens, after)
        found_material = first_sense(material[1], "material") if material else None
        if material is None or found_material is None:
            return end
        m.material = found_material.value
        self._mark(end, material[0])
        return material[0]

    def _prop(self, mods: list[_Span], start: int, end: int,
              kind: PropKind) -> int:
        item = PropMention(*self._at(mods[0][0] if mods else start, end), kind=kind, prep=self.prep)
        for s_start, s_end, senses in mods:
            s = first_sense(senses, "det", "material", "floor_material")
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
            if first_sense(senses, "det", "floor_material"):
                self._mark(s_start, s_end)
        if floor is not None and self.scene.floor is None:
            self.scene.floor = floor
        self._mark(start, end, "floor" if floor is None else f"floor: {floor}")
        self.items.append(FloorMention(*self._at(mods[0][0] if mods else start, end)))
        self.prep = None
        return end
