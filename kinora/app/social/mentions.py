"""@handle mentions in captions and comments."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.social import notifications
from kinora.app.users.models import User

MENTION_RE = re.compile(r"(?<![\w@.])@([A-Za-z0-9_][A-Za-z0-9_.]{1,39})")
MAX_MENTIONS = 20  # per text: more is spam, not conversation


def handles(text: str) -> list[str]:
    """The distinct handles mentioned in `text` (lowercase, first MAX_MENTIONS, in order)."""
    found = dict.fromkeys(match.rstrip(".").lower() for match in MENTION_RE.findall(text))
    return list(found)[:MAX_MENTIONS]


async def notify(session: AsyncSession, *, text: str, actor_id: int, post_id: int, comment_id: int | None = None,
                 skip: set[int] | frozenset[int] = frozenset()) -> set[int]:
    """Notify the people `text` mentions who can see the post (and are not in `skip`); returns who was told."""
    mentioned = handles(text)
    if not mentioned:
        return set()
    told = set()
    for user_id in await session.scalars(select(User.id).where(User.handle.in_(mentioned))):
        if user_id not in skip and await notifications.notify(session, user_id=user_id, actor_id=actor_id,
                                                              type="mention", post_id=post_id,
                                                              comment_id=comment_id):
            told.add(user_id)
    return told
