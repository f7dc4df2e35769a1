"""Daily generation quotas: per tier, capped for teens, shared by /api/generations and /v1/videos, shown at
/api/me/quota, and a 429 naming the limit and the reset time when used up."""

from __future__ import annotations

import datetime
import time
from typing import Any

from sqlalchemy import update

from kinora.app.generations.models import Generation
from kinora.app.generations.service import new_id
from kinora.app.users.models import User
from tests.app.social.helpers import teen_birth_date

LIVE_SETTINGS = {"daily_generations": {"free": 3, "pro": 5}, "teen_daily_generations": 2, "max_queued_per_user": 40}


def _tomorrow() -> str:
    today = datetime.datetime.now(datetime.UTC).date()
    return f"{today + datetime.timedelta(days=1)}T00:00:00Z"


def _start(client: Any, n: int) -> list[int]:
    return [client.post("/api/generations", json={"prompt": f"ball {i}"}).status_code for i in range(n)]


def _run(community: Any, statement: Any) -> None:
    async def body() -> None:
        async with community.services.db.write() as session:
            await session.execute(statement)

    community.run(body())


def test_quota_shown_and_enforced(community: Any) -> None:
    ann = community.join("ann")
    quota = ann.get("/api/me/quota")
    assert quota.status_code == 200
    assert quota.json() == {"tier": "free", "limit": 3, "used": 0, "remaining": 3, "resets_at": _tomorrow()}
    assert _start(ann, 3) == [201, 201, 201]
    assert ann.get("/api/me/quota").json() | {"resets_at": None} == {
        "tier": "free", "limit": 3, "used": 3, "remaining": 0, "resets_at": None}
    over = ann.post("/api/generations", json={"prompt": "one more"})
    assert over.status_code == 429
    error = over.json()["error"]
    assert error["type"] == "rate_limit_error" and error["code"] == "rate_limit_exceeded"
    assert "3 generations per UTC day" in error["message"] and _tomorrow() in error["message"]
    assert 1 <= int(over.headers["retry-after"]) <= 86400
    assert community.anonymous.get("/api/me/quota").status_code == 401


def test_v1_videos_share_the_quota(community: Any) -> None:
    bob = community.join("bob")
    token = bob.post("/api/me/tokens", json={"name": "sdk"}).json()["token"]
    v1 = {"authorization": f"Bearer {token}"}
    assert _start(bob, 2) == [201, 201]
    assert community.anonymous.post("/v1/videos", json={"prompt": "via the SDK"}, headers=v1).status_code == 200
    assert bob.get("/api/me/quota").json()["used"] == 3
    refused = community.anonymous.post("/v1/videos", json={"prompt": "too many"}, headers=v1)
    assert refused.status_code == 429 and "retry-after" in refused.headers
    assert bob.post("/api/generations", json={"prompt": "and here"}).status_code == 429


def test_tiers_and_teens(community: Any) -> None:
    pro = community.join("pro_pat")
    _run(community, update(User).where(User.handle == "pro_pat").values(tier="pro"))
    assert pro.get("/api/me/quota").json()["limit"] == 5
    assert _start(pro, 6) == [201] * 5 + [429]
    teen = community.join("teen_tom", birth_date=teen_birth_date())
    assert teen.get("/api/me/quota").json()["limit"] == 2
    over = teen.post("/api/generations", json={"prompt": "x"}), teen.post("/api/generations", json={"prompt": "y"}), \
        teen.post("/api/generations", json={"prompt": "z"})
    assert [r.status_code for r in over] == [201, 201, 429]
    assert "teen accounts may start 2" in over[2].json()["error"]["message"]


def test_yesterday_does_not_count(community: Any) -> None:
    cy = community.join("cy")
    yesterday = time.time() - 86400 - 60

    async def old_generation() -> None:
        from sqlalchemy import select

        async with community.services.db.write() as session:
            owner = await session.scalar(select(User).where(User.handle == "cy"))
            assert owner is not None
            session.add(Generation(id=new_id(), owner_id=owner.id, kind="create", model="sora-2", engine="world",
                                   prompt="old", seconds=4, total_seconds=4, width=64, height=64, fps=12,
                                   characters=[], options={}, status="failed", created_at=yesterday))

    for _ in range(3):
        community.run(old_generation())
    assert cy.get("/api/me/quota").json()["used"] == 0
    assert _start(cy, 1) == [201]
