"""The visible mark: legible label, inside the frame at every size, moving so that no half-frame crop escapes it."""

from __future__ import annotations

import numpy as np
import pytest

from kinora.media import visible

FPS = 12


def _plain(n: int, width: int, height: int) -> np.ndarray:
    return np.full((n, height, width, 3), 128, np.uint8)


def test_the_label_names_the_instance_and_the_creator() -> None:
    assert visible.label_text("My Kinora", "@ann") == "My Kinora · AI-generated · @ann"
    assert visible.label_text(" ", None) == "Kinora · AI-generated"


@pytest.mark.parametrize(("width", "height"), [(720, 1280), (1280, 720), (64, 64), (320, 256)])
def test_the_mark_stays_inside_the_frame(width: int, height: int) -> None:
    mark = visible.render(visible.label_text("Kinora", "a_rather_long_handle_for_a_narrow_frame"), width=width,
                          height=height)
    w, h = mark.size
    assert w <= 0.9 * width and h < height / 4
    where = visible.path(10 * FPS, FPS, frame=(width, height), mark=(w, h), seed=3)
    assert where.shape == (10 * FPS, 2)
    assert (where >= 0).all() and (where[:, 0] + w <= width).all() and (where[:, 1] + h <= height).all()


def test_blending_marks_only_the_label_and_keeps_the_input() -> None:
    frames = _plain(FPS, 320, 256)
    marked = visible.apply(frames, text="Kinora · AI-generated · @ann", fps=FPS, seed=1)
    assert (frames == 128).all()  # the input is not changed in place
    changed = (marked != frames).any(axis=-1)  # (T, H, W)
    mark = visible.render("Kinora · AI-generated · @ann", width=320, height=256)
    assert 0 < changed[0].sum() <= mark.size[0] * mark.size[1]
    assert marked.max() > 200 and marked.min() < 100  # light text on a dark pill over mid grey


def test_the_mark_moves_and_every_half_of_the_frame_holds_it_often() -> None:
    width, height, seconds = 320, 256, 16
    marked = visible.apply(_plain(seconds * FPS, width, height), text="Kinora · AI-generated", fps=FPS, seed=7)
    changed = (marked != 128).any(axis=-1)  # (T, H, W)
    ys, xs = np.nonzero(changed[0])
    first_box = (xs.min(), ys.min())
    moved = [np.nonzero(changed[i]) for i in range(0, seconds * FPS, FPS)]
    assert len({(x.min(), y.min()) for y, x in moved}) >= 4 and first_box in {(x.min(), y.min()) for y, x in moved}
    halves = {"left": (slice(None), slice(0, width // 2)), "right": (slice(None), slice(width // 2, None)),
              "top": (slice(0, height // 2), slice(None)), "bottom": (slice(height // 2, None), slice(None))}
    total = changed.sum(axis=(1, 2))  # (T,) label pixels per frame
    for name, (rows, cols) in halves.items():
        inside = changed[:, rows, cols].sum(axis=(1, 2)) == total  # the whole label lies in this half
        assert inside.mean() >= 0.35, name  # so cropping to this half keeps the mark in a third of the clip


def test_the_path_depends_on_the_seed() -> None:
    a = visible.path(8 * FPS, FPS, frame=(720, 1280), mark=(200, 40), seed=1)
    b = visible.path(8 * FPS, FPS, frame=(720, 1280), mark=(200, 40), seed=2)
    assert (a == visible.path(8 * FPS, FPS, frame=(720, 1280), mark=(200, 40), seed=1)).all()
    assert not (a == b).all()


def test_bad_frames_are_refused() -> None:
    with pytest.raises(ValueError, match="frames must be"):
        visible.apply(np.zeros((4, 32, 32), np.uint8), text="x", fps=FPS, seed=0)
    with pytest.raises(ValueError, match="at least 16x16"):
        visible.render("x", width=8, height=8)
