"""Posts and everything people do with them and with each other."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kinora.app.db import Base

VISIBILITIES = ("public", "followers", "mutuals", "private")
REPORT_TARGETS = ("post", "comment", "user")
REPORT_CATEGORIES = ("spam", "harassment", "hate", "violence", "sexual", "self_harm", "minor_safety",
                     "impersonation", "likeness", "copyright", "other")
NOTIFICATION_TYPES = ("like", "comment", "reply", "follow", "remix", "mention", "cameo", "cameo_request",
                      "cameo_approved")


class Post(Base):
    """A published generation. The counters are kept in step by the actions that change them: the feed reads
    them on every page and must not count likes."""

    __tablename__ = "posts"
    __table_args__ = (
        # visibility rides along so that "newest posts of these authors that I may see" reads the index alone
        # (benchmarks/feed.py: the Following page 2-4x faster on PostgreSQL than with (author_id, id)).
        Index("ix_posts_author_id_id", "author_id", "id", "visibility"),
        Index("ix_posts_visibility_id", "visibility", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # publication order: feeds page by it
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    generation_id: Mapped[str] = mapped_column(ForeignKey("generations.id", ondelete="CASCADE"), unique=True)
    caption: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(16))
    allow_remix: Mapped[bool] = mapped_column(Boolean, default=True)
    remix_of: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"), nullable=True,
                                                 index=True)
    created_at: Mapped[float] = mapped_column(Float)
    edited_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    like_count: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    remix_count: Mapped[int] = mapped_column(Integer, default=0)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    completion_count: Mapped[int] = mapped_column(Integer, default=0)  # views watched to the end


class Follow(Base):
    __tablename__ = "follows"

    follower_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    followee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
    created_at: Mapped[float] = mapped_column(Float)


class Like(Base):
    __tablename__ = "likes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[float] = mapped_column(Float)


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_post_id_id", "post_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), nullable=True,
                                                  index=True)  # one reply level: a reply's parent is top-level
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)
    edited_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class Block(Base):
    __tablename__ = "blocks"

    blocker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    blocked_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    created_at: Mapped[float] = mapped_column(Float)


class Report(Base):
    """Something a user flagged for the admins' moderation queue."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(64))  # post/comment id, or the user's handle
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    category: Mapped[str] = mapped_column(String(32))
    details: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | resolved | dismissed
    created_at: Mapped[float] = mapped_column(Float)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    resolved_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # who is told
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True,
                                                 index=True)
    type: Mapped[str] = mapped_column(String(16))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), nullable=True,
                                                index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), nullable=True,
                                                   index=True)
    created_at: Mapped[float] = mapped_column(Float)
    read_at: Mapped[float | None] = mapped_column(Float, nullable=True)
