"""Store and search the lookup index (see models.py): nearest generations to a clip's fingerprints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.provenance.models import Fingerprint, HashChunk

CANDIDATES = 50  # generations sharing the most chunks get scored in full (chunks alone filter little)
# The best score of two different prompts filmed in the same room is 0.76 (benchmarks/fingerprint.py); copies
# after re-encoding, resizing, flips, letterboxing, centred crops and trims score above this.
MIN_SCORE = 0.81


@dataclass(frozen=True)
class Prints:
    video: list[int]
    audio: npt.NDArray[np.uint32]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Prints:
        """What `kinora.media.marking.fingerprints` made: hashes as hex strings, audio words as one hex string."""
        audio = np.frombuffer(bytes.fromhex(data["audio"]), ">u4").astype(np.uint32)
        return cls([int(h, 16) for h in data["video"]], audio)


def _chunks(h: int) -> list[tuple[int, int]]:
    return [(part, (h >> (16 * part)) & 0xFFFF) for part in range(4)]


async def store(session: AsyncSession, seq: int, data: dict[str, Any]) -> None:
    """Index generation `seq`'s fingerprints (replacing any earlier ones: a retried job stores again)."""
    prints = Prints.from_json(data)
    await session.execute(delete(HashChunk).where(HashChunk.generation_seq == seq))
    await session.execute(delete(Fingerprint).where(Fingerprint.generation_seq == seq))
    session.add(Fingerprint(generation_seq=seq, video=np.array(prints.video, ">u8").tobytes(),
                            audio=prints.audio.astype(">u4").tobytes()))
    chunks = {c for h in prints.video for c in _chunks(h)}
    session.add_all(HashChunk(generation_seq=seq, part=part, value=value) for part, value in sorted(chunks))


async def nearest(session: AsyncSession, query: Prints, *, limit: int = 5) -> list[tuple[int, float]]:
    """(generation seq, similarity 0..1) of the stored generations most like `query`, best first, at least
    MIN_SCORE. Flipped copies are looked up too (a flip XORs the hash with FLIP_MASK)."""
    from kinora.media.fingerprint import FLIP_MASK, match  # scipy: loaded in the web process only when asked

    if not query.video:
        return []
    keys = sorted({c for h in query.video for c in (*_chunks(h), *_chunks(h ^ FLIP_MASK))})
    hits = func.count().label("hits")
    rows = (await session.execute(
        select(HashChunk.generation_seq, hits)
        .where(tuple_(HashChunk.part, HashChunk.value).in_(keys))
        .group_by(HashChunk.generation_seq).order_by(hits.desc()).limit(CANDIDATES)
    )).all()
    if not rows:
        return []
    stored = await session.execute(select(Fingerprint).where(Fingerprint.generation_seq.in_([r[0] for r in rows])))
    scored = []
    for fp in stored.scalars():
        video = [int(v) for v in np.frombuffer(fp.video, ">u8")]
        audio = np.frombuffer(fp.audio, ">u4").astype(np.uint32)
        score = match(query.video, video, query.audio if len(query.audio) else None, audio if len(audio) else None)
        if score >= MIN_SCORE:
            scored.append((fp.generation_seq, score))
    scored.sort(key=lambda item: -item[1])
    return scored[:limit]
