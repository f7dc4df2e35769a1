"""The lookup index: perceptual fingerprints of every generation, so a clip that lost its manifest and its
watermark can still be traced to its source here."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from kinora.app.db import Base


class Fingerprint(Base):
    __tablename__ = "fingerprints"

    generation_seq: Mapped[int] = mapped_column(ForeignKey("generations.seq", ondelete="CASCADE"), primary_key=True)
    video: Mapped[bytes] = mapped_column(LargeBinary)  # 64-bit keyframe hashes, big-endian, 2 a second
    audio: Mapped[bytes] = mapped_column(LargeBinary)  # 32-bit sound words, big-endian, 10 a second


class HashChunk(Base):
    """Multi-index hashing: each keyframe hash as four 16-bit chunks. A hash within 3 bits of a stored one
    shares at least one chunk with it exactly, so four equality lookups find the candidates."""

    __tablename__ = "fingerprint_chunks"
    __table_args__ = (Index("ix_fingerprint_chunks_lookup", "part", "value"),)

    generation_seq: Mapped[int] = mapped_column(ForeignKey("generations.seq", ondelete="CASCADE"), primary_key=True)
    part: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # which 16 bits: 0 (low) .. 3
    value: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 .. 65535
