"""Shared by the social tests: error assertions and direct database reads and changes."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import func, select, update

from kinora.app.users.models import User


def error(response: Any, status: int, param: str | None) -> str:
    """Assert an error answer of `status` naming `param`; returns its message."""
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["param"] == param, body
    message: str = body["message"]
    return message


def scalar(community: Any, query: Any) -> Any:
    async def body() -> Any:
        async with community.services.db.read() as session:
            return await session.scalar(query)

    return community.run(body())


def count(community: Any, model: Any, *where: Any) -> int:
    return int(scalar(community, select(func.count()).select_from(model).where(*where)))


def execute(community: Any, statement: Any) -> None:
    async def body() -> None:
        async with community.services.db.write() as session:
            await session.execute(statement)

    community.run(body())


def make_admin(community: Any, handle: str) -> None:
    execute(community, update(User).where(User.handle == handle).values(is_admin=True))


def user_id(community: Any, handle: str) -> int:
    return int(scalar(community, select(User.id).where(User.handle == handle)))


def ids(page: Any) -> list[int]:
    """The post ids of a page answer."""
    body = page.json() if hasattr(page, "json") else page
    return [item["id"] for item in body["items"]]


def teen_birth_date() -> str:
    """A birth date that makes a 15-year-old today."""
    today = datetime.date.today()
    return today.replace(year=today.year - 15, day=min(today.day, 28)).isoformat()
