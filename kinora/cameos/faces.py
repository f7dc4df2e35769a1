"""Faces in verification clips: detect (dlib's HOG detector), five landmarks, head yaw, aligned chips and 128-d
embeddings (dlib's ResNet, the CC0 models of `face_recognition_models`, loaded from disk: no download).

The 68-point landmark model in the same package is never used: its training data excludes commercial use.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]

LANDMARKS = "shape_predictor_5_face_landmarks.dat"
EMBEDDER = "dlib_face_recognition_resnet_model_v1.dat"
CHIP = 150  # the embedder's input side
DETECT_SIDE = 360  # faces are found on a copy whose shorter side is this: a selfie's face is still ~150 px there


@dataclass(frozen=True)
class Face:
    box: tuple[int, int, int, int]  # left, top, right, bottom in frame pixels
    score: float  # the detector's margin; larger is surer
    landmarks: npt.NDArray[np.float64]  # (5, 2) x, y: eye corners (subject's left eye first), nose base

    @property
    def yaw(self) -> float:
        """How far the nose sits from the eyes' midpoint, in eye widths: 0 frontal; positive when the nose points
        to the image's right (the subject turns to their left in an unmirrored camera)."""
        eyes, nose = self.landmarks[:4], self.landmarks[4]
        middle = eyes.mean(axis=0)
        span = float(np.linalg.norm(eyes[:2].mean(axis=0) - eyes[2:].mean(axis=0)))
        return float((nose[0] - middle[0]) / max(span, 1.0))

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]


def models_folder(folder: Path | None) -> Path:
    """`folder`, or the models directory of the installed face_recognition_models package (found without
    importing it: its __init__ needs pkg_resources)."""
    if folder is None:
        spec = importlib.util.find_spec("face_recognition_models")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("face models not found: pip install face_recognition_models, or set "
                               "KINORA_FACE_MODELS to a folder holding " + f"{LANDMARKS} and {EMBEDDER}")
        folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    missing = [name for name in (LANDMARKS, EMBEDDER) if not (folder / name).is_file()]
    if missing:
        raise RuntimeError(f"face_models: {str(folder)!r} lacks {', '.join(missing)}")
    return folder


class FaceModels:
    """dlib's detector, landmark model and embedder. dlib objects are not documented thread-safe: one lock."""

    def __init__(self, folder: Path | None = None) -> None:
        import dlib  # type: ignore[import-untyped]

        root = models_folder(folder)
        self._lock = threading.Lock()
        self._detector: Any = dlib.get_frontal_face_detector()
        self._landmarks: Any = dlib.shape_predictor(str(root / LANDMARKS))
        self._embedder: Any = dlib.face_recognition_model_v1(str(root / EMBEDDER))
        self._dlib = dlib

    def detect(self, frame: U8, *, min_score: float = 0.0) -> list[Face]:
        """Faces in `frame` (H, W, 3) RGB, largest first. Found on a scaled copy, landmarks at full size."""
        height, width = frame.shape[:2]
        scale = min(1.0, DETECT_SIDE / min(height, width))
        small = _resize(frame, scale)
        with self._lock:
            rects, scores, _ = self._detector.run(small, 0 if scale < 1.0 else 1, min_score)
            faces = [self._face(frame, rect, float(score), scale) for rect, score in zip(rects, scores, strict=True)]
        return sorted(faces, key=lambda face: -face.width)

    def _face(self, frame: U8, rect: Any, score: float, scale: float) -> Face:
        box = (int(rect.left() / scale), int(rect.top() / scale), int(rect.right() / scale),
               int(rect.bottom() / scale))
        shape = self._landmarks(frame, self._dlib.rectangle(*box))
        points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)  # (5, 2)
        return Face(box=box, score=score, landmarks=points)

    def chip(self, frame: U8, face: Face) -> U8:
        """The face aligned (eyes level, fixed scale) in a (150, 150, 3) square: what the embedder and engines see."""
        with self._lock:
            shape = self._landmarks(frame, self._dlib.rectangle(*face.box))
            return np.asarray(self._dlib.get_face_chip(frame, shape, size=CHIP), dtype=np.uint8)

    def embed_chips(self, chips: list[U8]) -> F32:
        """(n, 128) embeddings of aligned chips; faces of one person lie within ~0.5 of each other."""
        if not chips:
            return np.zeros((0, 128), np.float32)
        with self._lock:
            vectors = self._embedder.compute_face_descriptor(chips)
        return np.asarray([np.asarray(v) for v in vectors], dtype=np.float32)


@lru_cache(maxsize=4)
def load(folder: Path | None = None) -> FaceModels:
    """One set of models per folder and process (loading costs ~0.3 s)."""
    return FaceModels(folder)


def distance(a: F32, b: F32) -> float:
    return float(np.linalg.norm(np.asarray(a, np.float32) - np.asarray(b, np.float32)))


def _resize(frame: U8, scale: float) -> U8:
    if scale >= 1.0:
        return frame
    from PIL import Image

    height, width = frame.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(frame).resize(size, Image.Resampling.BILINEAR))
