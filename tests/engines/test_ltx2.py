"""The ltx2 engine on a tiny random-weight LTX-2 folder: picture and sound from one pass, on CPU."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from kinora.engines.base import Clip, GenerationRequest
from kinora.engines.registry import EngineConfig, get_engine

Folder = Callable[[str, str], Path]
RED = np.full((64, 64, 3), (200, 30, 30), np.uint8)
BLUE = np.full((64, 64, 3), (30, 30, 200), np.uint8)


def make(folder: Path, **fields: Any) -> Clip:
    request = GenerationRequest(**{"prompt": "a drummer plays a fast beat", "seconds": 1, "width": 64, "height": 64,
                                   "fps": 24, "seed": 5, "options": {"steps": 2}, **fields})
    return get_engine("ltx2", EngineConfig(weights=(folder,))).generate(request, lambda f: None, lambda: False)


def test_video_and_sound_last_exactly_the_seconds_asked(tiny_folder: Folder) -> None:
    clip = make(tiny_folder("ltx2", "t2av"))
    assert clip.frames.shape == (24, 64, 64, 3) and clip.metadata["frames_made"] == 25  # 8k+1, trimmed
    assert clip.audio is not None and clip.audio.dtype == np.float32 and clip.audio.shape == (16000, 2)
    assert clip.sample_rate == 16000 and float(np.abs(clip.audio).max()) <= 1.0 and clip.audio.std() > 0
    assert clip.metadata["audio"] == "generated" and clip.metadata["pipeline"] == "LTX2Pipeline"


def test_deterministic_by_seed(tiny_folder: Folder) -> None:
    folder = tiny_folder("ltx2", "t2av")
    first, again, other = make(folder), make(folder), make(folder, seed=6)
    assert np.array_equal(first.frames, again.frames) and np.array_equal(first.audio, again.audio)
    assert not np.array_equal(first.audio, other.audio)


def test_image_and_keyframes_share_the_loaded_model(tiny_folder: Folder) -> None:
    folder = tiny_folder("ltx2", "t2av")
    engine = get_engine("ltx2", EngineConfig(weights=(folder,)))
    request = GenerationRequest(prompt="red to blue", seconds=1, width=64, height=64, fps=24, seed=5, image=RED,
                                options={"steps": 2})
    from_image = engine.generate(request, lambda f: None, lambda: False)
    request.options["last_image"] = BLUE
    keyframes = engine.generate(request, lambda f: None, lambda: False)
    assert from_image.metadata["pipeline"] == "LTX2ImageToVideoPipeline"
    assert keyframes.metadata["pipeline"] == "LTX2ConditionPipeline"
    assert from_image.frames.shape == keyframes.frames.shape == (24, 64, 64, 3)
    assert keyframes.audio is not None and keyframes.audio.shape == (16000, 2)
    request.options["last_image"] = RED
    assert not np.array_equal(engine.generate(request, lambda f: None, lambda: False).frames, keyframes.frames)
    base = engine._loaded[(folder, "LTX2Pipeline")]  # one copy of the weights under all three pipelines
    assert all(pipe.transformer is base.transformer for pipe in engine._loaded.values())


def test_sizes_snap_to_multiples_of_32(tiny_folder: Folder) -> None:
    clip = make(tiny_folder("ltx2", "t2av"), width=100, height=70, fps=25)
    assert clip.frames.shape == (25, 64, 96, 3) and clip.fps == 25
    assert clip.metadata["adjusted"] == {"size": {"requested": "100x70", "used": "96x64"}}


def test_an_extension_continues_from_the_source_and_returns_only_what_is_new(tiny_folder: Folder) -> None:
    folder = tiny_folder("ltx2", "t2av")
    source = make(folder, seconds=2)
    clip = make(folder, seconds=1, remix_of=source, options={"steps": 2, "mode": "extend"})
    assert clip.frames.shape == (24, 64, 64, 3) and clip.audio is not None and clip.audio.shape == (16000, 2)
    assert clip.metadata["pipeline"] == "LTX2ConditionPipeline" and clip.metadata["continues_from_frames"] == 17
    assert clip.metadata["frames_made"] == 41  # 17 of context + 24 new, as 8k+1
    other_source = make(folder, seconds=2, seed=8)
    other = make(folder, seconds=1, remix_of=other_source, options={"steps": 2, "mode": "extend"})
    assert not np.array_equal(clip.frames, other.frames)  # the source's frames steer the continuation
