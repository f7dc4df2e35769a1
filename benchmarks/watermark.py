"""Invisible watermark robustness: payload bit accuracy and detection rate per attack, PSNR, and speed.

Run: .venv/bin/python benchmarks/watermark.py [--size 1280x720] [--seconds 2] [--scenes 3] [--unmarked 50]

Clips are synthetic natural-ish panning shots (smooth blobs, fine texture, a flat sky band) plus
world-engine renders (flat floors and walls, moving objects): the hard case for a mark that hides in
texture. Each attack is applied to the marked clip and `detect` runs on the result. "bit acc" is the
fraction of the 64 payload bits the best-synchronised decode got right (0.5 is chance), "found" the
fraction of clips whose CRC-checked payload came back exactly. The baseline comparison with the
`invisible-watermark` package (provenance-safety.md §1.3) comes in a later version.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image
from rich.console import Console
from rich.table import Table
from scipy import ndimage

from kinora.engines.base import Clip
from kinora.media.encode import write_mp4
from kinora.media.probe import read_video
from kinora.media.watermark import FALSE_POSITIVE_RATE, detect, embed
from kinora.world.generate import render_plan
from kinora.world.parse import parse_prompt

Frames = npt.NDArray[np.uint8]
FPS = 24
WORLD_PROMPTS = ["three red rubber balls bounce on a wooden floor", "a tower of six wooden blocks collapses"]


def synthetic(seed: int, frames: int, height: int, width: int, pan: int = 2) -> Frames:
    rng = np.random.default_rng(seed)
    h, w = height + 16, width + pan * frames + 16
    scale = height / 360  # blob size follows the frame so every size sees the same scene
    blobs = ndimage.gaussian_filter(rng.normal(size=(h, w, 3)).astype(np.float32), (12 * scale, 12 * scale, 0))
    texture = ndimage.gaussian_filter(rng.normal(size=(h, w, 3)).astype(np.float32), (1.5, 1.5, 0))
    image = np.clip(128 + blobs * 900 * scale + texture * 60 * np.linspace(0, 1, w)[None, :, None], 0, 255)
    image[: height // 3] = 200
    return np.stack([image[8 : 8 + height, pan * i : pan * i + width] for i in range(frames)]).astype(np.uint8)


def world(prompt: str, seconds: float, height: int, width: int) -> Frames:
    plan = parse_prompt(prompt, seed=2)
    return render_plan(plan, seconds=seconds, width=width, height=height, fps=FPS, seed=2).frames


def resize(frames: Frames, factor: float) -> Frames:
    size = (round(frames.shape[2] * factor / 2) * 2, round(frames.shape[1] * factor / 2) * 2)  # even, for H.264
    return np.stack([np.asarray(Image.fromarray(f).resize(size, Image.Resampling.BILINEAR)) for f in frames])


def h264(frames: Frames, crf: int, tmp: Path) -> Frames:
    path = write_mp4(Clip(frames, float(FPS), None, 48_000), tmp / "attack.mp4", crf=crf)
    return read_video(path).frames


def crop(frames: Frames, area: float = 0.7) -> Frames:
    side = np.sqrt(area)
    h, w = round(frames.shape[1] * side / 2) * 2, round(frames.shape[2] * side / 2) * 2  # even, for H.264
    return frames[:, 13 : 13 + h, 37 : 37 + w]


def letterbox(frames: Frames) -> Frames:
    t, h, w, _ = frames.shape  # a 16:9 clip padded into a 4:3 canvas, then scaled to 0.75x
    canvas = np.zeros((t, w * 3 // 4, w, 3), dtype=np.uint8)
    top = (canvas.shape[1] - h) // 2
    canvas[:, top : top + h] = frames
    return resize(canvas, 0.75)


def gain(frames: Frames, factor: float, pivot: float) -> Frames:
    return np.asarray(np.clip((frames.astype(np.float32) - pivot) * factor + pivot, 0, 255), dtype=np.uint8)


def attacks(tmp: Path) -> dict[str, Callable[[Frames], Frames]]:
    return {
        "clean": lambda f: f,
        "H.264 CRF 23": lambda f: h264(f, 23, tmp),
        "H.264 CRF 28": lambda f: h264(f, 28, tmp),
        "H.264 CRF 32": lambda f: h264(f, 32, tmp),
        "resize 0.5x": lambda f: resize(f, 0.5),
        "crop 70% area": crop,
        "horizontal flip": lambda f: f[:, :, ::-1],
        "letterbox 4:3": letterbox,
        "frame rate /2 + trim": lambda f: f[3::2],
        "brightness +20%": lambda f: gain(f, 1.2, 0.0),
        "brightness -20%": lambda f: gain(f, 0.8, 0.0),
        "contrast +20%": lambda f: gain(f, 1.2, 128.0),
        "contrast -20%": lambda f: gain(f, 0.8, 128.0),
        "blur sigma 1": lambda f: ndimage.gaussian_filter(f, (0, 1, 1, 0)),
        "CRF 32 + 0.5x": lambda f: h264(resize(f, 0.5), 32, tmp),
        "crop + flip + CRF 28": lambda f: h264(crop(f)[:, :, ::-1], 28, tmp),
        "crop + flip + 0.5x + CRF 32": lambda f: h264(resize(crop(f)[:, :, ::-1], 0.5), 32, tmp),
    }


def psnr(a: Frames, b: Frames) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float(10 * np.log10(255**2 / mse))


def bit_accuracy(decoded: bytes | None, payload: bytes) -> float:
    if decoded is None:
        return 0.5
    diff = np.unpackbits(np.frombuffer(bytes(a ^ b for a, b in zip(decoded, payload, strict=True)), np.uint8))
    return 1.0 - float(diff.mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1280x720", help="WIDTHxHEIGHT of the clips")
    parser.add_argument("--seconds", type=float, default=2.0, help="clip length (24 fps)")
    parser.add_argument("--scenes", type=int, default=3, help="synthetic scenes (plus two world-engine clips)")
    parser.add_argument("--unmarked", type=int, default=50, help="unmarked clips for the false-positive check")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    n = round(args.seconds * FPS)
    clips = [synthetic(s, n, height, width) for s in range(args.scenes)]
    clips += [world(p, args.seconds, height, width) for p in WORLD_PROMPTS]
    rng = np.random.default_rng(0)
    payloads = [rng.bytes(8) for _ in clips]

    embed(clips[0][:2], payloads[0])  # warm-up: first-call costs are not per-frame costs
    start = time.perf_counter()
    marked = [embed(c, p) for c, p in zip(clips, payloads, strict=True)]
    embed_fps = sum(len(c) for c in clips) / (time.perf_counter() - start)
    psnrs = [psnr(c, m) for c, m in zip(clips, marked, strict=True)]

    table = Table(title=f"invisible watermark, {len(clips)} clips of {args.size}, {args.seconds:g} s at {FPS} fps")
    for col in ("attack", "bit acc (mean)", "bit acc (worst)", "found", "sync score", "detect s"):
        table.add_column(col, justify="left" if col == "attack" else "right")
    detect_frames, detect_seconds = 0, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name, attack in attacks(Path(tmp)).items():
            accs, found, scores, secs = [], 0, [], 0.0
            for m, p in zip(marked, payloads, strict=True):
                attacked = attack(m)
                start = time.perf_counter()
                result = detect(attacked)
                secs += time.perf_counter() - start
                if name == "clean":
                    detect_frames += len(attacked)
                    detect_seconds = secs
                accs.append(bit_accuracy(result.decoded, p))
                found += result.found and result.payload == p
                scores.append(result.score)
            table.add_row(
                name, f"{np.mean(accs):.3f}", f"{min(accs):.3f}", f"{found}/{len(marked)}",
                f"{np.mean(scores):.1f}", f"{secs / len(marked):.2f}",
            )  # fmt: skip
    Console(width=120).print(table)
    false_hits = sum(
        detect(synthetic(1000 + s, 12, height // 2, width // 2, pan=s % 4)).found for s in range(args.unmarked)
    )
    print(f"PSNR: mean {np.mean(psnrs):.1f} dB, worst {min(psnrs):.1f} dB")
    print(f"embed {embed_fps:.0f} frames/s, detect {detect_frames / detect_seconds:.0f} frames/s at {args.size}")
    print(f"false positives: {false_hits}/{args.unmarked} unmarked clips (designed rate {FALSE_POSITIVE_RATE:.1e})")


if __name__ == "__main__":
    main()
