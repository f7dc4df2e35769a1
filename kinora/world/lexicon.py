"""The words the world parser knows, grouped by what they set in a scene plan.

`LEXICON` maps a phrase (a tuple of lower-case tokens, as `tokenize` cuts them) to its senses. A word
with several senses ("marble": an object, a stone material, a floor) is settled by the parser from
its neighbours, so this module only lists; it never decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from kinora.world.catalog import COLOR_ALIASES, COLORS, FLOORS, KINDS

Cat = Literal[
    "det",  # value: "def" | "indef"
    "count",  # number
    "ordinal",  # number: 1, 2, ... or -1 for "last"
    "size",  # number: scale of the kind's size
    "shade",  # value: "light" | "dark"
    "color",  # value: a catalog.COLORS key
    "palette",  # "colorful": several distinct colours, which is the default anyway
    "material",  # value: a catalog.MATERIALS key (objects and props)
    "kind",  # value: a catalog.KINDS key; plural
    "special",  # value: a ball with a name of its own ("pendulum", "cradle", "tennis" ...)
    "arr_of",  # value: arrangement, the phrase ends in "of" ("a row of")
    "arr_noun",  # value: arrangement used as a head noun ("a tower")
    "arr_post",  # value: arrangement after the noun ("in a row", "stacked")
    "made_of",  # "made of", followed by a material
    "verb",  # value: an ActionKind, or "fall" / "push" (which one depends on the subject)
    "mutual",  # "each other": both parties move
    "speed",  # number: how hard the action goes ("slowly", "fast")
    "prep",  # value: the preposition, which says how a prop or target is used
    "agent",  # "by": passive voice, the doer follows
    "prop",  # value: a PropKind
    "floor_noun",  # "floor", "ground": takes a floor material before it
    "floor_material",  # value: a catalog.FLOORS key
    "floor_only",  # value: a FLOORS key; a noun that is a floor on its own ("sand")
    "setting",  # value: "indoor" | "outdoor"; number unused; floor default in `extra`
    "time",  # value: a TimeOfDay
    "camera",  # value: a CameraMove
    "framing",  # value: a Framing
    "tempo",  # number: plan.slow_motion
    "gravity",  # number: m/s^2
    "style",  # value: a Style
    "cut",  # starts a new shot
    "pronoun",  # "it", "them": refers back to an object
    "proform",  # "one" as in "a blue one": the previous object's kind
    "function",  # grammar with no content of its own
    "meta",  # talks about the video rather than the scene
]


@dataclass(frozen=True)
class Sense:
    cat: Cat
    value: str = ""
    number: float = 0.0
    plural: bool = False
    extra: str = ""


Phrase = tuple[str, ...]
LEXICON: dict[Phrase, tuple[Sense, ...]] = {}
MAX_PHRASE = 5

# "@ann" is one token: a cameo's handle (as the app spells handles; a final "." ends the sentence, "'s" is dropped).
_TOKEN = re.compile(r"(?<![a-z0-9_@.])@[a-z0-9_](?:[a-z0-9_.]*[a-z0-9_])?|[a-z]+(?:'[a-z]+)?|\d+|[.,;:!?]")
_POSSESSIVE = re.compile(r"(@[a-z0-9_.]+)'s\b")
SENTENCE_END = frozenset(".!?;")
CLAUSE_END = frozenset(",:")


def tokenize(text: str) -> list[str]:
    """Lower-case words, @handles, numbers and clause punctuation; hyphens split words ("close-up" -> close up)."""
    text = text.lower().replace("\u2019", "'").replace("b&w", "black and white").replace("&", " and ")
    return _TOKEN.findall(_POSSESSIVE.sub(r"\1", text))


def lookup(tokens: list[str], i: int) -> tuple[int, tuple[Sense, ...]] | None:
    """The longest phrase starting at token i: (end index, senses)."""
    for n in range(min(MAX_PHRASE, len(tokens) - i), 0, -1):
        senses = LEXICON.get(tuple(tokens[i : i + n]))
        if senses:
            return i + n, senses
    return None


def lookup_all(tokens: list[str], i: int) -> list[tuple[int, tuple[Sense, ...]]]:
    """Every phrase starting at token i, longest first: (end index, senses)."""
    found = []
    for n in range(min(MAX_PHRASE, len(tokens) - i), 0, -1):
        senses = LEXICON.get(tuple(tokens[i : i + n]))
        if senses:
            found.append((i + n, senses))
    return found


def plurals(word: str) -> tuple[str, ...]:
    """English plurals of a (possibly multi-word) noun; irregulars are listed in the kinds below."""
    head, _, last = word.rpartition(" ")
    prefix = head + " " if head else ""
    if last.endswith(("s", "x", "ch", "sh")):
        forms = [last + "es"]
    elif last.endswith("o"):
        forms = [last + "es", last + "s"]
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "i", "o", "u"):
        forms = [last[:-1] + "ies"]
    else:
        forms = [last + "s"]
    return tuple(prefix + f for f in forms)


def _add(phrases: str | Iterable[str], *senses: Sense) -> None:
    for phrase in [phrases] if isinstance(phrases, str) else phrases:
        key = tuple(phrase.split())
        LEXICON[key] = LEXICON.get(key, ()) + senses


def _forms(*stems: str) -> list[str]:
    """Verb forms written compactly: "roll|s|ed|ing" -> roll rolls rolled rolling."""
    out: list[str] = []
    for stem in stems:
        base, *endings = stem.split("|")
        out.append(base)
        out += [e[1:] if e.startswith("!") else base + e for e in endings]
    return out


# -- determiners, counts, ordinals -----------------------------------------------------------------
_add(["a", "an", "another"], Sense("det", "indef"))
_add(["the", "this", "that", "these", "those"], Sense("det", "def"))

_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
          "nineteen"]
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
for _n, _w in enumerate(_UNITS + _TEENS, start=1):
    _add(_w, Sense("count", number=_n))
for _w, _n in _TENS.items():
    _add(_w, Sense("count", number=_n))
    for _u, _uw in enumerate(_UNITS, start=1):
        _add(f"{_w} {_uw}", Sense("count", number=_n + _u))
for _n in range(0, 1000):
    _add(str(_n), Sense("count", number=_n))
_add("single", Sense("count", number=1))
_add(["a pair of", "pair of", "a couple of", "couple of", "a couple", "a duo of"], Sense("count", number=2))
_add(["a few", "few", "some", "a handful of", "handful of"], Sense("count", number=3))
_add(["several", "a bunch of", "bunch of", "a group of", "group of"], Sense("count", number=4))
_add(["half a dozen"], Sense("count", number=6))
_add(["many", "lots of", "a lot of", "plenty of"], Sense("count", number=8))
_add(["a dozen", "dozen", "a dozen of"], Sense("count", number=12))
for _n, _w in enumerate(["first", "second", "third", "fourth", "fifth"], start=1):
    _add(_w, Sense("ordinal", number=_n))
_add(["last", "final"], Sense("ordinal", number=-1))

# -- what objects look like and are made of ----------------------------------------------------------
SIZE_WORDS: dict[str, float] = {
    "tiny": 0.4, "mini": 0.5, "small": 0.7, "little": 0.7, "medium": 1.0, "big": 1.5, "large": 1.5,
    "huge": 2.2, "enormous": 2.4, "massive": 2.4, "giant": 2.8, "gigantic": 2.8,
}
for _w, _s in SIZE_WORDS.items():
    _add(_w, Sense("size", number=_s))
_add(["medium sized", "toy"], Sense("size", number=1.0))  # everything is toy-sized already
_add(["light", "pale", "pastel"], Sense("shade", "light"))
_add(["dark", "deep"], Sense("shade", "dark"))
for _c in COLORS:
    _add(_c, Sense("color", _c))
for _alias, _c in COLOR_ALIASES.items():
    _add(_alias, Sense("color", _c))
_add(["colorful", "colourful", "multicolored", "multicoloured", "rainbow", "assorted"], Sense("palette"))

_MATERIAL_WORDS: dict[str, tuple[str, ...]] = {
    "rubber": ("rubber", "rubbery", "bouncy"),
    "wood": ("wood", "wooden", "hardwood", "oak", "pine"),
    "metal": ("metal", "metallic", "steel", "iron", "aluminum", "aluminium", "copper", "brass", "chrome"),
    "glass": ("glass", "crystal"),
    "stone": ("stone", "rock", "granite", "marble", "concrete", "clay"),
    "plastic": ("plastic",),
    "felt": ("felt", "fabric", "cloth", "wool", "woolen", "woollen", "plush", "foam"),
}
for _m, _words in _MATERIAL_WORDS.items():
    _add(_words, Sense("material", _m))
# "tin" names a material only in front of a noun ("a tin can"); alone it is a can (see kinds)
_add("tin", Sense("material", "metal"))

# -- object kinds ---------------------------------------------------------------------------------------
_IRREGULAR = {"die": (), "dice": ()}  # "dice" is listed as a word of its own and reads as plural
for _kind in KINDS.values():
    for _word in _kind.words:
        _add(_word, Sense("kind", _kind.name, plural=_word == "dice"))
        for _p in _IRREGULAR.get(_word, plurals(_word)):
            _add(_p, Sense("kind", _kind.name, plural=True))
_add(["pendulum", "pendulum ball", "pendulum bob"], Sense("special", "pendulum"))
_add(["pendulums", "pendula"], Sense("special", "pendulum", plural=True))
_add(["wrecking ball"], Sense("special", "wrecking"))
_add(["wrecking balls"], Sense("special", "wrecking", plural=True))
_add(["newton's cradle", "newtons cradle", "newton cradle"], Sense("special", "cradle"))
BALL_TYPES = {  # named balls: special value (see parse.SPECIALS for their material and size)
    "bowling ball": "bowling", "tennis ball": "tennis", "golf ball": "golf", "ping pong ball": "pingpong",
    "table tennis ball": "pingpong", "basketball": "basketball", "soccer ball": "soccer",
    "football": "soccer", "beach ball": "beach", "billiard ball": "billiard", "pool ball": "billiard",
    "baseball": "baseball",
}
for _w, _special in BALL_TYPES.items():
    _add(_w, Sense("special", _special))
    _add(plurals(_w), Sense("special", _special, plural=True))

# -- arrangements ---------------------------------------------------------------------------------------
_ARRANGEMENTS = {
    "row": ("row", "line", "chain", "series", "sequence", "trail"),
    "stack": ("stack", "tower", "pile", "column", "heap"),
    "pyramid": ("pyramid", "triangle"),
}
for _a, _words in _ARRANGEMENTS.items():
    _add([f"{w} of" for w in _words], Sense("arr_of", _a))
    _add(_words, Sense("arr_noun", _a))
    _add([p for w in _words for p in plurals(w)], Sense("arr_noun", _a, plural=True))
    _add([f"in a {w}" for w in _words], Sense("arr_post", _a))
_add(["lined up", "in rows", "standing in a row", "standing in line", "set up in a row"],
     Sense("arr_post", "row"))
_add(["stacked", "stacked up", "piled up", "on top of each other", "on top of one another"],
     Sense("arr_post", "stack"))
_add(["made of", "made out of"], Sense("made_of"))

# -- actions ---------------------------------------------------------------------------------------------
_VERBS: dict[str, list[str]] = {
    "drop": _forms("drop|s|ped|ping", "plummet|s|ed|ing", "plunge|s|d|!plunging", "land|s|ed|ing",
                   "descend|s|ed|ing") + ["let go of", "lets go of", "released", "is released"],
    "fall": _forms("fall|s|ing|!fell|!fallen", "tumble|s|d|!tumbling", "falls down", "fall down",
                   "fell down", "falling down"),
    # Juggled balls go up and come down where they are: the nearest thing to juggling the world can do.
    "bounce": _forms("bounce|s|d|!bouncing", "hop|s|ped|ping", "rebound|s|ed|ing", "jump|s|ed|ing",
                     "juggle|s|d|!juggling"),
    "roll": _forms("roll|s|ed|ing", "drive|s|n|!driving|!drove", "race|s|d|!racing"),
    "push": _forms("push|es|ed|ing", "nudge|s|d|!nudging", "tap|s|ped|ping", "poke|s|d|!poking",
                   "flick|s|ed|ing", "shove|s|d|!shoving"),
    "slide": _forms("slide|s|!sliding|!slid", "skid|s|ded|ding", "glide|s|d|!gliding", "scoot|s|ed|ing"),
    "collide": _forms("collide|s|d|!colliding", "hit|s|ting", "smash|es|ed|ing", "crash|es|ed|ing",
                      "strike|s|!struck|!striking", "ram|s|med|ming", "slam|s|med|ming", "bump|s|ed|ing",
                      "bash|es|ed|ing", "impact|s|ed|ing", "plow|s|ed|ing", "plough|s|ed|ing")
    + ["collision", "collisions", "knock", "knocks", "knocked", "knocking"]
    + [f"{v} {p}" for v in ("knock", "knocks", "knocked", "knocking") for p in ("over", "down", "into")]
    + [f"{v} {p}" for v in ("smash", "smashes", "smashed", "smashing", "crash", "crashes", "crashed",
                            "crashing", "slam", "slams", "slammed", "slamming", "bump", "bumps", "bumped",
                            "bumping", "plows", "plow", "ploughs", "runs", "run", "rams", "ram")
       for p in ("into",)],
    "topple": _forms("topple|s|d|!toppling", "tip over", "tips over", "tipped over", "tipping over",
                     "fall over", "falls over", "fell over", "falling over", "keel over", "keels over")
    + ["domino effect", "chain reaction", "cascade", "cascades", "cascading"],
    "collapse": _forms("collapse|s|d|!collapsing", "crumble|s|d|!crumbling", "fall apart",
                       "falls apart", "fell apart", "falling apart", "comes crashing down",
                       "come crashing down", "coming crashing down", "came crashing down"),
    "swing": _forms("swing|s|ing|!swung", "sway|s|ed|ing", "oscillate|s|d|!oscillating"),
    "throw": _forms("throw|s|n|ing|!threw", "toss|es|ed|ing", "lob|s|bed|bing", "hurl|s|ed|ing",
                    "fling|s|ing|!flung", "launch|es|ed|ing", "kick|s|ed|ing", "pitch|es|ed|ing",
                    "chuck|s|ed|ing"),
    "rest": _forms("rest|s|ed|ing", "sit|s|ting|!sat", "stand|s|ing|!stood", "lie|s|!lying|!lay",
                   "placed", "stay|s|ed|ing", "wait|s|ed|ing"),
}
for _action, _verb_forms in _VERBS.items():
    _add(_verb_forms, Sense("verb", _action))
_add(["each other", "one another", "head on", "together"], Sense("mutual"))
_add(["slowly", "gently", "softly", "lightly", "slow", "lazily", "gradually"], Sense("speed", number=0.6))
_add(["quickly", "fast", "hard", "rapidly", "violently", "forcefully", "swiftly", "speeding", "at speed",
      "at high speed", "full speed"], Sense("speed", number=1.5))
for _p in ("on", "onto", "upon", "off", "down", "up", "into", "at", "toward", "towards", "against",
           "across", "along", "from", "in", "inside", "within", "over", "through", "to", "with", "between",
           "around", "past", "out", "like"):
    _add(_p, Sense("prep", _p))
_add(["on to"], Sense("prep", "onto"))
_add(["out of", "off of"], Sense("prep", "off"))
_add("by", Sense("agent"))

# -- scenery ----------------------------------------------------------------------------------------------
_add(["ramp", "slope", "incline", "inclined plane", "hill", "chute", "ramps", "slopes", "inclines"],
     Sense("prop", "ramp"))
_add(["stairs", "staircase", "stairway", "steps", "stair", "flight of stairs", "flight of steps",
      "staircases"], Sense("prop", "stairs"))
_add(["table", "tables", "desk", "counter", "countertop", "tabletop", "workbench", "coffee table",
      "dining table"], Sense("prop", "table"))
_add(["wall", "walls"], Sense("prop", "walls"))
_add(["floor", "ground", "surface", "floors", "floorboards", "flooring"], Sense("floor_noun"))
FLOOR_WORDS: dict[str, tuple[str, ...]] = {
    "wood": ("wood", "wooden", "hardwood", "parquet", "oak", "pine"),
    "concrete": ("concrete", "cement", "asphalt"),
    "stone": ("stone", "granite", "cobblestone", "rock", "slate"),
    "tile": ("tile", "tiled", "tiles", "ceramic"),
    "marble": ("marble",),
    "metal": ("metal", "steel", "iron", "metallic", "aluminum", "aluminium"),
    "glass": ("glass",),
    "carpet": ("carpet", "carpeted", "rug"),
    "grass": ("grass", "grassy", "lawn"),
    "sand": ("sand", "sandy"),
    "felt": ("felt",),
    "rubber": ("rubber",),
    "plastic": ("plastic",),
}
assert set(FLOOR_WORDS) == set(FLOORS)
for _f, _words in FLOOR_WORDS.items():
    _add(_words, Sense("floor_material", _f))
_add(["concrete", "cement", "asphalt", "pavement", "tarmac"], Sense("floor_only", "concrete"))
_add(["carpet", "rug", "carpets"], Sense("floor_only", "carpet"))
_add(["grass", "lawn", "turf"], Sense("floor_only", "grass"))
_add(["sand", "dunes"], Sense("floor_only", "sand"))
_add(["cobblestones", "cobbles", "gravel"], Sense("floor_only", "stone"))
_add(["floorboards", "parquet"], Sense("floor_only", "wood"))

SETTINGS: dict[str, tuple[str, str]] = {  # word -> (setting, default floor or "")
    "room": ("indoor", ""), "kitchen": ("indoor", "tile"), "studio": ("indoor", "concrete"),
    "living room": ("indoor", "wood"), "bedroom": ("indoor", "carpet"), "bathroom": ("indoor", "tile"),
    "warehouse": ("indoor", "concrete"), "garage": ("indoor", "concrete"), "gym": ("indoor", "wood"),
    "gymnasium": ("indoor", "wood"), "hall": ("indoor", ""), "hallway": ("indoor", "wood"),
    "office": ("indoor", "carpet"), "lab": ("indoor", "tile"), "laboratory": ("indoor", "tile"),
    "basement": ("indoor", "concrete"), "attic": ("indoor", "wood"), "indoors": ("indoor", ""),
    "indoor": ("indoor", ""), "interior": ("indoor", ""), "house": ("indoor", ""),
    "workshop": ("indoor", "concrete"), "factory": ("indoor", "concrete"), "classroom": ("indoor", "tile"),
    "bowling alley": ("indoor", "wood"), "library": ("indoor", "wood"),
    "outside": ("outdoor", "grass"), "outdoors": ("outdoor", "grass"), "outdoor": ("outdoor", "grass"),
    "park": ("outdoor", "grass"), "garden": ("outdoor", "grass"), "street": ("outdoor", "concrete"),
    "beach": ("outdoor", "sand"), "field": ("outdoor", "grass"), "yard": ("outdoor", "grass"),
    "backyard": ("outdoor", "grass"), "courtyard": ("outdoor", "stone"), "desert": ("outdoor", "sand"),
    "road": ("outdoor", "concrete"), "sidewalk": ("outdoor", "concrete"), "playground": ("outdoor", "sand"),
    "meadow": ("outdoor", "grass"), "forest": ("outdoor", "grass"), "parking lot": ("outdoor", "concrete"),
    "rooftop": ("outdoor", "concrete"), "patio": ("outdoor", "stone"), "alley": ("outdoor", "concrete"),
}
for _w, (_setting, _floor) in SETTINGS.items():
    _add(_w, Sense("setting", _setting, extra=_floor))

_TIMES = {
    "morning": ("morning", "dawn", "sunrise", "daybreak", "early morning"),
    "day": ("noon", "midday", "daytime", "day", "afternoon", "daylight", "sunny", "sunny day",
            "broad daylight"),
    "sunset": ("sunset", "dusk", "golden hour", "sundown"),
    "evening": ("evening", "twilight"),
    "night": ("night", "nighttime", "midnight", "moonlight", "moonlit", "night time", "at night"),
}
for _t, _words in _TIMES.items():
    _add(_words, Sense("time", _t))

# -- camera, speed and look ---------------------------------------------------------------------------------
_CAMERA = {
    "static": ("static", "static camera", "static shot", "locked", "locked off", "locked camera", "tripod",
               "tripod shot", "fixed camera", "still camera", "stationary camera", "locked down"),
    "pan": ("pan", "pans", "panning", "panned", "pan across", "pans across", "panning across"),
    "zoom_in": ("zoom", "zooms", "zooming", "zoom in", "zooms in", "zooming in", "push in", "pushes in",
                "pushing in", "dolly in", "dollies in", "dollying in", "slow push in", "slow zoom"),
    "zoom_out": ("zoom out", "zooms out", "zooming out", "pull back", "pulls back", "pulling back",
                 "pull out", "pulls out", "pulling out", "dolly out", "dollies out", "dollying out"),
    "follow": ("follow", "follows", "following", "followed", "tracking", "tracks", "tracked", "track the",
               "tracking shot", "follow shot", "follow cam", "chase cam"),
}
for _move, _words in _CAMERA.items():
    _add(_words, Sense("camera", _move))
_add(["close up", "closeup", "close ups", "closeups", "close shot", "extreme close up", "macro",
      "macro shot", "close up shot"], Sense("framing", "close"))
_add(["wide shot", "wide", "wide angle", "wide angle shot", "establishing shot", "long shot", "full shot"],
     Sense("framing", "wide"))
_add(["medium shot", "mid shot", "medium close up", "medium wide shot"], Sense("framing", "medium"))
_add(["slow motion", "slow mo", "slowmo", "slo mo", "slowed down", "high speed camera", "high speed footage"],
     Sense("tempo", number=0.25))
_add(["super slow motion", "super slow mo", "super slowmo", "ultra slow motion", "extreme slow motion",
      "very slow motion", "ultra slow mo"], Sense("tempo", number=0.1))
_add(["half speed", "half time"], Sense("tempo", number=0.5))
_add(["real time", "realtime", "normal speed", "real speed"], Sense("tempo", number=1.0))
_add(["zero gravity", "zero g", "weightless", "weightlessness", "in space", "outer space", "microgravity"],
     Sense("gravity", number=0.1))
_add(["low gravity", "moon gravity", "lunar gravity", "on the moon"], Sense("gravity", number=1.62))
_add(["on mars", "mars gravity", "martian gravity"], Sense("gravity", number=3.71))
_add(["high gravity", "heavy gravity", "on jupiter", "jupiter gravity"], Sense("gravity", number=24.8))
_STYLES = {
    "realistic": ("realistic", "photorealistic", "photoreal", "cinematic", "photo", "photograph",
                  "photographic", "lifelike", "hyperrealistic", "hyper realistic", "realism", "documentary"),
    "cartoon": ("cartoon", "cartoony", "cartoonish", "toon", "pixar", "animated", "claymation"),
    "anime": ("anime", "cel shaded", "cel shading", "cel shade", "manga", "ghibli"),
    "noir": ("noir", "film noir", "black and white", "monochrome", "grayscale", "greyscale"),
    "neon": ("neon", "synthwave", "cyberpunk", "glowing", "vaporwave", "retrowave", "tron"),
}
for _style, _words in _STYLES.items():
    _add(_words, Sense("style", _style))
_add(["cut to", "cuts to", "cutting to", "smash cut to", "hard cut to", "cut", "switch to", "switches to",
      "transition to", "transitions to", "then cut to"], Sense("cut"))

# -- grammar ------------------------------------------------------------------------------------------
_add(["it", "them", "they", "itself", "themselves"], Sense("pronoun"))
_add(["one", "ones"], Sense("proform"))
FUNCTION_WORDS = (
    "of and or nor but while as very is are was were be being been get gets got getting has have had "
    "do does did then than when where after before until till so just also too again each both all "
    "every there here now finally eventually suddenly immediately slightly really quite which who whom "
    "whose what how why something someone somebody thing things object objects it's their his her "
    "can will would could should may might must begins begin starts start starting continues keeps "
    "around away back apart another simply there's we you i sends send sent makes make made causing causes "
    "cause caused setting sets set way its own bit top"
)
# Phrases with nothing to add to the plan: the layout does this anyway (objects spread side by side, a
# pendulum hangs from a rod).
_add(["one after another", "one after the other", "one by one", "one at a time", "a bit", "a little bit",
      "side by side", "next to each other", "on a string", "on a rope", "from a string", "from a rope",
      "on a rod", "from a rod", "on a chain", "from a chain"], Sense("function"))
for _w in FUNCTION_WORDS.split():
    if (_w,) not in LEXICON:
        _add(_w, Sense("function"))
META_WORDS = (
    "video clip clips scene scenes shot shots footage showing shows show shown film movie camera view "
    "views frame framed sequence animation render rendered rendering depicting depicts depiction "
    "featuring features image picture style styled look aesthetic see sees watch watching simulation "
    "simulated side angle lens watches watched stares staring"
)
for _w in META_WORDS.split():
    if (_w,) not in LEXICON:
        _add(_w, Sense("meta"))
