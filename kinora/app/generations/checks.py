"""Validation of generation parameters against the engine a model maps to. Errors name the allowed values."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from PIL import Image, UnidentifiedImageError

from kinora.app.errors import InvalidRequest, Unavailable
from kinora.app.generations.schemas import Upload
from kinora.config import SIZE_RE, Settings
from kinora.engines.base import Capabilities, snap_fps, snap_size
from kinora.engines.layout import WeightsMissing
from kinora.engines.registry import EngineConfig, config_for, get_engine

API_SECONDS = (4, 8, 12, 16, 20)
MAX_PROMPT = 32000
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_EXTENSIONS, MAX_EXTENDED_SECONDS = 6, 120


@dataclass(frozen=True)
class Target:
    model: str
    engine: str
    caps: Capabilities


@lru_cache(maxsize=16)
def _capabilities(engine: str, config: EngineConfig) -> Capabilities:
    return get_engine(engine, config).capabilities()  # reads model folders' JSON only: no torch here


def capabilities(settings: Settings, model: str, engine: str) -> Capabilities:
    try:
        return _capabilities(engine, config_for(settings, engine))
    except WeightsMissing as e:
        raise Unavailable(f"model {model!r} (engine {engine!r}) is not available on this instance: {e}",
                          param="model", code="model_unavailable") from e


def prompt(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest("prompt must be a non-empty string", param="prompt", code="missing_required_parameter")
    if len(value) > MAX_PROMPT:
        raise InvalidRequest(f"prompt must be at most {MAX_PROMPT} characters; got {len(value)}", param="prompt")
    return value


def model(settings: Settings, value: Any) -> Target:
    name = settings.default_model if value in (None, "") else value
    if not isinstance(name, str) or name not in settings.models:
        allowed = ", ".join(repr(m) for m in settings.models)
        raise InvalidRequest(f"Invalid value: {name!r}. Supported models are: {allowed}.", param="model")
    engine = settings.models[name]
    return Target(name, engine, capabilities(settings, name, engine))


def allowed_seconds(target: Target) -> list[int]:
    return [s for s in API_SECONDS if target.caps.min_seconds <= s <= target.caps.max_seconds]


def seconds(value: Any, target: Target, *, default: int) -> int:
    allowed = allowed_seconds(target)
    raw = default if value in (None, "") else value
    try:
        number = int(str(raw).strip())
    except ValueError:
        number = -1
    if number not in allowed or isinstance(raw, bool | float):
        listed = ", ".join(f"'{s}'" for s in allowed)
        raise InvalidRequest(f"Invalid value: {str(raw)!r}. Supported values for model {target.model!r} are: "
                             f"{listed}.", param="seconds")
    return number


@dataclass(frozen=True)
class Size:
    width: int
    height: int
    asked: tuple[int, int]  # differs from (width, height) when snapped to the engine's grid

    def adjusted(self) -> dict[str, dict[str, str]]:
        """For the generation's options and the API's `adjusted`: {} when the size is as asked."""
        if self.asked == (self.width, self.height):
            return {}
        return {"size": {"requested": "x".join(map(str, self.asked)), "used": f"{self.width}x{self.height}"}}


def size(value: Any, target: Target, *, default: str) -> Size:
    """A size the engine takes: the one asked, or the nearest on the engine's grid (multiples of 32 for LTX-2)."""
    raw = default if value in (None, "") else value
    match = SIZE_RE.fullmatch(raw) if isinstance(raw, str) else None
    caps = target.caps
    if match:
        width, height = int(match[1]), int(match[2])
        fits = (width <= caps.max_width and height <= caps.max_height) or (
            width <= caps.max_height and height <= caps.max_width)
        if fits and min(width, height) >= caps.min_side and width % 2 == 0 and height % 2 == 0:
            return Size(*snap_size(width, height, caps), asked=(width, height))
    raise InvalidRequest(
        f"Invalid value: {str(raw)!r}. Model {target.model!r} (engine {target.engine!r}) supports sizes WIDTHxHEIGHT "
        f"with even sides from {caps.min_side} up to {caps.max_width}x{caps.max_height} in either orientation, "
        f"e.g. '{caps.max_height}x{caps.max_width}' or '{caps.max_width}x{caps.max_height}'.", param="size")


def fps(settings: Settings, target: Target) -> int:
    """The instance's frame rate, or the nearest one the engine makes (Wan 2.1: 16)."""
    return snap_fps(settings.fps, target.caps)


def image(upload: Upload, width: int, height: int, target: Target) -> str:
    """Check an input_reference image (sniffed, never trusting the part's name or type); returns its extension."""
    if not target.caps.image_input:
        raise InvalidRequest(f"model {target.model!r} (engine {target.engine!r}) does not take an input_reference "
                             "image; leave it out or map the model to an engine that does", param="input_reference",
                             code="unsupported_parameter")
    try:
        with Image.open(io.BytesIO(upload.data)) as img:
            kind, (w, h) = img.format, img.size
    except (UnidentifiedImageError, OSError) as e:
        raise InvalidRequest("input_reference must be a JPEG, PNG or WebP image; the upload is not an image",
                             param="input_reference") from e
    if kind not in IMAGE_FORMATS:
        raise InvalidRequest(f"input_reference must be a JPEG, PNG or WebP image; got {kind}", param="input_reference")
    if (w, h) != (width, height):
        raise InvalidRequest(f"input_reference must match size {width}x{height}; the image is {w}x{h}",
                             param="input_reference")
    return IMAGE_FORMATS[kind]


def cameos(count: int, target: Target) -> None:
    if count and not target.caps.cameos:
        raise InvalidRequest(f"characters: model {target.model!r} (engine {target.engine!r}) cannot put cameos "
                             "in a video", param="characters", code="unsupported_parameter")
