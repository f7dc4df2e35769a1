"""The types every engine speaks: a request in, a clip out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

MIN_SECONDS = 4.0
MAX_SECONDS = 20.0


@dataclass
class CameoRef:
    """A consented likeness reference (filled in by the cameo domain)."""

    handle: str
    face_crops: list[npt.NDArray[np.uint8]] = field(default_factory=list)
    face_embedding: npt.NDArray[np.float32] | None = None
    voice_embedding: npt.NDArray[np.float32] | None = None
    appearance: str = ""
    kind: str = "person"  # or "character": a pet or an object, its "face crop" a picture of it


@dataclass
class Clip:
    frames: npt.NDArray[np.uint8]  # (T, H, W, 3)
    fps: float
    audio: npt.NDArray[np.float32] | None  # (S, C) in [-1, 1]
    sample_rate: int
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class GenerationRequest:
    prompt: str
    seconds: float = 8.0
    width: int = 720
    height: int = 1280
    fps: int = 24
    seed: int | None = None
    image: npt.NDArray[np.uint8] | None = None  # (H, W, 3)
    cameos: list[CameoRef] = field(default_factory=list)
    remix_of: Clip | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Capabilities:
    min_side: int
    max_width: int
    max_height: int
    min_seconds: float
    max_seconds: float
    fps: tuple[int, ...]
    audio: bool
    image_input: bool
    needs_weights: bool
    remix: bool = False  # can remake its own clips from their metadata ("remix" / "edit" modes)
    extend: bool = False  # can continue its own clips ("extend" mode)
    video_input: bool = False  # can edit an arbitrary uploaded video
    cameos: bool = False  # can put consented people / stored characters into a video


class Engine(Protocol):
    name: str

    def capabilities(self) -> Capabilities: ...

    def generate(
        self,
        req: GenerationRequest,
        progress: Callable[[float], None],
        cancelled: Callable[[], bool],
    ) -> Clip: ...


class GenerationCancelled(Exception):
    """Raised by an engine when `cancelled()` turned true between steps."""


def validate_request(req: GenerationRequest, caps: Capabilities) -> None:
    """Raise ValueError naming the argument and the value when a request is outside `caps`."""
    if not caps.min_seconds <= req.seconds <= caps.max_seconds:
        raise ValueError(
            f"seconds must be between {caps.min_seconds:g} and {caps.max_seconds:g}; got {req.seconds:g}"
        )
    if req.width < caps.min_side or req.height < caps.min_side:
        raise ValueError(f"size must be at least {caps.min_side} px per side; got {req.width}x{req.height}")
    fits = (req.width <= caps.max_width and req.height <= caps.max_height) or (
        req.width <= caps.max_height and req.height <= caps.max_width
    )
    if not fits:
        raise ValueError(
            f"size must fit within {caps.max_width}x{caps.max_height} (either orientation); "
            f"got {req.width}x{req.height}"
        )
    if req.width % 2 or req.height % 2:
        raise ValueError(f"size must have even width and height for yuv420p; got {req.width}x{req.height}")
    if req.fps not in caps.fps:
        raise ValueError(f"fps must be one of {', '.join(map(str, caps.fps))}; got {req.fps}")
    if req.image is not None and not caps.image_input:
        raise ValueError("image: this engine does not take an input image")
