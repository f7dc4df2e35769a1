"""Verification clips made in the test: real portraits (public-domain photos, tests/cameos/data/README.md) turned
in depth and moved, with the challenge's digits spoken by recorded espeak-ng voices."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from kinora.cameos import synthetic
from tests.cameos.speech_fixtures import spoken_digits

FACES = Path(__file__).parent / "data" / "faces"
SIZE, FPS, SECONDS = (360, 640), 15, 5.0


@lru_cache(maxsize=4)
def portrait(name: str) -> synthetic.Portrait:
    return synthetic.portrait(np.asarray(Image.open(FACES / f"{name}.jpg").convert("RGB")))


def make(path: Path, people: Sequence[str] = ("astronaut",), digits: str | None = None, *,
         turns: Sequence[tuple[float, float]] = synthetic.TURNS, seconds: float = SECONDS) -> bytes:
    """The MP4 bytes of a clip of `people` (portrait names) saying `digits` (None: silence)."""
    audio = None if digits is None else spoken_digits(digits)
    synthetic.write_clip(path, [portrait(name) for name in people], audio, 16000, seconds=seconds, size=SIZE,
                         fps=FPS, turns=turns)
    return path.read_bytes()
