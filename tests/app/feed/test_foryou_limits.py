"""For You limits: the teens' daily cap ends the feed with a message, teens explore only established accounts,
and the guardian switches turn off personalization and continuous scroll.

Run: .venv/bin/pytest tests/app/feed/test_foryou_limits.py -q
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select, update

from kinora.app.feed.models import FeedDay
from kinora.app.users.models import User
from tests.app.feed.helpers import TOPICS, for_you, ids, refresh
from tests.community import execute, scalar, user_id

LIVE_SETTINGS = {"teen_feed_items_per_day": 5}
TEEN_BIRTH = "2011-03-04"
DAILY_LIMIT = {"reason": "daily_limit", "message": "That's all for today. Come back tomorrow."}


def _follow(community: Any, who: str, whom: str) -> None:
    assert community.clients[who].post(f"/api/users/{whom}/follow").status_code == 200


def test_teen_daily_cap_ends_the_feed(community: Any) -> None:
    tia = community.join("tia", birth_date=TEEN_BIRTH)
    adult = community.join("ada")
    community.join("cook")
    posted = [community.post("cook", prompt)["id"] for prompt in TOPICS["cooking"][:8]]
    _follow(community, "tia", "cook")
    _follow(community, "ada", "cook")
    refresh(community)

    first = tia.get("/api/feed/for-you", params={"limit": 3}).json()
    assert len(first["items"]) == 3 and first["next_cursor"] and first["end"] is None
    second = tia.get("/api/feed/for-you", params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert len(second["items"]) == 2 and second["next_cursor"] is None and second["end"] == DAILY_LIMIT
    for params in ({}, {"cursor": first["next_cursor"]}):
        later = tia.get("/api/feed/for-you", params=params).json()
        assert later["items"] == [] and later["next_cursor"] is None and later["end"] == DAILY_LIMIT
    assert ids(first) + ids(second) == sorted(posted, reverse=True)[:5]
    served = scalar(community, select(FeedDay.served).where(FeedDay.user_id == user_id(community, "tia")))
    assert served == 5
    assert set(posted) <= set(ids(for_you(adult, limit=100)))  # adults have no cap
    assert scalar(community, select(FeedDay.served).where(FeedDay.user_id == user_id(community, "ada"))) is None


def test_teens_explore_only_established_accounts(community: Any) -> None:
    teo = community.join("teo", birth_date=TEEN_BIRTH)
    ali = community.join("ali")
    community.join("newbie")
    fresh = community.post("newbie", "a sandcastle on the beach")["id"]
    refresh(community)
    assert fresh in ids(for_you(ali, limit=100))
    assert fresh not in ids(for_you(teo, limit=100))
    execute(community, update(User).where(User.handle == "newbie").values(created_at=time.time() - 8 * 86400))
    refresh(community)
    assert fresh in ids(for_you(teo, limit=100))


def _guardian(client: Any, *, personalization: bool, continuous_scroll: bool) -> None:
    response = client.put("/api/me/guardian", json={"pin": "2468", "personalization": personalization,
                                                    "continuous_scroll": continuous_scroll})
    assert response.status_code == 200, response.text


def test_guardian_turns_off_personalization(community: Any) -> None:
    kid = community.join("kid", birth_date=TEEN_BIRTH)
    community.join("pal")
    execute(community, update(User).where(User.handle == "pal").values(created_at=time.time() - 30 * 86400))
    _follow(community, "kid", "pal")
    public = [community.post("pal", prompt)["id"] for prompt in TOPICS["scary"][:3]]
    followers_only = community.post("pal", "for my followers", visibility="followers")["id"]
    assert kid.put("/api/me/feed-preferences", json={"instruction": "nothing scary"}).status_code == 200
    refresh(community)
    personal = {item["id"]: item["reason"] for item in for_you(kid, limit=100)}
    assert followers_only in personal and not set(public) & set(personal)  # steering holds

    _guardian(kid, personalization=False, continuous_scroll=True)
    plain = {item["id"]: item["reason"] for item in for_you(kid, limit=100)}
    assert set(plain.values()) <= {"popular", "explore"}  # no relations, no steering
    assert set(public) <= set(plain) and followers_only not in plain
    assert kid.get("/api/me/feed-data").json()["personalized"] is False


def test_guardian_turns_off_continuous_scroll(community: Any) -> None:
    ren = community.join("ren", birth_date=TEEN_BIRTH)
    community.join("sky")
    _follow(community, "ren", "sky")
    for prompt in TOPICS["travel"][:4]:
        community.post("sky", prompt)
    refresh(community)
    earlier = ren.get("/api/feed/for-you", params={"limit": 1}).json()["next_cursor"]
    assert earlier
    _guardian(ren, personalization=True, continuous_scroll=False)
    one = ren.get("/api/feed/for-you", params={"limit": 2}).json()
    assert len(one["items"]) == 2 and one["next_cursor"] is None
    assert one["end"]["reason"] == "continuous_scroll_off" and one["end"]["message"]
    more = ren.get("/api/feed/for-you", params={"cursor": earlier}).json()
    assert more["items"] == [] and more["end"]["reason"] == "continuous_scroll_off"
