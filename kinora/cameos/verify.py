"""Check a verification clip against its challenge: one face in most frames, the head turned both ways, the same
face throughout, the challenge's digits spoken; then the face chips, face embedding and voice embedding to keep.

Every failure is explained in words a person can act on ("turn your head further to the right"), with the numbers
that led to it. Whose face it is (a match with other people's cameos) is the caller's question: it needs the
database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from kinora.cameos.faces import CHIP, Face, FaceModels, distance
from kinora.cameos.speech import DigitCheck, DigitVerifier, speech_seconds

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]
Kind = Literal["person", "character"]

SECONDS = {"person": (3.0, 15.0), "character": (3.0, 10.0)}
SAMPLES_PER_SECOND = 3.0
MAX_SAMPLES = 36
MIN_FACE_SHARE = 0.7  # frames with a face, of those sampled
MAX_CROWD_SHARE = 0.2  # frames with a second face
SECOND_FACE = 0.5  # a second face counts when it is at least this wide against the first (not a poster far away)
MIN_TURN = 0.12  # yaw, in eye widths, each way from the clip's median: about 15 degrees
SAME_FACE = 0.6  # every embedded frame lies within this of the clip's median face
EMBEDDED_FRAMES = 6
KEPT_CHIPS = 5
MIN_SPEECH = 1.0  # seconds


@dataclass(frozen=True)
class Failure:
    code: str
    message: str


@dataclass
class Verification:
    kind: Kind
    seconds: float
    size: tuple[int, int] = (0, 0)  # the clip's width and height
    frames_checked: int = 0
    frames_with_face: int = 0
    frames_with_crowd: int = 0
    yaw: tuple[float, float] = (0.0, 0.0)  # how far the head turned, each way from its median (eye widths)
    digits: DigitCheck | None = None
    speech: float = 0.0  # seconds of speech heard
    failures: list[Failure] = field(default_factory=list)
    chips: list[U8] = field(default_factory=list)  # (150, 150, 3) aligned faces: frontal first, then turned
    face_embedding: F32 | None = None  # (128,) the clip's median face
    voice_embedding: F32 | None = None  # (256,)

    @property
    def passed(self) -> bool:
        return not self.failures

    def fail(self, code: str, message: str) -> None:
        self.failures.append(Failure(code, message))

    def report(self) -> dict[str, Any]:
        """What the checks found, for the user and the audit trail; no biometric data."""
        return {
            "passed": self.passed, "kind": self.kind, "seconds": round(self.seconds, 2),
            "frames_checked": self.frames_checked, "frames_with_face": self.frames_with_face,
            "frames_with_several_faces": self.frames_with_crowd,
            "head_turn": {"left": round(self.yaw[0], 3), "right": round(self.yaw[1], 3), "needed": MIN_TURN},
            "digits": None if self.digits is None else {"expected": self.digits.expected, "heard": self.digits.heard,
                                                        "matched": self.digits.matched, "engine": self.digits.engine},
            "speech_seconds": round(self.speech, 2),
            "failures": [{"code": f.code, "message": f.message} for f in self.failures],
        }


@dataclass(frozen=True)
class Sampled:
    frames: list[U8]  # (H, W, 3) RGB, SAMPLES_PER_SECOND of them a second
    seconds: float
    audio: F32 | None  # (S,) mono
    sample_rate: int


def verify_clip(path: Path, *, kind: Kind, digits: str, faces: FaceModels, verifier: DigitVerifier,
                voice: Callable[[F32, int], F32], progress: Callable[[float], None] = lambda _: None) -> Verification:
    """Run every check on the clip at `path`; `digits` is the challenge read aloud (person cameos only)."""
    clip = sample(path, max_seconds=SECONDS[kind][1] + 1.0)
    result = Verification(kind=kind, seconds=clip.seconds, size=(clip.frames[0].shape[1], clip.frames[0].shape[0]))
    low, high = SECONDS[kind]
    if not low <= clip.seconds <= high:
        result.fail("clip_length", f"the clip must last {low:g}-{high:g} s; it lasts {clip.seconds:.1f} s")
        return result
    progress(0.2)
    if kind == "character":
        result.chips = _character_chips(clip.frames)
        return result
    _check_faces(result, clip.frames, faces, progress)
    progress(0.8)
    _check_speech(result, clip, digits, verifier, voice)
    progress(1.0)
    return result


def sample(path: Path, *, max_seconds: float) -> Sampled:
    """Frames at SAMPLES_PER_SECOND (at most MAX_SAMPLES, spread evenly) and the mono soundtrack. Raises ValueError
    when the file is not a video."""
    import av

    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError) as e:
        raise ValueError(f"the upload is not a readable video: {e}") from e
    with container:
        if not container.streams.video:
            raise ValueError("the upload has no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        timed = [(t, f) for t, f in _every(container, stream, 1.0 / SAMPLES_PER_SECOND, max_seconds)]
    if not timed:
        raise ValueError("the upload's video stream holds no frames")
    seconds = timed[-1][0] + 1.0 / SAMPLES_PER_SECOND
    picks = np.linspace(0, len(timed) - 1, min(len(timed), MAX_SAMPLES)).round().astype(int)
    audio, rate = _mono(path, max_seconds)
    return Sampled([timed[i][1] for i in picks], seconds, audio, rate)


def _every(container: Any, stream: Any, interval: float, max_seconds: float) -> Iterator[tuple[float, U8]]:
    """(time, RGB frame) for the first frame in each `interval`; frames in between are decoded, never converted."""
    first: float | None = None
    due = 0.0
    last = 0.0
    for frame in container.decode(stream):
        at = float(frame.time) if frame.time is not None else last
        first = at if first is None else first
        last = at
        if at - first > max_seconds:
            break
        if at - first >= due:
            yield at - first, np.ascontiguousarray(frame.to_ndarray(format="rgb24"))  # dlib refuses padded rows
            due += interval


def _mono(path: Path, max_seconds: float) -> tuple[F32 | None, int]:
    from kinora.media.probe import read_audio

    audio, _, rate = read_audio(path, max_seconds=max_seconds)
    if audio is None:
        return None, rate
    return np.ascontiguousarray(audio.mean(axis=1), dtype=np.float32), rate  # (S,)


def _check_faces(result: Verification, frames: list[U8], faces: FaceModels,
                 progress: Callable[[float], None]) -> None:
    found: list[tuple[U8, Face]] = []
    for i, frame in enumerate(frames):
        seen = faces.detect(frame)
        if seen:
            found.append((frame, seen[0]))
        if len(seen) > 1 and seen[1].width >= SECOND_FACE * seen[0].width:
            result.frames_with_crowd += 1
        progress(0.2 + 0.5 * (i + 1) / len(frames))
    result.frames_checked, result.frames_with_face = len(frames), len(found)
    if len(found) < MIN_FACE_SHARE * len(frames):
        result.fail("no_face", f"a face was found in only {len(found)} of {len(frames)} frames checked; keep your "
                               "whole face in view, in good light, facing the camera between turns")
        return
    if result.frames_with_crowd > MAX_CROWD_SHARE * len(frames):
        result.fail("several_faces", f"{result.frames_with_crowd} of {len(frames)} frames show more than one face; "
                                     "record alone, with no one else (or their photo) in view")
        return
    _check_turn(result, [face.yaw for _, face in found])
    _embed(result, found, faces)


def _check_turn(result: Verification, yaws: list[float]) -> None:
    centre = float(np.median(yaws))
    result.yaw = (centre - min(yaws), max(yaws) - centre)
    # Positive yaw is the nose towards the image's right: the subject's left in an unmirrored recording.
    missing = [side for side, turn in zip(("right", "left"), result.yaw, strict=True) if turn < MIN_TURN]
    if missing:
        sides = " and ".join(missing)
        result.fail("no_head_turn", f"turn your head further to your {sides}: the turn measured "
                                    f"{result.yaw[0]:.2f} and {result.yaw[1]:.2f} eye widths each way, at least "
                                    f"{MIN_TURN:g} is needed")


def _embed(result: Verification, found: list[tuple[U8, Face]], faces: FaceModels) -> None:
    """Embed the most frontal frames (the embedder is trained on those); keep a few turned chips for engines."""
    by_turn = sorted(found, key=lambda item: abs(item[1].yaw))
    frontal = by_turn[:EMBEDDED_FRAMES]
    chips = [faces.chip(frame, face) for frame, face in frontal]
    vectors = faces.embed_chips(chips)  # (n, 128)
    median = np.median(vectors, axis=0).astype(np.float32)
    spread = max(distance(v, median) for v in vectors)
    if spread > SAME_FACE:
        result.fail("face_changed", f"the face changes during the clip (distance {spread:.2f}, at most {SAME_FACE:g}"
                                    "); record one person, without cuts")
        return
    turned = [faces.chip(frame, face) for frame, face in (by_turn[-1], by_turn[len(by_turn) // 2])]
    result.chips = chips[: KEPT_CHIPS - len(turned)] + turned
    result.face_embedding = median


def _check_speech(result: Verification, clip: Sampled, digits: str, verifier: DigitVerifier,
                  voice: Callable[[F32, int], F32]) -> None:
    if clip.audio is None:
        result.fail("no_audio", "the clip has no sound; record with your microphone on and read the digits aloud")
        return
    result.speech = speech_seconds(clip.audio, clip.sample_rate)
    if result.speech < MIN_SPEECH:
        result.fail("no_speech", f"no speech was heard ({result.speech:.1f} s); read the digits aloud, clearly")
        return
    result.digits = verifier.check(clip.audio, clip.sample_rate, digits)
    if not result.digits.passed:
        heard = " ".join(result.digits.heard) or "no digits"
        result.fail("wrong_digits", f"the digits heard ({heard}) do not match the challenge "
                                    f"({' '.join(digits)}); read the digits shown, one by one")
    result.voice_embedding = voice(clip.audio, clip.sample_rate)


def _character_chips(frames: list[U8]) -> list[U8]:
    """A pet or an object has no face model: keep centre squares of a few frames as its reference pictures."""
    from PIL import Image

    picks = np.linspace(0, len(frames) - 1, min(len(frames), KEPT_CHIPS)).round().astype(int)
    chips = []
    for i in picks:
        frame = frames[i]
        side = min(frame.shape[:2])
        top, left = (frame.shape[0] - side) // 2, (frame.shape[1] - side) // 2
        square = Image.fromarray(frame[top:top + side, left:left + side]).resize((CHIP, CHIP))
        chips.append(np.asarray(square, dtype=np.uint8))
    return chips
