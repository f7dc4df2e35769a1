"""Steering: how plain-language instructions are read, the preference routes, and that an instruction measurably
moves the For You mix on a seeded corpus (real embedding model).

Run: .venv/bin/pytest tests/app/feed/test_steering.py -q
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from kinora.app.feed import steering
from kinora.app.feed.models import FeedPreference
from tests.app.feed.helpers import TOPICS, for_you, refresh
from tests.community import count, error, user_id


@pytest.mark.parametrize(("instruction", "more", "less"), [
    ("more cooking and animals, less sports, nothing scary", ["cooking", "animals"], ["sports", "scary"]),
    ("I don't like sports but I love cats", ["cats"], ["sports"]),
    ("show me less horror", [], ["horror"]),
    ("travel, food and more music videos", ["travel", "food", "music"], []),
    ("avoid spiders and snakes", [], ["spiders", "snakes"]),  # unmarked parts take the cue before them
    ("hate football; want dance", ["dance"], ["football"]),
    ("Nothing with clowns.  More space and rockets!", ["space", "rockets"], ["clowns"]),
    ("cats not dogs", ["cats"], ["dogs"]),
    ("no more politics", [], ["politics"]),
    ("I\u2019d like more of the ocean stuff, please", ["ocean"], []),
    ("", [], []),
    ("more", [], []),
])
def test_parse(instruction: str, more: list[str], less: list[str]) -> None:
    assert steering.parse(instruction) == (more, less)


def test_parse_caps_phrases() -> None:
    more, less = steering.parse(", ".join(f"topic{i}" for i in range(30)))
    assert len(more) == steering.MAX_PHRASES and less == []


def test_preference_routes(community: Any) -> None:
    ann = community.join("ann")
    empty = ann.get("/api/me/feed-preferences")
    assert empty.status_code == 200
    assert empty.json() == {"instruction": "", "more": [], "less": [], "updated_at": None}
    put = ann.put("/api/me/feed-preferences", json={"instruction": " more cooking and animals, less sports "})
    assert put.status_code == 200, put.text
    body = put.json()
    assert (body["instruction"], body["more"], body["less"]) == (
        "more cooking and animals, less sports", ["cooking", "animals"], ["sports"])
    assert isinstance(body["updated_at"], int)
    assert ann.get("/api/me/feed-preferences").json() == body

    ann_id = user_id(community, "ann")

    async def stored() -> tuple[np.ndarray, np.ndarray]:
        return await steering.vectors(community.services.db, user_id=ann_id)

    more, less = community.run(stored())
    assert more.shape == (4, 384) and less.shape == (2, 384)  # each phrase as written and as a video
    assert np.allclose(np.linalg.norm(more, axis=1), 1, atol=1e-2)
    assert ann.delete("/api/me/feed-preferences").status_code == 204
    assert ann.get("/api/me/feed-preferences").json()["more"] == []
    assert count(community, FeedPreference, FeedPreference.user_id == ann_id) == 0


def test_preference_validation(community: Any) -> None:
    bea = community.join("bea")
    assert "instruction" in error(bea.put("/api/me/feed-preferences", json={"instruction": "x" * 501}), 400,
                                  "instruction")
    error(bea.put("/api/me/feed-preferences", json={}), 400, "instruction")
    error(bea.put("/api/me/feed-preferences", json={"instruction": "more cats", "extra": 1}), 400, "extra")
    for method in ("get", "put", "delete"):
        assert getattr(community.anonymous, method)("/api/me/feed-preferences").status_code == 401


def _shares(items: list[dict[str, Any]], topic_of: dict[int, str]) -> dict[str, float]:
    topics = [topic_of[item["id"]] for item in items]
    return {topic: topics.count(topic) / len(topics) for topic in TOPICS}


def test_steering_moves_the_mix(community: Any) -> None:
    creators = [f"maker{i}" for i in range(6)]
    for handle in creators:
        community.join(handle)
    topic_of: dict[int, str] = {}
    for t, (topic, prompts) in enumerate(TOPICS.items()):
        for i, prompt in enumerate(prompts):
            topic_of[community.post(creators[(i + t) % 6], prompt)["id"]] = topic
    viewer = community.join("vic")
    refresh(community)
    base = 1 / len(TOPICS)

    before = _shares(for_you(viewer), topic_of)
    steered = viewer.put("/api/me/feed-preferences",
                         json={"instruction": "more cooking and animals, less sports, nothing scary"})
    assert steered.status_code == 200, steered.text
    page = for_you(viewer)
    after = _shares(page, topic_of)
    print(f"\nshares before {before}\nshares after  {after}")

    assert len(page) == 20
    wanted_before, wanted_after = before["cooking"] + before["animals"], after["cooking"] + after["animals"]
    assert wanted_after >= 2 * (2 * base) and wanted_after > wanted_before
    assert after["scary"] <= 0.05 and after["sports"] <= 0.1
    assert {item["reason"] for item in page} <= {"steered", "explore"}
    assert sum(item["reason"] == "steered" for item in page) >= 12
