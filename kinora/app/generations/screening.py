"""Moderation at the door of every generation: the prompt (combined with its source's for remixes and edits) and
the input image are checked before a row is written.

A block writes nothing but its audit-log entry, which must outlive the rolled-back transaction of the request:
`screening()` wraps that transaction and records the entry after it, then tells the user which rule applied and
the event to appeal. A prompt held for review makes a generation that waits (status "held") until a moderator
approves it; that audit entry is written with the generation, in the same transaction.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.db import Database
from kinora.app.errors import DomainError
from kinora.app.moderation import service as moderation
from kinora.app.users import ages
from kinora.app.users.models import User
from kinora.config import Settings
from kinora.safety.moderator import from_settings
from kinora.safety.policy import Verdict


class ContentBlocked(DomainError):
    """The request breaks the instance's content policy; the message says which rule and how to appeal."""

    default_code = "moderation_blocked"


@dataclass
class Blocked:
    stage: str
    user_id: int
    text: str | None
    verdict: Verdict
    param: str


@dataclass
class Screen:
    settings: Settings
    blocked: Blocked | None = None  # what `screening()` writes to the audit log after the rollback

    async def prompt(self, session: AsyncSession, *, owner: User, text: str, param: str = "prompt") -> Verdict:
        """Allow or review (the caller holds the generation); a block raises ContentBlocked."""
        moderation.ensure_active(owner, time.time())
        entries = await moderation.registry_entries(session)
        moderator = from_settings(self.settings)
        verdict = await asyncio.to_thread(moderator.check, text, teen=ages.is_teen(owner), entries=entries)
        if verdict.outcome == "block":
            self._refuse(Blocked("prompt", owner.id, text, verdict, param))
        return verdict

    async def image(self, *, owner: User, data: bytes, param: str = "input_reference") -> Verdict:
        """An input image: no nudity, and no real person (the cameo issue adds the requester's own likeness)."""
        from kinora.safety import frames

        pixels = _pixels(data)
        thresholds = frames.STRICT if ages.is_teen(owner) else frames.STANDARD
        verdict = await asyncio.to_thread(frames.check_image, pixels, detector=frames.detector(),
                                          thresholds=thresholds)
        if verdict.outcome == "block":
            self._refuse(Blocked("image", owner.id, None, verdict, param))
        return verdict

    def _refuse(self, blocked: Blocked) -> None:
        self.blocked = blocked
        raise ContentBlocked(blocked.verdict.message, param=blocked.param)


def _pixels(data: bytes) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"))


@asynccontextmanager
async def screening(db: Database, settings: Settings) -> AsyncIterator[Screen]:
    """Wrap a request's write transaction: a block raised inside is written to the audit log after it."""
    screen = Screen(settings)
    try:
        yield screen
    except ContentBlocked as e:
        refused = screen.blocked
        if refused is not None:
            async with db.write() as session:
                event = await moderation.record(session, stage=refused.stage, verdict=refused.verdict,
                                                user_id=refused.user_id, text=refused.text)
            e.message += f" (moderation event {event.id}; you can appeal it: POST /api/appeals)"
        raise


async def hold_or_allow(session: AsyncSession, *, verdict: Verdict, owner: User, generation_id: str,
                        text: str) -> bool:
    """Record a prompt's verdict with its new generation; True when it must wait for review."""
    await moderation.record(session, stage="prompt", verdict=verdict, user_id=owner.id, generation_id=generation_id,
                            text=text)
    return verdict.outcome == "review"
