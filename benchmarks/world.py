"""World engine throughput: simulate, render, sound and encode an 8 s clip at two sizes.

Run: .venv/bin/python benchmarks/world.py [--seconds 8] [--repeats 2]

The floor is encoding the very same frames and audio alone: what any engine pays to ship a clip, so
"total/floor" is how many encodes' worth of time the whole generation costs. The real-time factor
(RTF) is seconds of video per second of compute (> 1 is faster than real time).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from kinora.media.encode import write_mp4
from kinora.world.generate import render_plan
from kinora.world.parse import parse_prompt

PROMPT = "three red rubber balls and a blue cube drop onto a wooden floor next to a row of ten dominoes"
SIZES = [(480, 854), (720, 1280)]


def run_once(width: int, height: int, seconds: float, fps: int, out: Path) -> dict[str, float]:
    plan = parse_prompt(PROMPT, seed=1)
    clip = render_plan(plan, seconds=seconds, width=width, height=height, fps=fps, seed=1)
    t0 = time.perf_counter()
    write_mp4(clip, out)
    encode = time.perf_counter() - t0
    timings = clip.metadata["timings"]
    return {"sim": timings["simulate"], "render": timings["render"], "sound": timings["sound"],
            "encode": encode, "frames": len(clip.frames)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="clip length")
    parser.add_argument("--fps", type=int, default=24, help="frames per second")
    parser.add_argument("--repeats", type=int, default=2, help="runs per size; the best is reported")
    args = parser.parse_args()
    table = Table(title=f"world engine, {args.seconds:g} s clips at {args.fps} fps (best of {args.repeats})")
    for col in ("size", "sim s", "render s", "render fps", "sound s", "encode = floor s", "total s", "RTF",
                "floor RTF", "total/floor"):
        table.add_column(col, justify="right")
    with tempfile.TemporaryDirectory() as tmp:
        for width, height in SIZES:
            runs = [run_once(width, height, args.seconds, args.fps, Path(tmp) / "clip.mp4")
                    for _ in range(args.repeats)]
            best = min(runs, key=lambda r: r["sim"] + r["render"] + r["sound"] + r["encode"])
            total = best["sim"] + best["render"] + best["sound"] + best["encode"]
            table.add_row(
                f"{width}x{height}", f"{best['sim']:.2f}", f"{best['render']:.2f}",
                f"{best['frames'] / best['render']:.0f}", f"{best['sound']:.2f}", f"{best['encode']:.2f}",
                f"{total:.2f}", f"{args.seconds / total:.2f}", f"{args.seconds / best['encode']:.2f}",
                f"{total / best['encode']:.2f}",
            )
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
