"""Well-being check-ins: when they are due, answering and skipping, the For You flag, and the admin's weekly
report (teen accounts apart).

Run: .venv/bin/pytest tests/app/feed/test_wellbeing.py -q
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from sqlalchemy import delete, update

from kinora.app.feed import wellbeing
from kinora.app.feed.models import CheckIn
from kinora.app.users.models import User
from tests.community import count, error, execute, user_id

DAY = 86400


def _age(community: Any, handle: str, days: float) -> None:
    execute(community, update(User).where(User.handle == handle).values(created_at=time.time() - days * DAY))


def _due(client: Any) -> bool:
    response = client.get("/api/me/check-in")
    assert response.status_code == 200
    due: bool = response.json()["due"]
    return due


def test_check_in_is_due_every_few_days(community: Any) -> None:
    amy = community.join("amy")
    prompt = amy.get("/api/me/check-in").json()
    assert prompt["question"] == "How has Kinora been making you feel?"
    assert [c["mood"] for c in prompt["choices"]] == [1, 2, 3, 4, 5]
    assert (prompt["choices"][0]["label"], prompt["choices"][4]["label"]) == ("Much worse", "Much better")
    assert prompt["due"] is False  # a brand-new account is not asked yet
    assert amy.get("/api/feed/for-you").json()["check_in"] is False

    _age(community, "amy", 2)
    assert _due(amy) is True
    assert amy.get("/api/feed/for-you").json()["check_in"] is True
    answer = amy.post("/api/me/check-in", json={"mood": 4, "note": " calmer than last week "})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["mood"], body["note"]) == (4, "calmer than last week") and isinstance(body["id"], int)
    assert _due(amy) is False
    assert amy.get("/api/feed/for-you").json()["check_in"] is False

    amy_id = user_id(community, "amy")
    execute(community, update(CheckIn).where(CheckIn.user_id == amy_id).values(created_at=time.time() - 15 * DAY))
    assert _due(amy) is True  # checkin_days (14) later
    skipped = amy.post("/api/me/check-in", json={"mood": None})
    assert skipped.status_code == 201 and skipped.json()["mood"] is None
    assert _due(amy) is False  # a skip counts as an answer
    assert count(community, CheckIn, CheckIn.user_id == amy_id) == 2


def test_check_in_validation(community: Any) -> None:
    bob = community.join("bob")
    for mood in (0, 6, "great"):
        error(bob.post("/api/me/check-in", json={"mood": mood}), 400, "mood")
    error(bob.post("/api/me/check-in", json={}), 400, "mood")
    error(bob.post("/api/me/check-in", json={"mood": 3, "note": "x" * 501}), 400, "note")
    assert community.anonymous.get("/api/me/check-in").status_code == 401
    assert community.anonymous.post("/api/me/check-in", json={"mood": 3}).status_code == 401
    assert count(community, CheckIn, CheckIn.user_id == user_id(community, "bob")) == 0


def _week_label(at: float) -> str:
    year, week, _ = datetime.datetime.fromtimestamp(at, datetime.UTC).date().isocalendar()
    return f"{year}-W{week:02d}"


def test_admin_report(community: Any) -> None:
    execute(community, delete(CheckIn))
    boss, adult, teen = community.join("boss"), community.join("cal"), community.join("dot", birth_date="2011-06-07")
    assert boss.get("/api/admin/wellbeing").status_code == 404  # not an admin yet: no such route
    assert community.anonymous.get("/api/admin/wellbeing").status_code == 401
    execute(community, update(User).where(User.handle == "boss").values(is_admin=True))
    for client, mood in ((adult, 4), (adult, 2), (adult, None), (teen, 5)):
        assert client.post("/api/me/check-in", json={"mood": mood}).status_code == 201
    adult.post("/api/me/check-in", json={"mood": 1})
    weeks_ago = time.time() - 3 * 7 * DAY
    execute(community, update(CheckIn).where(CheckIn.mood == 1).values(created_at=weeks_ago))

    report = boss.get("/api/admin/wellbeing")
    assert report.status_code == 200, report.text
    this_week, older = report.json()["weeks"]
    assert this_week == {
        "week": _week_label(time.time()), "responses": 3, "skipped": 1, "mean_mood": 3.67,
        "distribution": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1},
        "teens": {"responses": 1, "skipped": 0, "mean_mood": 5.0,
                  "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}}}
    assert (older["week"], older["responses"], older["distribution"]["1"]) == (_week_label(weeks_ago), 1, 1)
    assert older["teens"] == {"responses": 0, "skipped": 0, "mean_mood": None,
                              "distribution": {str(m): 0 for m in range(1, 6)}}
    assert len(boss.get("/api/admin/wellbeing", params={"weeks": 1}).json()["weeks"]) == 1
    error(boss.get("/api/admin/wellbeing", params={"weeks": 0}), 400, "weeks")


def test_week_labels_follow_iso_weeks() -> None:
    for day in (datetime.date(2026, 11, 16), datetime.date(2021, 1, 3), datetime.date(2020, 12, 31),
                datetime.date(2024, 12, 30)):
        at = datetime.datetime.combine(day, datetime.time(12), datetime.UTC).timestamp()
        number = int((at + 3 * DAY) // (7 * DAY))
        year, week, _ = day.isocalendar()
        assert wellbeing._label(number) == f"{year}-W{week:02d}"
