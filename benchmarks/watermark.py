"""Provenance watermark benchmark: robustness, quality, speed and false positives of the video and audio marks.

Run: .venv/bin/python benchmarks/watermark.py [--quick] [--size 720x1280] [--seconds 2] [--scenes 3]
     [--baseline-frames 12] [--unmarked 2000] [--unmarked-audio 500] [--workers 2] [--only-false-positives]

Video clips are synthetic natural-ish panning shots (smooth blobs, fine texture, a flat sky band) plus
world-engine renders (flat floors and walls, moving objects): the hard case for a mark that hides in
texture. Each attack is applied to the marked clip and `detect` runs on the result. "bit acc" is the fraction
of the 64 payload bits the best-synchronised decode got right (0.5 is chance), "found" the number of clips
whose CRC-checked payload came back exactly.

Beside it runs the baseline the provenance design was compared with: the `invisible-watermark` package's
dwtDctSvd (per frame, no sync; majority vote of each bit over the frames), on the first frames of the same
clips with the same payloads and attacks. VideoSeal's published figures are printed as fixed reference rows:
they need a GPU and weights, so they are not measured here.

The false-positive run detects on short unmarked clips (panning shots, world renders of varied prompts and
seeds, noise, flat colour, and H.264 round trips of them); the audio part measures the soundtrack mark on
world-engine soundtracks and synthetic speech-like and music-like signals, and its false positives.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shlex
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt
from rich.console import Console
from rich.table import Table
from scipy import ndimage, signal

from kinora.engines.base import Clip
from kinora.media import audiomark
from kinora.media.attacks import Frames, blur, crop, flip, gain, h264, letterbox, panning_scene, psnr, resize
from kinora.media.encode import write_mp4
from kinora.media.probe import read_video
from kinora.media.watermark import FALSE_POSITIVE_RATE, detect, embed
from kinora.world.generate import render_plan
from kinora.world.parse import parse_prompt

Audio = npt.NDArray[np.float32]  # (S, C) or (S,)

FPS = 24
WORLD_PROMPTS = [
    "three red rubber balls bounce on a wooden floor",
    "a tower of six wooden blocks collapses",
    "a steel ball rolls down a ramp into a row of ten dominoes",
]
# Varied scenes for the false-positive runs: floors, walls, repeats (dominoes), outdoor light.
FP_PROMPTS = [
    "a red ball bounces",
    "a row of twenty dominoes topples",
    "a steel ball knocks over three bowling pins",
    "two orange balls and a green cube are thrown in a park on a sunny day",
    "a pendulum swings",
    "a tower of six blocks collapses",
    "a red ball, a green ball and a yellow cube drop onto a wooden floor",
    "a ball bounces down the stairs",
    "something bounces in slow motion",
    "a red ball and four cubes",
]
FP_HEIGHT, FP_WIDTH, FP_FRAMES = 640, 360, 24  # 1 s portrait clips: small enough for thousands on 2 cores
FP_VIDEO_KINDS = ("panning scene", "world render", "noise", "flat colour", "H.264 panning scene", "H.264 world")
FP_AUDIO_KINDS = ("world soundtrack", "speech-like", "music-like", "noise", "near silence", "AAC 64k round trip")
SSIM_FRAMES = 8  # frames per clip that SSIM is computed on (evenly spaced): SSIM costs more than the embed
AUDIO_RATE = 48_000
AUDIO_SECONDS = 4.5  # long enough for a 2 s excerpt taken off the start
AAC_BITRATE = 64_000
# Designed false-positive rate of the audio mark per clip: every Chase pattern of every tried hypothesis is
# one CRC-32 check, each with its single-error syndromes (CODED_BITS of them) plus the pattern itself.
AUDIO_FALSE_POSITIVE_RATE = audiomark.CHASE_HYPOTHESES * 2**audiomark.CHASE_BITS * (audiomark.CODED_BITS + 1) / 2**32
VIDEOSEAL_SOURCE = "facebookresearch/videoseal notebooks/video_inference.ipynb (VideoSeal v1.0, 256 bits)"
VIDEOSEAL_PUBLISHED = [("clean", "1.00"), ("H.264 CRF 40", "0.797"), ("H.264 CRF 30 + 80% crop", "0.613")]
BASELINE_INSTALL = (
    ".venv/bin/pip install --no-deps invisible-watermark==0.2.0 && "
    ".venv/bin/pip install opencv-python-headless PyWavelets"
)


@dataclass(frozen=True)
class Settings:
    width: int
    height: int
    seconds: float
    scenes: int
    world_clips: int
    baseline_frames: int
    unmarked: int
    unmarked_audio: int
    audio_hosts: int  # world soundtracks; a speech-like and a music-like signal are always added
    workers: int


# Explicit flags override these; --quick must run everything in about 3 minutes on 2 cores.
QUICK: dict[str, Any] = dict(
    seconds=1.0, scenes=1, world_clips=1, baseline_frames=4, unmarked=24, unmarked_audio=24, audio_hosts=1
)
FULL: dict[str, Any] = dict(
    seconds=2.0, scenes=3, world_clips=2, baseline_frames=12, unmarked=2000, unmarked_audio=500, audio_hosts=2
)


def parse_args(argv: list[str] | None = None) -> tuple[Settings, bool]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small version of everything (~3 min)")
    parser.add_argument("--only-false-positives", action="store_true", help="run only the false-positive part")
    parser.add_argument("--size", default="720x1280", help="WIDTHxHEIGHT of the clips (product default)")
    parser.add_argument("--seconds", type=float, help="clip length at 24 fps (2; quick 1)")
    parser.add_argument("--scenes", type=int, help="synthetic panning scenes (3; quick 1)")
    parser.add_argument("--world-clips", type=int, help=f"world-engine clips, 0..{len(WORLD_PROMPTS)} (2; quick 1)")
    parser.add_argument("--baseline-frames", type=int, help="frames per clip the baseline marks (12; quick 4)")
    parser.add_argument("--unmarked", type=int, help="unmarked video clips for false positives (2000; quick 24)")
    parser.add_argument("--unmarked-audio", type=int, help="unmarked audio clips for false positives (500; quick 24)")
    parser.add_argument("--audio-hosts", type=int, help="world soundtracks for the audio rows (2; quick 1)")
    parser.add_argument("--workers", type=int, default=2, help="processes for the false-positive runs")
    args = parser.parse_args(argv)
    defaults = QUICK if args.quick else FULL
    picked = {k: v if (v := getattr(args, k)) is not None else defaults[k] for k in defaults}
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size must be WIDTHxHEIGHT; got {args.size!r}")
    if width % 2 or height % 2 or min(width, height) < 256:
        parser.error(f"--size must be even and at least 256 px per side; got {args.size}")
    if picked["baseline_frames"] < 4:
        got = picked["baseline_frames"]
        parser.error(f"--baseline-frames must be at least 4 (frame rate /2 + trim drops 3); got {got}")
    if not 0 <= picked["world_clips"] <= len(WORLD_PROMPTS):
        parser.error(f"--world-clips must be 0..{len(WORLD_PROMPTS)}; got {picked['world_clips']}")
    if args.workers < 1:
        parser.error(f"--workers must be at least 1; got {args.workers}")
    return Settings(width=width, height=height, workers=args.workers, **picked), args.only_false_positives


# ---------------------------------------------------------------------------------------------- measures


def bit_accuracy(decoded: bytes | None, payload: bytes) -> float:
    """Share of payload bits right; no decode at all counts as chance (0.5)."""
    if decoded is None:
        return 0.5
    diff = np.unpackbits(np.frombuffer(bytes(a ^ b for a, b in zip(decoded, payload, strict=True)), np.uint8))
    return 1.0 - float(diff.mean())


def luma(frame: npt.NDArray[np.uint8]) -> npt.NDArray[np.float64]:
    weights = np.array([0.299, 0.587, 0.114])  # BT.601
    return np.asarray(frame @ weights, dtype=np.float64)  # (H, W)


def ssim_frame(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
    """SSIM of two luma planes: Gaussian window of 11 taps (sigma 1.5), K1 0.01, K2 0.03, L 255; the mean over
    the pixels whose window lies inside the frame."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def window(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.asarray(ndimage.gaussian_filter(x, 1.5, truncate=3.5))  # radius int(3.5 * 1.5 + 0.5) = 5

    mu_a, mu_b = window(a), window(b)
    var_a = window(a * a) - mu_a**2
    var_b = window(b * b) - mu_b**2
    cov = window(a * b) - mu_a * mu_b
    ssim_map = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return float(ssim_map[5:-5, 5:-5].mean())


def ssim(original: Frames, marked: Frames) -> float:
    picks = np.unique(np.linspace(0, len(original) - 1, SSIM_FRAMES).round().astype(int))
    return float(np.mean([ssim_frame(luma(original[i]), luma(marked[i])) for i in picks]))


# ---------------------------------------------------------------------------------------------- attacks


def h265(frames: Frames, *, fps: int, crf: int, folder: Path) -> Frames:
    """The frames after an H.265 (libx265, veryfast) encode at `crf` and a decode."""
    path = folder / f"attack-x265-crf{crf}.mp4"
    with av.open(str(path), mode="w", format="mp4") as out:
        stream = out.add_stream("libx265", rate=fps)
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf), "preset": "veryfast", "x265-params": "log-level=error"}
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return read_video(path).frames


def box_4_3(frames: Frames) -> Frames:
    """Into a 4:3 canvas with black bars, then 0.75x: `attacks.letterbox` for landscape clips; portrait clips
    (which it does not take) go into a 3:4 canvas with bars left and right."""
    t, h, w, _ = frames.shape
    if w >= h:
        return letterbox(frames)
    canvas = np.zeros((t, h, h * 3 // 4, 3), dtype=np.uint8)  # (T, H, 3H/4, 3)
    left = (canvas.shape[2] - w) // 2
    canvas[:, :, left : left + w] = frames
    return resize(canvas, 0.75)


def has_x265() -> bool:
    return "libx265" in av.codecs_available


def video_attacks(tmp: Path) -> dict[str, Callable[[Frames], Frames]]:
    def x264(crf: int) -> Callable[[Frames], Frames]:
        return lambda f: h264(f, fps=FPS, crf=crf, folder=tmp)

    table: dict[str, Callable[[Frames], Frames]] = {
        "clean": lambda f: f,
        "H.264 CRF 23": x264(23),
        "H.264 CRF 28": x264(28),
        "H.264 CRF 32": x264(32),
    }
    if has_x265():
        table["H.265 CRF 32"] = lambda f: h265(f, fps=FPS, crf=32, folder=tmp)
    table |= {
        "H.264 CRF 40": x264(40),  # VideoSeal's published point
        "resize 0.5x": lambda f: resize(f, 0.5),
        "crop 70% area": crop,
        "horizontal flip": flip,
        "4:3 bars + 0.75x": box_4_3,
        "frame rate /2 + trim": lambda f: f[3::2],
        "brightness +20%": lambda f: gain(f, 1.2, 0.0),
        "brightness -20%": lambda f: gain(f, 0.8, 0.0),
        "contrast +20%": lambda f: gain(f, 1.2, 128.0),
        "contrast -20%": lambda f: gain(f, 0.8, 128.0),
        "blur sigma 1": blur,
        "CRF 32 + 0.5x": lambda f: x264(32)(resize(f, 0.5)),
        "crop 80% area + CRF 30": lambda f: x264(30)(crop(f, 0.8)),  # VideoSeal's published point
        "crop + flip + CRF 28": lambda f: x264(28)(flip(crop(f))),
        "crop + flip + 0.5x + CRF 32": lambda f: x264(32)(resize(flip(crop(f)), 0.5)),
    }
    return table


# ---------------------------------------------------------------------------------------------- baseline


class Baseline:
    """invisible-watermark's dwtDctSvd, frame by frame (it works on BGR images); bits majority-voted."""

    def __init__(self, encoder: Any, decoder: Any) -> None:
        self._encoder, self._decoder = encoder, decoder

    @classmethod
    def load(cls) -> Baseline | None:
        try:
            from imwatermark import WatermarkDecoder, WatermarkEncoder  # type: ignore[import-untyped,import-not-found,unused-ignore]
        except ImportError as err:
            print(
                f"baseline skipped: invisible-watermark is not importable ({err}). Install it with:\n"
                f"  {BASELINE_INSTALL}"
            )
            return None
        return cls(WatermarkEncoder, WatermarkDecoder)

    def embed(self, frames: Frames, payload: bytes) -> Frames:
        encoder = self._encoder()
        encoder.set_watermark("bytes", payload)
        marked = [encoder.encode(np.ascontiguousarray(f[..., ::-1]), "dwtDctSvd")[..., ::-1] for f in frames]
        return np.stack(marked).astype(np.uint8)

    def decode(self, frames: Frames, bits: int = 64) -> bytes:
        decoder = self._decoder("bits", bits)
        votes = np.mean([decoder.decode(np.ascontiguousarray(f[..., ::-1]), "dwtDctSvd") for f in frames], axis=0)
        return np.packbits(votes > 0.5).tobytes()


# ---------------------------------------------------------------------------------------------- video


@dataclass
class VideoCase:
    name: str
    frames: Frames
    payload: bytes
    marked: Frames | None = None
    embed_s: float = 0.0
    encode_s: float = 0.0
    base_marked: Frames | None = None
    base_embed_s: float = 0.0


@dataclass
class AttackRow:
    ours_acc: list[float]
    ours_found: int
    ours_scores: list[float]
    detect_s: float
    detect_frames: int
    base_acc: list[float]
    base_exact: int


def world_clip(prompt: str, seconds: float, height: int, width: int, seed: int = 2) -> Clip:
    return render_plan(parse_prompt(prompt, seed=seed), seconds=seconds, width=width, height=height, fps=FPS, seed=seed)


def video_cases(s: Settings) -> list[VideoCase]:
    n = round(s.seconds * FPS)
    rng = np.random.default_rng(0)
    cases = [VideoCase(f"panning {i}", panning_scene(i, n, s.height, s.width), rng.bytes(8)) for i in range(s.scenes)]
    for prompt in WORLD_PROMPTS[: s.world_clips]:
        frames = world_clip(prompt, s.seconds, s.height, s.width).frames
        cases.append(VideoCase(f"world: {prompt}", frames, rng.bytes(8)))
    return cases


def mark_and_encode(cases: list[VideoCase], baseline: Baseline | None, s: Settings, tmp: Path) -> None:
    """Fill in the marked frames and the embed and encode times (the encode is write_mp4 of the marked clip,
    video only, as it ships: libx264 veryfast CRF 20)."""
    embed(cases[0].frames[:2], cases[0].payload)  # warm-up: first-call costs are not per-frame costs
    for case in cases:
        start = time.perf_counter()
        case.marked = embed(case.frames, case.payload)
        case.embed_s = time.perf_counter() - start
        start = time.perf_counter()
        write_mp4(Clip(case.marked, float(FPS), None, AUDIO_RATE), tmp / "encode.mp4")
        case.encode_s = time.perf_counter() - start
        if baseline is not None:
            start = time.perf_counter()
            case.base_marked = baseline.embed(case.frames[: s.baseline_frames], case.payload)
            case.base_embed_s = time.perf_counter() - start


def run_video_attacks(cases: list[VideoCase], baseline: Baseline | None, tmp: Path) -> dict[str, AttackRow]:
    rows: dict[str, AttackRow] = {}
    for name, attack in video_attacks(tmp).items():
        print(f"  attack: {name}", file=sys.stderr, flush=True)
        row = AttackRow([], 0, [], 0.0, 0, [], 0)
        for case in cases:
            assert case.marked is not None
            attacked = attack(case.marked)
            start = time.perf_counter()
            result = detect(attacked)
            row.detect_s += time.perf_counter() - start
            row.detect_frames += min(len(attacked), 48)  # detect reads at most max_frames=48
            row.ours_acc.append(bit_accuracy(result.decoded, case.payload))
            row.ours_found += result.found and result.payload == case.payload
            row.ours_scores.append(result.score)
            if baseline is not None and case.base_marked is not None:
                decoded = baseline.decode(attack(case.base_marked))
                row.base_acc.append(bit_accuracy(decoded, case.payload))
                row.base_exact += decoded == case.payload
        rows[name] = row
    return rows


def attack_table(rows: dict[str, AttackRow], cases: list[VideoCase], s: Settings, baseline: bool) -> Table:
    title = f"video watermark vs attacks: {len(cases)} clips of {s.width}x{s.height}, {s.seconds:g} s at {FPS} fps" + (
        f"; baseline = invisible-watermark dwtDctSvd on the first {s.baseline_frames} frames of each clip, "
        "bits majority-voted over frames"
        if baseline
        else "; baseline not run"
    )
    table = Table(title=title)
    columns = ["attack", "ours bit acc", "ours worst", "ours found", "sync score", "detect s/clip"]
    if baseline:
        columns += ["baseline bit acc", "baseline worst", "baseline exact"]
    for col in columns:
        table.add_column(col, justify="left" if col == "attack" else "right")
    n = len(cases)
    for name, row in rows.items():
        cells = [
            name,
            f"{np.mean(row.ours_acc):.3f}",
            f"{min(row.ours_acc):.3f}",
            f"{row.ours_found}/{n}",
            f"{np.mean(row.ours_scores):.1f}",
            f"{row.detect_s / n:.2f}",
        ]
        if baseline:
            cells += [f"{np.mean(row.base_acc):.3f}", f"{min(row.base_acc):.3f}", f"{row.base_exact}/{n}"]
        table.add_row(*cells)
    if not has_x265():
        table.caption = "H.265 CRF 32 skipped: PyAV has no libx265 encoder here"
    return table


def quality_table(cases: list[VideoCase], rows: dict[str, AttackRow], s: Settings, baseline: bool) -> Table:
    frames = sum(len(c.frames) for c in cases)
    encode_s = sum(c.encode_s for c in cases)
    encode_per_frame = encode_s / frames
    table = Table(
        title=f"quality and speed at {s.width}x{s.height} (SSIM: luma, Gaussian 11x11 sigma 1.5, "
        f"{SSIM_FRAMES} frames a clip; encode: libx264 veryfast CRF 20, {frames / encode_s:.0f} frames/s)"
    )
    for col in (
        "method",
        "PSNR mean dB",
        "PSNR worst dB",
        "SSIM mean",
        "SSIM worst",
        "embed frames/s",
        "detect frames/s",
        "embed / encode time",
    ):
        table.add_column(col, justify="left" if col == "method" else "right")
    ours_p = [psnr(c.frames, c.marked) for c in cases if c.marked is not None]
    ours_s = [ssim(c.frames, c.marked) for c in cases if c.marked is not None]
    embed_s = sum(c.embed_s for c in cases)
    clean = rows["clean"]
    table.add_row(
        "ours",
        f"{np.mean(ours_p):.1f}",
        f"{min(ours_p):.1f}",
        f"{np.mean(ours_s):.4f}",
        f"{min(ours_s):.4f}",
        f"{frames / embed_s:.0f}",
        f"{clean.detect_frames / clean.detect_s:.0f}",
        f"{embed_s / encode_s:.0%}",
    )
    if baseline:
        pairs = [(c.frames[: len(c.base_marked)], c.base_marked) for c in cases if c.base_marked is not None]
        base_p = [psnr(a, b) for a, b in pairs]
        base_s = [ssim(a, b) for a, b in pairs]
        base_frames = sum(len(b) for _, b in pairs)
        base_embed_per_frame = sum(c.base_embed_s for c in cases) / base_frames
        table.add_row(
            "invisible-watermark dwtDctSvd",
            f"{np.mean(base_p):.1f}",
            f"{min(base_p):.1f}",
            f"{np.mean(base_s):.4f}",
            f"{min(base_s):.4f}",
            f"{1 / base_embed_per_frame:.1f}",
            "",
            f"{base_embed_per_frame / encode_per_frame:.0%}",
        )
    return table


def videoseal_table(rows: dict[str, AttackRow]) -> Table:
    table = Table(
        title="VideoSeal v1.0 (256 bits): published figures, not measured here (it needs a GPU and its weights)",
        caption=f"source: {VIDEOSEAL_SOURCE}",
    )
    for col in ("attack", "VideoSeal bit acc (published)", "ours bit acc (measured)", "our row"):
        table.add_column(col, justify="left" if col in ("attack", "our row") else "right")
    ours = {"clean": "clean", "H.264 CRF 40": "H.264 CRF 40", "H.264 CRF 30 + 80% crop": "crop 80% area + CRF 30"}
    for name, acc in VIDEOSEAL_PUBLISHED:
        table.add_row(name, acc, f"{np.mean(rows[ours[name]].ours_acc):.3f}", ours[name])
    return table


def video_section(s: Settings, console: Console) -> None:
    baseline = Baseline.load()
    print("rendering video clips", file=sys.stderr, flush=True)
    cases = video_cases(s)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        mark_and_encode(cases, baseline, s, tmp)
        rows = run_video_attacks(cases, baseline, tmp)
    console.print(attack_table(rows, cases, s, baseline is not None))
    quality = quality_table(cases, rows, s, baseline is not None)
    console.print(quality)
    share = sum(c.embed_s for c in cases) / sum(c.encode_s for c in cases)
    verdict = "within" if share <= 0.25 else "over"
    console.print(f"embedding adds {share:.0%} to the encode time of the same clips (goal <= 25%: {verdict})")
    # The worker embeds once and encodes twice (the visibly marked file and the clean one, see jobs/worker.py).
    console.print(f"per generation, one embed for two encodes (visibly marked + clean): {share / 2:.0%}")
    console.print(videoseal_table(rows))


# ---------------------------------------------------------------------------------------------- audio


def _normalise(x: npt.NDArray[np.float64], rms_dbfs: float = -20.0) -> Audio:
    x = x * (10 ** (rms_dbfs / 20) / (np.sqrt(np.mean(x**2)) + 1e-12))
    return np.asarray(np.clip(x, -1.0, 1.0), dtype=np.float32)


def speech_like(seconds: float, seed: int, rate: int = AUDIO_RATE) -> Audio:
    """A voiced-speech stand-in: a gliding 100-220 Hz harmonic source shaped by three formants that jump per
    ~0.2 s syllable, syllable envelopes with pauses, and noisy fricatives. (S, 2), the same in both channels."""
    rng = np.random.default_rng(seed)
    n = round(seconds * rate)
    t = np.arange(n) / rate
    syllables = int(np.ceil(seconds / 0.2))
    idx = np.minimum((t / 0.2).astype(int), syllables - 1)  # (S,) syllable of each sample
    coarse = rate // 1000  # pitch and formants move slowly: they are computed per millisecond

    def per_syllable(lo: float, hi: float) -> npt.NDArray[np.float64]:
        """(S // coarse,) a value per syllable, gliding over ~20 ms to the next."""
        return np.asarray(ndimage.gaussian_filter1d(rng.uniform(lo, hi, syllables)[idx[::coarse]], 20.0))

    f0 = per_syllable(100, 220) * (1 + 0.05 * np.sin(2 * np.pi * 0.8 * t[::coarse]))
    formants = [(per_syllable(300, 800), 90.0), (per_syllable(900, 2300), 120.0), (per_syllable(2400, 3200), 160.0)]
    phase = 2 * np.pi * np.cumsum(np.repeat(f0, coarse)[:n]) / rate
    voiced = np.zeros(n)
    for k in range(1, int(5000 / 100) + 1):
        amp = sum(np.exp(-0.5 * ((k * f0 - f) / bw) ** 2) for f, bw in formants) / np.sqrt(k)
        voiced += np.repeat(np.where(k * f0 < 5000, amp, 0.0), coarse)[:n] * np.sin(k * phase)
    on = rng.random(syllables) > 0.2  # one syllable in five is a pause
    shape = np.sin(np.pi * ((t / 0.2) % 1.0)) ** 2 * on[idx]
    fricative = rng.random(syllables) < 0.25
    b, a = signal.butter(4, [3000, 6000], btype="band", fs=rate)
    hiss = signal.lfilter(b, a, rng.normal(size=n)) * fricative[idx] * shape
    mono = _normalise(voiced * shape * ~fricative[idx] + 0.3 * hiss)
    return np.stack([mono, mono], axis=1)


def music_like(seconds: float, seed: int, rate: int = AUDIO_RATE) -> Audio:
    """A music stand-in: pentatonic two- and three-note chords every 0.25 s (8 harmonics each, decaying), panned
    across the stereo field, with a kick every beat and a hi-hat on the off-beats. (S, 2)."""
    rng = np.random.default_rng(seed)
    n = round(seconds * rate)
    out = np.zeros((n, 2))
    scale = 220.0 * 2 ** (np.array([0, 3, 5, 7, 10, 12, 15, 17]) / 12)
    note_len = round(1.2 * rate)
    tn = np.arange(note_len) / rate
    for start in range(0, n, round(0.25 * rate)):
        span = min(note_len, n - start)
        for f in rng.choice(scale, size=rng.integers(2, 4), replace=False) * rng.choice([0.5, 1.0, 2.0]):
            note = sum(np.sin(2 * np.pi * k * f * tn[:span]) / k for k in range(1, 9)) * np.exp(-tn[:span] / 0.35)
            pan = rng.uniform(0.2, 0.8)
            out[start : start + span] += note[:, None] * np.array([1 - pan, pan])
    beat = round(0.5 * rate)
    kick_t = np.arange(round(0.15 * rate)) / rate
    kick = np.sin(2 * np.pi * 60 * kick_t) * np.exp(-kick_t / 0.05) * 3
    b, a = signal.butter(2, 7000, btype="high", fs=rate)
    for start in range(0, n - len(kick), beat):
        out[start : start + len(kick)] += kick[:, None]
        hat_at = start + beat // 2
        if hat_at < n:
            span = min(len(kick), n - hat_at)
            hat = signal.lfilter(b, a, rng.normal(size=span)) * np.exp(-kick_t[:span] / 0.03)
            out[hat_at : hat_at + span] += hat[:, None] * 0.5
    return np.stack([_normalise(out[:, 0]), _normalise(out[:, 1])], axis=1)


def aac_round_trip(audio: Audio, rate: int, folder: Path, bitrate: int = AAC_BITRATE) -> Audio:
    """The audio after an AAC encode at `bitrate` into an .m4a and a decode."""
    planar = np.ascontiguousarray(np.clip(audio.reshape(len(audio), -1), -1, 1).T.astype(np.float32))  # (C, S)
    layout = "stereo" if planar.shape[0] == 2 else "mono"
    path = folder / "attack.m4a"
    with av.open(str(path), mode="w", format="mp4") as out:
        stream = out.add_stream("aac", rate=rate)
        stream.layout, stream.bit_rate = layout, bitrate
        for start in range(0, planar.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(planar[:, start : start + 1024]), format="fltp", layout=layout
            )
            frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    with av.open(str(path)) as inp:
        chunks = [f.to_ndarray() for f in inp.decode(audio=0)]  # each (C, n) float planar
    return np.ascontiguousarray(np.concatenate(chunks, axis=1).T, dtype=np.float32)  # (S, C)


def resampled(audio: Audio, rate: int, new_rate: int) -> Audio:
    g = np.gcd(rate, new_rate)
    return np.asarray(signal.resample_poly(audio, new_rate // g, rate // g, axis=0), dtype=np.float32)


AudioAttack = Callable[[Audio, int], tuple[Audio, int]]


def audio_attacks(tmp: Path) -> dict[str, AudioAttack]:
    def volume(factor: float) -> AudioAttack:
        return lambda x, r: (np.clip(x * factor, -1, 1).astype(np.float32), r)

    excerpt_at = 1.37  # seconds: off the mark's 80 ms frame grid
    return {
        "clean": lambda x, r: (x, r),
        "AAC 64 kb/s": lambda x, r: (aac_round_trip(x, r, tmp), r),
        "resample 44.1 kHz": lambda x, r: (resampled(x, r, 44_100), 44_100),
        "resample 16 kHz": lambda x, r: (resampled(x, r, 16_000), 16_000),
        "mono downmix": lambda x, r: (x.reshape(len(x), -1).mean(axis=1, keepdims=True).astype(np.float32), r),
        "volume +10%": volume(1.1),
        "volume -10%": volume(0.9),
        "2 s excerpt": lambda x, r: (x[round(excerpt_at * r) : round((excerpt_at + 2.0) * r)], r),
        "2.2 s excerpt": lambda x, r: (x[round(excerpt_at * r) : round((excerpt_at + 2.2) * r)], r),
        "mono + 44.1 kHz + AAC 64k + 10% louder": lambda x, r: volume(1.1)(
            aac_round_trip(resampled(x.reshape(len(x), -1).mean(axis=1, keepdims=True), r, 44_100), 44_100, tmp),
            44_100,
        ),
    }


def audio_hosts(s: Settings) -> list[tuple[str, Audio]]:
    hosts: list[tuple[str, Audio]] = []
    for prompt in WORLD_PROMPTS[: s.audio_hosts]:
        # A quarter-size render keeps the aspect, hence the framing that sets each impact's stereo pan.
        clip = world_clip(prompt, AUDIO_SECONDS, s.height // 8 * 2, s.width // 8 * 2)
        assert clip.audio is not None and clip.sample_rate == AUDIO_RATE
        hosts.append((f"world: {prompt}", clip.audio))
    hosts.append(("speech-like (synthetic)", speech_like(AUDIO_SECONDS, seed=1)))
    hosts.append(("music-like (synthetic)", music_like(AUDIO_SECONDS, seed=1)))
    return hosts


def audio_section(s: Settings, console: Console) -> None:
    print("audio rows", file=sys.stderr, flush=True)
    rng = np.random.default_rng(1)
    hosts = [(name, audio, rng.bytes(8)) for name, audio in audio_hosts(s)]
    host_table = Table(title=f"audio watermark: hosts ({AUDIO_SECONDS:g} s, {AUDIO_RATE} Hz stereo)")
    for col in ("host", "SNR dB", "embed x realtime"):
        host_table.add_column(col, justify="left" if col == "host" else "right")
    marked: list[tuple[Audio, bytes]] = []
    for name, audio, payload in hosts:
        start = time.perf_counter()
        out = audiomark.embed(audio, AUDIO_RATE, payload)
        secs = time.perf_counter() - start
        host_table.add_row(name, f"{audiomark.snr_db(audio, out):.1f}", f"{AUDIO_SECONDS / secs:.0f}")
        marked.append((out, payload))
    table = Table(
        title=f"audio watermark vs attacks, {len(hosts)} hosts (bit acc: a miss counts as 0.5, since "
        "audiomark returns bits only when the CRC matches)"
    )
    for col in ("attack", "found", "bit acc", "score mean", "score min"):
        table.add_column(col, justify="left" if col == "attack" else "right")
    with tempfile.TemporaryDirectory() as folder:
        for name, attack in audio_attacks(Path(folder)).items():
            results = [(audiomark.detect(*attack(x, AUDIO_RATE)), p) for x, p in marked]
            found = sum(r.found and r.payload == p for r, p in results)
            accs = [bit_accuracy(getattr(r, "decoded", None) or r.payload, p) for r, p in results]
            scores = [r.score for r, _ in results]
            table.add_row(
                name, f"{found}/{len(results)}", f"{np.mean(accs):.3f}", f"{np.mean(scores):.2f}", f"{min(scores):.2f}"
            )
    console.print(host_table)
    console.print(table)


# ---------------------------------------------------------------------------------------------- false positives


def unmarked_clip(i: int) -> tuple[str, Frames]:
    """The i-th unmarked clip of the false-positive run (deterministic in i)."""
    kind = FP_VIDEO_KINDS[i % len(FP_VIDEO_KINDS)]
    rng = np.random.default_rng(1_000_000 + i)
    h, w, n = FP_HEIGHT, FP_WIDTH, FP_FRAMES
    if kind in ("panning scene", "H.264 panning scene"):
        frames = panning_scene(10_000 + i, n, h, w, pan=int(rng.integers(0, 5)))
    elif kind in ("world render", "H.264 world"):
        prompt = FP_PROMPTS[(i // len(FP_VIDEO_KINDS)) % len(FP_PROMPTS)]
        frames = world_clip(prompt, n / FPS, h, w, seed=i).frames
    elif kind == "noise":
        sigma = rng.choice([0.0, 0.7, 2.0])  # white, fine grain, blotchy
        noise = rng.normal(128, 40, size=(n if rng.random() < 0.5 else 1, h, w, 3))
        noise = ndimage.gaussian_filter(noise, (0, sigma, sigma, 0)) if sigma else noise
        frames = np.broadcast_to(np.clip(noise, 0, 255).astype(np.uint8), (n, h, w, 3)).copy()
    else:  # flat colour, sometimes with a faint gradient or sensor-like noise
        colour = rng.integers(0, 256, size=3).astype(np.float32)
        ramp = np.linspace(-10, 10, h, dtype=np.float32)[None, :, None, None] * rng.integers(0, 2)
        grain = rng.standard_normal(size=(n, h, w, 1), dtype=np.float32) * 1.5 * rng.integers(0, 2)
        frames = np.clip(colour + ramp + grain, 0, 255).astype(np.uint8)
    if kind.startswith("H.264"):
        with tempfile.TemporaryDirectory() as folder:
            frames = h264(frames, fps=FPS, crf=int(rng.choice([20, 23, 28, 32])), folder=Path(folder))
    return kind, frames


def fp_video_job(i: int) -> tuple[str, bool, float]:
    kind, frames = unmarked_clip(i)
    result = detect(frames)
    return kind, result.found, result.score


def unmarked_audio(i: int) -> tuple[str, Audio, int]:
    kind = FP_AUDIO_KINDS[i % len(FP_AUDIO_KINDS)]
    rng = np.random.default_rng(2_000_000 + i)
    seconds = float(rng.uniform(2.5, 6.0))
    n = round(seconds * AUDIO_RATE)
    if kind == "world soundtrack":
        audio = world_clip(FP_PROMPTS[(i // len(FP_AUDIO_KINDS)) % len(FP_PROMPTS)], seconds, 160, 90, seed=i).audio
        assert audio is not None
    elif kind == "speech-like":
        audio = speech_like(seconds, seed=i)
    elif kind == "music-like":
        audio = music_like(seconds, seed=i)
    elif kind == "noise":  # white, pink-ish or brown-ish, at a random level
        white = rng.normal(size=(n, 2))
        coloured = [white, signal.lfilter([1], [1, -0.9], white, axis=0), np.cumsum(white, axis=0)][rng.integers(0, 3)]
        audio = _normalise(coloured - coloured.mean(axis=0), float(rng.uniform(-45, -12)))
    elif kind == "near silence":  # dither-level noise, sometimes under a quiet hum
        hum = np.sin(2 * np.pi * rng.choice([50.0, 60.0]) * np.arange(n) / AUDIO_RATE)[:, None] * 1e-3
        audio = np.asarray(rng.normal(0, 3e-5, size=(n, 2)) + hum * rng.integers(0, 2), dtype=np.float32)
    else:
        source = (speech_like, music_like)[i % 2](seconds, seed=i)
        with tempfile.TemporaryDirectory() as folder:
            audio = aac_round_trip(source, AUDIO_RATE, Path(folder))
    return kind, audio, AUDIO_RATE


def fp_audio_job(i: int) -> tuple[str, bool, float]:
    kind, audio, rate = unmarked_audio(i)
    result = audiomark.detect(audio, rate)
    return kind, result.found, result.score


@contextmanager
def worker_pool(workers: int) -> Iterator[Callable[[Callable[[int], tuple[str, bool, float]], int], Any]]:
    """imap over range(n) in `workers` single-threaded processes (spawned: the parent may hold torch and
    BLAS threads that a fork would copy mid-state)."""
    if workers == 1:
        yield lambda job, n: map(job, range(n))
        return
    saved = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    os.environ.update(dict.fromkeys(saved, "1"))  # inherited by the spawned workers only: numpy is loaded here
    try:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            yield lambda job, n: pool.imap_unordered(job, range(n), chunksize=4)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def false_positive_run(
    label: str, job: Callable[[int], tuple[str, bool, float]], count: int, rate: float, s: Settings, console: Console
) -> None:
    if count <= 0:
        return
    print(f"{label} false positives: {count} clips", file=sys.stderr, flush=True)
    per_kind: dict[str, list[tuple[bool, float]]] = defaultdict(list)
    start = time.perf_counter()
    with worker_pool(s.workers) as imap:
        for done, (kind, found, score) in enumerate(imap(job, count), 1):
            per_kind[kind].append((found, score))
            if done % 200 == 0:
                print(f"  {done}/{count}", file=sys.stderr, flush=True)
    secs = time.perf_counter() - start
    table = Table(title=f"{label} false positives on unmarked clips")
    for col in ("kind", "clips", "false detections", "score max", "score mean"):
        table.add_column(col, justify="left" if col == "kind" else "right")
    for kind, results in per_kind.items():
        scores = [sc for _, sc in results]
        table.add_row(
            kind, str(len(results)), str(sum(f for f, _ in results)), f"{max(scores):.2f}", f"{np.mean(scores):.2f}"
        )
    console.print(table)
    hits = sum(f for results in per_kind.values() for f, _ in results)
    console.print(
        f"{label} false positives: {hits}/{count} unmarked clips, {count / secs:.1f} clips/s "
        f"({s.workers} workers); designed rate {rate:.1e} per clip, expected {count * rate:.1e} here; "
        + (
            f"with 0 seen, the 95% upper bound on the rate is {3 / count:.1e}"
            if hits == 0
            else f"observed rate {hits / count:.1e}"
        )
    )


def false_positive_section(s: Settings, console: Console) -> None:
    video = f"video ({FP_WIDTH}x{FP_HEIGHT}, {FP_FRAMES / FPS:g} s)"
    false_positive_run(video, fp_video_job, s.unmarked, FALSE_POSITIVE_RATE, s, console)
    audio = f"audio ({AUDIO_RATE} Hz, 2.5-6 s)"
    false_positive_run(audio, fp_audio_job, s.unmarked_audio, AUDIO_FALSE_POSITIVE_RATE, s, console)


def main(argv: list[str] | None = None) -> None:
    settings, only_fp = parse_args(argv)
    console = Console(width=160)
    console.print(f"$ {shlex.join(sys.orig_argv)}", highlight=False)
    start = time.perf_counter()
    if not only_fp:
        video_section(settings, console)
        audio_section(settings, console)
    false_positive_section(settings, console)
    console.print(f"total {time.perf_counter() - start:.0f} s", highlight=False)


if __name__ == "__main__":
    main()
