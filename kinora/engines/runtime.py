"""Running diffusers pipelines: loading from a local folder (never the hub), device and dtype, offload, VAE tiling,
attention backend, cache hooks and regional compile; progress and cancel through the step callback; running out
of GPU memory as an error the worker survives."""

from __future__ import annotations

import contextlib
import gc
import inspect
import logging
import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch

from kinora.engines.base import GenerationCancelled
from kinora.engines.registry import Runtime

log = logging.getLogger("kinora.engines")
DENOISE_SHARE = 0.9  # of an engine's progress; decoding takes the rest
FP32_PARTS = ("vae",)  # the video VAEs decode visibly better in float32, for a small share of the time


class EngineOutOfMemory(RuntimeError):
    code = "out_of_memory"


def device_of(runtime: Runtime) -> str:
    if runtime.device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return runtime.device


def dtype_of(runtime: Runtime, device: str) -> torch.dtype:
    if runtime.dtype == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    dtype = getattr(torch, runtime.dtype)
    assert isinstance(dtype, torch.dtype)
    return dtype


def quiet() -> None:
    """No hub access, and no loading bars or chatter from diffusers and transformers: Kinora shows progress."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import diffusers
    import transformers

    for library in (diffusers, transformers):
        library.utils.logging.set_verbosity_error()
        library.utils.logging.disable_progress_bar()
    # diffusers' Oobleck VAE (the sound stage) still uses torch's older weight_norm: not ours to act on.
    warnings.filterwarnings("ignore", message=".*weight_norm.* is deprecated", category=FutureWarning)


def load(pipeline: str, folder: Path, runtime: Runtime) -> Any:
    """`pipeline` (a diffusers class name) from `folder`, placed and tuned as `runtime` says."""
    quiet()
    import diffusers

    cls = getattr(diffusers, pipeline)
    dtype = dtype_of(runtime, device_of(runtime))
    pipe = cls.from_pretrained(str(folder), dtype={"default": dtype, **dict.fromkeys(FP32_PARTS, torch.float32)},
                               local_files_only=True)
    tune(pipe, runtime)
    return place(pipe, runtime)


def derive(pipeline: str, base: Any, runtime: Runtime) -> Any:
    """`pipeline` built on `base`'s loaded modules (no second copy). Not `from_pipe`: it casts every shared
    module to one dtype, the float32 VAE included."""
    import diffusers

    cls = getattr(diffusers, pipeline)
    takes = inspect.signature(cls.__init__).parameters
    parts = {name: module for name, module in base.components.items() if name in takes}
    extra = {name: base.config[name] for name in ("boundary_ratio", "expand_timesteps")
             if name in takes and name in base.config}
    return place(cls(**parts, **extra), runtime)


def tune(pipe: Any, runtime: Runtime) -> None:
    """Attention backend, cache hook and compile on the denoisers; tiling on the VAE."""
    pipe.set_progress_bar_config(disable=True)
    for denoiser in denoisers(pipe):
        if runtime.attention:
            try:
                denoiser.set_attention_backend(runtime.attention)
            except (ValueError, RuntimeError, ImportError) as e:
                raise ValueError(f"engine_attention {runtime.attention!r} cannot be used here: {e}") from e
        if runtime.cache != "none":
            _enable_cache(denoiser, runtime)
        if runtime.compile:
            # The cache hooks' Python branches break a full graph: torch.compile then traces around them.
            denoiser.compile_repeated_blocks(fullgraph=runtime.cache == "none")
    if runtime.vae_tiling and hasattr(pipe.vae, "enable_tiling"):
        pipe.vae.enable_tiling()


def _enable_cache(denoiser: Any, runtime: Runtime) -> None:
    """The configured cache hook; first-block falls back to TaylorSeer on transformers diffusers has no first-block
    support for (LTX-2's, in diffusers 0.42), so one instance setting serves every engine."""
    try:
        denoiser.enable_cache(_cache_config(runtime.cache, runtime.cache_threshold))
    except ValueError as e:
        if runtime.cache != "first-block" or "not registered" not in str(e):
            raise
        log.warning("engine_cache first-block is not supported for %s; using taylorseer", type(denoiser).__name__)
        denoiser.enable_cache(_cache_config("taylorseer", runtime.cache_threshold))


def denoisers(pipe: Any) -> list[Any]:
    """The transformer(s): Wan 2.2's A14B has a high-noise and a low-noise expert."""
    return [part for part in (getattr(pipe, "transformer", None), getattr(pipe, "transformer_2", None)) if part]


def _cache_config(cache: str, threshold: float) -> Any:
    from diffusers.hooks import FirstBlockCacheConfig, TaylorSeerCacheConfig

    if cache == "first-block":
        return FirstBlockCacheConfig(threshold=threshold)
    if cache == "taylorseer":
        return TaylorSeerCacheConfig()
    raise ValueError(f"engine_cache must be none, first-block or taylorseer; got {cache!r}")


def place(pipe: Any, runtime: Runtime) -> Any:
    device = device_of(runtime)
    if runtime.offload == "model" and device != "cpu":
        pipe.enable_model_cpu_offload(device=device)
    elif runtime.offload == "sequential" and device != "cpu":
        pipe.enable_sequential_cpu_offload(device=device)
    else:
        pipe.to(device)
    return pipe


def generator(seed: int) -> torch.Generator:
    """Noise drawn on the CPU: the same seed gives the same clip on any device."""
    return torch.Generator("cpu").manual_seed(seed)


def on_step(progress: Callable[[float], None], cancelled: Callable[[], bool]) -> Callable[..., dict[str, Any]]:
    """A `callback_on_step_end`: reports the denoising share of progress and stops between steps when asked."""

    def callback(pipe: Any, step: int, timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
        total = max(int(getattr(pipe, "num_timesteps", 0) or 0), step + 1)
        progress(DENOISE_SHARE * (step + 1) / total)
        if cancelled():
            raise GenerationCancelled
        return {}

    return callback


@contextlib.contextmanager
def guard(pipe: Any, what: str) -> Iterator[None]:
    """Run a pipeline call; on cancel or failure, reset its per-call state; out of GPU memory becomes
    EngineOutOfMemory after the memory is given back, so the next job finds the GPU as it was."""
    try:
        yield
    except torch.OutOfMemoryError:
        pass
    except BaseException:
        _reset(pipe)
        raise
    else:
        return
    # Outside the except block: the traceback, and the activations its frames held, are gone.
    _reset(pipe)
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    raise EngineOutOfMemory(f"the GPU ran out of memory making {what}; ask for a smaller size or fewer seconds, "
                            "or set KINORA_ENGINE_OFFLOAD=model and KINORA_ENGINE_VAE_TILING=true")


def _reset(pipe: Any) -> None:
    with contextlib.suppress(Exception):  # best effort: the pipeline may have failed before any hook ran
        pipe.maybe_free_model_hooks()
