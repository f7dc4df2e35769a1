"""The audit log (the one way anything records a moderation decision), suspensions and warnings, and the export
of reviewed decisions as training data for the classifier."""

from __future__ import annotations

import datetime
import hashlib
import time
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from kinora.app.errors import Forbidden, InvalidRequest, InvalidState, NotFound
from kinora.app.generations.models import Generation
from kinora.app.moderation.models import OUTCOMES, STAGES, ModerationEvent, RegistryEntry
from kinora.app.users import service as users
from kinora.app.users.models import User
from kinora.safety.policy import Entry, Kind, Verdict

MAX_NOTE = 2000
MAX_SUSPENSION_DAYS = 3650
USER_ACTIONS = ("warn", "suspend", "unsuspend")
DECISION_LABELS = {"approve": "allow", "grant": "allow", "remove": "block", "deny": "block"}


def text_hash(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()


async def record(session: AsyncSession, *, stage: str, verdict: Verdict | None = None, outcome: str | None = None,
                 user_id: int | None, generation_id: str | None = None, post_id: int | None = None,
                 text: str | None = None, reviewer_id: int | None = None, note: str = "") -> ModerationEvent:
    """Write one decision to the audit log: the outcome is the verdict's unless given; the text is kept only as its
    SHA-256."""
    chosen = outcome or (verdict.outcome if verdict is not None else None)
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}; got {stage!r}")
    if chosen not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)} (or come from a verdict); got {chosen!r}")
    event = ModerationEvent(
        created_at=time.time(), stage=stage, outcome=chosen, user_id=user_id, generation_id=generation_id,
        post_id=post_id, prompt_hash=text_hash(text), reviewer_id=reviewer_id,
        category=verdict.category if verdict else None, layer=verdict.layer if verdict else None,
        scores=dict(verdict.scores) if verdict else {}, versions=dict(verdict.versions) if verdict else {},
        evasions=list(verdict.evasions) if verdict else [], note=note or (verdict.reason if verdict else ""))
    session.add(event)
    await session.flush()
    return event


def check_note(note: str) -> str:
    if len(note) > MAX_NOTE:
        raise InvalidRequest(f"note must be at most {MAX_NOTE} characters; got {len(note)}", param="note")
    return note


async def registry_entries(session: AsyncSession) -> list[Entry]:
    """Every registry row of this instance as a policy Entry, for the matcher to merge over the shipped lists
    (read on every check, so an admin's change applies at once). Managed in kinora/app/moderation/registry.py."""
    rows = await session.scalars(select(RegistryEntry).order_by(RegistryEntry.id))
    return [Entry(kind=cast(Kind, row.kind), name=row.name, aliases=tuple(row.aliases), allowed=row.allowed,
                  holder=row.holder) for row in rows]


# --- accounts ------------------------------------------------------------------------------------------------

def ensure_active(user: User, now: float) -> None:
    """Refuse anything a suspended account tries to make."""
    if user.suspended_until is not None and user.suspended_until > now:
        end = datetime.datetime.fromtimestamp(user.suspended_until, datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        raise Forbidden(f"@{user.handle} is suspended until {end} and cannot post, comment or generate until then",
                        code="account_suspended")


async def act_on_user(session: AsyncSession, *, admin_id: int | None, handle: str, action: str,
                      days: int | None = None, note: str = "") -> User:
    """Warn, suspend (for `days`) or unsuspend the account `handle`; recorded in the audit log."""
    if action not in USER_ACTIONS:
        raise InvalidRequest(f"action must be one of {', '.join(USER_ACTIONS)}; got {action!r}", param="action")
    user = await by_handle(session, handle, param="handle")
    now = time.time()
    if action == "warn":
        user.warnings += 1
    elif action == "suspend":
        user.suspended_until = now + _days(days) * 86400
    elif user.suspended_until is None or user.suspended_until <= now:
        raise InvalidState(f"@{user.handle} is not suspended", param="handle")
    else:
        user.suspended_until = None
    await record(session, stage="user", outcome=action, user_id=user.id, reviewer_id=admin_id,
                 note=check_note(note) or (f"{days} days" if action == "suspend" else ""))
    return user


async def by_handle(session: AsyncSession, handle: str, *, param: str) -> User:
    user = await users.get_by_handle(session, handle.strip().removeprefix("@").lower())
    if user is None:
        raise NotFound(f"No user found with handle {handle!r}", param=param)
    return user


def _days(days: int | None) -> int:
    if days is None or not 1 <= days <= MAX_SUSPENSION_DAYS:
        raise InvalidRequest(f"days must be 1-{MAX_SUSPENSION_DAYS} to suspend; got {days}", param="days")
    return days


def account_json(user: User) -> dict[str, Any]:
    return {"handle": user.handle, "warnings": user.warnings,
            "suspended_until": None if user.suspended_until is None else int(user.suspended_until)}


# --- the audit log -------------------------------------------------------------------------------------------

async def events(session: AsyncSession, *, handle: str | None = None, generation_id: str | None = None,
                 stage: str | None = None, before: int | None = None, limit: int) -> list[dict[str, Any]]:
    """Audit log entries, newest first (limit + 1), filtered by the account, the generation or the stage."""
    subject, reviewer = aliased(User), aliased(User)
    query = (select(ModerationEvent, subject.handle, reviewer.handle)
             .outerjoin(subject, subject.id == ModerationEvent.user_id)
             .outerjoin(reviewer, reviewer.id == ModerationEvent.reviewer_id))
    if handle is not None:
        user = await by_handle(session, handle, param="user")
        query = query.where(ModerationEvent.user_id == user.id)
    if generation_id is not None:
        query = query.where(ModerationEvent.generation_id == generation_id)
    if stage is not None:
        if stage not in STAGES:
            raise InvalidRequest(f"stage must be one of {', '.join(STAGES)}; got {stage!r}", param="stage")
        query = query.where(ModerationEvent.stage == stage)
    if before is not None:
        query = query.where(ModerationEvent.id < before)
    rows = await session.execute(query.order_by(ModerationEvent.id.desc()).limit(limit + 1))
    return [event_json(event, user=who, reviewer=by) for event, who, by in rows]


def event_json(event: ModerationEvent, *, user: str | None = None, reviewer: str | None = None) -> dict[str, Any]:
    return {"id": event.id, "created_at": int(event.created_at), "stage": event.stage, "outcome": event.outcome,
            "user": user, "generation_id": event.generation_id, "post_id": event.post_id,
            "prompt_hash": event.prompt_hash, "category": event.category, "scores": event.scores,
            "layer": event.layer, "versions": event.versions, "evasions": event.evasions, "reviewer": reviewer,
            "note": event.note}


# --- training data -------------------------------------------------------------------------------------------

async def labelled(session: AsyncSession) -> list[dict[str, Any]]:
    """Reviewed decisions as dataset lines for retraining the classifier: a moderator's approve or grant labels the
    prompt "allow", remove or deny "block". Only prompts that still exist are exported."""
    rows = await session.execute(
        select(Generation.prompt, ModerationEvent.outcome, ModerationEvent.category)
        .join(Generation, Generation.id == ModerationEvent.generation_id)
        .where(ModerationEvent.stage.in_(("review", "appeal")), ModerationEvent.outcome.in_(DECISION_LABELS))
        .order_by(ModerationEvent.id))
    return [{"prompt": prompt, "label": DECISION_LABELS[outcome], "category": category or "none"}
            for prompt, outcome, category in rows]
