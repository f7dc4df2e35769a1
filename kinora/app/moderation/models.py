"""The audit log of every moderation decision, the instance's registry entries, and users' appeals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kinora.app.db import Base

STAGES = ("prompt", "image", "output", "transcript", "review", "report", "appeal", "registry", "user")
OUTCOMES = ("allow", "block", "review", "approve", "remove", "warn", "suspend", "unsuspend", "grant", "deny", "add",
            "change", "delete")
KINDS = ("public_figure", "rights")
APPEAL_STATUSES = ("open", "granted", "denied")


class ModerationEvent(Base):
    """One decision: a layer's verdict on a prompt, image, output or transcript, or a person's action."""

    __tablename__ = "moderation_events"
    __table_args__ = (
        Index("ix_moderation_events_generation_id", "generation_id"),
        Index("ix_moderation_events_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[float] = mapped_column(Float)
    stage: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    generation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # no FK: generations get deleted
    post_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    prompt_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)  # sha256 hex; the text is not kept
    category: Mapped[str | None] = mapped_column(String(40), nullable=True)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    layer: Mapped[str | None] = mapped_column(String(40), nullable=True)
    versions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    evasions: Mapped[list[str]] = mapped_column(JSON, default=list)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class RegistryEntry(Base):
    """A public figure or rights-protected work added on this instance; it adds to or overrides (same kind and
    key) the lists shipped in kinora/safety/data/."""

    __tablename__ = "safety_registry"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_safety_registry_kind_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(120))  # the name casefolded, spaces collapsed
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    allowed: Mapped[bool] = mapped_column(Boolean, default=False)  # a rights holder's opt-in on this instance
    holder: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class Appeal(Base):
    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("moderation_events.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    decided_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[float] = mapped_column(Float)
