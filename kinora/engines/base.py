"""The types every engine speaks: a request in, a clip out."""

from __future__ import annotations

import math
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
    size_step: int = 2  # width and height are multiples of this (the VAE's and the patcher's strides)
    frame_step: int = 1  # clips are made as frame_step * k + 1 frames (causal video VAEs), then trimmed
    last_frame: bool = False  # takes an end frame too (`options["last_image"]`), for first+last-frame clips
    reference_images: bool = False  # takes likeness references as images (cameos' face crops)


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


def snap_size(width: int, height: int, caps: Capabilities) -> tuple[int, int]:
    """The size nearest to `width` x `height` that `caps` can make: each side on the engine's grid (ties round
    down), within the limits for the orientation asked for."""
    landscape = width >= height
    long_max, short_max = max(caps.max_width, caps.max_height), min(caps.max_width, caps.max_height)
    limits = (long_max, short_max) if landscape else (short_max, long_max)

    def side(value: int, limit: int) -> int:
        step = caps.size_step
        snapped = step * max(1, math.ceil(value / step - 0.5))
        return max(min(snapped, limit - limit % step), step * math.ceil(caps.min_side / step))

    return side(width, limits[0]), side(height, limits[1])


def snap_fps(fps: int, caps: Capabilities) -> int:
    """The frame rate in `caps` nearest to `fps` (ties go to the higher rate)."""
    return min(caps.fps, key=lambda allowed: (abs(allowed - fps), -allowed))


def frame_counts(seconds: float, fps: int, caps: Capabilities) -> tuple[int, int]:
    """(frames the clip keeps, frames the engine makes): the smallest frame_step * k + 1 that covers them."""
    keep = max(1, round(seconds * fps))
    if caps.frame_step <= 1:
        return keep, keep
    return keep, caps.frame_step * math.ceil((keep - 1) / caps.frame_step) + 1


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
    if req.width % caps.size_step or req.height % caps.size_step:
        raise ValueError(f"size must have width and height in multiples of {caps.size_step}; "
                         f"got {req.width}x{req.height}")
    if req.fps not in caps.fps:
        raise ValueError(f"fps must be one of {', '.join(map(str, caps.fps))}; got {req.fps}")
    if req.image is not None and not caps.image_input:
        raise ValueError("image: this engine does not take an input image")
    if req.options.get("last_image") is not None and not caps.last_frame:
        raise ValueError("last_image: this engine does not take an end frame")
    if req.options.get("last_image") is not None and req.image is None:
        raise ValueError("last_image: an end frame needs a start frame (image) too")
