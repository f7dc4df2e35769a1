"""How well the evaluator judges the world engine: prompts -> clips -> scores, one row a prompt.

Run: .venv/bin/python benchmarks/world_eval.py [--size 480x854] [--seconds 5]

The world engine knows its own ground truth, so every shortfall here is the evaluator failing to see
what is in the clip (or, rarely, a scene that does not do what its prompt says): this is the table
to improve before the evaluator scores learned engines.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from kinora.media.encode import write_mp4
from kinora.world.evaluate import evaluate
from kinora.world.generate import render_plan
from kinora.world.parse import parse_prompt

PROMPTS = [
    "three red rubber balls bounce on a wooden floor",
    "a blue cube and a yellow ball drop onto a tile floor",
    "two yellow rubber balls bounce on a tile floor in slow motion",
    "a red ball bounces, the camera pans, cartoon style",
    "an orange cube falls onto a stone floor, neon style",
    "a green ball bounces outdoors at sunset, then cut to a close-up of the green ball",
    "a red ball and a blue cube drop onto a wooden floor in black and white noir style",
    "a purple ball bounces down the stairs at night, anime style",
    "a row of ten dominoes topples on a tile floor",
    "a tower of six wooden blocks collapses",
    "a steel ball knocks over three bowling pins",
    "a green rubber ball rolls down a ramp and hits an orange block",
]


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="480x854", help="WIDTHxHEIGHT of the clips")
    parser.add_argument("--seconds", type=float, default=5.0, help="clip length")
    parser.add_argument("--seed", type=int, default=2, help="seed for plans and clips")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    table = Table(title=f"evaluator on world-engine clips ({args.size}, {args.seconds:g} s, seed {args.seed})")
    for col in ("prompt", "adherence", "g error", "sync median/worst ms", "contacts heard", "score"):
        table.add_column(col, justify="left" if col == "prompt" else "right")
    with tempfile.TemporaryDirectory() as tmp:
        for prompt in PROMPTS:
            plan = parse_prompt(prompt, seed=args.seed)
            clip = render_plan(plan, seconds=args.seconds, width=width, height=height, fps=24, seed=args.seed)
            report = evaluate(write_mp4(clip, Path(tmp) / "clip.mp4"), plan)
            sync = report.sync
            ms = "n/a" if sync.median_abs_ms is None else f"{sync.median_abs_ms:.1f}/{sync.worst_abs_ms:.1f}"
            g = report.physics.rel_error
            table.add_row(prompt, f"{report.adherence.score:.2f}", "n/a" if g is None else f"{100 * g:.1f}%", ms,
                          _fmt(sync.matched_fraction, ".2f"), f"{report.score:.2f}")
    Console(width=170).print(table)


if __name__ == "__main__":
    main()
