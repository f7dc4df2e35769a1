"""Shared by the social tests (assertions and database access are in tests/community.py)."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import update

from kinora.app.users.models import User
from tests.community import execute


def make_admin(community: Any, handle: str) -> None:
    execute(community, update(User).where(User.handle == handle).values(is_admin=True))


def ids(page: Any) -> list[int]:
    """The post ids of a page answer."""
    body = page.json() if hasattr(page, "json") else page
    return [item["id"] for item in body["items"]]


def teen_birth_date() -> str:
    """A birth date that makes a 15-year-old today."""
    today = datetime.date.today()
    return today.replace(year=today.year - 15, day=min(today.day, 28)).isoformat()
