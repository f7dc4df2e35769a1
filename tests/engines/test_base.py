"""Snapping a request to what an engine makes: sizes on its grid, its frame rates, frame_step * k + 1 frames."""

from __future__ import annotations

import pytest

from kinora.engines.base import Capabilities, GenerationRequest, frame_counts, snap_fps, snap_size, validate_request

LTX = Capabilities(min_side=64, max_width=1920, max_height=1088, min_seconds=4, max_seconds=10, fps=(24, 25, 30),
                   audio=True, image_input=True, needs_weights=True, size_step=32, frame_step=8, last_frame=True)
WAN = Capabilities(min_side=64, max_width=1280, max_height=720, min_seconds=4, max_seconds=5, fps=(16,),
                   audio=False, image_input=False, needs_weights=True, size_step=16, frame_step=4)


@pytest.mark.parametrize(("asked", "caps", "used"), [
    ((720, 1280), LTX, (704, 1280)),  # 22.5 steps of 32: ties round down
    ((1280, 720), WAN, (1280, 720)),  # already on the grid
    ((1920, 1080), LTX, (1920, 1088)),
    ((100, 70), WAN, (96, 64)),
    ((40, 40), WAN, (64, 64)),  # never under min_side
    ((1300, 730), WAN, (1280, 720)),  # never over the limits for the orientation asked
    ((730, 1300), WAN, (720, 1280)),
])
def test_snap_size(asked: tuple[int, int], caps: Capabilities, used: tuple[int, int]) -> None:
    assert snap_size(*asked, caps) == used


def test_snap_fps_picks_the_nearest_rate() -> None:
    assert snap_fps(24, WAN) == 16 and snap_fps(24, LTX) == 24 and snap_fps(27, LTX) == 25 and snap_fps(60, LTX) == 30


@pytest.mark.parametrize(("seconds", "fps", "caps", "counts"), [
    (4, 16, WAN, (64, 65)),  # Wan: 4k+1
    (4, 24, LTX, (96, 97)),  # LTX-2: 8k+1
    (5, 16, WAN, (80, 81)),
    (4, 25, LTX, (100, 105)),
])
def test_frame_counts_cover_the_seconds_asked(seconds: float, fps: int, caps: Capabilities,
                                              counts: tuple[int, int]) -> None:
    keep, make = frame_counts(seconds, fps, caps)
    assert (keep, make) == counts and (make - 1) % caps.frame_step == 0


def test_validate_names_the_grid_and_the_end_frame() -> None:
    with pytest.raises(ValueError, match="multiples of 32; got 720x1280"):
        validate_request(GenerationRequest(prompt="x", seconds=4, width=720, height=1280, fps=24), LTX)
    import numpy as np

    frame = np.zeros((64, 64, 3), np.uint8)
    with pytest.raises(ValueError, match="last_image: this engine does not take an end frame"):
        validate_request(GenerationRequest(prompt="x", seconds=4, width=64, height=64, fps=16, image=None,
                                           options={"last_image": frame}), WAN)
    with pytest.raises(ValueError, match="needs a start frame"):
        validate_request(GenerationRequest(prompt="x", seconds=4, width=64, height=64, fps=24,
                                           options={"last_image": frame}), LTX)
