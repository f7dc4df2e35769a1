"""What the feeds know about people: views, explicit feedback, steering, daily caps and well-being check-ins."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kinora.app.db import Base

SIGNALS = ("see_less", "hide_creator")


class PostEmbedding(Base):
    """The sentence embedding of a post's prompt and caption (float16, unit length)."""

    __tablename__ = "post_embeddings"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class View(Base):
    """A post a user was shown and watched (clients post view events); seen posts leave the For You feed."""

    __tablename__ = "views"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True)
    watched_fraction: Mapped[float] = mapped_column(Float, default=0.0)  # best watch so far, 0..1
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float)


class FeedSignal(Base):
    """Explicit feedback: "see less like this" (target: a post id) or a hidden creator (target: a user id)."""

    __tablename__ = "feed_signals"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    target_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[float] = mapped_column(Float)


class FeedPreference(Base):
    """A user's plain-language steering and what it was read as."""

    __tablename__ = "feed_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    instruction: Mapped[str] = mapped_column(Text, default="")
    more: Mapped[str] = mapped_column(Text, default="")  # the positive parts, one per line
    less: Mapped[str] = mapped_column(Text, default="")  # the negative parts, one per line
    more_vectors: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # (n, 384) float16
    less_vectors: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    updated_at: Mapped[float] = mapped_column(Float)


class FeedDay(Base):
    """For You items served to a user on one UTC day (the teen cap counts these)."""

    __tablename__ = "feed_days"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD
    served: Mapped[int] = mapped_column(Integer, default=0)


class CheckIn(Base):
    """An answer to "How has Kinora been making you feel?"."""

    __tablename__ = "checkins"
    __table_args__ = (Index("ix_checkins_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    mood: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1 (much worse) .. 5 (much better); None: skipped
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[float] = mapped_column(Float)
