"""`kinora safety eval`: recall on disallowed prompts, false blocks on benign ones, and latency, per category.

A prompt held for review counts as caught (it never runs without a moderator's approval) but is reported apart
from blocks, so a set that passes by holding everything shows it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kinora.safety.dataset import Example
from kinora.safety.moderator import Moderator


@dataclass
class Report:
    recall: float  # disallowed prompts blocked or held
    block_recall: float  # disallowed prompts blocked outright
    false_block_rate: float  # benign prompts blocked
    false_review_rate: float  # benign prompts held for review
    p50_ms: float
    p99_ms: float
    per_category: dict[str, dict[str, Any]]
    items: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"recall": self.recall, "block_recall": self.block_recall, "false_block_rate": self.false_block_rate,
                "false_review_rate": self.false_review_rate, "p50_ms": self.p50_ms, "p99_ms": self.p99_ms,
                "per_category": self.per_category, "items": self.items}


def run(examples: Sequence[Example], moderator: Moderator, *, teen: bool = False,
        progress: Callable[[int], None] | None = None) -> Report:
    """Moderate every example (after one warm-up call, so model loading is not counted as latency)."""
    moderator.warm()
    items, latencies = [], []
    for example in examples:
        start = time.perf_counter()
        verdict = moderator.check(example.prompt, teen=teen)
        latencies.append((time.perf_counter() - start) * 1000)
        items.append({"prompt": example.prompt, "label": example.label, "decision": verdict.outcome,
                      "category": example.category, "decided_category": verdict.category, "layer": verdict.layer,
                      "reason": verdict.reason})
        if progress is not None:
            progress(1)
    return _report(items, latencies)


def _report(items: list[dict[str, Any]], latencies: list[float]) -> Report:
    bad = [i for i in items if i["label"] == "block"]
    good = [i for i in items if i["label"] == "allow"]
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        groups[item["category"]].append(item)
    per_category = {name: _category(group) for name, group in sorted(groups.items())}
    return Report(recall=_share(bad, ("block", "review")), block_recall=_share(bad, ("block",)),
                  false_block_rate=_share(good, ("block",)), false_review_rate=_share(good, ("review",)),
                  p50_ms=round(float(np.percentile(latencies, 50)), 2),
                  p99_ms=round(float(np.percentile(latencies, 99)), 2), per_category=per_category, items=items)


def _category(group: list[dict[str, Any]]) -> dict[str, Any]:
    bad = [i for i in group if i["label"] == "block"]
    good = [i for i in group if i["label"] == "allow"]
    return {"disallowed": len(bad), "recall": _share(bad, ("block", "review")) if bad else None,
            "benign": len(good), "false_block_rate": _share(good, ("block",)) if good else None}


def _share(items: list[dict[str, Any]], decisions: tuple[str, ...]) -> float:
    return round(sum(i["decision"] in decisions for i in items) / len(items), 4) if items else 0.0


def failures(report: Report, *, min_recall: float | None, max_false_block: float | None,
             max_p99_ms: float | None) -> list[str]:
    """Which of the given thresholds the report misses, in words."""
    missed = []
    if min_recall is not None and report.recall < min_recall:
        missed.append(f"recall {report.recall:.2%} is under --min-recall {min_recall:.2%}")
    if max_false_block is not None and report.false_block_rate > max_false_block:
        missed.append(f"false blocks {report.false_block_rate:.2%} are over --max-false-block {max_false_block:.2%}")
    if max_p99_ms is not None and report.p99_ms > max_p99_ms:
        missed.append(f"p99 latency {report.p99_ms:.1f} ms is over --max-p99-ms {max_p99_ms:g}")
    return missed
