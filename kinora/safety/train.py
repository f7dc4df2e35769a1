"""`kinora safety train`: fit the classifier head on labelled prompt sets and save it.

The shipped head is made by `kinora safety train --out kinora/safety/data/head.npz` (the packaged train set);
operators retrain with their own lines added (for example `kinora admin moderation export`'s reviewed decisions)
and point `KINORA_SAFETY_HEAD` at the result. The held-out eval set is never trained on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kinora.safety import classifier, dataset, rules
from kinora.safety.normalize import normalize

BATCH = 64


@dataclass(frozen=True)
class Summary:
    examples: int
    per_label: dict[str, int]
    train_accuracy: float
    version: str


def fit(files: Sequence[Path], out: Path, *, progress: Callable[[float], None] | None = None) -> Summary:
    """Train on every example in `files` (duplicates counted once) and write the head to `out`."""
    examples = list({e.prompt: e for path in files for e in dataset.read(path)}.values())
    vectors = embed_all([e.prompt for e in examples], progress=None if progress is None
                        else lambda share: progress(share * 0.5))
    labels = [e.head_label for e in examples]
    head = classifier.train(vectors, labels, progress=None if progress is None
                            else lambda share: progress(0.5 + share * 0.5))
    head.save(out)
    predicted = np.asarray(head.labels)[head.probabilities(vectors).argmax(axis=1)]
    accuracy = float(np.mean(predicted == np.asarray(labels)))
    return Summary(len(examples), dict(Counter(labels)), round(accuracy, 4), head.version)


def embed_all(prompts: Sequence[str], *, progress: Callable[[float], None] | None = None) -> np.ndarray:
    """(n, 384) embeddings of the prompts as the classifier reads them (normalized, benign idioms blanked)."""
    from kinora.app.feed import embed

    texts = [rules.benign_blanked(normalize(p).text) for p in prompts]
    parts = []
    for start in range(0, len(texts), BATCH):
        parts.append(embed.embed(texts[start:start + BATCH]))
        if progress is not None:
            progress(min(1.0, (start + BATCH) / len(texts)))
    return np.concatenate(parts) if parts else np.zeros((0, embed.DIM), np.float32)
