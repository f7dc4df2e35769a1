"""Invisible watermark: the payload survives re-encoding, resizing, crops, flips and grading; unmarked
video never decodes; the mark stays below visibility (PSNR >= 40 dB, small changes on flat areas)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image
from scipy import ndimage

from kinora.engines.base import Clip
from kinora.media.encode import write_mp4
from kinora.media.probe import read_video
from kinora.media.watermark import (
    FALSE_POSITIVE_RATE,
    _convolve,
    _info_bits,
    _viterbi,
    detect,
    detect_file,
    embed,
)

Frames = npt.NDArray[np.uint8]
PAYLOAD = bytes.fromhex("0123456789abcdef")


def _scene(seed: int, frames: int = 24, height: int = 360, width: int = 640, pan: int = 2) -> Frames:
    """A natural-ish panning shot (T, H, W, 3): smooth colour blobs, fine texture that grows to the right,
    and a flat 'sky' band on top."""
    rng = np.random.default_rng(seed)
    h, w = height + 16, width + pan * frames + 16
    blobs = ndimage.gaussian_filter(rng.normal(size=(h, w, 3)), (12, 12, 0)) * 900
    texture = ndimage.gaussian_filter(rng.normal(size=(h, w, 3)), (1.5, 1.5, 0)) * 60
    image = np.clip(128 + blobs + texture * np.linspace(0, 1, w)[None, :, None], 0, 255)
    image[: height // 3] = 200
    return np.stack([image[8 : 8 + height, pan * i : pan * i + width] for i in range(frames)]).astype(np.uint8)


def _psnr(a: Frames, b: Frames) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float(10 * np.log10(255**2 / mse))


def _resize(frames: Frames, factor: float) -> Frames:
    size = (round(frames.shape[2] * factor), round(frames.shape[1] * factor))
    return np.stack([np.asarray(Image.fromarray(f).resize(size, Image.Resampling.BILINEAR)) for f in frames])


def _h264(frames: Frames, tmp_path: Path, crf: int) -> Frames:
    path = write_mp4(Clip(frames, 12.0, None, 48_000), tmp_path / f"crf{crf}.mp4", crf=crf)
    return read_video(path).frames


def _crop70(frames: Frames) -> Frames:
    # keep 70% of the area, off the tile grid
    side = np.sqrt(0.7)
    h, w = round(frames.shape[1] * side), round(frames.shape[2] * side)
    return frames[:, 13 : 13 + h, 37 : 37 + w]


def _letterbox(frames: Frames) -> Frames:
    # a 16:9 clip padded into a 4:3 canvas, then scaled to 480 wide
    t, h, w, _ = frames.shape
    canvas = np.zeros((t, w * 3 // 4, w, 3), dtype=np.uint8)
    top = (canvas.shape[1] - h) // 2
    canvas[:, top : top + h] = frames
    return _resize(canvas, 0.75)


def _gain(frames: Frames, gain: float, pivot: float) -> Frames:
    return np.asarray(np.clip((frames.astype(np.float32) - pivot) * gain + pivot, 0, 255), dtype=np.uint8)


@pytest.fixture(scope="module")
def original() -> Frames:
    return _scene(1)


@pytest.fixture(scope="module")
def marked(original: Frames) -> Frames:
    return embed(original, PAYLOAD)


def test_mark_is_invisible(original: Frames, marked: Frames) -> None:
    assert marked.shape == original.shape and marked.dtype == np.uint8
    assert _psnr(original, marked) >= 40.0
    # the flat band changes by at most a couple of levels
    flat = np.abs(marked[:, :100].astype(np.int16) - original[:, :100].astype(np.int16))
    assert flat.max() <= 3 and flat.mean() < 1.5


@pytest.mark.parametrize("size", [(360, 640), (720, 1280)])
def test_flat_frames_change_by_at_most_two_levels(size: tuple[int, int]) -> None:
    flat = np.full((2, *size, 3), 128, dtype=np.uint8)
    marked = embed(flat, PAYLOAD)
    assert np.abs(marked.astype(np.int16) - 128).max() <= 2
    assert _psnr(flat, marked) >= 44.0


@pytest.mark.parametrize(
    "attack",
    [
        pytest.param(lambda f: f, id="clean"),
        pytest.param(lambda f: _resize(f, 0.5), id="resize-0.5x"),
        pytest.param(_crop70, id="crop-70pct"),
        pytest.param(lambda f: f[:, :, ::-1], id="hflip"),
        pytest.param(_letterbox, id="letterbox-4:3"),
        pytest.param(lambda f: _gain(f, 1.2, 0.0), id="brightness+20pct"),
        pytest.param(lambda f: _gain(f, 0.8, 0.0), id="brightness-20pct"),
        pytest.param(lambda f: _gain(f, 1.2, 128.0), id="contrast+20pct"),
        pytest.param(lambda f: ndimage.gaussian_filter(f, (0, 1, 1, 0)), id="blur-sigma1"),
        pytest.param(lambda f: f[5::2], id="trim-and-half-fps"),
    ],
)
def test_payload_survives(marked: Frames, attack: object) -> None:
    assert callable(attack)
    found = detect(attack(marked))
    assert found.found and found.payload == PAYLOAD


def test_payload_survives_h264_crf32(marked: Frames, tmp_path: Path) -> None:
    found = detect(_h264(marked, tmp_path, 32))
    assert found.found and found.payload == PAYLOAD


def test_detect_file_reads_the_first_seconds(marked: Frames, tmp_path: Path) -> None:
    path = write_mp4(Clip(marked, 12.0, None, 48_000), tmp_path / "marked.mp4", crf=23)
    found = detect_file(path, seconds=2.0)
    assert found.found and found.payload == PAYLOAD and not found.flipped


def test_unmarked_clips_are_not_found() -> None:
    assert FALSE_POSITIVE_RATE < 1e-8
    for seed in range(50):
        clip = _scene(100 + seed, frames=8, height=144, width=256, pan=seed % 4)
        if seed % 5 == 0:
            clip = np.full_like(clip, 30 + seed)  # flat, as in a fade to black
        assert not detect(clip).found, seed


def test_frames_too_small_to_hold_a_tile_are_not_found() -> None:
    assert not detect(np.full((3, 32, 48, 3), 128, dtype=np.uint8)).found


def test_convolutional_code_corrects_noise() -> None:
    bits = _info_bits(PAYLOAD)
    coded = _convolve(bits)
    assert coded.shape == (204,)
    noisy = coded + np.random.default_rng(0).normal(0, 0.5, coded.shape)
    assert np.array_equal(_viterbi(noisy.astype(np.float64)), bits)


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="payload"):
        embed(np.zeros((1, 64, 64, 3), dtype=np.uint8), b"short")
    with pytest.raises(ValueError, match="frames"):
        embed(np.zeros((64, 64, 3), dtype=np.uint8), PAYLOAD)
    with pytest.raises(ValueError, match="frames"):
        detect(np.zeros((0, 64, 64, 3), dtype=np.uint8))
