"""Frame moderation speed: kinora.safety.frames (our numpy + PIL pre/post-processing around NudeNet's 320n ONNX
model, batched) against the stock `nudenet.NudeDetector` on the same frames, in the same run.

Run: .venv/bin/python benchmarks/frames.py [--quick] [--size 720x1280] [--repeats 3] [--threads 1]

Frames are a world-engine render (portrait 720x1280 by default, the service's default size). The clip columns time
(best of `--repeats`) the frames moderation samples at 2 per second: 8 frames for a 4 s clip, 40 for a 20 s one;
"ms/frame" is the 20 s time over 40. The stock detector needs cv2 (pip install
opencv-python-headless); it runs onnxruntime with its default threads (all cores) and one frame per call
(`detect`) or 4 per call (`detect_batch`). "x stock" is the stock `detect` time divided by the row's time.
The last lines compare both on the astronaut fixture: the stock library feeds the model BGR (it swaps channels
twice), ours RGB, so scores differ slightly.
"""

from __future__ import annotations

import argparse
import importlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image
from rich.console import Console
from rich.table import Table

from kinora.safety import frames as moderation
from kinora.world.generate import render_plan
from kinora.world.parse import parse_prompt

FPS = 12
PROMPT = "a tower of six wooden blocks collapses"
ASTRONAUT = Path(__file__).resolve().parents[1] / "tests" / "safety" / "data" / "astronaut.jpg"
Frames = npt.NDArray[np.uint8]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two repeats on 360x640 frames (~40 s on 2 cores)")
    parser.add_argument("--size", help="WIDTHxHEIGHT of the rendered frames (720x1280; quick 360x640)")
    parser.add_argument("--repeats", type=int, help="timed runs per row, best kept (5; quick 2)")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime threads of our detector (1)")
    args = parser.parse_args()
    args.size = args.size or ("360x640" if args.quick else "720x1280")
    args.repeats = args.repeats or (2 if args.quick else 5)
    return args


def render(size: str) -> Frames:
    width, height = (int(v) for v in size.split("x"))
    clip = render_plan(parse_prompt(PROMPT, seed=2), seconds=4.0, width=width, height=height, fps=FPS, seed=2)
    return clip.frames  # (48, H, W, 3)


def best_ms(run: Callable[[], object], repeats: int) -> float:
    run()  # warm-up: first-call allocations
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1000 * min(times)


def stock_detector() -> Any | None:
    try:
        nudenet: Any = importlib.import_module("nudenet")  # untyped; imports cv2
    except ImportError as error:
        print(f"stock baseline skipped ({error}); pip install opencv-python-headless")
        return None
    return nudenet.NudeDetector()


Method = Callable[[list[Frames]], object]


def methods(args: argparse.Namespace, stock: Any | None) -> dict[str, Method]:
    ours = moderation.detector(threads=args.threads)
    table: dict[str, Method] = {}
    if stock is not None:  # the stock library expects OpenCV's BGR order
        table["nudenet NudeDetector.detect (stock)"] = lambda fs: [stock.detect(f[..., ::-1].copy()) for f in fs]
        table["nudenet detect_batch(4) (stock)"] = lambda fs: stock.detect_batch([f[..., ::-1].copy() for f in fs], 4)
    table[f"kinora, batch 1 ({args.threads} thread)"] = lambda fs: [ours.detect([f]) for f in fs]
    table[f"kinora, batches of {moderation.BATCH} ({args.threads} thread)"] = ours.detect
    cores = os.cpu_count() or 1
    if cores > args.threads:
        table[f"kinora, batches of {moderation.BATCH} ({cores} threads)"] = moderation.detector(threads=cores).detect
    return table


def measure(table: dict[str, Method], frames: Frames, repeats: int) -> dict[str, tuple[float, float]]:
    """Best ms for the 8 and the 40 frames of each method; the methods take turns in every repeat, so a load
    swing on a shared machine hits them all alike."""
    forty = [frames[i] for i in moderation.sample_indices(len(frames), FPS, 10.0, 40)]
    best = {name: (float("inf"), float("inf")) for name in table}
    for run in table.values():
        run(forty[:2])  # warm-up
    for _ in range(repeats):
        for name, run in table.items():
            short, long = once_ms(run, forty[::5]), once_ms(run, forty)
            best[name] = (min(best[name][0], short), min(best[name][1], long))
    return best


def once_ms(run: Method, frames: list[Frames]) -> float:
    start = time.perf_counter()
    run(frames)
    return 1000 * (time.perf_counter() - start)


def main() -> None:
    args = parse_args()
    console = Console(width=120)
    frames = render(args.size)
    stock = stock_detector()
    results = measure(methods(args, stock), frames, args.repeats)
    table = Table(title=f"NudeNet 320n on {args.size} world-engine frames, {os.cpu_count()} cores")
    for column in ("method", "ms/frame", "4 s clip (8 frames) ms", "20 s clip (40 frames) ms", "x stock"):
        table.add_column(column, justify="left" if column == "method" else "right")
    base = next(iter(results.values()))[1] if stock is not None else None
    for name, (short, long) in results.items():
        ratio = f"{base / long:.2f}" if base else "-"
        table.add_row(name, f"{long / 40:.1f}", f"{short:.0f}", f"{long:.0f}", ratio)
    console.print(table)
    ours = moderation.detector(threads=args.threads)
    clip = best_ms(lambda: moderation.check_frames(frames, FPS, detector=ours), args.repeats)
    console.print(f"check_frames on the 4 s render (sampling + detect + judge): {clip:.0f} ms")
    compare_on_photo(console, ours, stock)


def compare_on_photo(console: Console, ours: moderation.Detector, stock: Any | None) -> None:
    photo = np.asarray(Image.open(ASTRONAUT).convert("RGB"))
    for d in ours.detect([photo])[0]:
        console.print(f"kinora on astronaut.jpg: {d.label} {d.score:.3f} box {d.box}")
    if stock is not None:
        for found in stock.detect(photo[..., ::-1].copy()):
            console.print(f"stock  on astronaut.jpg: {found['class']} {found['score']:.3f} box {tuple(found['box'])}")


if __name__ == "__main__":
    main()
