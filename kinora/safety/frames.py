"""Frame and input-image moderation: NudeNet's 320n detector (ONNX in the `nudenet` wheel) with our own pre- and
post-processing in numpy + PIL.

Generated clips are sampled (a few frames per second, first and last always) and any exposed sexual body part
scored at or above the thresholds blocks or holds the clip. Input images (a first frame or reference) are also
checked for faces: a photograph of a real person may be used only as that person's own verified cameo.

onnxruntime is imported only when a detector is first built, so the web process never loads it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from kinora.safety.policy import Outcome, Verdict, strictest

Frame = npt.NDArray[np.uint8]  # (H, W, 3) RGB

# The model's 18 output classes, in the order of its score rows (from nudenet 3.4.2).
LABELS = (
    "FEMALE_GENITALIA_COVERED", "FACE_FEMALE", "BUTTOCKS_EXPOSED", "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED", "MALE_BREAST_EXPOSED", "ANUS_EXPOSED", "FEET_EXPOSED", "BELLY_COVERED",
    "FEET_COVERED", "ARMPITS_COVERED", "ARMPITS_EXPOSED", "FACE_MALE", "BELLY_EXPOSED", "MALE_GENITALIA_EXPOSED",
    "ANUS_COVERED", "FEMALE_BREAST_COVERED", "BUTTOCKS_COVERED",
)
SEXUAL = frozenset({"FEMALE_BREAST_EXPOSED", "FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED", "ANUS_EXPOSED",
                    "BUTTOCKS_EXPOSED"})
FACES = frozenset({"FACE_FEMALE", "FACE_MALE"})
INPUT_SIZE = 320  # the model's square input side
MIN_SCORE = 0.2  # below every threshold we use: weaker boxes are dropped before NMS
IOU = 0.45  # NMS overlap above which the weaker box of one class is dropped
BATCH = 8  # frames per session run (the model takes any batch size)


@dataclass(frozen=True)
class Detection:
    label: str  # one of LABELS, e.g. "FEMALE_BREAST_EXPOSED", "FACE_MALE"
    score: float
    box: tuple[int, int, int, int]  # x, y, w, h in pixels of the input image


def _check_frame(image: object, name: str) -> Frame:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3 \
            or image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"{name} must be an (H, W, 3) uint8 RGB array; got {_describe(image)}")
    return image


def _describe(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"shape {value.shape} {value.dtype}"
    return type(value).__name__


def _letterbox(image: Frame) -> tuple[npt.NDArray[np.float32], float, float]:
    """(3, S, S) float in [0, 1]: the image scaled so its long side is S, padded black at the bottom/right (as the
    model was trained). Scaling before padding gives the same pixels as padding first, on far fewer of them.
    Returns the per-axis factors from model pixels back to image pixels."""
    height, width = image.shape[:2]
    scale = INPUT_SIZE / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    resized = np.asarray(Image.fromarray(image).resize((new_w, new_h), Image.Resampling.BILINEAR))
    canvas = np.zeros((3, INPUT_SIZE, INPUT_SIZE), np.float32)
    canvas[:, :new_h, :new_w] = resized.transpose(2, 0, 1)  # (3, new_h, new_w)
    canvas *= 1.0 / 255.0
    return canvas, width / new_w, height / new_h


def _nms(boxes: npt.NDArray[np.float32], scores: npt.NDArray[np.float32], iou: float) -> list[int]:
    """Greedy non-maximum suppression over (K, 4) x0, y0, x1, y1 boxes; indices kept, best first."""
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size:
        best, rest = int(order[0]), order[1:]
        keep.append(best)
        lo = np.maximum(boxes[best, :2], boxes[rest, :2])
        hi = np.minimum(boxes[best, 2:], boxes[rest, 2:])
        inter = np.prod(np.clip(hi - lo, 0, None), axis=1)
        union = area[best] + area[rest] - inter
        order = rest[inter <= iou * np.maximum(union, 1e-9)]
    return keep


def _decode(raw: npt.NDArray[np.float32], size: tuple[int, int], factors: tuple[float, float]) -> list[Detection]:
    """One image's (4 + 18, N) output (cx, cy, w, h in model pixels, then class scores) as detections in image
    pixels, best first."""
    class_scores = raw[4:]  # (18, N)
    classes = class_scores.argmax(axis=0)
    scores = class_scores[classes, np.arange(raw.shape[1])]
    keep = scores >= MIN_SCORE
    if not keep.any():
        return []
    classes, scores = classes[keep], scores[keep]
    cx, cy, w, h = raw[:4, keep]
    (height, width), (fx, fy) = size, factors
    boxes = np.stack([(cx - w / 2) * fx, (cy - h / 2) * fy, (cx + w / 2) * fx, (cy + h / 2) * fy], axis=1)
    boxes = np.clip(boxes, 0, [width, height, width, height]).astype(np.float32)
    # NMS per class: shifting each class to its own region keeps boxes of different classes from suppressing each
    # other (an exposed part overlapping a covered one must survive)
    shifted = boxes + (classes * float(max(width, height) + 1))[:, None]
    found = []
    for i in _nms(shifted, scores, IOU):
        x0, y0, x1, y1 = (round(float(v)) for v in boxes[i])
        found.append(Detection(LABELS[int(classes[i])], float(scores[i]), (x0, y0, x1 - x0, y1 - y0)))
    return found


class Detector:
    """The NudeNet ONNX session. `detect` is thread-safe (onnxruntime sessions may run concurrently)."""

    def __init__(self, model_path: Path, threads: int, version: str) -> None:
        # untyped package, imported here so that importing this module stays light
        ort: Any = importlib.import_module("onnxruntime")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        self._input: str = self._session.get_inputs()[0].name
        self.version = version

    def detect(self, images: Sequence[Frame]) -> list[list[Detection]]:
        """Detections per image, each image (H, W, 3) uint8 RGB of any size; runs BATCH images per session call."""
        checked = [_check_frame(image, f"images[{i}]") for i, image in enumerate(images)]
        results: list[list[Detection]] = []
        for start in range(0, len(checked), BATCH):
            chunk = checked[start:start + BATCH]
            boxed = [_letterbox(image) for image in chunk]
            batch = np.stack([tensor for tensor, _, _ in boxed])  # (B, 3, S, S)
            raw = self._session.run(None, {self._input: batch})[0]  # (B, 4 + 18, N)
            results += [_decode(raw[i], image.shape[:2], (fx, fy))
                        for i, (image, (_, fx, fy)) in enumerate(zip(chunk, boxed, strict=True))]
        return results


_detectors: dict[tuple[Path, int], Detector] = {}
_lock = threading.Lock()


def default_model_path() -> Path:
    """`320n.onnx` inside the installed nudenet package, found without importing it (its __init__ imports cv2)."""
    spec = importlib.util.find_spec("nudenet")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the nudenet package is not installed: pip install nudenet==3.4.2")
    return Path(next(iter(spec.submodule_search_locations))) / "320n.onnx"


def _version(path: Path, default: Path) -> str:
    if path == default:
        return f"nudenet-320n@{importlib.metadata.version('nudenet')}"
    return f"{path.stem}@sha256:{hashlib.sha256(path.read_bytes()).hexdigest()[:12]}"


def detector(model_path: Path | None = None, threads: int = 1) -> Detector:
    """The detector for this model file and thread count, built on first use and shared by the whole process."""
    if threads < 1:
        raise ValueError(f"threads must be at least 1; got {threads}")
    default = default_model_path()
    path = (model_path or default).resolve()
    if not path.is_file():
        raise ValueError(f"model_path must be an ONNX file; got {str(path)!r}")
    with _lock:
        if (path, threads) not in _detectors:
            _detectors[path, threads] = Detector(path, threads, _version(path, default.resolve()))
        return _detectors[path, threads]


@dataclass(frozen=True)
class Thresholds:
    block: float = 0.7  # an exposed sexual part scored at least this blocks
    review: float = 0.55  # at least this holds for review
    face: float = 0.5  # input images: a face scored at least this is a real person

    def __post_init__(self) -> None:
        for name in ("block", "review", "face"):
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in (0, 1]; got {getattr(self, name)}")
        if self.review > self.block:
            raise ValueError(f"review must not exceed block; got review {self.review} > block {self.block}")


STANDARD = Thresholds()
STRICT = Thresholds(block=0.6, review=0.45, face=0.4)  # teen requesters and clips with a cameo
# Round, skin-toned objects (a ball on a floor in Kinora's own renders) score BUTTOCKS_EXPOSED up to 0.55 at
# 320x256: that class counts this much less before the thresholds apply.
DISCOUNT = {"BUTTOCKS_EXPOSED": 0.15}


def sample_indices(n_frames: int, fps: float, per_second: float, max_frames: int) -> list[int]:
    """`per_second` frames per second of the clip spread evenly, always the first and the last, at most
    `max_frames` (the spacing then grows)."""
    for name, value in (("n_frames", n_frames), ("fps", fps), ("per_second", per_second)):
        if not value > 0:
            raise ValueError(f"{name} must be positive; got {value}")
    if max_frames < 2:
        raise ValueError(f"max_frames must be at least 2 (the first and last frame); got {max_frames}")
    count = min(n_frames, max_frames, max(2, math.ceil(n_frames / fps * per_second)))
    # the step is at least one frame, so rounding never repeats an index
    return [round(float(i)) for i in np.linspace(0, n_frames - 1, count)]


def judge(detections: list[list[Detection]], thresholds: Thresholds, *,
          frame_numbers: Sequence[int] | None = None) -> Verdict:
    """Exposed sexual parts against the thresholds; the reason names the class, frame and score of the worst one.
    `frame_numbers` are the clip's frame numbers of `detections` (default 0, 1, ...)."""
    numbers = list(frame_numbers) if frame_numbers is not None else list(range(len(detections)))
    if len(numbers) != len(detections):
        raise ValueError(f"frame_numbers must have one number per frame ({len(detections)}); got {len(numbers)}")
    worst: tuple[float, str, int] = (0.0, "", -1)
    for number, found in zip(numbers, detections, strict=True):
        for d in found:
            score = d.score - DISCOUNT.get(d.label, 0.0)
            if d.label in SEXUAL and score > worst[0]:
                worst = (score, d.label, number)
    score, label, number = worst
    scores = {"sexual": round(score, 4)}
    if score < thresholds.review:
        return Verdict("allow", layer="frames", scores=scores)
    outcome: Outcome = "block" if score >= thresholds.block else "review"
    limit = thresholds.block if outcome == "block" else thresholds.review
    reason = f"{label} scored {score:.2f} in frame {number} (>= {outcome} threshold {limit:.2f})"
    return Verdict(outcome, "sexual", "frames", reason, scores)


def check_frames(frames: npt.NDArray[np.uint8], fps: float, *, detector: Detector, thresholds: Thresholds = STANDARD,
                 per_second: float = 2.0, max_frames: int = 48) -> Verdict:
    """The generated clip's verdict from frames sampled `per_second` (T, H, W, 3 uint8 RGB)."""
    if not isinstance(frames, np.ndarray) or frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[3] != 3 \
            or 0 in frames.shape:
        raise ValueError(f"frames must be a (T, H, W, 3) uint8 RGB array; got {_describe(frames)}")
    picked = sample_indices(len(frames), fps, per_second, max_frames)
    verdict = judge(detector.detect([frames[i] for i in picked]), thresholds, frame_numbers=picked)
    return _with_version(verdict, detector)


def check_image(image: npt.NDArray[np.uint8], *, detector: Detector, thresholds: Thresholds = STANDARD,
                allow_person: bool = False) -> Verdict:
    """An input image's verdict: exposed sexual parts as for clips, and a face means a real person (blocked unless
    it is the requester's own verified cameo: `allow_person`)."""
    found = detector.detect([_check_frame(image, "image")])
    verdicts = [judge(found, thresholds)]
    faces = [d for d in found[0] if d.label in FACES and d.score >= thresholds.face]
    if faces and not allow_person:
        best = max(faces, key=lambda d: d.score)
        reason = f"{best.label} scored {best.score:.2f} (>= face threshold {thresholds.face:.2f}): a real person " \
                 f"in an input image needs their own cameo"
        verdicts.append(Verdict("block", "real_person", "frames", reason, {"real_person": round(best.score, 4)}))
    return _with_version(strictest(verdicts), detector)


def _with_version(verdict: Verdict, detector: Detector) -> Verdict:
    return replace(verdict, versions={**verdict.versions, "frames": detector.version})
