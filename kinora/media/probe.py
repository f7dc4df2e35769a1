"""Read back what an engine wrote: stream facts (`probe`) and decoded pixels and samples (`read_video`).

Everything here works from the file alone, so it can check any engine's output, ours or a learned model's.
"""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class MediaInfo:
    path: str
    format: str  # demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    major_brand: str | None  # the ftyp brand for ISO-BMFF files, e.g. "isom"
    video_codec: str
    pix_fmt: str
    width: int
    height: int
    fps: float
    frames: int
    duration: float  # seconds of video
    video_profile: str | None
    audio_codec: str | None
    sample_rate: int | None
    channels: int | None
    audio_duration: float | None  # seconds
    has_faststart: bool  # the moov box comes before mdat, so playback can start while downloading
    keyframe_interval: int | None  # frames between key frames (the most common gap), None with one key frame


@dataclass
class DecodedMedia:
    frames: npt.NDArray[np.uint8]  # (T, H, W, 3) RGB
    frame_times: npt.NDArray[np.float64]  # (T,) seconds, from the frames' pts
    fps: float
    audio: npt.NDArray[np.float32] | None  # (S, C) in [-1, 1]
    audio_start: float  # seconds of the first audio sample, from its pts
    sample_rate: int
    width: int = 0  # the stream's own size, before any scaling down
    height: int = 0


def probe(path: str | Path) -> MediaInfo:
    """Describe the streams of the media file at `path`. Raises ValueError when it is not readable or
    has no video stream."""
    path = Path(path)
    boxes = _top_level_boxes(path)
    with _open(path) as container:
        video = _video_stream(container, path)
        ctx = video.codec_context
        audio = container.streams.audio[0] if container.streams.audio else None
        fps = _stream_fps(video)
        frames = int(video.frames or 0)
        keyframe_interval, counted = _keyframe_interval(container, video)
        frames = frames or counted
        duration = _stream_seconds(video)
        if duration is None:
            duration = container.duration / 1e6 if container.duration else frames / fps
        audio_ctx = audio.codec_context if audio is not None else None
        return MediaInfo(
            path=str(path),
            format=str(container.format.name),
            major_brand=_major_brand(path, boxes),
            video_codec=str(ctx.name),
            pix_fmt=str(ctx.pix_fmt),
            width=int(ctx.width),
            height=int(ctx.height),
            fps=fps,
            frames=frames,
            duration=float(duration),
            video_profile=str(ctx.profile) if getattr(ctx, "profile", None) else None,
            audio_codec=str(audio_ctx.name) if audio_ctx is not None else None,
            sample_rate=int(audio_ctx.sample_rate) if audio_ctx is not None else None,
            channels=int(audio_ctx.channels) if audio_ctx is not None else None,
            audio_duration=_stream_seconds(audio) if audio is not None else None,
            has_faststart=_moov_before_mdat(boxes),
            keyframe_interval=keyframe_interval,
        )


def read_video(path: str | Path, *, max_side: int | None = None) -> DecodedMedia:
    """Decode every frame (RGB, optionally scaled down so the longer side is at most `max_side`) and the
    first audio stream. FFmpeg drops the AAC encoder delay, so audio sample i plays at
    `audio_start + i / sample_rate` on the same clock as `frame_times`."""
    path = Path(path)
    if max_side is not None and max_side < 2:
        raise ValueError(f"max_side must be at least 2; got {max_side}")
    with _open(path) as container:
        video = _video_stream(container, path)
        fps = _stream_fps(video)
        width, height = int(video.codec_context.width), int(video.codec_context.height)
        size = _scaled_size(width, height, max_side)
        video.thread_type = "AUTO"
        # One preallocated array (grown if the header undercounts): stacking a list doubles the peak.
        frames = np.empty((max(1, int(video.frames or 0)), size[1], size[0], 3), dtype=np.uint8)
        times: list[float] = []
        for frame in container.decode(video):
            if len(times) == len(frames):
                frames = np.concatenate([frames, np.empty_like(frames)])
            rgb = frame.reformat(width=size[0], height=size[1], format="rgb24", interpolation="AREA")
            frames[len(times)] = rgb.to_ndarray()
            times.append(float(frame.time) if frame.time is not None else len(times) / fps)
    if not times:
        raise ValueError(f"{path}: the video stream holds no decodable frames")
    audio, audio_start, sample_rate = read_audio(path)
    return DecodedMedia(
        frames=frames[: len(times)],
        frame_times=np.asarray(times, dtype=np.float64),
        fps=fps,
        audio=audio,
        audio_start=audio_start,
        sample_rate=sample_rate,
        width=width,
        height=height,
    )


def _open(path: Path) -> Any:
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    try:
        return av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise ValueError(f"{path}: not a readable media file ({exc})") from exc


def _video_stream(container: Any, path: Path) -> Any:
    if not container.streams.video:
        raise ValueError(f"{path}: no video stream (found {len(container.streams.audio)} audio stream(s))")
    return container.streams.video[0]


def _stream_fps(stream: Any) -> float:
    for rate in (stream.average_rate, stream.base_rate, stream.guessed_rate):
        if rate:
            return float(rate)
    return 0.0


def _stream_seconds(stream: Any) -> float | None:
    if stream.duration is None or stream.time_base is None:
        return None
    return float(stream.duration * Fraction(stream.time_base))


def _scaled_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    if max_side is None or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _keyframe_interval(container: Any, video: Any) -> tuple[int | None, int]:
    """The most common gap between key frames in presentation order, and the number of frames. Packet
    flags are enough, so nothing is decoded."""
    packets = [(p.pts, bool(p.is_keyframe)) for p in container.demux(video) if p.pts is not None]
    packets.sort()
    keys = [i for i, (_, key) in enumerate(packets) if key]
    gaps = Counter(b - a for a, b in zip(keys, keys[1:], strict=False))
    return (gaps.most_common(1)[0][0] if gaps else None), len(packets)


def _top_level_boxes(path: Path) -> list[tuple[str, int, int]]:
    """(type, offset, size) of each top-level ISO-BMFF box; empty for files that are not ISO-BMFF."""
    boxes: list[tuple[str, int, int]] = []
    try:
        total = path.stat().st_size
        with path.open("rb") as f:
            offset = 0
            while offset + 8 <= total:
                f.seek(offset)
                size, kind = struct.unpack(">I4s", f.read(8))
                if size == 1:  # a 64-bit size follows the type
                    (size,) = struct.unpack(">Q", f.read(8))
                elif size == 0:  # the box runs to the end of the file
                    size = total - offset
                if size < 8 or not kind.isascii():
                    break
                boxes.append((kind.decode("ascii", "replace"), offset, size))
                offset += size
    except OSError:
        return []
    return boxes


def _moov_before_mdat(boxes: list[tuple[str, int, int]]) -> bool:
    kinds = [kind for kind, _, _ in boxes]
    return "moov" in kinds and "mdat" in kinds and kinds.index("moov") < kinds.index("mdat")


def _major_brand(path: Path, boxes: list[tuple[str, int, int]]) -> str | None:
    for kind, offset, size in boxes:
        if kind == "ftyp" and size >= 12:
            with path.open("rb") as f:
                f.seek(offset + 8)
                return f.read(4).decode("ascii", "replace").strip()
    return None


def read_audio(path: Path, *, max_seconds: float | None = None) -> tuple[npt.NDArray[np.float32] | None, float, int]:
    """(samples (S, C), time of the first sample, sample rate) of the first audio stream, or (None, 0, rate)."""
    with _open(path) as container:
        if not container.streams.audio:
            return None, 0.0, 0
        stream = container.streams.audio[0]
        stream.thread_type = "AUTO"
        chunks: list[npt.NDArray[np.float32]] = []
        start: float | None = None
        rate, decoded = int(stream.codec_context.sample_rate), 0
        for frame in container.decode(stream):
            if start is None and frame.time is not None:
                start = float(frame.time)
            chunks.append(_audio_samples(frame))
            decoded += len(chunks[-1])
            if max_seconds is not None and decoded >= max_seconds * rate:
                break
    if not chunks:
        return None, 0.0, rate
    audio = np.concatenate(chunks, axis=0)
    seconds = _stream_seconds(stream)
    if seconds is not None and seconds > 0:  # drop the encoder's padding after the last real sample
        audio = audio[: max(1, round(seconds * rate))]
    return audio, start or 0.0, rate


def _audio_samples(frame: Any) -> npt.NDArray[np.float32]:
    """One decoded audio frame as (samples, channels) float32 in [-1, 1], whatever its sample format."""
    data = np.asarray(frame.to_ndarray())
    channels = len(frame.layout.channels)
    fmt = frame.format
    samples = data if fmt.is_planar else data.reshape(-1, channels).T
    kind = samples.dtype
    if np.issubdtype(kind, np.integer):
        info = np.iinfo(kind)
        if info.min == 0:  # unsigned samples (u8) are offset binary
            half = (int(info.max) + 1) // 2
            scaled = (samples.astype(np.float64) - half) / half
        else:
            scaled = samples.astype(np.float64) / (int(info.max) + 1)
        return np.ascontiguousarray(scaled.T, dtype=np.float32)
    return np.ascontiguousarray(samples.T, dtype=np.float32)


def video_windows(path: str | Path, *, seconds: float, max_seconds: float,
                  max_side: int | None = None) -> Iterator[tuple[npt.NDArray[np.uint8], float]]:
    """Consecutive windows of `seconds` of RGB frames (T, H, W, 3) and the stream's fps, from the first
    `max_seconds` of the video, decoded as they are needed: a long upload never sits in memory whole."""
    if not 0 < seconds <= max_seconds:
        raise ValueError(f"seconds must be in (0, max_seconds={max_seconds}]; got {seconds}")
    path = Path(path)
    with _open(path) as container:
        video = _video_stream(container, path)
        fps = _stream_fps(video)
        size = _scaled_size(int(video.codec_context.width), int(video.codec_context.height), max_side)
        video.thread_type = "AUTO"
        window: list[npt.NDArray[np.uint8]] = []
        first: float | None = None
        end = seconds
        for frame in container.decode(video):
            at = float(frame.time) if frame.time is not None else 0.0
            first = at if first is None else first
            if at - first >= max_seconds:
                break
            if at - first >= end and window:
                yield np.stack(window), fps
                window, end = [], end + seconds
            rgb = frame.reformat(width=size[0], height=size[1], format="rgb24", interpolation="AREA")
            window.append(rgb.to_ndarray())
        if window:
            yield np.stack(window), fps
