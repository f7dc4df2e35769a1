"""The classifier head: training separates what it is shown, deterministically; bad input is named; thresholds
decide block, review or allow; heads round-trip through .npz and the shipped one loads.

Run: .venv/bin/pytest tests/safety/test_classifier.py -q
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kinora.safety import classifier
from kinora.safety.classifier import LABELS, NONE, Head, Thresholds

DIM = 16
CLASSES = ("none", "violence", "sexual")


def separable() -> tuple[np.ndarray, list[str]]:
    """Unit vectors in three tight clusters around three orthogonal axes, one per label."""
    rng = np.random.default_rng(7)
    vectors, labels = [], []
    for axis, label in enumerate(CLASSES):
        centre = np.zeros(DIM)
        centre[axis] = 1.0
        cluster = centre + 0.1 * rng.standard_normal((12, DIM))
        vectors.append(cluster / np.linalg.norm(cluster, axis=1, keepdims=True))
        labels += [label] * 12
    return np.concatenate(vectors).astype(np.float32), labels


def test_train_separates_the_classes() -> None:
    vectors, labels = separable()
    head = classifier.train(vectors, labels, steps=300)
    assert head.labels == LABELS
    assert head.weights.shape == (DIM, len(LABELS)) and head.weights.dtype == np.float32
    probabilities = head.probabilities(vectors)
    assert probabilities.shape == (len(labels), len(LABELS))
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    predicted = [head.labels[i] for i in probabilities.argmax(axis=1)]
    assert predicted == labels
    unseen = [LABELS.index(label) for label in LABELS if label not in CLASSES]
    assert probabilities[:, unseen].max() < 1e-6  # a class never shown is never predicted


def test_train_is_deterministic() -> None:
    vectors, labels = separable()
    first = classifier.train(vectors, labels, steps=200)
    second = classifier.train(vectors, labels, steps=200)
    assert first.version == second.version
    assert np.array_equal(first.weights, second.weights)


def test_train_reports_progress() -> None:
    vectors, labels = separable()
    seen: list[float] = []
    classifier.train(vectors, labels, steps=200, progress=seen.append)
    assert seen == [0.0, 0.25, 0.5, 0.75]


def test_train_names_bad_labels_and_shapes() -> None:
    vectors, labels = separable()
    with pytest.raises(ValueError, match=r"labels must be among none, sexual_minors, .*; got \['gossip'\]"):
        classifier.train(vectors, [*labels[:-1], "gossip"])
    with pytest.raises(ValueError, match=r"vectors must be \(n, D\) with one row per label; got \(36, 16\) for 35"):
        classifier.train(vectors, labels[:-1])
    with pytest.raises(ValueError, match=r"got \(36,\) for 36"):
        classifier.train(vectors[:, 0], labels)


@pytest.mark.parametrize(("block", "review"), [(0.5, 0.6), (0.5, 0.0), (1.5, 0.5), (0.5, -0.1)])
def test_thresholds_are_validated(block: float, review: float) -> None:
    with pytest.raises(ValueError, match=rf"0 < review <= block <= 1; got review={review}, block={block}"):
        Thresholds(block=block, review=review)


def test_thresholds_may_be_equal() -> None:
    assert Thresholds(block=0.5, review=0.5).review == 0.5


def fixed_head() -> Head:
    return Head(np.zeros((4, 3), np.float32), np.zeros(3, np.float32), (NONE, "violence", "sexual"), "head-test")


@pytest.mark.parametrize(("probabilities", "outcome", "category"), [
    ((0.2, 0.7, 0.1), "block", "violence"),
    ((0.4, 0.15, 0.45), "review", "sexual"),
    ((0.7, 0.2, 0.1), "allow", None),
    ((0.4, 0.6, 0.0), "block", "violence"),  # at the block threshold blocks
    ((0.6, 0.0, 0.4), "review", "sexual"),  # at the review threshold holds
])
def test_verdict_picks_by_threshold(probabilities: tuple[float, ...], outcome: str, category: str | None) -> None:
    head = fixed_head()
    verdict = classifier.verdict(np.array(probabilities), head, Thresholds(block=0.6, review=0.4))
    assert (verdict.outcome, verdict.category) == (outcome, category)
    assert verdict.scores == {"violence": probabilities[1], "sexual": probabilities[2]}  # "none" is no category
    assert verdict.versions == {"classifier": head.version}
    if outcome != "allow":
        assert verdict.layer == "classifier"
        assert verdict.reason == f"{category} scored {max(probabilities[1:]):.2f}"


def test_the_shipped_head_loads() -> None:
    head = classifier.load()
    assert head.labels == LABELS
    assert head.weights.shape == (384, len(LABELS))
    assert head.bias.shape == (len(LABELS),)
    assert head.version.startswith("head-") and len(head.version) == len("head-") + 8


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    vectors, labels = separable()
    head = classifier.train(vectors, labels, steps=100)
    path = tmp_path / "heads" / "mine.npz"
    head.save(path)
    loaded = classifier.load(path)
    assert loaded.version == head.version
    assert loaded.labels == head.labels
    assert np.array_equal(loaded.weights, head.weights) and np.array_equal(loaded.bias, head.bias)


def test_load_names_a_bad_head(tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, weights=np.zeros((4, 2)), bias=np.zeros(3), labels=np.array([NONE, "sexual", "hate"]))
    with pytest.raises(ValueError, match=r"must match 3 labels; got \(4, 2\) and \(3,\)"):
        classifier.load(path)
    other = tmp_path / "other.npz"
    np.savez(other, weights=np.zeros((4, 2)), bias=np.zeros(2), labels=np.array([NONE, "gossip"]))
    with pytest.raises(ValueError, match=r"got \['gossip'\]"):
        classifier.load(other)
