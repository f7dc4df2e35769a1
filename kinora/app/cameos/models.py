"""Cameos: a consented likeness (a verified person, or a pet or object) that others may put in videos within the
permission and restrictions its owner set; the challenges that verify it; who may use it; where it was used."""

from __future__ import annotations

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kinora.app.db import Base

KINDS = ("person", "character")
PERMISSIONS = ("only_me", "approved", "mutuals", "everyone")
TEEN_PERMISSIONS = ("only_me", "approved")
ACCESS = ("requested", "approved", "denied")


class Cameo(Base):
    __tablename__ = "cameos"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # cameo_... (char_... for /v1 characters)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    handle: Mapped[str] = mapped_column(String(40), unique=True)  # lowercase; a person's is their own handle
    name: Mapped[str] = mapped_column(String(80))
    appearance: Mapped[str] = mapped_column(Text, default="")
    permission: Mapped[str] = mapped_column(String(16), default="only_me")
    restrictions: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Encrypted with the instance key (kinora/app/cameos/vault.py); None for characters, which have no face model.
    face_embedding: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    voice_embedding: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    likeness_key: Mapped[str | None] = mapped_column(String(200), nullable=True)  # encrypted reference pictures
    clip_key: Mapped[str | None] = mapped_column(String(200), nullable=True)  # the recording, when kept (encrypted)
    report: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)  # the last verification's findings
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Float)
    verified_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class CameoAccess(Base):
    """A request to use someone's cameo, and the owner's answer. Revoking sets it to denied."""

    __tablename__ = "cameo_access"

    cameo_id: Mapped[str] = mapped_column(ForeignKey("cameos.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[float] = mapped_column(Float)
    decided_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class CameoChallenge(Base):
    """One verification attempt's live challenge: digits to read aloud and head turns, single use, short-lived."""

    __tablename__ = "cameo_challenges"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    digits: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    used_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class CameoUse(Base):
    """A generation that puts a cameo in a video: what the owner oversees. Goes with the generation."""

    __tablename__ = "cameo_uses"
    __table_args__ = (Index("ix_cameo_uses_cameo_id_created_at", "cameo_id", "created_at"),)

    cameo_id: Mapped[str] = mapped_column(ForeignKey("cameos.id", ondelete="CASCADE"), primary_key=True)
    generation_id: Mapped[str] = mapped_column(ForeignKey("generations.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)  # who made it
    created_at: Mapped[float] = mapped_column(Float)
