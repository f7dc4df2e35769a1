"""Smoke test of benchmarks/engines.py: a --quick run on the tiny models prints its table with a stock and a tuned
row per model and size with real numbers (no timing asserts).

Run: .venv/bin/python -m pytest tests/benchmarks/test_engines_bench.py
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from types import ModuleType

import pytest
from rich.console import Console

from tests.benchmarks.bench import load

pytest.importorskip("diffusers")


def load_bench() -> ModuleType:
    return load("engines")


def test_quick_run_prints_both_settings(tmp_path: Path) -> None:
    bench = load_bench()
    vars(bench)["console"] = Console(file=io.StringIO(), width=200)
    rows = bench.main(["--quick", "--out", str(tmp_path / "rows.json")])
    text = bench.console.file.getvalue()
    expected = {(model, setting) for model in ("wan-tiny", "ltx2-tiny") for setting in ("stock", "tuned")}
    assert {(r.model, r.setting) for r in rows} == expected
    for row in rows:  # LTX-2 runs the tuned path with TaylorSeer: diffusers has no first-block cache for it
        assert row.size == "64x64" and row.frames == 9 and row.steps == 4 and not row.error, row.error
        assert math.isfinite(row.seconds) and math.isfinite(row.denoise) and 0 < row.denoise <= row.seconds
    wan = next(r for r in rows if r.model == "wan-tiny" and r.setting == "tuned")
    assert math.isfinite(wan.speedup) and wan.passes == 8  # 4 steps, cond and uncond
    assert wan.psnr > 0  # inf: the cache reused nothing and the frames are identical
    assert "s/gen s" in text and "wan-tiny" in text and "ltx2-tiny" in text
    assert sum(line.startswith(("wan-tiny:", "ltx2-tiny:")) for line in text.splitlines()) == 2  # the verdicts
    saved = json.loads((tmp_path / "rows.json").read_text())
    assert [(r["model"], r["setting"]) for r in saved] == [(r.model, r.setting) for r in rows]
