"""Operator settings for diffusers engines: cache hooks, attention backend, VAE tiling, dtype; their errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from kinora.config import Settings
from kinora.engines.base import Clip, GenerationRequest
from kinora.engines.registry import EngineConfig, Runtime, config_for, get_engine, on_device
from kinora.engines.runtime import dtype_of

Folder = Callable[[str, str], Path]


def make(folder: Path, runtime: Runtime) -> Clip:
    request = GenerationRequest(prompt="a kite in the wind", seconds=1, width=64, height=64, fps=16, seed=9,
                                options={"steps": 6})
    return get_engine("wan", EngineConfig(weights=(folder,), runtime=runtime)).generate(
        request, lambda f: None, lambda: False)


def test_tuned_settings_run_and_stay_close_to_stock(tiny_folder: Folder) -> None:
    folder = tiny_folder("wan", "t2v")
    stock = make(folder, Runtime()).frames.astype(np.float64)
    for tuned in (Runtime(cache="first-block", cache_threshold=0.05), Runtime(cache="taylorseer"),
                  Runtime(attention="native", vae_tiling=True)):
        frames = make(folder, tuned).frames.astype(np.float64)
        assert frames.shape == stock.shape
        assert np.abs(frames - stock).mean() < 64, tuned  # the same picture, give or take the reused steps


def test_first_block_cache_falls_back_where_diffusers_lacks_it(tiny_folder: Folder,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    request = GenerationRequest(prompt="a drum solo", seconds=1, width=64, height=64, fps=24, seed=9,
                                options={"steps": 4})
    config = EngineConfig(weights=(tiny_folder("ltx2", "t2av"),), runtime=Runtime(cache="first-block"))
    clip = get_engine("ltx2", config).generate(request, lambda f: None, lambda: False)
    assert clip.frames.shape == (24, 64, 64, 3) and clip.audio is not None
    assert "first-block is not supported for LTX2VideoTransformer3DModel; using taylorseer" in caplog.text


def test_an_unknown_attention_backend_is_named(tiny_folder: Folder) -> None:
    with pytest.raises(ValueError, match="engine_attention 'warp-speed' cannot be used here"):
        make(tiny_folder("wan", "t2v"), Runtime(attention="warp-speed"))


def test_dtype_follows_the_device() -> None:
    assert dtype_of(Runtime(), "cpu") == torch.float32 and dtype_of(Runtime(), "cuda") == torch.bfloat16
    assert dtype_of(Runtime(dtype="float16"), "cuda") == torch.float16


def test_settings_reach_the_engine_on_the_worker_device(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, engine_weights={"wan": str(tmp_path / "w")}, engine_cache="first-block",
                        engine_cache_threshold=0.1, engine_offload="model", engine_steps=12)
    config = on_device(config_for(settings, "wan"), "cuda:1")
    assert config.weights == (tmp_path / "w",) and config.runtime == Runtime(
        device="cuda", offload="model", cache="first-block", cache_threshold=0.1, steps=12)
    assert config_for(settings, "ltx2").weights == ()
