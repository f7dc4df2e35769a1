"""A generation is both the durable job and the video it makes (one row, one source of truth)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kinora.app.db import Base

QUEUED, IN_PROGRESS, COMPLETED, FAILED = "queued", "in_progress", "completed", "failed"
HELD = "held"  # moderation holds it for review: before the job runs (prompt) or before its output shows
ACTIVE = (QUEUED, IN_PROGRESS)
KINDS = ("create", "remix", "edit", "extend")


class Generation(Base):
    __tablename__ = "generations"
    __table_args__ = (
        Index("ix_generations_status_seq", "status", "seq"),
        Index("ix_generations_owner_seq", "owner_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)  # creation order: list and queue order
    id: Mapped[str] = mapped_column(String(64), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(80))
    engine: Mapped[str] = mapped_column(String(40))
    prompt: Mapped[str] = mapped_column(Text)
    seconds: Mapped[int] = mapped_column(Integer)  # newly generated seconds
    total_seconds: Mapped[int] = mapped_column(Integer)  # what the video lasts (extensions: stitched total)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    fps: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    input_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    characters: Mapped[list[str]] = mapped_column(JSON, default=list)
    remix_of_post: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the post a remix started from
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # engine options, extension depth

    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[float | None] = mapped_column(Float, nullable=True)
    worker: Mapped[str | None] = mapped_column(String(80), nullable=True)

    created_at: Mapped[float] = mapped_column(Float)
    started_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    completed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    expires_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    output_key: Mapped[str | None] = mapped_column(String(200), nullable=True)  # videos/<id>/<attempt>
    output: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


# What the API shows of a generation: the hot read paths select only these.
VIDEO_COLUMNS = (
    Generation.id, Generation.model, Generation.status, Generation.progress, Generation.created_at,
    Generation.completed_at, Generation.expires_at, Generation.prompt, Generation.width, Generation.height,
    Generation.total_seconds, Generation.kind, Generation.source_id, Generation.error_code,
    Generation.error_message, Generation.output_key, Generation.options,
)

