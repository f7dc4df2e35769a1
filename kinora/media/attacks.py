"""What people do to a clip after it leaves Kinora: re-encoding, resizing, cropping, flipping, letterboxing,
brightness and contrast changes, blur. The watermark tests and benchmarks/watermark.py measure recovery after
exactly these, so they live in one place; also the synthetic panning shot they are measured on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image
from scipy import ndimage

from kinora.engines.base import Clip
from kinora.media.encode import write_mp4
from kinora.media.probe import read_video

Frames = npt.NDArray[np.uint8]  # (T, H, W, 3)


def panning_scene(seed: int, frames: int, height: int, width: int, pan: int = 2) -> Frames:
    """A natural-ish panning shot: smooth colour blobs, fine texture that grows to the right, and a flat 'sky'
    band on top (where a watermark would show first)."""
    rng = np.random.default_rng(seed)
    h, w = height + 16, width + pan * frames + 16
    scale = height / 360  # blob size follows the frame so every size sees the same scene
    blobs = ndimage.gaussian_filter(rng.normal(size=(h, w, 3)).astype(np.float32), (12 * scale, 12 * scale, 0))
    texture = ndimage.gaussian_filter(rng.normal(size=(h, w, 3)).astype(np.float32), (1.5, 1.5, 0))
    image = np.clip(128 + blobs * 900 * scale + texture * 60 * np.linspace(0, 1, w)[None, :, None], 0, 255)
    image[: height // 3] = 200
    return np.stack([image[8 : 8 + height, pan * i : pan * i + width] for i in range(frames)]).astype(np.uint8)


def psnr(a: Frames, b: Frames) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float(10 * np.log10(255**2 / mse))


def resize(frames: Frames, factor: float) -> Frames:
    size = (round(frames.shape[2] * factor / 2) * 2, round(frames.shape[1] * factor / 2) * 2)  # even, for H.264
    return np.stack([np.asarray(Image.fromarray(f).resize(size, Image.Resampling.BILINEAR)) for f in frames])


def h264(frames: Frames, *, fps: float, crf: int, folder: Path) -> Frames:
    """The frames after an H.264 encode at `crf` and a decode (the file is left in `folder`)."""
    path = write_mp4(Clip(frames, fps, None, 48_000), folder / f"attack-crf{crf}.mp4", crf=crf)
    return read_video(path).frames


def crop(frames: Frames, area: float = 0.7) -> Frames:
    """Keep `area` of the picture, off any grid a watermark might use (an odd offset)."""
    side = np.sqrt(area)
    h, w = round(frames.shape[1] * side / 2) * 2, round(frames.shape[2] * side / 2) * 2  # even, for H.264
    return frames[:, 13 : 13 + h, 37 : 37 + w]


def flip(frames: Frames) -> Frames:
    return frames[:, :, ::-1]


def letterbox(frames: Frames) -> Frames:
    """A 16:9 clip padded into a 4:3 canvas, then scaled to 0.75x."""
    t, h, w, _ = frames.shape
    canvas = np.zeros((t, w * 3 // 4, w, 3), dtype=np.uint8)
    top = (canvas.shape[1] - h) // 2
    canvas[:, top : top + h] = frames
    return resize(canvas, 0.75)


def gain(frames: Frames, factor: float, pivot: float) -> Frames:
    """Brightness (pivot 0) or contrast (pivot 128) scaled by `factor`."""
    return np.asarray(np.clip((frames.astype(np.float32) - pivot) * factor + pivot, 0, 255), dtype=np.uint8)


def blur(frames: Frames, sigma: float = 1.0) -> Frames:
    """Roughly what a screen recording does to detail."""
    return np.asarray(ndimage.gaussian_filter(frames, (0, sigma, sigma, 0)), dtype=np.uint8)
