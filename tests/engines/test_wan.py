"""The wan engine on tiny random-weight Wan folders: every mode through the real diffusers pipelines, on CPU."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kinora.engines.base import CameoRef, Clip, GenerationCancelled, GenerationRequest
from kinora.engines.layout import WeightsMissing
from kinora.engines.registry import EngineConfig, get_engine
from kinora.engines.wan import spoken

Folder = Callable[[str, str], Path]
RED = np.full((64, 64, 3), (200, 30, 30), np.uint8)
BLUE = np.full((64, 64, 3), (30, 30, 200), np.uint8)


def make(folders: tuple[Path, ...], progress: list[float] | None = None, **fields: Any) -> Clip:
    request = GenerationRequest(**{"prompt": "a red ball rolls", "seconds": 1, "width": 64, "height": 64, "fps": 16,
                                   "seed": 3, "options": {"steps": 2}, **fields})
    seen = progress if progress is not None else []
    return get_engine("wan", EngineConfig(weights=folders)).generate(request, seen.append, lambda: False)


def test_text_to_video_makes_the_seconds_asked(tiny_folder: Folder) -> None:
    seen: list[float] = []
    clip = make((tiny_folder("wan", "t2v"),), seen)
    assert clip.frames.shape == (16, 64, 64, 3) and clip.frames.dtype == np.uint8 and clip.fps == 16
    assert clip.audio is None and clip.metadata["audio"] == "silent"  # silent engine, no sound stage: no track
    expected = {"engine": "wan", "pipeline": "WanPipeline", "frames_made": 17, "steps": 2, "seed": 3, "adjusted": {}}
    assert {name: clip.metadata[name] for name in expected} == expected
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 3  # per step, then done


def test_same_seed_same_clip_other_seed_other_clip(tiny_folder: Folder) -> None:
    folders = (tiny_folder("wan", "t2v"),)
    first, again, other = make(folders), make(folders), make(folders, seed=4)
    assert np.array_equal(first.frames, again.frames) and not np.array_equal(first.frames, other.frames)


def test_requests_are_snapped_and_say_so(tiny_folder: Folder) -> None:
    clip = make((tiny_folder("wan", "t2v"),), width=90, height=70, fps=24)
    assert clip.frames.shape[1:3] == (64, 96) and clip.fps == 16
    assert clip.metadata["adjusted"] == {"size": {"requested": "90x70", "used": "96x64"},
                                         "fps": {"requested": 24, "used": 16}}


def test_image_to_video_and_first_last_frame(tiny_folder: Folder) -> None:
    folders = (tiny_folder("wan", "t2v"), tiny_folder("wan", "i2v"), tiny_folder("wan", "flf2v"))
    from_image = make(folders, image=RED)
    both_ends = make(folders, image=RED, options={"steps": 2, "last_image": BLUE})
    assert from_image.metadata["pipeline"] == both_ends.metadata["pipeline"] == "WanImageToVideoPipeline"
    assert (from_image.metadata["model"], both_ends.metadata["model"]) == ("wan-i2v", "wan-flf2v")
    assert from_image.frames.shape == both_ends.frames.shape == (16, 64, 64, 3)
    red_ends = make(folders, image=RED, options={"steps": 2, "last_image": RED})
    assert not np.array_equal(red_ends.frames, both_ends.frames)  # the end frame conditions the clip


def test_flf2v_weights_alone_need_both_ends(tiny_folder: Folder) -> None:
    with pytest.raises(WeightsMissing, match="one starting image .*FLF2V weights need a last frame"):
        make((tiny_folder("wan", "flf2v"),), image=RED)


def test_wan22_ti2v_takes_an_image_with_its_own_folder(tiny_folder: Folder) -> None:
    clip = make((tiny_folder("wan", "ti2v"),), image=RED, fps=24)
    assert clip.metadata["pipeline"] == "WanImageToVideoPipeline" and clip.fps == 24
    assert clip.frames.shape == (24, 64, 64, 3) and clip.metadata["frames_made"] == 25


def test_wan22_a14b_runs_both_experts(tiny_folder: Folder) -> None:
    clip = make((tiny_folder("wan", "a14b"),))
    assert clip.frames.shape == (16, 64, 64, 3) and clip.metadata["pipeline"] == "WanPipeline"


def test_cameos_go_in_as_vace_reference_images(tiny_folder: Folder) -> None:
    folders = (tiny_folder("wan", "t2v"), tiny_folder("wan", "vace"))
    face = np.full((48, 48, 3), 180, np.uint8)
    maya = CameoRef(handle="maya", face_crops=[face], appearance="a woman with short grey hair")
    clip = make(folders, prompt="@maya waves at the camera", cameos=[maya])
    assert clip.metadata["pipeline"] == "WanVACEPipeline" and clip.frames.shape == (16, 64, 64, 3)
    assert spoken("@Maya waves; @maya smiles", [maya]) == ("a woman with short grey hair waves; "
                                                             "a woman with short grey hair smiles")


def test_modes_without_their_folder_are_refused(tiny_folder: Folder) -> None:
    t2v = (tiny_folder("wan", "t2v"),)
    with pytest.raises(ValueError, match="image: this engine does not take an input image"):
        make(t2v, image=RED)
    with pytest.raises(ValueError, match="starting image"):
        make((tiny_folder("wan", "i2v"),))
    with pytest.raises(WeightsMissing, match="WanVACEPipeline folder for cameos"):
        get_engine("wan", EngineConfig(weights=t2v)).shot(
            GenerationRequest(prompt="x", cameos=[CameoRef(handle="a")]))


def test_cancel_stops_between_steps(tiny_folder: Folder) -> None:
    engine = get_engine("wan", EngineConfig(weights=(tiny_folder("wan", "t2v"),)))
    steps: list[float] = []
    request = GenerationRequest(prompt="x", seconds=1, width=64, height=64, fps=16, seed=1, options={"steps": 4})
    with pytest.raises(GenerationCancelled):
        engine.generate(request, steps.append, lambda: len(steps) >= 2)
    assert len(steps) == 2  # stopped after the second of four steps
    assert engine.generate(request, steps.append, lambda: False).frames.shape[0] == 16  # and runs again


def test_out_of_memory_fails_the_job_and_the_engine_recovers(tiny_folder: Folder) -> None:
    import torch

    from kinora.engines.runtime import EngineOutOfMemory

    engine = get_engine("wan", EngineConfig(weights=(tiny_folder("wan", "t2v"),)))
    request = GenerationRequest(prompt="x", seconds=1, width=64, height=64, fps=16, seed=1, options={"steps": 2})
    first = engine.generate(request, lambda f: None, lambda: False)
    pipe = engine._loaded[next(iter(engine._loaded))]

    def exhausted(*args: Any) -> None:  # what CUDA raises when an allocation fails, from inside the transformer
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    hook = pipe.transformer.register_forward_pre_hook(exhausted)
    with pytest.raises(EngineOutOfMemory, match="ran out of memory making 64x64, 17 frames.*KINORA_ENGINE_OFFLOAD"):
        engine.generate(request, lambda f: None, lambda: False)
    hook.remove()
    assert np.array_equal(engine.generate(request, lambda f: None, lambda: False).frames, first.frames)


def test_the_loaded_pipeline_is_kept_between_jobs(tiny_folder: Folder) -> None:
    engine = get_engine("wan", EngineConfig(weights=(tiny_folder("wan", "t2v"), tiny_folder("wan", "i2v"))))
    request = GenerationRequest(prompt="x", seconds=1, width=64, height=64, fps=16, seed=1, options={"steps": 2})
    engine.generate(request, lambda f: None, lambda: False)
    loaded = dict(engine._loaded)
    engine.generate(request, lambda f: None, lambda: False)
    assert engine._loaded == loaded and len(loaded) == 1


def test_a_sound_stage_scores_silent_clips(tiny_folder: Folder) -> None:
    config = EngineConfig(weights=(tiny_folder("wan", "t2v"),), sound=tiny_folder("sound", "stable-audio"))
    request = GenerationRequest(prompt="rain on a tin roof", seconds=1, width=64, height=64, fps=16, seed=2,
                                options={"steps": 2, "sound_steps": 2})
    seen: list[float] = []
    engine = get_engine("wan", config)
    clip = engine.generate(request, seen.append, lambda: False)
    assert engine.capabilities().audio and clip.audio is not None and clip.audio.shape == (16000, 2)
    assert clip.sample_rate == 16000 and clip.audio.std() > 0
    assert clip.metadata["audio"] == "scored" and clip.metadata["sound_follows"] == ["prompt", "seconds"]
    assert seen == sorted(seen) and seen[-1] == 1.0 and any(0.8 < f < 1.0 for f in seen)  # the sound's share
