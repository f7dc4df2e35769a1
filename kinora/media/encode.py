"""Encode a Clip as a web-ready MP4: H.264 yuv420p + AAC, faststart, a keyframe every 2 s."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from kinora.engines.base import Clip

AUDIO_BITRATE = 192_000
AAC_FRAME = 1024  # samples per AAC frame


def write_mp4(
    clip: Clip,
    path: str | Path,
    *,
    crf: int = 20,
    preset: str = "veryfast",
    progress: Callable[[float], None] | None = None,
) -> Path:
    """Write `clip` to `path` and return the path. The file is written next to the target and renamed
    into place, so a failure never leaves a half-written MP4 behind."""
    frames = clip.frames
    if len(frames) == 0:
        raise ValueError("frames: a clip needs at least one frame")
    first = frames[0]
    if first.ndim != 3 or first.shape[2] != 3 or first.dtype != np.uint8:
        raise ValueError(f"frames must be (T, H, W, 3) uint8; got frames of shape {first.shape} {first.dtype}")
    return write_frames(frames, len(frames), (first.shape[1], first.shape[0]), clip.fps, clip.audio, clip.sample_rate,
                        path, crf=crf, preset=preset, progress=progress)


def write_frames(
    frames: Iterable[npt.NDArray[np.uint8]],
    count: int,
    size: tuple[int, int],
    fps: float,
    audio: npt.NDArray[np.float32] | None,
    sample_rate: int,
    path: str | Path,
    *,
    crf: int = 20,
    preset: str = "veryfast",
    progress: Callable[[float], None] | None = None,
) -> Path:
    """`write_mp4` for `count` frames of `size` (width, height) that arrive one at a time, so a long video
    (an extension chain decoded from disk) never has to sit in memory whole."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.part")
    try:
        _encode(frames, count, size, fps, audio, sample_rate, tmp, crf, preset, progress)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _encode(
    frames: Iterable[npt.NDArray[np.uint8]],
    total: int,
    size: tuple[int, int],
    fps: float,
    audio: npt.NDArray[np.float32] | None,
    sample_rate: int,
    path: Path,
    crf: int,
    preset: str,
    progress: Callable[[float], None] | None,
) -> None:
    width, height = size
    if width % 2 or height % 2:
        raise ValueError(f"frames must have even width and height for yuv420p; got {width}x{height}")
    rate = Fraction(fps).limit_denominator(1001)
    with av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"}) as out:
        video = out.add_stream("libx264", rate=rate)
        video.width, video.height = width, height
        video.pix_fmt = "yuv420p"
        video.codec_context.gop_size = max(1, round(2 * fps))
        video.options = {"crf": str(crf), "preset": preset, "sc_threshold": "0", "bf": "2"}
        astream = None
        if audio is not None:
            astream = out.add_stream("aac", rate=sample_rate)
            astream.layout = "stereo" if audio.shape[1] == 2 else "mono"
            astream.bit_rate = AUDIO_BITRATE
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame.pts = i
            frame.time_base = 1 / rate
            out.mux(video.encode(frame))
            if progress is not None:
                progress((i + 1) / total)
        out.mux(video.encode(None))
        if astream is not None and audio is not None:
            _encode_audio(out, astream, audio, sample_rate)


def _encode_audio(out: av.container.OutputContainer, stream: av.audio.stream.AudioStream,
                  audio: npt.NDArray[np.float32], sample_rate: int) -> None:
    planar = np.ascontiguousarray(np.clip(audio, -1.0, 1.0).T.astype(np.float32))  # (C, S)
    layout = "stereo" if planar.shape[0] == 2 else "mono"
    for start in range(0, planar.shape[1], AAC_FRAME):
        chunk = np.ascontiguousarray(planar[:, start : start + AAC_FRAME])
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
        frame.sample_rate = sample_rate
        frame.pts = start
        frame.time_base = Fraction(1, sample_rate)
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))
