"""Lookup fingerprints: a re-encoded, resized, cropped, brightened or flipped copy matches its source far above
unrelated clips, for pictures and for sound."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image
from scipy import signal

from kinora.engines.base import Clip
from kinora.media import fingerprint as fp
from kinora.media.encode import write_mp4
from kinora.media.probe import read_video

FPS = 12
SR = 48_000
SIZE = (256, 144)  # width, height


def _scene(seed: int, seconds: float = 3.0) -> npt.NDArray[np.uint8]:
    """A moving scene: a random smooth background, drifting sideways, with two moving blobs."""
    rng = np.random.default_rng(seed)
    width, height = SIZE
    n = round(seconds * FPS)
    base = rng.uniform(0, 255, (6, 10, 3)).astype(np.uint8)
    big = np.asarray(Image.fromarray(base).resize((width * 2, height), Image.Resampling.BICUBIC), dtype=np.float64)
    yy, xx = np.mgrid[0:height, 0:width]
    frames = np.empty((n, height, width, 3), dtype=np.uint8)
    centres = rng.uniform(0.2, 0.8, (2, 2)) * [width, height]
    speeds = rng.uniform(-3, 3, (2, 2))
    colours = rng.uniform(0, 255, (2, 3))
    for i in range(n):
        shift = int(i * width / n / 2)
        img = big[:, shift : shift + width].copy()
        for c, v, col in zip(centres, speeds, colours, strict=True):
            cx, cy = c + v * i
            img[(xx - cx) ** 2 + (yy - cy) ** 2 < 20**2] = col
        frames[i] = np.clip(img, 0, 255).astype(np.uint8)
    return frames


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


def _resize(frames: npt.NDArray[np.uint8], scale: float) -> npt.NDArray[np.uint8]:
    h, w = frames.shape[1:3]
    size = (round(w * scale) // 2 * 2, round(h * scale) // 2 * 2)
    return np.stack([np.asarray(Image.fromarray(f).resize(size, Image.Resampling.BILINEAR)) for f in frames])


def _crop(frames: npt.NDArray[np.uint8], keep: float) -> npt.NDArray[np.uint8]:
    """Keep `keep` of the area, centred, then scale back up as a platform would."""
    h, w = frames.shape[1:3]
    side = keep**0.5
    ch, cw = round(h * side), round(w * side)
    y0, x0 = (h - ch) // 2, (w - cw) // 2
    cut = frames[:, y0 : y0 + ch, x0 : x0 + cw]
    return np.stack([np.asarray(Image.fromarray(f).resize((w, h), Image.Resampling.BILINEAR)) for f in cut])


@pytest.fixture(scope="module")
def reencoded(tmp_path_factory: pytest.TempPathFactory) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float32]]:
    path = tmp_path_factory.mktemp("fp") / "source.mp4"
    write_mp4(Clip(_scene(0), float(FPS), _sound(0), SR), path, crf=32)
    decoded = read_video(path)
    assert decoded.audio is not None
    return decoded.frames, decoded.audio


def test_frame_hash_ignores_brightness_and_flips_by_mask() -> None:
    frame = _scene(1)[5]
    h = fp.frame_hash(frame)
    brighter = np.clip(frame.astype(np.int16) * 1.2 + 20, 0, 255).astype(np.uint8)
    assert fp.hamming(h, fp.frame_hash(brighter)) <= 10  # unrelated frames differ in ~32
    assert fp.hamming(h ^ fp.FLIP_MASK, fp.frame_hash(frame[:, ::-1].copy())) <= 2


def test_video_hashes_two_per_second() -> None:
    hashes = fp.video_hashes(_scene(2), FPS)
    assert len(hashes) == 6
    assert all(0 <= h < 2**64 for h in hashes)
    with pytest.raises(ValueError, match="fps"):
        fp.video_hashes(_scene(2), 0.0)


def test_altered_copies_match_far_above_unrelated(
    reencoded: tuple[npt.NDArray[np.uint8], npt.NDArray[np.float32]],
) -> None:
    source = fp.video_hashes(_scene(0), FPS)
    frames = reencoded[0]
    attacks = {
        "reencode": frames,
        "resize": _resize(frames, 0.5),
        "crop90": _crop(frames, 0.9),
        "brightness": np.clip(frames.astype(np.int16) + 40, 0, 255).astype(np.uint8),
        "flip": frames[:, :, ::-1].copy(),
        "trim": frames[FPS // 2 + 3 :],
    }
    scores = {name: fp.video_similarity(fp.video_hashes(f, FPS), source) for name, f in attacks.items()}
    unrelated = [fp.video_similarity(fp.video_hashes(_scene(s), FPS), source) for s in range(10, 30)]
    assert min(scores.values()) >= 0.7, scores
    assert max(unrelated) <= 0.4, unrelated


def test_audio_fingerprint_survives_aac_and_resampling(
    reencoded: tuple[npt.NDArray[np.uint8], npt.NDArray[np.float32]],
) -> None:
    source = fp.audio_fingerprint(_sound(0), SR)
    assert source.dtype == np.uint32 and len(source) > 20
    aac = reencoded[1]
    low = signal.resample_poly(_sound(0), 1, 3).astype(np.float32)
    excerpt = aac[SR // 3 : 2 * SR] * 0.5
    copies = {
        "aac": fp.audio_fingerprint(aac, SR),
        "16k": fp.audio_fingerprint(low, SR // 3),
        "excerpt": fp.audio_fingerprint(excerpt, SR),
    }
    scores = {name: fp.audio_similarity(c, source) for name, c in copies.items()}
    unrelated = [fp.audio_similarity(fp.audio_fingerprint(_sound(s), SR), source) for s in range(10, 30)]
    assert min(scores.values()) >= 0.5, scores
    assert max(unrelated) <= 0.3, unrelated


def test_match_takes_the_better_of_pictures_and_sound() -> None:
    video = fp.video_hashes(_scene(3), FPS)
    audio = fp.audio_fingerprint(_sound(3), SR)
    other_video = fp.video_hashes(_scene(4), FPS)
    assert fp.match(video, video, audio, audio) == pytest.approx(1.0)
    assert fp.match(other_video, video, audio, audio) == pytest.approx(1.0)  # new pictures, same sound
    assert fp.match(other_video, video) < 0.5


def test_fingerprints_serialise_compactly() -> None:
    hashes = fp.video_hashes(_scene(5), FPS)
    packed = b"".join(h.to_bytes(8, "big") for h in hashes)
    assert [int.from_bytes(packed[i : i + 8], "big") for i in range(0, len(packed), 8)] == hashes
    words = fp.audio_fingerprint(_sound(5), SR)
    assert np.array_equal(np.frombuffer(words.tobytes(), dtype=np.uint32), words)
