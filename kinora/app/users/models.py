"""Accounts, how they sign in (sessions, API keys / personal tokens), invites and password resets."""

from __future__ import annotations

import datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from kinora.app.db import Base


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handle: Mapped[str] = mapped_column(String(40), unique=True)  # stored lowercase: unique case-insensitively
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float)
    # Accounts made by `kinora admin api-key create` have no email or password: they only use /v1.
    email: Mapped[str | None] = mapped_column(String(254), unique=True, nullable=True)  # lowercase
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)  # argon2id
    birth_date: Mapped[datetime.date | None] = mapped_column(Date, nullable=True)
    display_name: Mapped[str] = mapped_column(String(80), default="", server_default="")
    bio: Mapped[str] = mapped_column(Text, default="", server_default="")
    avatar_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    tier: Mapped[str] = mapped_column(String(20), default="free", server_default="free")
    invites_left: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    # Guardian settings (teens): personalization and continuous scroll, locked by a PIN once one is set.
    personalized: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    continuous_scroll: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    guardian_pin_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Moderation: warnings given by admins, and the end of a suspension (unix time; None: not suspended).
    warnings: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    suspended_until: Mapped[float | None] = mapped_column(Float, nullable=True)


class ApiKey(Base):
    """A bearer key: for /v1 and, as a personal token, for /api."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))  # shown in listings; the key itself is never stored
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[float] = mapped_column(Float)
    last_used_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class LoginSession(Base):
    """A browser session: the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "login_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class Invite(Base):
    __tablename__ = "invites"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True,
                                                   index=True)  # None: made by an admin command
    uses_left: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[float] = mapped_column(Float)


class PasswordReset(Base):
    __tablename__ = "password_resets"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[float] = mapped_column(Float)
    used_at: Mapped[float | None] = mapped_column(Float, nullable=True)
