"""Appeals: a user asks a moderator to look again at a decision that blocked, held or removed their content."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.errors import InvalidRequest, InvalidState, NotFound
from kinora.app.generations import service as generations
from kinora.app.generations.models import FAILED, HELD, Generation
from kinora.app.moderation import review
from kinora.app.moderation.models import APPEAL_STATUSES, Appeal, ModerationEvent
from kinora.app.moderation.service import check_note, event_json, record
from kinora.app.storage import LocalStorage
from kinora.app.users.models import User
from kinora.config import Settings

MAX_MESSAGE = 2000
APPEALABLE = ("block", "review", "remove")  # outcomes that took something of the user's away
DECISIONS = {"grant": "granted", "deny": "denied"}


async def create(session: AsyncSession, *, user_id: int, event_id: int, message: str) -> Appeal:
    event = await session.get(ModerationEvent, event_id)
    if event is None or event.user_id != user_id:  # others' events are not confirmed to exist
        raise NotFound(f"No moderation decision about your content found with id {event_id}", param="event_id")
    if event.outcome not in APPEALABLE:
        raise InvalidRequest(f"event_id {event_id} is a {event.outcome!r} decision; only decisions that blocked, held "
                             "or removed your content can be appealed", param="event_id")
    message = message.strip()
    if not 1 <= len(message) <= MAX_MESSAGE:
        raise InvalidRequest(f"message must be 1-{MAX_MESSAGE} characters; got {len(message)}", param="message")
    pending = await session.scalar(select(Appeal.id).where(Appeal.event_id == event_id, Appeal.status == "open"))
    if pending is not None:
        raise InvalidState(f"event_id {event_id} already has an open appeal ({pending})", param="event_id")
    appeal = Appeal(user_id=user_id, event_id=event_id, message=message, status="open", decision_note="",
                    created_at=time.time())
    session.add(appeal)
    await session.flush()
    return appeal


async def mine(session: AsyncSession, *, user_id: int, before: int | None, limit: int) -> list[Appeal]:
    """The user's appeals, newest first (limit + 1)."""
    query = select(Appeal).where(Appeal.user_id == user_id)
    if before is not None:
        query = query.where(Appeal.id < before)
    return list(await session.scalars(query.order_by(Appeal.id.desc()).limit(limit + 1)))


async def listing(session: AsyncSession, *, status: str, after: int | None, limit: int) -> list[dict[str, Any]]:
    """Appeals with `status`, oldest first (limit + 1), with the decision appealed and the prompt if it still exists."""
    if status not in APPEAL_STATUSES:
        raise InvalidRequest(f"status must be one of {', '.join(APPEAL_STATUSES)}; got {status!r}", param="status")
    query = (select(Appeal, ModerationEvent, User.handle, Generation.prompt)
             .join(ModerationEvent, ModerationEvent.id == Appeal.event_id).join(User, User.id == Appeal.user_id)
             .outerjoin(Generation, Generation.id == ModerationEvent.generation_id).where(Appeal.status == status))
    if after is not None:
        query = query.where(Appeal.id > after)
    rows = await session.execute(query.order_by(Appeal.id).limit(limit + 1))
    return [{**appeal_json(appeal), "user": handle, "event": event_json(event, user=handle), "prompt": prompt}
            for appeal, event, handle, prompt in rows]


async def decide(session: AsyncSession, *, settings: Settings, storage: LocalStorage, admin_id: int | None,
                 appeal_id: int, decision: str, note: str = "") -> Appeal:
    """Grant or deny an open appeal. Granting restores a held or removed generation whose output files remain;
    otherwise it records the reversal."""
    if decision not in DECISIONS:
        raise InvalidRequest(f"decision must be one of {', '.join(DECISIONS)}; got {decision!r}", param="decision")
    appeal = await session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound(f"No appeal found with id {appeal_id}", param="appeal_id")
    if appeal.status != "open":
        raise InvalidState(f"appeal {appeal_id} is already {appeal.status}", param="appeal_id")
    event = await session.get_one(ModerationEvent, appeal.event_id)
    appeal.status, appeal.decided_by, appeal.decided_at = DECISIONS[decision], admin_id, time.time()
    appeal.decision_note = check_note(note)
    restored = decision == "grant" and await _restore(session, settings, storage, event.generation_id)
    recorded = await record(session, stage="appeal", outcome=decision, user_id=appeal.user_id,
                            generation_id=event.generation_id, post_id=event.post_id, reviewer_id=admin_id,
                            note=note or (f"appeal {appeal.id}" + (": restored" if restored else "")))
    recorded.category, recorded.prompt_hash = event.category, event.prompt_hash
    return appeal


async def _restore(session: AsyncSession, settings: Settings, storage: LocalStorage, video_id: str | None) -> bool:
    gen = None if video_id is None else await session.scalar(select(Generation).where(Generation.id == video_id))
    if gen is None or not review.has_files(storage, gen):
        return False
    if gen.status == HELD or (gen.status == FAILED and gen.error_code == review.CONTENT_POLICY):
        await generations.finish_completed(session, settings=settings, gen=gen)
        return True
    return False


def appeal_json(appeal: Appeal) -> dict[str, Any]:
    return {"id": appeal.id, "event_id": appeal.event_id, "message": appeal.message, "status": appeal.status,
            "created_at": int(appeal.created_at),
            "decided_at": None if appeal.decided_at is None else int(appeal.decided_at),
            "decision_note": appeal.decision_note}
