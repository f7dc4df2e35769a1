"""How For You orders its candidates: pure functions over arrays (one row per candidate), no database.

A candidate's score adds up
- who made it: people you know rank first (mutuals above people you follow above everyone else);
- how the community received it: (likes + 2 comments + 3 remixes + completions) / (age in hours + 2)^1.5, the
  same time decay for everyone;
- how close it is to what you liked (the mean vector of your liked posts);
- your steering: a bonus for closeness to a "more" phrase, a strong penalty for closeness to a "less" phrase,
  and removal when it is plainly what you asked not to see;
- "see less like this": a penalty for closeness to posts you flagged, removal for near-duplicates.

It is deliberately not tuned for time spent: watch time is never a reward. Completions count only as a weak
quality signal inside popularity (one completion weighs as much as one like), and nothing here learns from how
long anyone scrolled. About a fifth of the slots go to exploration (random recent public posts from outside your
circle), and no author gets more than two slots in a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# A relation outweighs everything else a post can earn (popularity 1 + affinity 1.5 + steering 2.4 at most), so
# people you know come first.
REASONS = ("mutual", "following", "remix", "steered", "popular", "explore")  # a post found twice keeps the first
MUTUAL, FOLLOWING, REMIX, STEERED, POPULAR, EXPLORE = range(len(REASONS))
RELATION = np.array([6.0, 5.0, 0.0, 0.0, 0.0, 0.0])  # by reason
W_POPULAR, W_AFFINITY, W_MORE, W_LESS, W_SEE_LESS = 1.0, 1.5, 6.0, 8.0, 5.0
MORE_CAP = 0.4  # closeness to a "more" phrase counts up to MORE_FLOOR + MORE_CAP
# MiniLM cosine similarities, measured on the tests' corpus: a topic phrase (as written or as "a video of ...")
# and a post about it score 0.16-0.47 (mean ~0.3); posts on other topics mostly stay under 0.2 (mean ~0.08).
# Two posts on one topic: mean ~0.2-0.35.
MORE_FLOOR, LESS_FLOOR, SEE_LESS_FLOOR = 0.1, 0.08, 0.2
LESS_EXCLUDE, SEE_LESS_EXCLUDE, STEERED_AT = 0.2, 0.75, 0.2
EXPLORE_EVERY, MAX_RUN = 5, 2  # every 5th slot explores (20%); at most 2 in a row from one author
EXPLORE_TEMPERATURE = 0.5  # exploration is random, tilted by the score: a -1.4 "less" penalty makes a post 16x rarer


@dataclass
class Batch:
    """Candidates as columns."""

    ids: np.ndarray  # (n,) int64 post ids
    authors: np.ndarray  # (n,) int64
    reasons: np.ndarray  # (n,) int64 indices into REASONS
    popularity: np.ndarray  # (n,) float64

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, index: np.ndarray) -> Batch:
        return Batch(self.ids[index], self.authors[index], self.reasons[index], self.popularity[index])

    @staticmethod
    def concat(batches: Sequence[Batch]) -> Batch:
        assert batches, "concat needs at least one batch"
        return Batch(np.concatenate([b.ids for b in batches]), np.concatenate([b.authors for b in batches]),
                     np.concatenate([b.reasons for b in batches]), np.concatenate([b.popularity for b in batches]))


@dataclass
class Taste:
    """What the viewer told or showed the feed; empty arrays when there is nothing (or personalization is off)."""

    liked: np.ndarray | None  # (384,) unit mean of liked posts' vectors
    more: np.ndarray  # (k, 384) steering phrases to favour
    less: np.ndarray  # (m, 384) steering phrases to avoid
    see_less: np.ndarray  # (s, 384) posts flagged "see less like this"


def popularity(likes: np.ndarray, comments: np.ndarray, remixes: np.ndarray, completions: np.ndarray,
               age_hours: np.ndarray) -> np.ndarray:
    engagement = likes + 2.0 * comments + 3.0 * remixes + completions
    return np.asarray(engagement / (np.maximum(age_hours, 0.0) + 2.0) ** 1.5, dtype=np.float64)


def max_similarity(vectors: np.ndarray, phrases: np.ndarray) -> np.ndarray:
    """(n,) the closest of `phrases` (k, 384) to each of `vectors` (n, 384); zeros when there are no phrases."""
    if len(phrases) == 0 or len(vectors) == 0:
        return np.zeros(len(vectors), np.float32)
    return np.asarray((vectors @ phrases.T).max(axis=1), dtype=np.float32)


def unique(batch: Batch) -> Batch:
    """Each post once, with its best reason."""
    order = np.lexsort((batch.reasons, batch.ids))
    ids = batch.ids[order]
    first = np.ones(len(ids), bool)
    first[1:] = ids[1:] != ids[:-1]
    return batch.take(order[first])


def score(batch: Batch, vectors: np.ndarray, taste: Taste) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(scores, keep, steered): each candidate's score, whether it survives the viewer's "less" and "see less"
    exclusions, and whether steering is what lifted it. `vectors`: (n, 384) float32 unit rows, zero rows
    (neutral everywhere) for posts not embedded yet."""
    top = float(batch.popularity.max()) if len(batch) else 0.0
    popular = np.log1p(batch.popularity) / np.log1p(top) if top > 0 else np.zeros(len(batch))
    affinity = vectors @ taste.liked if taste.liked is not None else 0.0
    more, less = max_similarity(vectors, taste.more), max_similarity(vectors, taste.less)
    flagged = max_similarity(vectors, taste.see_less)
    scores = (RELATION[batch.reasons] + W_POPULAR * popular + W_AFFINITY * affinity
              + W_MORE * np.clip(more - MORE_FLOOR, 0, MORE_CAP) - W_LESS * np.maximum(less - LESS_FLOOR, 0)
              - W_SEE_LESS * np.maximum(flagged - SEE_LESS_FLOOR, 0))
    keep = (less < LESS_EXCLUDE) & (flagged < SEE_LESS_EXCLUDE)
    return scores, keep, more >= STEERED_AT


def explore_order(scores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random order in which each item comes first with probability proportional to exp(score / T)
    (the Gumbel-max trick applied to every position)."""
    keys = scores / EXPLORE_TEMPERATURE + rng.gumbel(size=len(scores))
    return np.argsort(-keys, kind="stable")


def feed_order(batch: Batch, vectors: np.ndarray, taste: Taste,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(post ids, reason codes) in feed order: the best first, exploration in every EXPLORE_EVERY-th slot, then
    author diversity. Excluded candidates are left out; popular posts that steering lifted say "steered"."""
    scores, keep, steered = score(batch, vectors, taste)
    reasons = np.where(steered & (batch.reasons == POPULAR), STEERED, batch.reasons)
    wild = keep & (reasons == EXPLORE)
    main = np.flatnonzero(keep & ~wild)
    main = main[np.lexsort((-batch.ids[main], -scores[main]))]
    explore = np.flatnonzero(wild)
    explore = explore[explore_order(scores[explore], rng)]
    order = np.array(diversify(arrange(main.tolist(), explore.tolist()), batch.authors.tolist()), np.int64)
    return batch.ids[order], reasons[order].astype(np.int8)  # compact: lists are kept while people page


def named(ids: np.ndarray, reasons: np.ndarray) -> list[tuple[int, str]]:
    """(post id, reason) pairs of `feed_order`'s arrays."""
    return list(zip(ids.tolist(), [REASONS[code] for code in reasons.tolist()], strict=True))


def arrange(main: list[int], explore: list[int]) -> list[int]:
    """`main` in its order with an item of `explore` in every EXPLORE_EVERY-th slot (the rest of it at the end)."""
    merged: list[int] = []
    pending = explore[::-1]
    for item in main:
        if pending and len(merged) % EXPLORE_EVERY == EXPLORE_EVERY - 1:
            merged.append(pending.pop())
        merged.append(item)
    return merged + pending[::-1]


def diversify(order: list[int], authors: list[int], max_run: int = MAX_RUN) -> list[int]:
    """The same items, each as early as it can go without a run of more than `max_run` from one author."""
    out: list[int] = []
    held: list[int] = []
    last, run = -1, 0
    for item in order:
        if not held and (authors[item] != last or run < max_run):  # the common case: nothing is waiting
            run, last = (run + 1 if authors[item] == last else 1), authors[item]
            out.append(item)
            continue
        held.append(item)
        while held:
            index = next((i for i, h in enumerate(held) if authors[h] != last or run < max_run), None)
            if index is None:
                break
            chosen = held.pop(index)
            run, last = (run + 1 if authors[chosen] == last else 1), authors[chosen]
            out.append(chosen)
    return out + held  # what is left is one author's: nothing remains to put between them
