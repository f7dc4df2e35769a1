"""Tiny models: built from configs in code, saved in the real on-disk layout, reloaded offline unchanged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from kinora.engines import runtime, tiny
from kinora.engines.registry import Runtime

Folder = Callable[[str, str], Path]
CALL = {"prompt": "a paper plane", "height": 64, "width": 64, "num_frames": 9, "num_inference_steps": 2,
        "output_type": "np"}


@pytest.mark.parametrize(("engine", "layout", "extra"), [
    ("wan", "t2v", {}),
    ("ltx2", "t2av", {"frame_rate": 24.0, "spatio_temporal_guidance_blocks": [1]}),
])
def test_the_saved_folder_reloads_to_the_same_model(tiny_folder: Folder, engine: str, layout: str,
                                                    extra: dict[str, object]) -> None:
    built = tiny.build(engine, layout)
    built.set_progress_bar_config(disable=True)
    loaded = runtime.load(type(built).__name__, tiny_folder(engine, layout), Runtime(device="cpu"))
    for name in ("transformer", "vae", "text_encoder"):
        saved, reread = getattr(built, name).state_dict(), getattr(loaded, name).state_dict()
        assert saved.keys() == reread.keys() and all((saved[k] == reread[k]).all() for k in saved), name
    first = built(**CALL, **extra, generator=runtime.generator(1)).frames
    again = loaded(**CALL, **extra, generator=runtime.generator(1)).frames
    assert np.allclose(np.asarray(first), np.asarray(again), atol=1e-5)  # float sums may reorder


def test_every_layout_saves_with_its_pipeline_class(tiny_folder: Folder) -> None:
    import json

    expected = {"t2v": "WanPipeline", "i2v": "WanImageToVideoPipeline", "flf2v": "WanImageToVideoPipeline",
                "vace": "WanVACEPipeline", "ti2v": "WanPipeline", "a14b": "WanPipeline"}
    for layout, pipeline in expected.items():
        index = json.loads((tiny_folder("wan", layout) / "model_index.json").read_text())
        assert index["_class_name"] == pipeline, layout
    assert json.loads((tiny_folder("sound", "stable-audio") / "model_index.json").read_text())[
        "_class_name"] == "StableAudioPipeline"


def test_unknown_layouts_are_named() -> None:
    with pytest.raises(ValueError, match=r"layout must be one of the tiny layouts \(wan: t2v/i2v.*got ltx2 't2v'"):
        tiny.build("ltx2", "t2v")
