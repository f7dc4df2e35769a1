"""Model folders read without torch: the pipeline they hold, and exactly which files are missing."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from kinora.engines import layout
from kinora.engines.layout import WeightsMissing
from kinora.engines.registry import EngineConfig, get_engine

Folder = Callable[[str, str], Path]


def copy(source: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(source, tmp_path / source.name))


def test_a_complete_folder_reads(tiny_folder: Folder) -> None:
    found = layout.read(tiny_folder("wan", "flf2v"), expect=("WanImageToVideoPipeline",))
    assert found.pipeline == "WanImageToVideoPipeline" and found.has("image_encoder")
    assert not found.has("transformer_2") and found.config("transformer")["in_channels"] == 36


def test_absent_folder_and_no_model_index(tmp_path: Path) -> None:
    with pytest.raises(WeightsMissing, match="does not exist.*make-tiny"):
        layout.read(tmp_path / "nowhere", expect=("WanPipeline",))
    with pytest.raises(WeightsMissing, match="has no model_index.json.*WanPipeline"):
        layout.read(tmp_path, expect=("WanPipeline",))


def test_missing_weights_are_listed(tiny_folder: Folder, tmp_path: Path) -> None:
    folder = copy(tiny_folder("wan", "t2v"), tmp_path)
    (folder / "transformer" / "diffusion_pytorch_model.safetensors").unlink()
    (folder / "scheduler" / "scheduler_config.json").unlink()
    with pytest.raises(WeightsMissing, match=r"incomplete; missing: scheduler/scheduler_config.json, "
                                             r"transformer/<weights>.safetensors"):
        layout.read(folder, expect=("WanPipeline",))


def test_a_missing_shard_is_named(tiny_folder: Folder, tmp_path: Path) -> None:
    folder = copy(tiny_folder("wan", "t2v"), tmp_path)
    part = folder / "transformer"
    (part / "diffusion_pytorch_model.safetensors").rename(part / "diffusion_pytorch_model-00001-of-00002.safetensors")
    index = {"weight_map": {"a": "diffusion_pytorch_model-00001-of-00002.safetensors",
                            "b": "diffusion_pytorch_model-00002-of-00002.safetensors"}}
    (part / "diffusion_pytorch_model.safetensors.index.json").write_text(json.dumps(index))
    with pytest.raises(WeightsMissing, match=r"missing: transformer/diffusion_pytorch_model-00002-of-00002"):
        layout.read(folder, expect=("WanPipeline",))


def test_the_wrong_pipeline_is_refused(tiny_folder: Folder) -> None:
    with pytest.raises(WeightsMissing, match="holds a LTX2Pipeline pipeline; this engine runs WanPipeline"):
        get_engine("wan", EngineConfig(weights=(tiny_folder("ltx2", "t2av"),))).capabilities()


def test_no_weights_configured_says_how_to_give_them() -> None:
    with pytest.raises(WeightsMissing, match="KINORA_ENGINE_WEIGHTS.*--weights DIR.*make-tiny ltx2"):
        get_engine("ltx2").capabilities()


@pytest.mark.parametrize(("layouts", "expected"), [
    (["t2v"], {"fps": (16,), "size_step": 16, "frame_step": 4, "max_seconds": 5.0, "image_input": False,
               "last_frame": False, "cameos": False, "audio": False}),
    (["t2v", "i2v", "vace"], {"image_input": True, "last_frame": True, "cameos": True, "reference_images": True}),
    (["flf2v"], {"image_input": True, "last_frame": True, "cameos": False}),
    (["ti2v"], {"fps": (24,), "size_step": 32, "max_seconds": 5.0, "image_input": True, "last_frame": False}),
    (["a14b"], {"fps": (16,), "size_step": 16, "image_input": False}),
])
def test_wan_capabilities_follow_the_folders(tiny_folder: Folder, layouts: list[str],
                                             expected: dict[str, object]) -> None:
    folders = tuple(tiny_folder("wan", name) for name in layouts)
    caps = get_engine("wan", EngineConfig(weights=folders)).capabilities()
    assert {name: getattr(caps, name) for name in expected} == expected


def test_ltx2_capabilities_come_from_its_vae(tiny_folder: Folder) -> None:
    caps = get_engine("ltx2", EngineConfig(weights=(tiny_folder("ltx2", "t2av"),))).capabilities()
    assert (caps.size_step, caps.frame_step, caps.audio, caps.image_input, caps.last_frame) == (32, 8, True, True,
                                                                                                 True)
