"""Engines by name, and what an engine is told: its model folders and how to run them. Engines are imported lazily
so that naming one never loads another's weights, and nothing here imports torch."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from kinora.engines.base import Engine

if TYPE_CHECKING:
    from kinora.config import Settings

ENGINES = ("world", "wan", "ltx2")
DIFFUSERS_ENGINES = ("wan", "ltx2")  # these need weights: model folders in diffusers' layout


@dataclass(frozen=True)
class Runtime:
    """How a diffusers engine runs on its device. The defaults give the stock pipeline's output."""

    device: str = "auto"  # cpu | cuda | auto (cuda when there is one)
    dtype: str = "auto"  # bfloat16 on a GPU, float32 on the CPU
    offload: str = "none"  # none | model | sequential: keep weights in host memory for small GPUs
    vae_tiling: bool = False
    attention: str | None = None  # a diffusers attention backend, e.g. flash, _native_cudnn, sage
    cache: str = "none"  # none | first-block | taylorseer: reuse transformer outputs between steps
    cache_threshold: float = 0.05  # first-block: the relative change under which a step is reused
    compile: bool = False  # torch.compile the transformer's repeated blocks (slow first job, faster after)
    steps: int | None = None  # denoising steps; None: the engine's default


@dataclass(frozen=True)
class EngineConfig:
    weights: tuple[Path, ...] = ()  # model folders (diffusers save_pretrained layout)
    runtime: Runtime = field(default_factory=Runtime)
    sound: Path | None = None  # an audio pipeline folder that scores silent engines' clips


def config_for(settings: Settings, name: str) -> EngineConfig:
    """Engine `name`'s configuration from the instance settings."""
    runtime = Runtime(dtype=settings.engine_dtype, offload=settings.engine_offload,
                      vae_tiling=settings.engine_vae_tiling, attention=settings.engine_attention,
                      cache=settings.engine_cache, cache_threshold=settings.engine_cache_threshold,
                      compile=settings.engine_compile, steps=settings.engine_steps)
    return EngineConfig(weights=tuple(settings.engine_weights.get(name, ())), runtime=runtime,
                        sound=settings.sound_weights)


def on_device(config: EngineConfig, device: str) -> EngineConfig:
    """`config` for a worker on `device` (cpu, cuda:N); the worker has made cuda:N its only visible GPU."""
    return replace(config, runtime=replace(config.runtime, device="cuda" if device.startswith("cuda") else device))


def get_engine(name: str, config: EngineConfig | None = None) -> Engine:
    config = config or EngineConfig()
    if name == "world":
        from kinora.engines.world import WorldEngine

        return WorldEngine()
    if name == "wan":
        from kinora.engines.wan import WanEngine

        return WanEngine(config)
    if name == "ltx2":
        from kinora.engines.ltx2 import LTX2Engine

        return LTX2Engine(config)
    raise ValueError(f"engine must be one of {', '.join(ENGINES)}; got {name!r}")
