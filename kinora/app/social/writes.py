"""Small write helpers shared by the social actions: idempotent inserts and counter updates done in SQL, so two
people liking at once both count."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.db import Base
from kinora.app.social.models import Post


async def insert_new(session: AsyncSession, model: type[Base], **values: Any) -> bool:
    """Insert the row unless one with the same primary key exists; returns whether it was new."""
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    result = await session.execute(insert(model).values(**values).on_conflict_do_nothing())
    return int(getattr(result, "rowcount", 0) or 0) == 1


async def bump(session: AsyncSession, post_id: int, counter: str, by: int) -> None:
    """Add `by` to one of the post's counters (never below zero)."""
    column = getattr(Post, counter)
    value = column + by if by >= 0 else case((column + by < 0, 0), else_=column + by)
    await session.execute(update(Post).where(Post.id == post_id).values({counter: value}))
