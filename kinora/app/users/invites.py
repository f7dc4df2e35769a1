"""Invite codes: made by admins (any number of uses) or by members from their allowance (one use each)."""

from __future__ import annotations

import secrets
import time
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.errors import InvalidRequest, InvalidState
from kinora.app.pages import PageParams, encode_cursor
from kinora.app.users.models import Invite, User

# No 0/O, 1/I/L: codes are read aloud and typed from screenshots.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MAX_USES = 100_000


def new_code() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"KIN-{chars[:4]}-{chars[4:]}"


def normalize(code: str) -> str:
    return code.strip().upper()


async def create(session: AsyncSession, *, created_by: int | None, uses: int) -> Invite:
    """A new code good for `uses` sign-ups; `created_by` None marks an admin's code."""
    if not 1 <= uses <= MAX_USES:
        raise InvalidRequest(f"uses must be 1-{MAX_USES}; got {uses}", param="uses")
    code = new_code()
    while await session.get(Invite, code) is not None:
        code = new_code()
    invite = Invite(code=code, created_by=created_by, uses_left=uses, created_at=time.time())
    session.add(invite)
    await session.flush()
    return invite


async def check(session: AsyncSession, code: str) -> Invite:
    """The invite called `code` if it still has a use left (nothing is consumed)."""
    invite = await session.get(Invite, normalize(code))
    if invite is None or invite.uses_left < 1:
        raise InvalidRequest(f"invite code {code!r} is unknown or used up", param="invite_code")
    return invite


async def redeem(session: AsyncSession, code: str) -> Invite:
    """Use up one use of `code`. The decrement is conditional, so two sign-ups never share a last use."""
    invite = await check(session, code)
    result = await session.execute(update(Invite).where(Invite.code == invite.code, Invite.uses_left > 0)
                                   .values(uses_left=Invite.uses_left - 1).execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 0) != 1:
        raise InvalidRequest(f"invite code {code!r} is unknown or used up", param="invite_code")
    await session.refresh(invite)
    return invite


async def create_for_member(session: AsyncSession, *, user_id: int) -> Invite:
    """A one-use code from the member's allowance."""
    result = await session.execute(update(User).where(User.id == user_id, User.invites_left > 0)
                                   .values(invites_left=User.invites_left - 1))
    if getattr(result, "rowcount", 0) != 1:
        raise InvalidState("you have no invites left to hand out", param="invites_left")
    return await create(session, created_by=user_id, uses=1)


async def list_page(session: AsyncSession, *, user_id: int, page: PageParams) -> tuple[list[Invite], str | None]:
    """The member's codes, newest first."""
    query = select(Invite).where(Invite.created_by == user_id)
    if page.cursor is not None:
        at, code = _position(page.cursor)
        query = query.where(or_(Invite.created_at < at, and_(Invite.created_at == at, Invite.code < code)))
    rows = list(await session.scalars(query.order_by(Invite.created_at.desc(), Invite.code.desc())
                                      .limit(page.limit + 1)))
    more = len(rows) > page.limit
    rows = rows[:page.limit]
    return rows, encode_cursor({"at": rows[-1].created_at, "code": rows[-1].code}) if more else None


def _position(cursor: dict[str, Any]) -> tuple[float, str]:
    at, code = cursor.get("at"), cursor.get("code")
    if not isinstance(at, int | float) or isinstance(at, bool) or not isinstance(code, str):
        raise InvalidRequest("cursor must be a next_cursor this list returned; it is from another list",
                             param="cursor")
    return float(at), code


async def list_all(session: AsyncSession) -> list[tuple[Invite, str | None]]:
    """Every code with its maker's handle (None: an admin command), newest first."""
    rows = await session.execute(select(Invite, User.handle).outerjoin(User, User.id == Invite.created_by)
                                 .order_by(Invite.created_at.desc()))
    return [(invite, handle) for invite, handle in rows]
