"""Invisible watermark: the payload survives re-encoding, resizing, crops, flips and grading; unmarked
video never decodes; the mark stays below visibility (PSNR >= 40 dB, small changes on flat areas)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kinora.engines.base import Clip
from kinora.media.attacks import Frames, blur, crop, flip, gain, h264, letterbox, panning_scene, psnr, resize
from kinora.media.encode import write_mp4
from kinora.media.watermark import (
    FALSE_POSITIVE_RATE,
    PUBLIC_KEY,
    _convolve,
    _info_bits,
    _viterbi,
    detect,
    detect_file,
    embed,
)

PAYLOAD = bytes.fromhex("0123456789abcdef")
PRIVATE_KEY = 0x5EC2E70FA1A5  # an instance's own key


@pytest.fixture(scope="module")
def original() -> Frames:
    return panning_scene(1, frames=24, height=360, width=640)


@pytest.fixture(scope="module")
def marked(original: Frames) -> Frames:
    return embed(original, PAYLOAD)


def test_mark_is_invisible(original: Frames, marked: Frames) -> None:
    assert marked.shape == original.shape and marked.dtype == np.uint8
    assert psnr(original, marked) >= 40.0
    # the flat band changes by at most a couple of levels
    flat = np.abs(marked[:, :100].astype(np.int16) - original[:, :100].astype(np.int16))
    assert flat.max() <= 3 and flat.mean() < 1.5


@pytest.mark.parametrize("size", [(360, 640), (720, 1280)])
def test_flat_frames_change_by_at_most_two_levels(size: tuple[int, int]) -> None:
    flat = np.full((2, *size, 3), 128, dtype=np.uint8)
    marked = embed(flat, PAYLOAD)
    assert np.abs(marked.astype(np.int16) - 128).max() <= 2
    assert psnr(flat, marked) >= 44.0


def test_gentle_shading_counts_as_flat() -> None:
    # A lit wall: a slow ramp of 40 levels across the frame, no texture.
    ramp = np.linspace(90, 130, 640, dtype=np.float32)[None, None, :, None]
    wall = np.broadcast_to(ramp, (3, 360, 640, 3)).round().astype(np.uint8)
    change = embed(wall, PAYLOAD).astype(np.int16) - wall
    assert np.abs(change).max() <= 2


def test_flat_area_beside_texture_stays_faint_and_steady() -> None:
    rng = np.random.default_rng(3)
    frames = np.full((6, 360, 640, 3), 120, dtype=np.uint8)
    frames[:, :, 320:] = np.clip(120 + rng.normal(0, 25, (360, 320, 1)), 0, 255).astype(np.uint8)  # still texture
    change = embed(frames, PAYLOAD).astype(np.int16) - frames
    # the texture carries a stronger mark, which fades in smoothly: no halo spills onto the flat half
    assert np.abs(change[:, :, 320:]).max() > 3
    assert np.abs(change[:, :, :300]).max() <= 2
    # a still picture gets the same mark in every frame: nothing flickers
    assert (change == change[:1]).all()


@pytest.mark.parametrize(
    "attack",
    [
        pytest.param(lambda f: f, id="clean"),
        pytest.param(lambda f: resize(f, 0.5), id="resize-0.5x"),
        pytest.param(crop, id="crop-70pct"),
        pytest.param(flip, id="hflip"),
        pytest.param(letterbox, id="letterbox-4:3"),
        pytest.param(lambda f: gain(f, 1.2, 0.0), id="brightness+20pct"),
        pytest.param(lambda f: gain(f, 0.8, 0.0), id="brightness-20pct"),
        pytest.param(lambda f: gain(f, 1.2, 128.0), id="contrast+20pct"),
        pytest.param(blur, id="blur-sigma1"),
        pytest.param(lambda f: f[5::2], id="trim-and-half-fps"),
    ],
)
def test_payload_survives(marked: Frames, attack: object) -> None:
    assert callable(attack)
    found = detect(attack(marked))
    assert found.found and found.payload == PAYLOAD


def test_payload_survives_h264_crf32(marked: Frames, tmp_path: Path) -> None:
    found = detect(h264(marked, fps=12.0, crf=32, folder=tmp_path))
    assert found.found and found.payload == PAYLOAD


def test_detect_file_reads_the_first_seconds(marked: Frames, tmp_path: Path) -> None:
    path = write_mp4(Clip(marked, 12.0, None, 48_000), tmp_path / "marked.mp4", crf=23)
    found = detect_file(path, seconds=2.0)
    assert found.found and found.payload == PAYLOAD and not found.flipped


def test_default_key_is_reported(marked: Frames) -> None:
    assert detect(marked).key == PUBLIC_KEY


def test_a_private_key_is_found_only_when_tried(original: Frames) -> None:
    private = embed(original, PAYLOAD, key=PRIVATE_KEY)
    found = detect(private, keys=(PUBLIC_KEY, PRIVATE_KEY))
    assert found.found and found.payload == PAYLOAD and found.key == PRIVATE_KEY
    missed = detect(private, keys=(PUBLIC_KEY,))
    assert not missed.found and missed.payload is None and missed.key is None


def test_unmarked_clips_are_not_found() -> None:
    assert FALSE_POSITIVE_RATE < 1e-8
    for seed in range(50):
        clip = panning_scene(100 + seed, frames=8, height=144, width=256, pan=seed % 4)
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
    frame = np.zeros((1, 64, 64, 3), dtype=np.uint8)
    for key in (-1, 2**63, 1.5, True):
        with pytest.raises(ValueError, match=r"key must be an int in \[0, 2\*\*63\); got"):
            embed(frame, PAYLOAD, key=key)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="keys must be an int"):
        detect(frame, keys=(PUBLIC_KEY, 2**63))
    with pytest.raises(ValueError, match="keys must be a non-empty sequence"):
        detect(frame, keys=())
