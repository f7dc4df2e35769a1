"""Engines by name. Engines are imported lazily so that naming one never loads another's weights."""

from __future__ import annotations

from kinora.engines.base import Engine

ENGINES = ("world",)


def get_engine(name: str) -> Engine:
    if name == "world":
        from kinora.engines.world import WorldEngine

        return WorldEngine()
    raise ValueError(f"engine must be one of {', '.join(ENGINES)}; got {name!r}")
