"""Frame and input-image moderation with the real NudeNet model: a real photograph is a real person, Kinora's own
renders are clean, and the thresholds decide as documented.

Run: .venv/bin/pytest tests/safety/test_frames.py -q
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from kinora.engines.base import GenerationRequest
from kinora.engines.registry import get_engine
from kinora.safety.frames import (
    BATCH,
    STANDARD,
    STRICT,
    Detection,
    Detector,
    Thresholds,
    check_frames,
    check_image,
    detector,
    judge,
    sample_indices,
)

ASTRONAUT = Path(__file__).parent / "data" / "astronaut.jpg"
FACE_CENTRE = (112, 65)  # of Eileen Collins' face in the 256 x 256 fixture, read off the picture


@pytest.fixture(scope="module")
def nudenet() -> Detector:
    return detector()


@pytest.fixture(scope="module")
def astronaut() -> npt.NDArray[np.uint8]:
    return np.asarray(Image.open(ASTRONAUT).convert("RGB"))


@pytest.fixture(scope="module")
def world_frames() -> npt.NDArray[np.uint8]:
    req = GenerationRequest(prompt="a tower of six wooden blocks collapses", seconds=4.0, width=320, height=256,
                            fps=12, seed=3, image=None, cameos=[], remix_of=None, options={})
    return get_engine("world").generate(req, lambda _: None, lambda: False).frames


def _centre(d: Detection) -> tuple[float, float]:
    x, y, w, h = d.box
    return x + w / 2, y + h / 2


# ---- the real model ----

def test_a_photograph_of_a_person_is_a_real_person(nudenet: Detector, astronaut: npt.NDArray[np.uint8]) -> None:
    verdict = check_image(astronaut, detector=nudenet)
    assert (verdict.outcome, verdict.category, verdict.layer) == ("block", "real_person", "frames")
    assert verdict.reason.startswith("FACE_FEMALE scored 0.8") and "face threshold 0.50" in verdict.reason
    assert verdict.scores["real_person"] > 0.7
    assert verdict.versions == {"frames": "nudenet-320n@3.4.2"}
    assert verdict.message.startswith("Images and videos of real people")


def test_the_requesters_own_cameo_is_allowed(nudenet: Detector, astronaut: npt.NDArray[np.uint8]) -> None:
    verdict = check_image(astronaut, detector=nudenet, allow_person=True)
    assert verdict.outcome == "allow" and verdict.scores == {"sexual": 0.0}
    assert verdict.versions == {"frames": "nudenet-320n@3.4.2"}


def test_the_face_box_is_where_the_face_is(nudenet: Detector, astronaut: npt.NDArray[np.uint8]) -> None:
    [found] = nudenet.detect([astronaut])
    face = max((d for d in found if d.label.startswith("FACE_")), key=lambda d: d.score)
    x, y, w, h = face.box
    assert 0 <= x < x + w <= 256 and 0 <= y < y + h <= 256 and 30 <= w <= 80 and 30 <= h <= 80
    assert abs(_centre(face)[0] - FACE_CENTRE[0]) < 12 and abs(_centre(face)[1] - FACE_CENTRE[1]) < 12


def test_boxes_follow_the_image_through_scaling_and_padding(nudenet: Detector,
                                                            astronaut: npt.NDArray[np.uint8]) -> None:
    """Letterboxing is undone: a 2x image gives a 2x box; a tall canvas with the photo 300 px down shifts it."""
    double = np.asarray(Image.fromarray(astronaut).resize((512, 512), Image.Resampling.BILINEAR))
    tall = np.zeros((720, 400, 3), np.uint8)
    tall[300:556, 100:356] = astronaut
    faces = [max(found, key=lambda d: d.score) for found in nudenet.detect([astronaut, double, tall])]
    assert all(d.label == "FACE_FEMALE" for d in faces)
    (cx, cy), (dx, dy), (tx, ty) = (_centre(d) for d in faces)
    assert abs(dx - 2 * cx) < 8 and abs(dy - 2 * cy) < 8
    assert abs(tx - (cx + 100)) < 8 and abs(ty - (cy + 300)) < 8


def test_batches_give_the_single_image_answers(nudenet: Detector, astronaut: npt.NDArray[np.uint8],
                                               world_frames: npt.NDArray[np.uint8]) -> None:
    images = [astronaut, *world_frames[: BATCH + 1]]  # crosses a batch boundary, mixed sizes in one batch
    batched = nudenet.detect(images)
    single = [nudenet.detect([image])[0] for image in images]
    assert len(batched) == len(images) and [len(b) for b in batched] == [len(s) for s in single]
    for b, s in zip(batched, single, strict=True):
        for one, other in zip(b, s, strict=True):
            assert one.label == other.label and one.score == pytest.approx(other.score, abs=1e-4)


def test_kinoras_own_renders_are_clean(nudenet: Detector, world_frames: npt.NDArray[np.uint8]) -> None:
    found = nudenet.detect(list(world_frames[::6]))
    assert len(found) == 8
    assert not [d for frame in found for d in frame if d.label.endswith("_EXPOSED") or d.label.startswith("FACE_")]
    for thresholds in (STANDARD, STRICT):
        verdict = check_frames(world_frames, 12.0, detector=nudenet, thresholds=thresholds)
        assert verdict.outcome == "allow" and verdict.scores == {"sexual": 0.0}
        assert verdict.versions == {"frames": "nudenet-320n@3.4.2"}
    assert check_image(world_frames[0], detector=nudenet, thresholds=STRICT).outcome == "allow"


def test_the_detector_is_loaded_once_per_path_and_threads(nudenet: Detector) -> None:
    assert detector() is nudenet and detector(threads=1) is nudenet
    assert detector(threads=2) is not nudenet and detector(threads=2) is detector(threads=2)


def test_importing_the_module_loads_no_onnxruntime_or_opencv() -> None:
    code = "import sys, kinora.safety.frames; print(sorted(m for m in ('onnxruntime', 'cv2') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


# ---- judge: pure ----

def _frames(*labelled: tuple[str, float]) -> list[list[Detection]]:
    return [[Detection(label, score, (0, 0, 10, 10))] for label, score in labelled]


@pytest.mark.parametrize(("score", "standard", "strict"), [
    (0.75, "block", "block"), (0.65, "review", "block"), (0.6, "review", "block"), (0.55, "review", "review"),
    (0.5, "allow", "review"), (0.45, "allow", "review"), (0.4, "allow", "allow"),
])
def test_thresholds_decide(score: float, standard: str, strict: str) -> None:
    detections = _frames(("FACE_FEMALE", 0.9), ("FEMALE_BREAST_EXPOSED", score))
    assert judge(detections, STANDARD).outcome == standard
    assert judge(detections, STRICT).outcome == strict
    assert judge(detections, STANDARD).scores == {"sexual": score}


def test_buttocks_count_less_since_round_objects_look_like_them() -> None:
    # 0.55 is the most a ball in Kinora's own renders scored; it must not hold even a teen's clip.
    assert judge(_frames(("BUTTOCKS_EXPOSED", 0.55)), STRICT).outcome == "allow"
    assert judge(_frames(("BUTTOCKS_EXPOSED", 0.9)), STANDARD).scores == {"sexual": 0.75}


@pytest.mark.parametrize("label", ["FEMALE_BREAST_EXPOSED", "FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED",
                                   "ANUS_EXPOSED", "BUTTOCKS_EXPOSED"])
def test_every_exposed_sexual_class_blocks(label: str) -> None:
    verdict = judge(_frames((label, 0.9)), STANDARD)
    assert (verdict.outcome, verdict.category, verdict.layer) == ("block", "sexual", "frames")
    assert verdict.message == "Sexual content and nudity are not allowed on this instance."


@pytest.mark.parametrize("label", ["FEMALE_BREAST_COVERED", "FEMALE_GENITALIA_COVERED", "BUTTOCKS_COVERED",
                                   "ANUS_COVERED", "MALE_BREAST_EXPOSED", "BELLY_EXPOSED", "FEET_EXPOSED",
                                   "ARMPITS_EXPOSED", "FACE_MALE"])
def test_covered_and_non_sexual_classes_are_ignored(label: str) -> None:
    verdict = judge(_frames((label, 0.99)), STRICT)
    assert verdict.outcome == "allow" and verdict.scores == {"sexual": 0.0}


def test_the_reason_names_the_worst_class_frame_and_score() -> None:
    detections = _frames(("FEMALE_BREAST_EXPOSED", 0.6), ("BUTTOCKS_COVERED", 0.95), ("ANUS_EXPOSED", 0.71))
    verdict = judge(detections, STANDARD)
    assert verdict.reason == "ANUS_EXPOSED scored 0.71 in frame 2 (>= block threshold 0.70)"
    held = judge(detections[:1], STANDARD, frame_numbers=[17])
    assert held.outcome == "review" and held.reason == "FEMALE_BREAST_EXPOSED scored 0.60 in frame 17 " \
                                                       "(>= review threshold 0.55)"
    assert held.message.startswith("This request is held for review")
    assert judge([], STANDARD).outcome == "allow"


# ---- sampling ----

@pytest.mark.parametrize(("n", "fps", "per_second", "most", "expected"), [
    (48, 12.0, 2.0, 48, [0, 7, 13, 20, 27, 34, 40, 47]),  # 4 s at 12 fps: 8 frames, first and last
    (1, 24.0, 2.0, 48, [0]),
    (2, 24.0, 2.0, 48, [0, 1]),
    (3, 24.0, 2.0, 48, [0, 2]),  # an eighth of a second: still the first and the last
    (10, 24.0, 100.0, 48, list(range(10))),  # never more than every frame
    (480, 24.0, 2.0, 48, None),  # 20 s: 40 frames
    (960, 24.0, 2.0, 48, None),  # 40 s: capped at 48
    (100, 25.0, 1.0, 2, [0, 99]),
])
def test_sample_indices(n: int, fps: float, per_second: float, most: int, expected: list[int] | None) -> None:
    picked = sample_indices(n, fps, per_second, most)
    assert picked[0] == 0 and picked[-1] == n - 1 and picked == sorted(set(picked))
    assert len(picked) == min(n, most, max(2, int(np.ceil(n / fps * per_second))))
    if expected is not None:
        assert picked == expected


@pytest.mark.parametrize(("args", "message"), [
    ((0, 24.0, 2.0, 48), "n_frames must be positive; got 0"),
    ((48, 0.0, 2.0, 48), "fps must be positive; got 0.0"),
    ((48, 24.0, -1.0, 48), "per_second must be positive; got -1.0"),
    ((48, 24.0, 2.0, 1), r"max_frames must be at least 2 \(the first and last frame\); got 1"),
])
def test_sample_indices_refuses_bad_arguments(args: tuple[int, float, float, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sample_indices(*args)


# ---- bad inputs ----

def test_bad_images_name_the_argument_and_value(nudenet: Detector) -> None:
    good = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match=r"images\[1\] must be an \(H, W, 3\) uint8 RGB array; got shape "
                                         r"\(8, 8, 3\) float32"):
        nudenet.detect([good, good.astype(np.float32)])
    with pytest.raises(ValueError, match=r"image must be .*; got shape \(8, 8, 4\) uint8"):
        check_image(np.zeros((8, 8, 4), np.uint8), detector=nudenet)
    with pytest.raises(ValueError, match=r"image must be .*; got list"):
        check_image([[0]], detector=nudenet)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"frames must be a \(T, H, W, 3\) uint8 RGB array; got shape \(8, 8, 3\)"):
        check_frames(good, 12.0, detector=nudenet)
    with pytest.raises(ValueError, match=r"frames must be .*; got shape \(0, 8, 8, 3\) uint8"):
        check_frames(np.zeros((0, 8, 8, 3), np.uint8), 12.0, detector=nudenet)
    with pytest.raises(ValueError, match="fps must be positive; got -12.0"):
        check_frames(np.zeros((2, 8, 8, 3), np.uint8), -12.0, detector=nudenet)


def test_bad_settings_name_the_argument_and_value(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"review must not exceed block; got review 0.8 > block 0.7"):
        Thresholds(review=0.8)
    with pytest.raises(ValueError, match=r"face must be in \(0, 1\]; got 1.5"):
        Thresholds(face=1.5)
    with pytest.raises(ValueError, match="threads must be at least 1; got 0"):
        detector(threads=0)
    with pytest.raises(ValueError, match="model_path must be an ONNX file; got '.*missing.onnx'"):
        detector(tmp_path / "missing.onnx")
    with pytest.raises(ValueError, match="frame_numbers must have one number per frame \\(1\\); got 2"):
        judge(_frames(("ANUS_EXPOSED", 0.9)), STANDARD, frame_numbers=[1, 2])
