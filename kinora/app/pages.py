"""Cursor pagination for /api lists: every list answers {"items": [...], "next_cursor": "..." | null}."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Depends, Path, Query
from pydantic import BaseModel

from kinora.app.errors import InvalidRequest

T = TypeVar("T")
DEFAULT_LIMIT, MAX_LIMIT = 20, 100


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


class PageParams(BaseModel):
    cursor: dict[str, Any] | None
    limit: int


def encode_cursor(position: dict[str, Any]) -> str:
    """An opaque cursor for `position` (e.g. {"id": 41}); clients pass it back unchanged."""
    return base64.urlsafe_b64encode(orjson.dumps(position)).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        position = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as e:
        raise InvalidRequest(f"cursor must be a next_cursor this server returned; got {cursor[:40]!r}",
                             param="cursor") from e
    if not isinstance(position, dict):
        raise InvalidRequest(f"cursor must be a next_cursor this server returned; got {cursor[:40]!r}",
                             param="cursor")
    return position


def cursor_int(params: PageParams, key: str = "id") -> int | None:
    """The integer `key` of the cursor position, or None on the first page."""
    if params.cursor is None:
        return None
    value = params.cursor.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidRequest("cursor must be a next_cursor this list returned; it is from another list",
                             param="cursor")
    return value


async def page_params(cursor: Annotated[str | None, Query(max_length=2000)] = None,
                      limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT) -> PageParams:
    return PageParams(cursor=decode_cursor(cursor) if cursor else None, limit=limit)


PageDep = Annotated[PageParams, Depends(page_params)]


# Row ids: larger numbers name no row, and PostgreSQL's integer would overflow on them (a 500, not a 400).
MAX_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="A row id (positive 32-bit integer).")]
