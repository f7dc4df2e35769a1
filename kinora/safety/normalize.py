"""Undo the tricks people use to slip a word past a filter, and say which ones were undone.

Prompt rules and the classifier read `Normalized.text`; moderators read `Normalized.evasions`. Each step is
conservative so that ordinary prompts come out as they went in ("7 red balls", "R2 unit", "a shot of whiskey"):
* Unicode: NFKC folds full-width and styled letters (ｓｅｘ, 𝐬𝐞𝐱); zero-width and other invisible characters go;
  accents go (séx -> sex); look-alike letters from Cyrillic and Greek become the Latin letter they imitate.
* Leetspeak: digits and symbols become letters only inside a word that also has letters and reads as no
  number ("k1ll" -> "kill", "pr0n" -> "pron", but "4k", "24fps", "3d", "r2" stay).
* Spacing: runs of single letters split by spaces, dots, dashes or underscores join ("k i l l", "s.e.x").
* Stretching: a letter repeated three or more times counts once ("seeeex" -> "sex"), except in a word of one
  repeated letter ("kkk", "xxx").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Letters from other scripts that render like Latin ones (a maintained subset of Unicode's confusables).
_CONFUSABLES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "һ": "h", "ո": "n", "ս": "u",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "ω": "w", "ɡ": "g", "ɑ": "a", "ı": "i", "ℓ": "l",
})
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
                       "@": "a", "$": "s", "!": "i", "|": "l", "+": "t"})
_LEET_KEYS = frozenset("0134578@$!|+9")
_INVISIBLE = re.compile(r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
                        r"\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]")
_WORD = re.compile(r"[^\s]+")
# A word that is a quantity, a size or a unit ("24fps", "4k", "1080p", "3d", "2x", "90s"): never leetspeak.
_NUMERIC = re.compile(r"\d+(?:[.,:x]\d+)*(?:st|nd|rd|th|s|k|p|d|x|fps|px|mm|cm|m|km|kg|g|hz|khz|mph|am|pm)?")
_SPACED = re.compile(r"(?<![\w])(?:[a-z][\s._\-]+){2,}[a-z](?![\w])")
_STRETCH = re.compile(r"([a-z])\1{2,}")


@dataclass(frozen=True)
class Normalized:
    original: str
    text: str  # lowercase, folded, with every evasion below undone
    evasions: list[str] = field(default_factory=list)  # which tricks were found, for the audit log


def normalize(prompt: str) -> Normalized:
    """`prompt` as the moderation layers should read it."""
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a string; got {type(prompt).__name__}")
    evasions: list[str] = []
    text = unicodedata.normalize("NFKC", prompt)
    if text != unicodedata.normalize("NFC", prompt):
        evasions.append("styled or full-width letters")
    without = _INVISIBLE.sub("", text)
    if without != text:
        evasions.append("invisible characters")
    text = without.casefold()
    folded = text.translate(_CONFUSABLES)
    if folded != text:
        evasions.append("look-alike letters from other scripts")
    text = _strip_accents(folded)
    text, changed = _unleet(text)
    if changed:
        evasions.append("leetspeak")
    joined = _SPACED.sub(_join_spaced, text)
    if joined != text:
        evasions.append("spaced-out letters")
    unstretched = _WORD.sub(_unstretch, joined)
    if unstretched != joined:
        evasions.append("stretched letters")
    return Normalized(prompt, re.sub(r"\s+", " ", unstretched).strip(), evasions)


def _join_spaced(match: re.Match[str]) -> str:
    letters = re.sub(r"[\s._\-]+", "", match.group(0))
    # "a n a k e d" is the article and a spaced word: keep "a " apart when a word of 3+ letters follows.
    if letters[0] == "a" and match.group(0)[1] == " " and len(letters) > 3:
        return letters[0] + " " + letters[1:]
    return letters


def _unstretch(match: re.Match[str]) -> str:
    word = match.group(0)
    # A word of one repeated letter is an acronym or a sound ("kkk", "xxx", "iii", "zzz"), not a stretched word.
    return word if len(set(word.strip(".,;:!?\"'()"))) <= 1 else _STRETCH.sub(r"\1", word)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _unleet(text: str) -> tuple[str, bool]:
    changed = False

    def word(match: re.Match[str]) -> str:
        nonlocal changed
        token = match.group(0)
        core = token.strip(".,;:?\"'()[]{}")
        if not any(c.isalpha() for c in core) or _NUMERIC.fullmatch(core) or not any(c in _LEET_KEYS for c in core):
            return token
        letters = core.translate(_LEET)
        if not letters.isalpha():
            return token  # still not a word once decoded (a code, a model name): leave it
        changed = True
        return token.replace(core, letters)

    return _WORD.sub(word, text), changed
