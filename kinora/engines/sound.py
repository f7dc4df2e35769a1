"""The sound stage for silent engines: a soundtrack for a clip, made by an audio pipeline from a local folder.

No video-to-audio model has a diffusers pipeline yet (MMAudio, HunyuanVideo-Foley and ThinkSound live outside it,
under restrictive weight licences), so the stage is text-to-audio: diffusers' StableAudioPipeline (Stable Audio
Open's layout) scores the clip from its prompt and its length. `score` already takes the frames, so a true V2A
model can replace it without changing its callers.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from kinora.engines import layout
from kinora.engines.base import GenerationCancelled
from kinora.engines.registry import Runtime
from kinora.engines.runtime import DENOISE_SHARE, generator, guard, load
from kinora.media.derive import fit_length

PIPELINES = ("StableAudioPipeline",)
DEFAULT_STEPS = 100  # Stable Audio Open's own default; its model card suggests 100-200
NEGATIVE = "Low quality."
CONDITIONING = ("prompt", "seconds")  # what the soundtrack follows; a V2A model would add "frames"
DECODE_MARGIN = 16  # latent frames decoded past the clip's end: its last samples then match a full decode

_loaded: dict[tuple[Path, Runtime], Any] = {}  # the worker loads each folder once, for its life


def score(folder: Path, runtime: Runtime, *, prompt: str, seconds: float, seed: int, cancelled: Callable[[], bool],
          steps: int | None = None, frames: npt.NDArray[np.uint8] | None = None,
          progress: Callable[[float], None] | None = None) -> tuple[npt.NDArray[np.float32], int]:
    """A soundtrack of exactly `seconds` for a clip described by `prompt`: (audio (S, C) float32 in [-1, 1], the
    sampling rate). The same folder, seed and arguments give the same audio.

    `frames` ((T, H, W, 3), the clip's pictures) is accepted for a video-to-audio model to come; this stage is
    text-conditioned and does not look at them (see CONDITIONING). `steps` defaults to DEFAULT_STEPS, not to the
    video engine's step count. `progress` hears this stage's share done, 0 to 1. `cancelled` is asked between steps;
    when it turns true GenerationCancelled is raised.
    """
    del frames  # see the docstring: kept in the signature for V2A
    if cancelled():  # asked before a load that can take minutes
        raise GenerationCancelled
    pipe = pipeline(folder, runtime)
    rate = int(pipe.vae.config.sampling_rate)
    hop = int(pipe.vae.hop_length)
    longest = min(pipe.transformer.config.sample_size * hop / rate, float(pipe.projection_model.config.max_value))
    if not 0 < seconds <= longest:
        raise ValueError(f"seconds must be more than 0 and at most {longest:g} for the sound model in "
                         f"{str(folder)!r}; got {seconds:g}")
    if steps is not None and steps < 1:
        raise ValueError(f"steps must be at least 1; got {steps}")
    total = steps or DEFAULT_STEPS
    report = progress or (lambda share: None)

    def step(index: int, timestep: Any, latents: Any) -> None:  # the pipeline's older per-step callback
        report(DENOISE_SHARE * (index + 1) / total)
        if cancelled():
            raise GenerationCancelled

    samples = round(seconds * rate)
    with guard(pipe, f"a {seconds:g} s soundtrack"), warnings.catch_warnings():
        # The cosine scheduler asks torchsde's Brownian tree about sigma 0, just outside the interval it built:
        # harmless, and otherwise a warning per clip in the worker's log.
        warnings.filterwarnings("ignore", message="Should have t", category=UserWarning)
        # Latents out, decoded here: the pipeline hands its VAE latents in the denoiser's dtype, and the VAE is
        # float32 (runtime.FP32_PARTS) while the rest runs in bfloat16 on a GPU.
        latents = pipe(prompt=prompt, negative_prompt=NEGATIVE, audio_end_in_s=seconds,
                       num_inference_steps=total, generator=generator(seed), output_type="latent",
                       callback=step, callback_steps=1).audios
        # The model always denoises its full length (47.55 s for Stable Audio Open), conditioned to end at
        # `seconds`; decoding only what the clip keeps saves most of the decoder's time.
        keep = min(latents.shape[-1], math.ceil(samples / hop) + DECODE_MARGIN)
        with torch.no_grad():
            audio = pipe.vae.decode(latents[..., :keep].to(pipe.vae.dtype)).sample
        pipe.maybe_free_model_hooks()  # the pipeline skips this when it returns latents
    report(1.0)
    track = audio[0].T.float().cpu().numpy()  # (S, C)
    return np.clip(fit_length(track, samples), -1.0, 1.0), rate


def pipeline(folder: Path, runtime: Runtime) -> Any:
    """The StableAudioPipeline in `folder`, checked complete (WeightsMissing lists what is not there) and loaded
    once per worker."""
    # The engine's tuning is for its video transformer: StableAudioDiTModel has no cache hooks, no repeated-block
    # compile and its own attention processor, and the Oobleck VAE does not tile. Device, dtype and offload apply.
    plain = replace(runtime, attention=None, cache="none", compile=False, vae_tiling=False, steps=None)
    key = (folder, plain)
    if key not in _loaded:
        source = layout.read(folder, expect=PIPELINES)
        _loaded[key] = load(source.pipeline, source.folder, plain)
    return _loaded[key]
