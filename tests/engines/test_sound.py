"""The sound stage on a tiny random-weight Stable Audio pipeline written to disk: exact length, determinism by seed,
missing weights named, cancel. Run: .venv/bin/python -m pytest tests/engines/test_sound.py -q"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from kinora.engines import sound, tiny
from kinora.engines.base import GenerationCancelled
from kinora.engines.layout import WeightsMissing
from kinora.engines.registry import Runtime

CPU = Runtime(device="cpu")
# CosineDPMSolverMultistepScheduler asks torchsde's Brownian tree for sigma 0, just outside the range it built


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    # The tiny model's ops are too small to split: on a busy 2-vCPU machine two intra-op threads made each call
    # 10-40x slower (0.1 s against 1-4 s)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stable-audio")
    tiny.build_sound(seed=0).save_pretrained(str(path), safe_serialization=True)
    return path


@pytest.fixture(scope="module")
def first(folder: Path) -> np.ndarray:
    return _score(folder)[0]


def _score(folder: Path, **kw: object) -> tuple[np.ndarray, int]:
    args: dict[str, object] = dict(prompt="rain on a tin roof", seconds=4.0, seed=7, cancelled=lambda: False, steps=2)
    return sound.score(folder, CPU, **(args | kw))  # type: ignore[arg-type]


def test_audio_is_exactly_the_clip_long_at_the_vae_rate(folder: Path) -> None:
    shares: list[float] = []
    audio, rate = _score(folder, seconds=4.3337, progress=shares.append)
    assert rate == 16000
    assert audio.shape == (round(4.3337 * 16000), 2)
    assert audio.dtype == np.float32
    assert -1.0 <= audio.min() < audio.max() <= 1.0
    assert shares == sorted(shares) and shares[-1] == 1.0 and len(shares) == 3  # two steps, then the decode


def test_same_seed_same_audio_and_frames_are_not_heard(folder: Path, first: np.ndarray) -> None:
    again, _ = _score(folder, frames=np.full((9, 16, 16, 3), 255, np.uint8))
    np.testing.assert_array_equal(first, again)


def test_another_seed_another_audio(folder: Path, first: np.ndarray) -> None:
    other, _ = _score(folder, seed=8)
    assert np.abs(first - other).max() > 1e-5


def test_seconds_past_the_models_length_are_refused(folder: Path) -> None:
    with pytest.raises(ValueError, match=r"seconds must be more than 0 and at most 24\.576 .*got 30"):
        _score(folder, seconds=30.0)


def test_missing_weights_name_the_missing_file(folder: Path, tmp_path: Path) -> None:
    broken = shutil.copytree(folder, tmp_path / "broken")
    (broken / "transformer" / "diffusion_pytorch_model.safetensors").unlink()
    with pytest.raises(WeightsMissing, match=r"missing: transformer/<weights>\.safetensors"):
        _score(broken)


def test_cancel_between_steps(folder: Path, first: np.ndarray) -> None:
    asked: list[int] = []

    def cancelled() -> bool:  # no before the load, yes at the first step
        asked.append(1)
        return len(asked) > 1

    with pytest.raises(GenerationCancelled):
        _score(folder, cancelled=cancelled)
    assert len(asked) == 2
    np.testing.assert_array_equal(_score(folder)[0], first)  # a cancelled call leaves the pipeline as it was
