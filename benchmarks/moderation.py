"""Prompt moderation latency per prompt on CPU (goal: p99 <= 30 ms), on the held-out eval set.

Rows:
* kinora: the whole stack as the server runs it (`Moderator.check`: normalize, rules, registry, MiniLM + head).
* stock encode: the same stack with the embedding from sentence-transformers' own `SentenceTransformer.encode`
  (the stock library's path) instead of Kinora's direct forward pass; same vectors, more overhead.
* embedding only: `embed_one` alone, the floor the classifier layer cannot go under.

Run: python benchmarks/moderation.py [--quick]   (--quick: the first 200 prompts)
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from unittest import mock

import numpy as np
from rich.console import Console
from rich.table import Table

from kinora.app.feed import embed
from kinora.safety import dataset
from kinora.safety.moderator import Moderator


def _stock_embed_one(text: str) -> np.ndarray:
    model = embed._model(embed.model_path())
    return np.asarray(model.encode([text], normalize_embeddings=True, show_progress_bar=False)[0], np.float32)


def _times(prompts: list[str], run: Callable[[str], object]) -> np.ndarray:
    out = []
    for prompt in prompts:
        start = time.perf_counter()
        run(prompt)
        out.append((time.perf_counter() - start) * 1000)
    return np.asarray(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    prompts = [e.prompt for e in dataset.read(dataset.packaged("eval"))]
    prompts = prompts[:200] if args.quick else prompts
    moderator = Moderator()
    moderator.warm()
    rows: dict[str, np.ndarray] = {}
    # Interleaved rounds, so load on a shared machine hits every row alike.
    for _ in range(2):
        for name, run in (("kinora", lambda p: moderator.check(p)),
                          ("embedding only", lambda p: embed.embed_one(p))):
            rows[name] = np.concatenate([rows.get(name, np.zeros(0)), _times(prompts, run)])
        with mock.patch.object(embed, "embed_one", _stock_embed_one):  # the stock path, same stack otherwise
            name = "stock encode"
            rows[name] = np.concatenate([rows.get(name, np.zeros(0)), _times(prompts, lambda p: moderator.check(p))])
    table = Table(title=f"prompt moderation, {len(prompts)} prompts x 2 rounds, CPU")
    for column in ("path", "p50 ms", "p99 ms", "mean ms", "p99 vs stock"):
        table.add_column(column, justify="right" if column != "path" else "left")
    stock = float(np.percentile(rows["stock encode"], 99))
    for name in ("kinora", "stock encode", "embedding only"):
        times = rows[name]
        p99 = float(np.percentile(times, 99))
        table.add_row(name, f"{np.percentile(times, 50):.1f}", f"{p99:.1f}", f"{times.mean():.1f}",
                      f"{stock / p99:.2f}x")
    Console().print(table)


if __name__ == "__main__":
    main()
