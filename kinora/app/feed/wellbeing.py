"""Well-being: the teens' daily For You cap, and the periodic "How has Kinora been making you feel?" check-in
with its weekly admin report."""

from __future__ import annotations

import datetime
import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Integer, bindparam, case, cast, func, literal_column, select
from sqlalchemy.sql import ColumnElement

from kinora.app.db import Database
from kinora.app.errors import InvalidRequest
from kinora.app.feed.models import CheckIn, FeedDay
from kinora.app.social.service import VIEWER
from kinora.app.social.writes import insert_new
from kinora.app.users.models import User

QUESTION = "How has Kinora been making you feel?"
CHOICES = [{"mood": 1, "label": "Much worse"}, {"mood": 2, "label": "A little worse"},
           {"mood": 3, "label": "No different"}, {"mood": 4, "label": "A little better"},
           {"mood": 5, "label": "Much better"}]
MAX_NOTE, NEW_ACCOUNT_SECONDS, WEEK = 500, 86400.0, 7 * 86400

_SERVED = select(FeedDay.served).where(FeedDay.user_id == VIEWER, FeedDay.day == bindparam("day"))
_LAST_CHECKIN = select(func.max(CheckIn.created_at).label("at")).where(CheckIn.user_id == VIEWER)


def today() -> str:
    return datetime.datetime.now(datetime.UTC).date().isoformat()


async def feed_served(db: Database, *, user_id: int, day: str) -> int:
    rows = await db.rows(_SERVED, {"viewer": user_id, "day": day})
    return int(rows[0]["served"]) if rows else 0


async def serve(db: Database, *, user_id: int, day: str, wanted: int, cap: int) -> tuple[int, int]:
    """Count up to `wanted` more items served today within `cap`: (how many may be shown, served so far). The
    count happens inside the write transaction, so concurrent pages cannot overshoot the cap."""
    async with db.write() as session:
        await insert_new(session, FeedDay, user_id=user_id, day=day, served=0)
        row = await session.get_one(FeedDay, (user_id, day), with_for_update=True)
        granted = max(0, min(wanted, cap - row.served))
        row.served += granted
        return granted, row.served


async def checkin_due(db: Database, *, user: User, every_days: float, now: float | None = None) -> bool:
    """Due when the account is over a day old and its last check-in (answered or skipped) is older than
    `every_days`, or there is none."""
    now = time.time() if now is None else now
    if now - user.created_at < NEW_ACCOUNT_SECONDS:
        return False
    last = (await db.rows(_LAST_CHECKIN, {"viewer": user.id}))[0]["at"]
    return last is None or now - float(last) >= every_days * 86400


def prompt(due: bool) -> dict[str, Any]:
    return {"due": due, "question": QUESTION, "choices": CHOICES}


async def answer(db: Database, *, user_id: int, mood: int | None, note: str) -> CheckIn:
    """Store an answer (mood 1..5) or a skip (mood None)."""
    if mood is not None and not 1 <= mood <= 5:
        raise InvalidRequest(f"mood must be 1-5, or null to skip; got {mood}", param="mood")
    if len(note) > MAX_NOTE:
        raise InvalidRequest(f"note must be at most {MAX_NOTE} characters; got {len(note)}", param="note")
    async with db.write() as session:
        row = CheckIn(user_id=user_id, mood=mood, note=note.strip(), created_at=time.time())
        session.add(row)
        await session.flush()
    return row


# ------------------------------------------------------------------------------------------------------------
# The admin report: answers per ISO week (Monday-based), all accounts and teen accounts apart.


def _week(db: Database) -> ColumnElement[int]:
    # 1970-01-01 was a Thursday: shifting by 3 days makes weeks start on Mondays. Integer weeks keep this
    # portable; the ISO label is made in Python.
    shifted = (CheckIn.created_at + 3 * 86400) / WEEK
    return cast(shifted, Integer) if db.is_sqlite else cast(func.floor(shifted), Integer)


def _teen(db: Database) -> ColumnElement[int]:
    """1 when the account was under 18 on the day of the answer."""
    adult_on: ColumnElement[Any]
    answered_on: ColumnElement[Any]
    if db.is_sqlite:
        adult_on = func.date(User.birth_date, "+18 years")
        answered_on = func.date(CheckIn.created_at, "unixepoch")
    else:
        adult_on = User.birth_date + literal_column("interval '18 years'")
        answered_on = func.to_timestamp(CheckIn.created_at)
    return case((User.birth_date.is_not(None) & (adult_on > answered_on), 1), else_=0)


async def report(db: Database, *, weeks: int) -> dict[str, Any]:
    """{"weeks": [...]} newest first, over the last `weeks` weeks."""
    week, teen = _week(db).label("week"), _teen(db).label("teen")
    query = (select(week, teen, CheckIn.mood, func.count().label("n"))
             .join(User, User.id == CheckIn.user_id)
             .where(CheckIn.created_at >= time.time() - weeks * WEEK)
             .group_by(literal_column("week"), literal_column("teen"), CheckIn.mood))  # by name: PostgreSQL
    # would not see a repeated expression with bind parameters as the same one
    async with db.read() as session:
        rows = (await session.execute(query)).mappings().all()
    by_week: dict[int, dict[str, dict[int | None, int]]] = {}
    for row in rows:
        groups = by_week.setdefault(int(row["week"]), {"all": {}, "teens": {}})
        for name in ("all", "teens") if row["teen"] else ("all",):
            groups[name][row["mood"]] = groups[name].get(row["mood"], 0) + int(row["n"])
    return {"weeks": [{"week": _label(number), **_summary(groups["all"]), "teens": _summary(groups["teens"])}
                      for number, groups in sorted(by_week.items(), reverse=True)]}


def _label(week_number: int) -> str:
    monday = datetime.date(1970, 1, 1) + datetime.timedelta(days=7 * week_number - 3)
    year, number, _ = monday.isocalendar()
    return f"{year}-W{number:02d}"


def _summary(counts: Mapping[int | None, int]) -> dict[str, Any]:
    answered = {mood: n for mood, n in counts.items() if mood is not None}
    total = sum(answered.values())
    mean = sum(mood * n for mood, n in answered.items()) / total if total else None
    return {"responses": total, "skipped": counts.get(None, 0),
            "mean_mood": None if mean is None else round(mean, 2),
            "distribution": {str(mood): answered.get(mood, 0) for mood in range(1, 6)}}
