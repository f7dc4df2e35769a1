"""MP4 encoding: the round trip through PyAV keeps codecs, timing and sound, and failures leave no file."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from kinora.engines.base import Clip
from kinora.media.encode import write_mp4


def _clip(seconds: float = 2.0, fps: int = 24, size: tuple[int, int] = (320, 240), channels: int = 2) -> Clip:
    width, height = size
    n = round(seconds * fps)
    frames = np.zeros((n, height, width, 3), dtype=np.uint8)
    for i in range(n):
        frames[i, :, :, 0] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
        frames[i, 40:80, 10 + i * 2 : 50 + i * 2] = 255
    sr = 48_000
    t = np.arange(round(seconds * sr)) / sr
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    return Clip(frames, float(fps), np.repeat(tone[:, None], channels, axis=1), sr)


@pytest.mark.parametrize(("fps", "channels"), [(24, 2), (30, 2), (25, 1)])
def test_round_trip_keeps_codecs_timing_and_sound(tmp_path: Path, fps: int, channels: int) -> None:
    clip = _clip(fps=fps, channels=channels)
    path = write_mp4(clip, tmp_path / "clip.mp4")
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.codec_context.name == "h264" and video.codec_context.pix_fmt == "yuv420p"
        assert audio.codec_context.name == "aac"
        assert audio.codec_context.sample_rate == 48_000 and audio.codec_context.channels == channels
        assert float(video.average_rate) == pytest.approx(fps, rel=1e-3)
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert abs(len(decoded) - len(clip.frames)) <= 1
    assert np.abs(decoded[10].astype(int) - clip.frames[10]).mean() < 4
    with av.open(str(path)) as container:
        sound = np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1)
    assert sound.shape[1] == pytest.approx(len(clip.audio), abs=2048)  # type: ignore[arg-type]
    rms = float(np.sqrt(np.mean(sound[:, 4800:-4800] ** 2)))
    assert rms == pytest.approx(0.3 / np.sqrt(2), rel=0.05)


def test_keyframe_every_two_seconds_and_moov_first(tmp_path: Path) -> None:
    path = write_mp4(_clip(seconds=5.0), tmp_path / "clip.mp4")
    with av.open(str(path)) as container:
        keys = [i for i, p in enumerate(container.demux(video=0)) if p.size and p.is_keyframe]
    assert keys[:3] == [0, 48, 96]
    head = path.read_bytes()[:4096]
    assert 0 <= head.find(b"moov") < max(head.find(b"mdat"), 4096)


def test_failed_encode_leaves_nothing_behind(tmp_path: Path) -> None:
    clip = _clip()
    clip.frames = clip.frames[:, :, :-1]  # odd width: yuv420p cannot hold it
    with pytest.raises(ValueError, match="even width and height .* got 319x240"):
        write_mp4(clip, tmp_path / "clip.mp4")
    assert list(tmp_path.iterdir()) == []


def test_encoder_failure_midway_leaves_nothing_behind(tmp_path: Path) -> None:
    clip = _clip()
    clip.sample_rate = 12_345  # not a rate AAC can carry: FFmpeg fails after the file was opened
    with pytest.raises(Exception):  # noqa: B017 - whichever FFmpeg error, no file may remain
        write_mp4(clip, tmp_path / "clip.mp4")
    assert list(tmp_path.iterdir()) == []
