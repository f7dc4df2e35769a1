"""The ranking arithmetic on hand-made vectors: relations first, steering and "see less" move and exclude,
exploration takes every fifth slot, and no author runs more than two in a row.

Run: .venv/bin/pytest tests/app/feed/test_rank.py -q
"""

from __future__ import annotations

import numpy as np

from kinora.app.feed import rank
from kinora.app.feed.rank import Batch, Taste

EMPTY = np.zeros((0, 384), np.float32)


def unit(*axes: float) -> np.ndarray:
    vector = np.zeros(384, np.float32)
    vector[:len(axes)] = axes
    return vector / np.linalg.norm(vector)


def batch(*rows: tuple[int, int, int, float, np.ndarray | None]) -> tuple[Batch, np.ndarray]:
    """Candidates and their vectors from (post id, author, reason, popularity, vector or None) rows."""
    return (Batch(np.array([r[0] for r in rows], np.int64), np.array([r[1] for r in rows], np.int64),
                  np.array([r[2] for r in rows], np.int64), np.array([r[3] for r in rows], np.float64)),
            np.stack([np.zeros(384, np.float32) if r[4] is None else r[4] for r in rows]))


def taste(**given: np.ndarray) -> Taste:
    return Taste(liked=given.get("liked"), more=given.get("more", EMPTY), less=given.get("less", EMPTY),
                 see_less=given.get("see_less", EMPTY))


def test_popularity_decays_with_age_and_weighs_remixes_most() -> None:
    one, zero = np.array([1.0]), np.array([0.0])
    fresh, old = rank.popularity(one, zero, zero, zero, zero), rank.popularity(one, zero, zero, zero, np.array([48.0]))
    assert fresh[0] == 1 / 2 ** 1.5 and old[0] < fresh[0] / 50
    remixed = rank.popularity(zero, zero, one, zero, zero)
    commented = rank.popularity(zero, one, zero, zero, zero)
    assert remixed[0] == 3 * fresh[0] and commented[0] == 2 * fresh[0]


def test_people_you_know_rank_first_even_against_popularity_and_steering() -> None:
    topic = unit(1)
    found = batch((1, 10, rank.POPULAR, 50.0, topic), (2, 11, rank.FOLLOWING, 0.0, None),
                  (3, 12, rank.MUTUAL, 0.0, None))
    order = rank.named(*rank.feed_order(*found, taste(more=topic[None], liked=topic), np.random.default_rng(0)))
    assert order == [(3, "mutual"), (2, "following"), (1, "steered")]


def test_steering_lifts_more_and_removes_plain_less() -> None:
    cooking, sports, other = unit(1, 0, 0), unit(0, 1, 0), unit(0, 0, 1)
    found = batch((1, 1, rank.POPULAR, 0.0, other), (2, 2, rank.POPULAR, 0.0, cooking),
                  (3, 3, rank.POPULAR, 0.0, sports), (4, 4, rank.POPULAR, 0.0, unit(0, 0.15, 1)))
    scores, keep, steered = rank.score(*found, taste(more=cooking[None], less=sports[None]))
    assert scores[1] > scores[0] > scores[3] and list(keep) == [True, True, False, True]
    assert list(steered) == [False, True, False, False]
    order = rank.named(*rank.feed_order(*found, taste(more=cooking[None], less=sports[None]),
                                        np.random.default_rng(0)))
    assert order == [(2, "steered"), (1, "popular"), (4, "popular")]


def test_see_less_penalizes_similar_and_drops_near_duplicates() -> None:
    flagged = unit(1, 0)
    found = batch((1, 1, rank.POPULAR, 0.0, flagged), (2, 2, rank.POPULAR, 0.0, unit(1, 1)),
                  (3, 3, rank.POPULAR, 0.0, unit(0, 1)), (4, 4, rank.POPULAR, 0.0, None))
    scores, keep, _ = rank.score(*found, taste(see_less=flagged[None]))
    assert list(keep) == [False, True, True, True]
    assert scores[1] < scores[2] == scores[3] == 0


def test_affinity_to_liked_posts() -> None:
    found = batch((1, 1, rank.POPULAR, 0.0, unit(0, 1)), (2, 2, rank.POPULAR, 0.0, unit(1, 0.2)))
    scores, _, _ = rank.score(*found, taste(liked=unit(1, 0)))
    assert scores[1] > scores[0]


def test_unique_keeps_the_best_reason() -> None:
    found = rank.unique(batch((5, 1, rank.POPULAR, 1.0, None), (5, 1, rank.FOLLOWING, 1.0, None),
                              (6, 2, rank.EXPLORE, 0.0, None))[0])
    assert found.ids.tolist() == [5, 6] and found.reasons.tolist() == [rank.FOLLOWING, rank.EXPLORE]


def test_arrange_gives_every_fifth_slot_to_exploration() -> None:
    merged = rank.arrange(list(range(8)), [100, 101, 102])
    assert [i for i, item in enumerate(merged) if item >= 100] == [4, 9, 10]
    found = batch(*((i, i, rank.POPULAR, 10.0 - i, None) for i in range(8)),
                  *((100 + i, 100 + i, rank.EXPLORE, 0.0, None) for i in range(3)))
    reasons = [reason for _, reason in rank.named(*rank.feed_order(*found, taste(), np.random.default_rng(0)))]
    assert [i for i, reason in enumerate(reasons) if reason == "explore"] == [4, 9, 10]


def test_diversify_allows_at_most_two_in_a_row() -> None:
    authors = [1, 1, 1, 1, 2, 3, 1, 2]
    order = rank.diversify(list(range(len(authors))), authors)
    assert sorted(order) == list(range(len(authors)))
    assert [authors[i] for i in order] == [1, 1, 2, 1, 1, 3, 1, 2]
    assert rank.diversify([0, 1, 2, 3], [7, 7, 7, 7]) == [0, 1, 2, 3]


def test_exploration_order_is_random_but_tilted_by_score() -> None:
    rng = np.random.default_rng(0)
    firsts = [int(rank.explore_order(np.array([0.0, -1.5]), rng)[0]) for _ in range(2000)]
    share = firsts.count(1) / len(firsts)
    assert 0.01 < share < 0.15  # exp(-3) / (1 + exp(-3)) ~ 0.047
