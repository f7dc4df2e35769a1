"""Labelled prompt sets: JSON lines `{"prompt": ..., "label": "allow" | "block", "category": ...}`.

A "block" line's category is what it violates; an "allow" line's category is what it only looks like ("a shot of
whiskey" -> "violence") or "none", so false blocks can be counted per category too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal, cast

from kinora.safety.classifier import LABELS, NONE

Label = Literal["allow", "block"]


@dataclass(frozen=True)
class Example:
    prompt: str
    label: Label
    category: str

    @property
    def head_label(self) -> str:
        """What the classifier head learns: the category for blocked prompts, "none" for allowed ones."""
        return self.category if self.label == "block" else NONE


def packaged(name: str) -> Path:
    """A prompt set shipped with Kinora: "train" or "eval"."""
    return Path(str(resources.files("kinora.safety") / "data" / "prompts" / f"{name}.jsonl"))


def read(path: Path) -> list[Example]:
    """Every example in `path`; a bad line raises ValueError naming the file, line and field."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ValueError(f"FILE: cannot read {str(path)!r}: {e.strerror or e}") from e
    examples = [_example(line, f"{path}:{number}") for number, line in enumerate(lines, 1) if line.strip()]
    if not examples:
        raise ValueError(f"FILE: {str(path)!r} holds no examples (one JSON object per line)")
    return examples


def _example(line: str, where: str) -> Example:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"{where}: not JSON ({e.msg})") from e
    if not isinstance(row, dict):
        raise ValueError(f"{where}: each line must be a JSON object; got {type(row).__name__}")
    prompt, label, category = row.get("prompt"), row.get("label"), row.get("category", NONE)
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError(f"{where}: prompt must be a non-empty string; got {prompt!r}")
    if label not in ("allow", "block"):
        raise ValueError(f"{where}: label must be 'allow' or 'block'; got {label!r}")
    if category is None:
        category = NONE
    if not isinstance(category, str) or (label == "block" and category not in LABELS[1:]):
        allowed = ", ".join(LABELS[1:])
        raise ValueError(f"{where}: category of a blocked prompt must be one of {allowed}; got {category!r}")
    return Example(prompt, cast(Label, label), category)
