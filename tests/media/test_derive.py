"""Thumbnail, spritesheet and stitch on real MP4s made with the project's own encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kinora.engines.base import Clip
from kinora.media.derive import last_frames, write_extension, write_spritesheet, write_thumbnail
from kinora.media.encode import write_mp4
from kinora.media.probe import read_video

FPS, RATE = 12, 48_000


def _clip(seconds: float, width: int = 64, height: int = 48, shade: int = 0) -> Clip:
    count = round(seconds * FPS)
    frames = np.zeros((count, height, width, 3), dtype=np.uint8)
    for i in range(count):
        frames[i, :, : (i % width) + 1] = (200, shade, 40)  # a bar that grows: every frame differs
    t = np.arange(round(seconds * RATE)) / RATE
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    return Clip(frames=frames, fps=FPS, audio=np.stack([tone, tone], axis=1), sample_rate=RATE)


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_mp4(_clip(3.0), tmp_path_factory.mktemp("derive") / "clip.mp4")


def test_thumbnail_is_a_webp_at_one_second(video: Path, tmp_path: Path) -> None:
    out = write_thumbnail(video, tmp_path / "thumb.webp")
    with Image.open(out) as img:
        assert (img.format, img.size) == ("WEBP", (64, 48))
        red_columns = int((np.asarray(img.convert("RGB"))[24, :, 0] > 100).sum())
    assert abs(red_columns - (FPS + 1)) <= 2  # the bar is 13 px wide in the frame at 1 s
    small = write_thumbnail(video, tmp_path / "small.webp", max_side=32)
    assert Image.open(small).size == (32, 24)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_spritesheet_grid_matches_its_description(video: Path, tmp_path: Path) -> None:
    sheet = write_spritesheet(video, tmp_path / "sheet.jpg", tile_width=32, columns=2, interval=1.0)
    assert (sheet.count, sheet.columns, sheet.rows, sheet.tile_width, sheet.tile_height) == (3, 2, 2, 32, 24)
    with Image.open(tmp_path / "sheet.jpg") as img:
        assert (img.format, img.size) == ("JPEG", (64, 48))
    long = write_spritesheet(video, tmp_path / "few.jpg", tile_width=32, interval=0.25, max_tiles=4)
    assert long.count == 4 and long.interval == pytest.approx(0.75)
    assert sheet.to_dict()["columns"] == 2


def test_bad_inputs_fail_clearly_and_write_nothing(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all")
    with pytest.raises(ValueError):
        write_thumbnail(junk, tmp_path / "t.webp")
    with pytest.raises(ValueError, match="columns"):
        write_spritesheet(junk, tmp_path / "s.jpg", columns=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.mp4"]


def test_extension_appends_the_continuation_with_sound_in_sync(video: Path, tmp_path: Path) -> None:
    more = _clip(2.0, shade=255)
    seam = write_extension(video, more, tmp_path / "ext.mp4")
    whole = read_video(tmp_path / "ext.mp4")
    assert seam == pytest.approx(3.0) and whole.frames.shape == (60, 48, 64, 3)
    # Lossy encoding: compare the green channel that tells the two parts apart.
    assert whole.frames[:36, 24, 0, 1].max() < 60 and whole.frames[36:, 24, 0, 1].min() > 190
    assert whole.audio is not None and abs(len(whole.audio) - 5 * RATE) < RATE // 50
    assert [p.name for p in tmp_path.iterdir()] == ["ext.mp4"]


def test_extension_refuses_mismatched_clips(video: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="source is 64x48, continuation is 32x48"):
        write_extension(video, _clip(1.0, width=32), tmp_path / "a.mp4")
    other = _clip(1.0)
    other.fps = 24
    with pytest.raises(ValueError, match="fps must match"):
        write_extension(video, other, tmp_path / "b.mp4")
    assert list(tmp_path.iterdir()) == []


def test_last_frames_are_the_tail_of_the_video(video: Path) -> None:
    frames, fps = last_frames(video, 1.0)
    assert fps == FPS and frames.shape == (12, 48, 64, 3)
    np.testing.assert_allclose(frames[:, 24, :, 0].astype(float), read_video(video).frames[-12:, 24, :, 0], atol=40)
