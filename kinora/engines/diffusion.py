"""What the diffusers engines share: model folders read once, capabilities from their configs (no torch), requests
snapped to a shape the model makes, pipelines loaded on first use and kept for the worker's life, and the output
turned into a Clip of exactly the seconds asked for."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kinora.engines import layout
from kinora.engines.base import (
    Capabilities,
    Clip,
    GenerationRequest,
    frame_counts,
    snap_fps,
    snap_size,
    validate_request,
)
from kinora.engines.layout import Layout, WeightsMissing
from kinora.engines.registry import EngineConfig

MIN_SIDE = 64  # the models make any size on their grid; they look best at the sizes they were trained on
MIN_CLIP = 1.0  # seconds; the API asks for 4 at least, the CLI and tests may ask for less
SOUND_SHARE = 0.2  # of the progress bar, when a sound stage scores the clip


@dataclass
class Shot:
    """One pipeline call: which folder, which pipeline class, and its keyword arguments."""

    source: Layout
    pipeline: str
    kwargs: dict[str, Any]
    lead: int = 0  # leading output frames that repeat the source being extended: dropped


@dataclass
class Made:
    frames: npt.NDArray[np.floating[Any]]  # (T, H, W, 3) in [0, 1]
    audio: npt.NDArray[np.float32] | None = None  # (S, C) in [-1, 1]
    sample_rate: int = 0
    details: dict[str, Any] = field(default_factory=dict)


class DiffusersEngine:
    name = ""
    pipelines: tuple[str, ...] = ()  # the pipeline classes a model folder of this engine may hold
    default_steps = 50
    native_audio = False  # makes its own sound; others are scored by the sound stage when one is configured

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self._layouts: list[Layout] | None = None
        self._loaded: dict[tuple[Path, str], Any] = {}

    def layouts(self) -> list[Layout]:
        """The configured model folders, checked complete (WeightsMissing says what is not there)."""
        if self._layouts is None:
            if not self.config.weights:
                raise WeightsMissing(
                    f"engine {self.name!r} has no weights: set KINORA_ENGINE_WEIGHTS='{{\"{self.name}\": "
                    f"[\"/path/to/model\"]}}' or pass --weights DIR (`kinora engines make-tiny {self.name} DIR` "
                    "writes a tiny random-weight model to try the path with)")
            self._layouts = [layout.read(folder, expect=self.pipelines) for folder in self.config.weights]
        return self._layouts

    def capabilities(self) -> Capabilities:
        raise NotImplementedError

    def shot(self, req: GenerationRequest) -> Shot:
        raise NotImplementedError

    def output(self, result: Any, pipe: Any) -> Made:
        raise NotImplementedError

    def generate(self, req: GenerationRequest, progress: Callable[[float], None],
                 cancelled: Callable[[], bool]) -> Clip:
        from kinora.engines import runtime

        caps = self.capabilities()
        req, adjusted = conform(req, caps)
        validate_request(req, caps)
        shot = self.shot(req)
        keep, make = frame_counts(req.seconds + shot.lead / req.fps, req.fps, caps)
        keep -= shot.lead
        seed = req.seed if req.seed is not None else secrets.randbelow(2**31)
        pipe = self.pipeline(shot.source, shot.pipeline)
        steps = int(req.options.get("steps") or self.config.runtime.steps or self.default_steps)
        scoring = self.config.sound is not None and not self.native_audio
        share = SOUND_SHARE if scoring else 0.0
        with runtime.guard(pipe, f"{req.width}x{req.height}, {make} frames"):
            result = pipe(**shot.kwargs, height=req.height, width=req.width, num_frames=make,
                          num_inference_steps=steps, generator=runtime.generator(seed), output_type="np",
                          callback_on_step_end=runtime.on_step(lambda f: progress((1 - share) * f), cancelled))
        made = self.output(result, pipe)
        if scoring:  # after the lead is dropped the soundtrack must still fit: score the whole made clip
            made = self.score(made, req, len(made.frames), seed, lambda f: progress(1 - share + share * f), cancelled)
        progress(1.0)
        metadata = {"engine": self.name, "model": shot.source.folder.name, "pipeline": shot.pipeline, "seed": seed,
                    "steps": steps, "frames_made": make, "adjusted": adjusted,
                    "audio": "silent" if made.audio is None else "generated", **made.details}
        if shot.lead:
            metadata["continues_from_frames"] = shot.lead
        return _clip(made, shot.lead, keep, req, metadata)

    def score(self, made: Made, req: GenerationRequest, keep: int, seed: int, progress: Callable[[float], None],
              cancelled: Callable[[], bool]) -> Made:
        """A soundtrack from the configured sound stage for a clip its engine made silent."""
        from kinora.engines import sound

        assert self.config.sound is not None
        steps = req.options.get("sound_steps")
        audio, rate = sound.score(self.config.sound, self.config.runtime, prompt=req.prompt, seconds=keep / req.fps,
                                  seed=seed, cancelled=cancelled, steps=int(steps) if steps else None,
                                  frames=_uint8(made.frames), progress=progress)
        return replace(made, audio=audio, sample_rate=rate,
                       details={**made.details, "audio": "scored", "sound_model": self.config.sound.name,
                                "sound_follows": list(sound.CONDITIONING)})

    def pipeline(self, source: Layout, name: str) -> Any:
        """The loaded `name` pipeline over `source`'s folder, loaded once: a class other than the folder's own
        shares its modules."""
        from kinora.engines import runtime

        key = (source.folder, name)
        if key not in self._loaded:
            own = (source.folder, source.pipeline)
            if own not in self._loaded:
                self._loaded[own] = runtime.load(source.pipeline, source.folder, self.config.runtime)
            if name != source.pipeline:
                self._loaded[key] = runtime.derive(name, self._loaded[own], self.config.runtime)
        return self._loaded[key]


def conform(req: GenerationRequest, caps: Capabilities) -> tuple[GenerationRequest, dict[str, dict[str, Any]]]:
    """`req` snapped to a size and frame rate `caps` makes, and what changed ({param: {requested, used}})."""
    width, height = snap_size(req.width, req.height, caps)
    fps = snap_fps(req.fps, caps)
    adjusted: dict[str, dict[str, Any]] = {}
    if (width, height) != (req.width, req.height):
        adjusted["size"] = {"requested": f"{req.width}x{req.height}", "used": f"{width}x{height}"}
    if fps != req.fps:
        adjusted["fps"] = {"requested": req.fps, "used": fps}
    return replace(req, width=width, height=height, fps=fps), adjusted


def _uint8(frames: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.uint8]:
    scaled: npt.NDArray[np.uint8] = (np.clip(frames, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return scaled


def _clip(made: Made, lead: int, keep: int, req: GenerationRequest, metadata: dict[str, Any]) -> Clip:
    """The `keep` frames after the `lead` ones, and the sound under them."""
    from kinora.media.derive import fit_length

    frames = _uint8(made.frames[lead:lead + keep])
    audio = made.audio
    if audio is not None:  # a vocoder may end a few ms short of the pictures: padded with silence
        start, end = (round(n / req.fps * made.sample_rate) for n in (lead, lead + keep))
        audio = np.clip(fit_length(audio[start:], end - start), -1.0, 1.0)
    return Clip(frames=frames, fps=req.fps, audio=audio, sample_rate=made.sample_rate, metadata=metadata)


def pil(image: npt.NDArray[np.uint8]) -> Any:
    from PIL import Image

    return Image.fromarray(np.ascontiguousarray(image[..., :3]))
