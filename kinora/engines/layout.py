"""Model folders on disk, read without torch: which diffusers pipeline a folder holds, its component configs, and
which of its files are missing. The web process calls this to know an engine's capabilities."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

# A component that is not a model holds one of these files, by the kind of object model_index.json says it is.
CONFIG_FILES = {"Scheduler": ("scheduler_config.json",), "Tokenizer": ("tokenizer_config.json",),
                "Processor": ("preprocessor_config.json", "processor_config.json")}
WEIGHT_SUFFIXES = (".safetensors", ".bin")


class WeightsMissing(ValueError):
    """An engine's model folder is absent or incomplete. Its message lists what is missing."""

    code = "weights_missing"


@dataclass(frozen=True)
class Layout:
    folder: Path
    index: dict[str, Any]  # model_index.json

    @property
    def pipeline(self) -> str:
        return str(self.index.get("_class_name", ""))

    def has(self, component: str) -> bool:
        entry = self.index.get(component)
        return isinstance(entry, list) and len(entry) == 2 and entry[0] is not None

    def config(self, component: str) -> dict[str, Any]:
        return self._configs.get(component, {})

    @cached_property
    def _configs(self) -> dict[str, dict[str, Any]]:
        configs: dict[str, dict[str, Any]] = {}
        for name in self.index:
            path = self.folder / name / "config.json"
            if not name.startswith("_") and path.is_file():
                configs[name] = _json(path)
        return configs


def read(folder: Path, *, expect: tuple[str, ...]) -> Layout:
    """The layout of `folder`, checked complete; `expect` names the pipeline classes the engine can run."""
    folder = folder.expanduser()
    if not folder.is_dir():
        raise WeightsMissing(f"weights folder {str(folder)!r} does not exist; download the model there "
                             "(diffusers layout, with model_index.json) or make a tiny one with "
                             "`kinora engines make-tiny`")
    index_path = folder / "model_index.json"
    if not index_path.is_file():
        raise WeightsMissing(f"weights folder {str(folder)!r} has no model_index.json; it must hold a diffusers "
                             "pipeline saved with save_pretrained (one of: " + ", ".join(expect) + ")")
    layout = Layout(folder, _json(index_path))
    if layout.pipeline not in expect:
        raise WeightsMissing(f"weights folder {str(folder)!r} holds a {layout.pipeline or 'unnamed'} pipeline; "
                             f"this engine runs {', '.join(expect)}")
    missing = missing_files(layout)
    if missing:
        shown = ", ".join(missing[:12]) + (f" and {len(missing) - 12} more" if len(missing) > 12 else "")
        raise WeightsMissing(f"weights folder {str(folder)!r} is incomplete; missing: {shown}")
    return layout


def missing_files(layout: Layout) -> list[str]:
    """Paths, relative to the folder, that model_index.json implies and that are not there."""
    missing: list[str] = []
    for name, entry in layout.index.items():
        if name.startswith("_") or not layout.has(name):
            continue
        part = layout.folder / name
        files = next((files for kind, files in CONFIG_FILES.items() if kind in str(entry[1])), None)
        if files is None:
            missing += _missing_model_files(part, name)
        elif not any((part / f).is_file() for f in files):
            missing.append(f"{name}/{files[0]}")
    return missing


def _missing_model_files(part: Path, name: str) -> list[str]:
    if not (part / "config.json").is_file():
        return [f"{name}/config.json", f"{name}/<weights>.safetensors"]
    indexes = sorted(part.glob("*.index.json"))
    if indexes:  # sharded: every shard the index names must be there
        shards = {str(s) for index in indexes for s in _json(index).get("weight_map", {}).values()}
        return [f"{name}/{s}" for s in sorted(shards) if not (part / s).is_file()]
    if any(p.suffix in WEIGHT_SUFFIXES for p in part.iterdir()):
        return []
    return [f"{name}/<weights>.safetensors"]


def _json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise WeightsMissing(f"{str(path)!r} cannot be read as JSON: {e}") from e
    if not isinstance(value, dict):
        raise WeightsMissing(f"{str(path)!r} must hold a JSON object")
    return value
