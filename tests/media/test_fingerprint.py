"""Lookup fingerprints: a re-encoded, resized, cropped, letterboxed, trimmed, brightened or flipped copy of a world
clip matches its source above clips of other prompts shot in the same room, the 16-bit chunk index finds it,
and the soundtrack matches on its own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from scipy import signal

from kinora.engines.base import Clip
from kinora.media import attacks
from kinora.media import fingerprint as fp
from kinora.media.encode import write_mp4
from kinora.media.probe import read_video
from kinora.world.generate import render_plan
from kinora.world.parse import parse_prompt

FPS = 12
SR = 48_000
# Several share one room (wall, wooden floor): only the objects tell them apart.
PROMPTS = [
    "a red ball bounces on a wooden floor",
    "two red balls bounce on a wooden floor",
    "a tower of six wooden blocks collapses",
    "a row of ten dominoes topples",
    "five glass marbles roll down a ramp",
]
THRESHOLD = 0.8  # copies score above it, other prompts below (benchmarks/fingerprint.py has the margins)


@pytest.fixture(scope="module")
def world() -> list[Clip]:
    return [render_plan(parse_prompt(p, seed=1), seconds=4, width=640, height=352, fps=FPS, seed=1) for p in PROMPTS]


@pytest.fixture(scope="module")
def stored(world: list[Clip]) -> list[list[int]]:
    return [fp.video_hashes(c.frames, FPS) for c in world]


def _centred_crop(frames: attacks.Frames, area: float = 0.7) -> attacks.Frames:
    h, w = frames.shape[1:3]
    ch, cw = round(h * area**0.5 / 2) * 2, round(w * area**0.5 / 2) * 2
    return frames[:, (h - ch) // 2 : (h - ch) // 2 + ch, (w - cw) // 2 : (w - cw) // 2 + cw]


def _pillarbox(frames: attacks.Frames) -> attacks.Frames:
    t, h, w, _ = frames.shape
    canvas = np.zeros((t, h, w * 4 // 3 // 2 * 2, 3), dtype=np.uint8)
    canvas[:, :, (canvas.shape[2] - w) // 2 : (canvas.shape[2] - w) // 2 + w] = frames
    return attacks.resize(canvas, 0.75)


def _sound(seed: int, seconds: float = 3.0) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * SR)) / SR
    notes = rng.uniform(150, 900, 6)
    x = np.zeros_like(t)
    for k, f in enumerate(notes):
        on = (t >= k * seconds / 6) & (t < (k + 1.5) * seconds / 6)
        x += on * 0.1 * np.sin(2 * np.pi * f * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
    x += 0.02 * signal.lfilter([1.0], [1.0, -0.95], rng.standard_normal(len(t)))
    return np.stack([x, x], axis=1).astype(np.float32)


def _chunks(h: int) -> set[tuple[int, int]]:
    return {(part, (h >> (16 * part)) & 0xFFFF) for part in range(4)}


def test_frame_hash_ignores_brightness_and_flips_by_mask(world: list[Clip]) -> None:
    frame = world[2].frames[30]
    h = fp.frame_hash(frame)
    brighter = attacks.gain(frame[None], 1.15, 0)[0]
    assert fp.hamming(h, fp.frame_hash(brighter)) <= 6  # unrelated frames differ in ~32
    assert fp.hamming(h ^ fp.FLIP_MASK, fp.frame_hash(np.ascontiguousarray(frame[:, ::-1]))) <= 2
    with pytest.raises(ValueError, match=r"frame must be \(H, W, 3\)"):
        fp.frame_hash(frame[..., 0])


def test_video_hashes_layout(world: list[Clip]) -> None:
    hashes = fp.video_hashes(world[0].frames, FPS)  # 4 s
    assert len(hashes) == 4 * int(fp.KEYFRAMES_PER_S) * fp.WINDOWS_PER_KEYFRAME
    assert len(hashes) / 4 <= 12  # hashes per second of video: the index stores 4 chunks of each
    assert all(0 <= h < 2**64 for h in hashes)
    assert fp.video_hashes(world[0].frames[:1], FPS) != []  # a single frame still gets its keyframe
    with pytest.raises(ValueError, match="fps must be positive; got 0.0"):
        fp.video_hashes(world[0].frames, 0.0)


def test_letterbox_and_pillarbox_bars_are_cut(world: list[Clip]) -> None:
    frames = world[3].frames[::12]
    assert fp.picture_box(frames) == (0, 352, 0, 640)  # a clip without bars keeps every pixel
    top, bottom, left, right = fp.picture_box(attacks.letterbox(frames))  # 480x640 canvas at 0.75x -> 360x480
    assert abs(top - 48) <= 1 and abs(bottom - 312) <= 1 and (left, right) == (0, 480)
    top, bottom, left, right = fp.picture_box(_pillarbox(frames))
    assert (top, bottom) == (0, 264) and abs(left - 80) <= 1 and abs(right - 560) <= 1  # 106 px bars at 0.75x
    dark = np.full((3, 100, 100, 3), 10, dtype=np.uint8)
    assert fp.picture_box(dark) == (0, 100, 0, 100)  # all flat and dark: nothing to keep, so keep it all


def test_copies_match_above_other_prompts(world: list[Clip], stored: list[list[int]], tmp_path: Path) -> None:
    copies: dict[str, Callable[[attacks.Frames], attacks.Frames]] = {
        "crf30": lambda f: attacks.h264(f, fps=FPS, crf=30, folder=tmp_path),
        "resize": lambda f: attacks.resize(f, 0.5),
        "centred crop 70%": _centred_crop,
        "corner crop 80%": lambda f: f[:, -282:, -512:],
        "flip": lambda f: np.ascontiguousarray(attacks.flip(f)),
        "letterbox": attacks.letterbox,
        "pillarbox": _pillarbox,
        "trim 2 s": lambda f: f[18:42],
        "brighter": lambda f: attacks.gain(f, 1.2, 0),
        "less contrast": lambda f: attacks.gain(f, 0.8, 128),
        "blur": lambda f: attacks.blur(f, 1.5),
    }
    worst: dict[str, float] = {}
    for name, attack in copies.items():
        for i in (0, 2):
            query = fp.video_hashes(attack(world[i].frames), FPS)
            worst[name] = min(worst.get(name, 1.0), fp.video_similarity(query, stored[i]))
    others = [
        fp.video_similarity(stored[i], stored[j]) for i in range(len(PROMPTS)) for j in range(len(PROMPTS)) if i != j
    ]
    assert min(worst.values()) > THRESHOLD, worst
    assert max(others) < THRESHOLD, others


def test_chunk_index_finds_a_flipped_reencoded_copy(world: list[Clip], stored: list[list[int]], tmp_path: Path) -> None:
    """The index (kinora/app/provenance/lookup.py) only scores generations sharing a 16-bit chunk."""
    copy = attacks.h264(
        np.ascontiguousarray(attacks.flip(_centred_crop(world[2].frames))), fps=FPS, crf=28, folder=tmp_path
    )
    query = fp.video_hashes(copy, FPS)
    keys = set().union(*(_chunks(h) | _chunks(h ^ fp.FLIP_MASK) for h in query))
    assert keys & set().union(*(_chunks(h) for h in stored[2]))
    assert fp.video_similarity(query, stored[2]) > THRESHOLD


def test_similarity_edges() -> None:
    assert fp.video_similarity([], [1, 2]) == 0.0 and fp.video_similarity([1], []) == 0.0
    assert fp.video_similarity([5], [5]) == 1.0  # lists of other lengths count every hash as a whole picture
    assert fp.video_similarity([0], [2**64 - 1]) == 0.0


@pytest.fixture(scope="module")
def reencoded(tmp_path_factory: pytest.TempPathFactory) -> npt.NDArray[np.float32]:
    frames = attacks.panning_scene(0, 36, 144, 256)
    path = write_mp4(Clip(frames, float(FPS), _sound(0), SR), tmp_path_factory.mktemp("fp") / "source.mp4", crf=32)
    decoded = read_video(path)
    assert decoded.audio is not None
    return decoded.audio


def test_audio_fingerprint_survives_aac_and_resampling(reencoded: npt.NDArray[np.float32]) -> None:
    source = fp.audio_fingerprint(_sound(0), SR)
    assert source.dtype == np.uint32 and len(source) > 20
    low = signal.resample_poly(_sound(0), 1, 3).astype(np.float32)
    excerpt = reencoded[SR // 3 : 2 * SR] * 0.5
    copies = {
        "aac": fp.audio_fingerprint(reencoded, SR),
        "16k": fp.audio_fingerprint(low, SR // 3),
        "excerpt": fp.audio_fingerprint(excerpt, SR),
    }
    scores = {name: fp.audio_similarity(c, source) for name, c in copies.items()}
    unrelated = [fp.audio_similarity(fp.audio_fingerprint(_sound(s), SR), source) for s in range(10, 30)]
    assert min(scores.values()) >= 0.5, scores
    assert max(unrelated) <= 0.3, unrelated


def test_match_takes_the_better_of_pictures_and_sound(stored: list[list[int]]) -> None:
    audio = fp.audio_fingerprint(_sound(3), SR)
    assert fp.match(stored[0], stored[0], audio, audio) == pytest.approx(1.0)
    assert fp.match(stored[3], stored[0], audio, audio) == pytest.approx(1.0)  # new pictures, same sound
    assert fp.match(stored[3], stored[0]) < THRESHOLD


def test_fingerprints_serialise_compactly(stored: list[list[int]]) -> None:
    packed = b"".join(h.to_bytes(8, "big") for h in stored[1])
    assert [int.from_bytes(packed[i : i + 8], "big") for i in range(0, len(packed), 8)] == stored[1]
    words = fp.audio_fingerprint(_sound(5), SR)
    assert np.array_equal(np.frombuffer(words.tobytes(), dtype=np.uint32), words)
