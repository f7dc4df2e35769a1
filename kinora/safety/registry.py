"""Public figures and rights-protected characters: the names a prompt may not use.

The lists shipped in `kinora/safety/data/` (public_figures.jsonl, rights.jsonl) are the defaults; an instance's
own entries (the `safety_registry` table, edited by admins) add to them or override an entry of the same kind and
name, e.g. a rights holder's opt-in (`allowed`). Names are matched as whole words on the normalized prompt, so
"T-Swift", "t s w i f t" and "Ｍｉｃｋｅｙ Ｍｏｕｓｅ" all count. The matcher is rebuilt only when the entries change.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from kinora.safety.normalize import normalize
from kinora.safety.policy import ALLOW, Entry, Kind, Verdict

FILES: dict[Kind, str] = {"public_figure": "public_figures.jsonl", "rights": "rights.jsonl"}


def key(name: str) -> str:
    """How names compare: casefolded, accents and look-alikes undone, single spaces."""
    return normalize(name).text


@lru_cache(maxsize=1)
def shipped() -> tuple[Entry, ...]:
    """The lists that ship with Kinora (every rights entry opted out)."""
    entries: list[Entry] = []
    folder = resources.files("kinora.safety") / "data"
    for kind, filename in FILES.items():
        path = folder / filename
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                entries.append(_entry(kind, json.loads(line), f"{filename}:{number}"))
    return tuple(entries)


def _entry(kind: Kind, row: dict[str, Any], where: str) -> Entry:
    name, aliases = row.get("name"), row.get("aliases", [])
    if not isinstance(name, str) or not isinstance(aliases, list):
        raise ValueError(f"{where}: each line needs a string 'name' and a list 'aliases'; got {row!r}")
    return Entry(kind, name, tuple(str(a) for a in aliases), holder=str(row.get("holder", "")))


@lru_cache(maxsize=1)
def _shipped_table() -> dict[tuple[str, str], Entry]:
    return {(e.kind, key(e.name)): e for e in shipped()}


def merged(own: Sequence[Entry]) -> tuple[Entry, ...]:
    """The shipped entries with the instance's own added or overriding (same kind and name)."""
    return _merged(tuple(own))


@lru_cache(maxsize=8)
def _merged(own: tuple[Entry, ...]) -> tuple[Entry, ...]:
    table = dict(_shipped_table())
    table.update({(e.kind, key(e.name)): e for e in own})
    return tuple(table.values())


@dataclass(frozen=True)
class Matcher:
    pattern: re.Pattern[str] | None
    names: dict[str, Entry]  # normalized name or alias -> its entry
    version: str  # for the audit log: which registry decided

    def allowed_named(self, text: str) -> bool:
        """Whether `text` names an entry its rights holder opted in."""
        return self.pattern is not None and any(self.names[m.group(0)].allowed for m in self.pattern.finditer(text))

    def find(self, text: str) -> tuple[Entry, str] | None:
        """The first blocked entry named in `text` (normalized), with the words that named it."""
        if self.pattern is None:
            return None
        for match in self.pattern.finditer(text):
            entry = self.names[match.group(0)]
            if not entry.allowed:
                return entry, match.group(0)
        return None


@lru_cache(maxsize=4)
def matcher(entries: tuple[Entry, ...]) -> Matcher:
    """A matcher for `entries`; cached, so a registry that did not change costs nothing to rebuild."""
    names: dict[str, Entry] = {}
    for entry in entries:
        for name in (entry.name, *entry.aliases):
            normalized = key(name)
            if len(normalized) >= 3:
                names.setdefault(normalized, entry)
    digest = hashlib.sha256(json.dumps(sorted(names.items(), key=lambda item: item[0]), default=repr).encode())
    version = f"registry-{len(entries)}-{digest.hexdigest()[:8]}"
    if not names:
        return Matcher(None, {}, version)
    # Longest first, so "Homer Simpson" wins over a shorter alias it contains.
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return Matcher(re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"), names, version)


def check(text: str, entries: tuple[Entry, ...]) -> Verdict:
    """The registry's verdict on a normalized prompt (benign idioms already blanked)."""
    match = matcher(entries)
    found = match.find(text)
    if found is None:
        return ALLOW
    entry, words = found
    holder = entry.holder or "its holder"
    what = "public figure" if entry.kind == "public_figure" else f"rights-protected work of {holder}"
    return Verdict("block", entry.kind, "registry", f"names {entry.name!r} ({what}) as {words!r}",
                   {entry.kind: 1.0}, versions={"registry": match.version})
