"""Tiny random-weight model folders, written once per test session in the engines' real layouts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_folder(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Path]:
    """tiny_folder(engine, layout) -> a folder saved with save_pretrained (built on first use)."""
    from kinora.engines import tiny

    root = tmp_path_factory.mktemp("tiny-models")
    made: dict[tuple[str, str], Path] = {}

    def folder(engine: str, layout: str) -> Path:
        if (engine, layout) not in made:
            made[engine, layout] = tiny.write(engine, layout, root / f"{engine}-{layout}")
        return made[engine, layout]

    return folder


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Iterator[None]:
    """Tiny models run many small ops: on a shared 2-core machine one thread is several times faster than two
    fighting over the cores."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
