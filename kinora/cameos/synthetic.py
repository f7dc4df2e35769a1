"""Synthetic verification clips for tests and benchmarks: a portrait photo turned left and right in depth, moved a
little like a hand-held phone, over a room-like background, with a soundtrack given by the caller.

The turn is a depth warp, not a 2-D shear: the head is an ellipsoid with a nose on it, rotated about the vertical
axis, so the nose moves against the eyes the way it does when a real head turns, which is what the yaw check reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from kinora.cameos.faces import Face, load
from kinora.engines.base import Clip
from kinora.media.encode import write_mp4

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]

# Degrees of yaw over the clip's time (0..1): look ahead, turn left, back, turn right, back, as a prompt asks.
TURNS = ((0.0, 0.0), (0.15, 0.0), (0.3, -30.0), (0.45, 0.0), (0.6, 30.0), (0.75, 0.0), (1.0, 0.0))
STILL = ((0.0, 0.0), (1.0, 0.0))


@dataclass(frozen=True)
class Portrait:
    image: U8  # (H, W, 3)
    face: Face  # where the face is in `image`


def portrait(image: U8, face_models: Path | None = None) -> Portrait:
    faces = load(face_models).detect(image)
    if len(faces) != 1:
        raise ValueError(f"image: a portrait needs exactly one face; found {len(faces)}")
    return Portrait(image, faces[0])


def turned(person: Portrait, degrees: float) -> U8:
    """`person.image` with the head turned `degrees` about the vertical axis (positive: the nose goes to the image's
    right). Each row is resampled through the forward map x -> x cos + z sin, which is monotonic for these angles."""
    image = person.image.astype(np.float32)
    height, width = image.shape[:2]
    theta = np.deg2rad(degrees)
    x = np.arange(width, dtype=np.float64)
    depth = _depth(person, height, width)  # (H, W) pixels towards the camera
    centre = (person.face.box[0] + person.face.box[2]) / 2
    out = np.empty_like(image)
    for row in range(height):
        forward = centre + (x - centre) * np.cos(theta) + depth[row] * np.sin(theta)  # (W,)
        forward = np.maximum.accumulate(forward)  # hidden surface: the farther side folds behind the nearer
        source = np.interp(x, forward, x)  # (W,) where each output pixel comes from
        for channel in range(3):
            out[row, :, channel] = np.interp(source, x, image[row, :, channel])
    return np.clip(out, 0, 255).astype(np.uint8)


def _depth(person: Portrait, height: int, width: int) -> npt.NDArray[np.float64]:
    left, top, right, bottom = person.face.box
    cx, cy = (left + right) / 2, (top + bottom) / 2 + 0.1 * (bottom - top)
    rx, ry = 0.62 * (right - left), 0.85 * (bottom - top)  # the whole head, ears and hair included
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    inside = np.clip(1.0 - ((xx - cx) / rx) ** 2 - ((yy - cy) / ry) ** 2, 0.0, None)
    head = rx * np.sqrt(inside)
    nx, ny = person.face.landmarks[4]
    nose = 0.3 * rx * np.exp(-(((xx - nx) ** 2 + (yy - ny + 0.15 * rx) ** 2) / (2 * (0.14 * rx) ** 2)))
    depth: npt.NDArray[np.float64] = head + nose
    return depth


def frames(people: Sequence[Portrait], *, seconds: float, size: tuple[int, int], fps: int,
           turns: Sequence[tuple[float, float]] = TURNS, seed: int = 0) -> U8:
    """(T, H, W, 3) frames of `people` side by side (none: an empty room) following the yaw keyframes `turns`."""
    width, height = size
    count = round(seconds * fps)
    rng = np.random.default_rng(seed)
    room = _room(width, height, rng)
    keys = np.array(turns, dtype=np.float64)  # (K, 2) time fraction, degrees
    cache: dict[tuple[int, int], U8] = {}
    out = np.empty((count, height, width, 3), np.uint8)
    sway = rng.uniform(0, 2 * np.pi, 2)
    for i in range(count):
        t = i / max(count - 1, 1)
        degrees = int(round(float(np.interp(t, keys[:, 0], keys[:, 1]))))
        frame = room.copy()
        for slot, person in enumerate(people):
            if (slot, degrees) not in cache:
                cache[slot, degrees] = turned(person, degrees)
            dx = 0.015 * width * np.sin(2 * np.pi * 0.3 * i / fps + sway[0])
            dy = 0.01 * height * np.sin(2 * np.pi * 0.2 * i / fps + sway[1])
            _place(frame, cache[slot, degrees], slot, len(people), dx, dy)
        out[i] = frame
    return out


def _room(width: int, height: int, rng: np.random.Generator) -> U8:
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]  # (H, 1, 1)
    wall, floor = rng.uniform(90, 200, 3), rng.uniform(40, 120, 3)
    room = wall * (1 - ramp) + floor * ramp + rng.normal(0, 3, (height, width, 1))  # (H, W, 3)
    return np.clip(room, 0, 255).astype(np.uint8)


def _place(frame: U8, image: U8, slot: int, slots: int, dx: float, dy: float) -> None:
    """Paste `image` scaled to ~55 % of the frame's height (split between people), centred in its slot."""
    from PIL import Image

    height, width = frame.shape[:2]
    scale = min(0.55 * height / image.shape[0], 0.9 * width / slots / image.shape[1])
    size = (max(2, round(image.shape[1] * scale)), max(2, round(image.shape[0] * scale)))
    pasted = np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BILINEAR))
    cx = width * (slot + 0.5) / slots + dx
    x0, y0 = int(cx - size[0] / 2), int(height * 0.45 - size[1] / 2 + dy)
    x1, y1 = min(width, x0 + size[0]), min(height, y0 + size[1])
    xs, ys = max(0, x0), max(0, y0)
    frame[ys:y1, xs:x1] = pasted[ys - y0:y1 - y0, xs - x0:x1 - x0]


def write_clip(path: Path, people: Sequence[Portrait], audio: F32 | None, sample_rate: int, *, seconds: float,
               size: tuple[int, int] = (720, 1280), fps: int = 30, turns: Sequence[tuple[float, float]] = TURNS,
               seed: int = 0) -> Path:
    """An MP4 (H.264 + AAC) verification clip. `audio` is mono (S,) and is placed from 0.5 s on."""
    video = frames(people, seconds=seconds, size=size, fps=fps, turns=turns, seed=seed)
    track = np.zeros((round(seconds * sample_rate), 1), np.float32)
    if audio is not None:
        start = round(0.5 * sample_rate)
        piece = audio[: len(track) - start]
        track[start:start + len(piece), 0] = piece
    return write_mp4(Clip(frames=video, fps=fps, audio=np.repeat(track, 2, axis=1), sample_rate=sample_rate), path,
                     crf=23)
