"""probe / read_video against clips written by write_mp4 with known content."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest

from kinora.engines.base import Clip
from kinora.media.encode import write_mp4
from kinora.media.probe import probe, read_video

FPS = 24
SR = 48_000
CLICKS = [4_800, 30_011, 100_000, 150_007]  # samples


def clicks(total: int) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(0)
    audio = rng.normal(0, 0.001, (total, 2)).astype(np.float32)
    k = np.arange(2_400) / SR
    burst = 0.6 * np.sin(2 * np.pi * 1_000 * k + 0.5) * np.exp(-k / 0.01)
    for at in CLICKS:
        audio[at : at + k.size, 0] += burst.astype(np.float32)
        audio[at : at + k.size, 1] += 0.5 * burst.astype(np.float32)
    return audio


def moving_square(seconds: float, width: int, height: int) -> npt.NDArray[np.uint8]:
    n = round(seconds * FPS)
    frames = np.full((n, height, width, 3), 90, np.uint8)
    for i in range(n):
        x = 10 + 3 * i
        frames[i, 40:80, x : x + 40] = (220, 40, 40)
        frames[i, :8, :] = (i * 2) % 256  # a changing strip: each frame differs
    return frames


@pytest.fixture(scope="module")
def clip_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    seconds = 4.0
    clip = Clip(moving_square(seconds, 320, 240), float(FPS), clicks(round(seconds * SR)), SR)
    return write_mp4(clip, tmp_path_factory.mktemp("probe") / "clip.mp4")


def test_probe_fields(clip_path: Path) -> None:
    info = probe(clip_path)
    assert "mp4" in info.format and info.major_brand == "isom"
    assert (info.video_codec, info.pix_fmt) == ("h264", "yuv420p")
    assert (info.width, info.height) == (320, 240)
    assert info.fps == pytest.approx(FPS)
    assert info.frames == 96
    assert abs(info.duration - 4.0) <= 1 / FPS
    assert info.video_profile is not None
    assert (info.audio_codec, info.sample_rate, info.channels) == ("aac", SR, 2)
    assert info.audio_duration is not None and abs(info.audio_duration - 4.0) <= 1 / FPS
    assert info.has_faststart
    assert info.keyframe_interval == 2 * FPS


def test_faststart_false_when_moov_is_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "late.mp4"
    with av.open(str(path), mode="w", format="mp4") as out:  # no +faststart
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for i in range(12):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), i * 10, np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, FPS)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    info = probe(path)
    assert not info.has_faststart
    assert info.audio_codec is None and info.sample_rate is None and info.audio_duration is None
    assert info.frames == 12


def test_read_video_frames_and_times(clip_path: Path) -> None:
    media = read_video(clip_path)
    assert media.frames.shape == (96, 240, 320, 3) and media.frames.dtype == np.uint8
    assert media.fps == pytest.approx(FPS)
    assert np.allclose(media.frame_times, np.arange(96) / FPS, atol=1e-6)
    red = media.frames[10, 50:70, 45:65].astype(int)  # the square at frame 10 spans x 40..80
    assert red[..., 0].mean() > 180 and red[..., 1].mean() < 80


def test_read_video_downscales(clip_path: Path) -> None:
    media = read_video(clip_path, max_side=160)
    assert media.frames.shape == (96, 120, 160, 3)
    assert (media.width, media.height) == (320, 240)
    assert np.allclose(media.frame_times, np.arange(96) / FPS, atol=1e-6)


def test_audio_onsets_survive_the_codec(clip_path: Path) -> None:
    media = read_video(clip_path)
    assert media.audio is not None and media.audio.dtype == np.float32
    assert media.sample_rate == SR and media.audio.shape[1] == 2
    assert abs(media.audio.shape[0] - 4 * SR) <= 1024
    left = np.abs(media.audio[:, 0])
    start = round(media.audio_start * SR)
    for at in CLICKS:
        window = left[at - 1_000 : at + 1_000]
        first = int(np.flatnonzero(window > 0.3 * window.max())[0])
        assert abs(at - 1_000 + first + start - at) <= 2, (at, first)


def test_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such file"):
        probe(tmp_path / "missing.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a video" * 100)
    with pytest.raises(ValueError, match="junk.mp4"):
        read_video(junk)
    sound = tmp_path / "sound.m4a"
    with av.open(str(sound), mode="w", format="mp4") as out:
        stream = out.add_stream("aac", rate=SR)
        stream.layout = "mono"
        samples = np.zeros((1, 1024), np.float32)
        for i in range(10):
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = SR, i * 1024, Fraction(1, SR)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    for fn in (probe, read_video):
        with pytest.raises(ValueError, match=r"sound\.m4a: no video stream"):
            fn(sound)
