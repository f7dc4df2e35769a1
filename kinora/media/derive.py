"""Images derived from a finished MP4 (a poster thumbnail, a hover spritesheet) and the clip a video extension
produces (`write_extension`). Decoding is PyAV and drawing is Pillow, so no ffmpeg binary is needed."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt
from PIL import Image

from kinora.engines.base import Clip
from kinora.media.encode import write_frames
from kinora.media.probe import probe, read_audio

POSTER_SECONDS = 1.0  # the first second often still fades in, so the poster comes from just after it
WEBP_QUALITY = 80
JPEG_QUALITY = 80
MAX_IMAGE_SIDE = 65_500  # the largest side a JPEG can hold
MAX_COLUMNS = 20
MAX_TILES = 400


@dataclass(frozen=True)
class SpriteSheet:
    """Where each tile sits: tile i shows the video at `i * interval` seconds, at column `i % columns`, row
    `i // columns`. A player picks the tile for time t as `min(int(t / interval), count - 1)`."""

    columns: int
    rows: int
    tile_width: int
    tile_height: int
    interval: float
    count: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def write_thumbnail(video: Path, out: Path, *, max_side: int = 640, at_seconds: float | None = None) -> Path:
    """Write one WebP poster frame of `video` to `out`, the longer side at most `max_side`, and return `out`.
    The frame is the one at `at_seconds`, by default at 1 s (the middle for clips under 2 s). Raises
    ValueError when `video` is not a readable video or `at_seconds` lies outside it."""
    if max_side < 2:
        raise ValueError(f"max_side must be at least 2; got {max_side}")
    with _open_video(video) as container:
        stream = container.streams.video[0]
        duration = _duration(container, stream)
        if at_seconds is None:
            at_seconds = POSTER_SECONDS if duration >= 2 * POSTER_SECONDS else duration / 2
        elif not 0 <= at_seconds <= duration:
            raise ValueError(f"at_seconds must be between 0 and {duration:g}; got {at_seconds:g}")
        frame = _frame_at(container, stream, at_seconds)
        width, height = _fit(int(stream.codec_context.width), int(stream.codec_context.height), max_side)
        image = _rgb(frame, width, height)
    _write_atomically(out, lambda tmp: Image.fromarray(image).save(tmp, format="WEBP", quality=WEBP_QUALITY))
    return out


def write_spritesheet(
    video: Path,
    out: Path,
    *,
    tile_width: int = 160,
    columns: int = 5,
    interval: float = 1.0,
    max_tiles: int = 25,
) -> SpriteSheet:
    """Write a JPEG grid of frames of `video` sampled every `interval` seconds to `out` and describe the grid.
    Clips longer than `max_tiles * interval` get a wider interval, so the sheet never holds more than
    `max_tiles` tiles. Raises ValueError for out-of-range arguments or a file that is not a readable video."""
    _check_sheet_args(tile_width, columns, interval, max_tiles)
    with _open_video(video) as container:
        stream = container.streams.video[0]
        width, height = int(stream.codec_context.width), int(stream.codec_context.height)
        tile_height = max(1, round(tile_width * height / width))
        duration = _duration(container, stream)
        interval, count = _sampling(duration, interval, max_tiles)
        columns = min(columns, count)
        rows = math.ceil(count / columns)
        if rows * tile_height > MAX_IMAGE_SIDE or columns * tile_width > MAX_IMAGE_SIDE:
            raise ValueError(
                f"the spritesheet must fit in {MAX_IMAGE_SIDE} px per side; got {columns * tile_width}x"
                f"{rows * tile_height} (lower tile_width or max_tiles)"
            )
        sheet = np.zeros((rows * tile_height, columns * tile_width, 3), dtype=np.uint8)
        drawn = 0
        for i, frame in enumerate(_frames_every(container, stream, interval, count)):
            row, col = divmod(i, columns)
            tile = _rgb(frame, tile_width, tile_height)
            sheet[row * tile_height : (row + 1) * tile_height, col * tile_width : (col + 1) * tile_width] = tile
            drawn = i + 1
    if drawn == 0:
        raise ValueError(f"video: {video} holds no decodable frames")
    rows = math.ceil(drawn / columns)  # fewer when the stream ends before its stated duration
    image = Image.fromarray(sheet[: rows * tile_height])
    _write_atomically(out, lambda tmp: image.save(tmp, format="JPEG", quality=JPEG_QUALITY))
    return SpriteSheet(columns, rows, tile_width, tile_height, interval, drawn)


def write_extension(source: Path, continuation: Clip, out: Path, *,
                    progress: Callable[[float], None] | None = None,
                    overlay: Callable[[int, npt.NDArray[np.uint8]], npt.NDArray[np.uint8]] | None = None) -> float:
    """Write the MP4 of a video extension to `out`: every frame and sample of the MP4 at `source`, then
    `continuation`. The source is decoded one frame at a time straight into the encoder, so a two-minute
    chain never sits in memory. Sizes, frame rates and sample rates must match (ValueError names both
    sides). The source's sound is cut or padded to its pictures' length, so the continuation's sound starts
    exactly at the seam. `overlay(index, frame)`, when given, changes every frame of the result on its way to
    the encoder (the visible watermark). Returns the seam's time in seconds."""
    info = probe(source)
    frames = continuation.frames
    if frames.ndim != 4 or frames.shape[3] != 3:
        raise ValueError(f"continuation.frames must be (T, H, W, 3); got shape {frames.shape}")
    if (info.width, info.height) != (frames.shape[2], frames.shape[1]):
        raise ValueError(f"continuation size must match the source; source is {info.width}x{info.height}, "
                         f"continuation is {frames.shape[2]}x{frames.shape[1]}")
    if not math.isclose(info.fps, continuation.fps, rel_tol=1e-3):
        raise ValueError(f"continuation fps must match the source; source is {info.fps:g}, "
                         f"continuation is {continuation.fps:g}")
    seam = info.frames / continuation.fps
    audio, audio_start, rate = read_audio(source)
    aligned = _align_audio(audio, audio_start - _first_frame_time(source), rate)
    sound, sample_rate = _stitch_audio(aligned, rate, seam, continuation)

    def all_frames() -> Iterator[npt.NDArray[np.uint8]]:
        yield from _decoded(source, info.frames)
        yield from frames

    def overlaid() -> Iterator[npt.NDArray[np.uint8]]:
        for i, frame in enumerate(all_frames()):
            yield frame if overlay is None else overlay(i, frame)

    write_frames(overlaid(), info.frames + len(frames), (info.width, info.height), continuation.fps, sound,
                 sample_rate, out, progress=progress)
    return seam


def _decoded(path: Path, count: int) -> Iterator[npt.NDArray[np.uint8]]:
    """Exactly `count` RGB frames of the video at `path` (the last one repeated if the stream runs short)."""
    produced, last = 0, None
    with _open_video(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            if produced == count:
                return
            last, produced = frame.to_ndarray(format="rgb24"), produced + 1
            yield last
    if last is None:
        raise ValueError(f"video: {path} holds no decodable frames")
    for _ in range(count - produced):
        yield last


def last_frames(path: Path, seconds: float) -> tuple[npt.NDArray[np.uint8], float]:
    """The last `seconds` of frames of the video at `path` (T, H, W, 3) and its fps, holding no more than
    that many frames in memory while decoding."""
    with _open_video(path) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or stream.guessed_rate or 24)
    tail: deque[npt.NDArray[np.uint8]] = deque(maxlen=max(1, round(seconds * fps)))
    tail.extend(_decoded(path, probe(path).frames))
    return np.stack(list(tail)), fps


def _first_frame_time(path: Path) -> float:
    with _open_video(path) as container:
        for frame in container.decode(container.streams.video[0]):
            return float(frame.time or 0.0)
    return 0.0


def _check_sheet_args(tile_width: int, columns: int, interval: float, max_tiles: int) -> None:
    if not 8 <= tile_width <= 1024:
        raise ValueError(f"tile_width must be between 8 and 1024; got {tile_width}")
    if not 1 <= columns <= MAX_COLUMNS:
        raise ValueError(f"columns must be between 1 and {MAX_COLUMNS}; got {columns}")
    if not (math.isfinite(interval) and interval > 0):
        raise ValueError(f"interval must be a positive number of seconds; got {interval}")
    if not 1 <= max_tiles <= MAX_TILES:
        raise ValueError(f"max_tiles must be between 1 and {MAX_TILES}; got {max_tiles}")


def _sampling(duration: float, interval: float, max_tiles: int) -> tuple[float, int]:
    """The interval and tile count that cover `duration`. A spread interval is rounded up to the millisecond
    so that `count * interval` still reaches the end and the player's lookup never runs past the last tile."""
    count = max(1, math.ceil(duration / interval - 1e-6))  # the tolerance keeps 3.0000001 s at 3 tiles
    if count <= max_tiles:
        return interval, count
    return math.ceil(duration / max_tiles * 1000) / 1000, max_tiles


def _open_video(path: Path) -> Any:
    if not path.is_file():
        raise ValueError(f"video: no such file {path}")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise ValueError(f"video: {path} is not a readable media file ({exc})") from exc
    if not container.streams.video:
        container.close()
        raise ValueError(f"video: {path} has no video stream")
    container.streams.video[0].thread_type = "AUTO"
    return container


def _duration(container: Any, stream: Any) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * Fraction(stream.time_base))
    if container.duration:
        return float(container.duration / 1e6)
    rate = stream.average_rate or stream.guessed_rate
    return float(stream.frames / rate) if stream.frames and rate else 0.0


def _frame_at(container: Any, stream: Any, seconds: float) -> Any:
    """The first frame shown at or after `seconds` (within half a frame), else the last frame. Seeking to the
    key frame before it means only one GOP is decoded, and no frame is converted to RGB here."""
    origin = _origin(stream)
    if seconds > 0 and stream.time_base is not None:
        container.seek(int((seconds + origin) / stream.time_base), stream=stream, backward=True)
    chosen = None
    for shown_at, frame in _timed_frames(container, stream, origin):
        chosen = frame
        if shown_at >= seconds - _half_frame(stream):
            break
    if chosen is None:
        raise ValueError(f"video: {container.name} holds no decodable frames")
    return chosen


def _frames_every(container: Any, stream: Any, interval: float, count: int) -> Iterator[Any]:
    """The frame for each of `count` times `i * interval`. Every frame is decoded (the clip is short and its
    GOPs are 2 s, so seeking would save little), but only the yielded ones are ever converted."""
    tolerance = _half_frame(stream)
    wanted = 0
    for seconds, frame in _timed_frames(container, stream, _origin(stream)):
        if seconds >= wanted * interval - tolerance:
            yield frame
            wanted += 1
            if wanted == count:
                return


def _timed_frames(container: Any, stream: Any, origin: float) -> Iterator[tuple[float, Any]]:
    rate = float(stream.average_rate or stream.guessed_rate or 24)
    for i, frame in enumerate(container.decode(stream)):
        seconds = float(frame.time) - origin if frame.time is not None else i / rate
        yield seconds, frame


def _origin(stream: Any) -> float:
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * Fraction(stream.time_base))


def _half_frame(stream: Any) -> float:
    rate = stream.average_rate or stream.guessed_rate
    return 0.5 / float(rate) if rate else 0.0


def _fit(width: int, height: int, max_side: int) -> tuple[int, int]:
    if max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _rgb(frame: Any, width: int, height: int) -> npt.NDArray[np.uint8]:
    # AREA averages the pixels a downscale drops, so thin edges do not shimmer between tiles.
    rgb = frame.reformat(width=width, height=height, format="rgb24", interpolation="AREA")
    return np.asarray(rgb.to_ndarray(), dtype=np.uint8)


def _write_atomically(out: Path, write: Callable[[Path], None]) -> None:
    tmp = out.with_name(f".{out.name}.part")
    try:
        write(tmp)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)


def _align_audio(
    audio: npt.NDArray[np.float32] | None, offset: float, sample_rate: int
) -> npt.NDArray[np.float32] | None:
    """Shift decoded audio onto the first frame's clock: `offset` is how late the first sample plays."""
    if audio is None:
        return None
    shift = round(offset * sample_rate)
    if shift > 0:
        return np.concatenate([np.zeros((shift, audio.shape[1]), dtype=np.float32), audio])
    return audio[-shift:]


def _stitch_audio(
    source: npt.NDArray[np.float32] | None,
    source_rate: int,
    source_seconds: float,
    continuation: Clip,
) -> tuple[npt.NDArray[np.float32] | None, int]:
    tail = continuation.audio
    if source is None and tail is None:
        return None, continuation.sample_rate
    if source is not None and tail is not None and source_rate != continuation.sample_rate:
        raise ValueError(
            f"continuation sample_rate must match the source; source is {source_rate} Hz, "
            f"continuation is {continuation.sample_rate} Hz"
        )
    rate = source_rate if source is not None else continuation.sample_rate
    channels = max(a.shape[1] for a in (source, tail) if a is not None)
    head_len = round(source_seconds * rate)
    head = np.zeros((head_len, channels), dtype=np.float32) if source is None else fit_length(source, head_len)
    if tail is None:
        tail = np.zeros((round(len(continuation.frames) / continuation.fps * rate), channels), dtype=np.float32)
    parts = [_to_channels(head, channels, "source audio"), _to_channels(tail, channels, "continuation.audio")]
    return np.concatenate(parts).astype(np.float32, copy=False), rate


def _to_channels(audio: npt.NDArray[np.float32], channels: int, name: str) -> npt.NDArray[np.float32]:
    """Mono joins a stereo side by playing in both ears; any other mismatch has no obvious mix."""
    if audio.shape[1] == channels:
        return audio
    if audio.shape[1] == 1:
        return np.repeat(audio, channels, axis=1)
    raise ValueError(f"{name} must have 1 or {channels} channels to join the other side; got {audio.shape[1]}")


def fit_length(audio: npt.NDArray[np.float32], length: int) -> npt.NDArray[np.float32]:
    """`audio` (S, C) cut or padded with silence to exactly `length` samples."""
    if len(audio) >= length:
        return audio[:length]
    return np.concatenate([audio, np.zeros((length - len(audio), audio.shape[1]), dtype=np.float32)])
