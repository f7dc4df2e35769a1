"""The visible watermark: a translucent label ("<instance> · AI-generated · @creator") that moves around the
frame, so that no single crop or blur box removes it. It is blended into the frames before encoding.

The label rests near each corner in turn (a seeded order per clip, so a remover cannot learn one path) and
glides between them; every half of the frame holds the whole label for a good share of the clip.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

HOLD_SECONDS, GLIDE_SECONDS = 1.5, 0.5  # rest near a corner, then move to the next one
MARGIN = 0.03  # of the shorter side, between the label and the frame's edge


@dataclass(frozen=True)
class Mark:
    """A rendered label: colour (h, w, 3) float32 in 0..255 and opacity (h, w, 1) float32 in 0..1."""

    rgb: npt.NDArray[np.float32]
    alpha: npt.NDArray[np.float32]

    @property
    def size(self) -> tuple[int, int]:
        return self.alpha.shape[1], self.alpha.shape[0]  # (w, h)


def label_text(instance: str, handle: str | None) -> str:
    parts = [instance.strip() or "Kinora", "AI-generated"]
    if handle:
        parts.append("@" + handle.lstrip("@"))
    return " · ".join(parts)


def render(text: str, *, width: int, height: int) -> Mark:
    """The label for a `width` x `height` frame: its height about 1/24 of the shorter side (at least 10 px), and
    never wider than 90% of the frame (the font shrinks for long handles on narrow frames)."""
    if width < 16 or height < 16:
        raise ValueError(f"frame size must be at least 16x16 for a visible mark; got {width}x{height}")
    size = max(10, min(width, height) // 24)
    font = ImageFont.load_default(size=size)
    while font.getbbox(text)[2] + size > 0.9 * width and size > 6:
        size -= 1
        font = ImageFont.load_default(size=size)
    w, h = min(int(font.getbbox(text)[2]) + size, int(0.9 * width)), int(size * 1.7)
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, w - 1, h - 1), radius=h // 2, fill=(0, 0, 0, 110))
    draw.text((size // 2, size // 3), text, font=font, fill=(255, 255, 255, 215))
    rgba = np.asarray(image, dtype=np.float32) / 255.0  # (h, w, 4)
    return Mark(rgb=rgba[..., :3] * 255.0, alpha=rgba[..., 3:4])


def path(n_frames: int, fps: float, *, frame: tuple[int, int], mark: tuple[int, int],
         seed: int) -> npt.NDArray[np.int64]:
    """(n_frames, 2) top-left (x, y) of the label per frame: resting near the corners in a seeded order and
    gliding between them."""
    (width, height), (w, h) = frame, mark
    margin = int(MARGIN * min(width, height))
    left, top = margin, margin
    right, bottom = max(margin, width - w - margin), max(margin, height - h - margin)
    corners = [(left, top), (right, top), (right, bottom), (left, bottom)]
    order = corners[:]
    random.Random(seed).shuffle(order)
    hold, glide = max(1, round(HOLD_SECONDS * fps)), max(1, round(GLIDE_SECONDS * fps))
    step = np.arange(n_frames) % (hold + glide)  # (T,) frame within the current rest + glide
    leg = np.arange(n_frames) // (hold + glide)  # (T,) which corner the label rests at
    start = np.array([order[i % 4] for i in leg], np.float64).reshape(n_frames, 2)  # (T, 2)
    end = np.array([order[(i + 1) % 4] for i in leg], np.float64).reshape(n_frames, 2)  # (T, 2)
    t = np.clip((step - hold + 1) / glide, 0.0, 1.0)[:, None]  # (T, 1): 0 while resting, then up to 1
    eased = t * t * (3 - 2 * t)  # smoothstep: no jerk when the label starts or stops moving
    return np.rint(start + (end - start) * eased).astype(np.int64)


class Overlay:
    """The moving label for one clip of `n_frames`, applied a frame at a time (an extension's frames stream
    from disk into the encoder and never sit in memory together)."""

    def __init__(self, text: str, *, n_frames: int, fps: float, width: int, height: int, seed: int) -> None:
        self.mark = render(text, width=width, height=height)
        self.size = (width, height)
        self.positions = path(n_frames, fps, frame=(width, height), mark=self.mark.size, seed=seed)  # (T, 2)

    def __call__(self, index: int, frame: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        """Frame `index` (H, W, 3) uint8 with the label blended in (a new array)."""
        if frame.shape[1::-1] != self.size:
            raise ValueError(f"frame must be {self.size[0]}x{self.size[1]}; got {frame.shape[1]}x{frame.shape[0]}")
        x, y = self.positions[min(index, len(self.positions) - 1)]
        w, h = self.mark.size
        out = frame.copy()
        roi = out[y:y + h, x:x + w].astype(np.float32)  # (h, w, 3)
        blended = roi * (1.0 - self.mark.alpha) + self.mark.rgb * self.mark.alpha
        out[y:y + h, x:x + w] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
        return out

    def apply(self, frames: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        """`frames` (T, H, W, 3) uint8, the first of the clip's, with the label blended in (a new array)."""
        out = np.empty_like(frames)
        for i, frame in enumerate(frames):
            out[i] = self(i, frame)
        return out


def apply(frames: npt.NDArray[np.uint8], *, text: str, fps: float, seed: int) -> npt.NDArray[np.uint8]:
    """`frames` (T, H, W, 3) uint8 with the moving label blended in (a new array)."""
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames must be (T, H, W, 3); got shape {frames.shape}")
    n, height, width = frames.shape[:3]
    return Overlay(text, n_frames=n, fps=fps, width=width, height=height, seed=seed).apply(frames)
