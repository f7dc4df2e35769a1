"""The guardian setting (/api/me/guardian): a PIN locks personalization and continuous scroll.

Run: .venv/bin/pytest tests/app/users/test_guardian.py -q"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kinora.app.users.models import User
from tests.app.users.helpers import years_ago
from tests.community import error, scalar


def test_guardian_pin_locks_the_settings(community: Any) -> None:
    teen = community.join("wren", birth_date=years_ago(14))
    locked = teen.put("/api/me/guardian", json={"pin": "2468", "personalization": False, "continuous_scroll": False})
    assert locked.status_code == 200, locked.text
    assert locked.json() == {"locked": True, "personalization": False, "continuous_scroll": False}
    stored = scalar(community, select(User).where(User.handle == "wren"))
    assert stored.guardian_pin_hash.startswith("$argon2id$") and not stored.personalized
    assert not stored.continuous_scroll
    assert teen.get("/api/me").json()["guardian"] == locked.json()
    wrong = teen.put("/api/me/guardian", json={"pin": "1357", "personalization": True, "continuous_scroll": True})
    assert error(wrong, 400, "pin") == "guardian PIN does not match"
    assert teen.get("/api/me").json()["guardian"]["personalization"] is False
    changed = teen.put("/api/me/guardian", json={"pin": "2468", "personalization": True, "continuous_scroll": False})
    assert changed.json() == {"locked": True, "personalization": True, "continuous_scroll": False}
    error(teen.request("DELETE", "/api/me/guardian", json={"pin": "0000"}), 400, "pin")
    unlocked = teen.request("DELETE", "/api/me/guardian", json={"pin": "2468"})
    assert unlocked.json() == {"locked": False, "personalization": True, "continuous_scroll": False}
    again = teen.request("DELETE", "/api/me/guardian", json={"pin": "2468"})
    assert error(again, 400, "pin") == "no guardian PIN is set" and again.json()["error"]["code"] == "invalid_state"


def test_guardian_pin_must_be_4_to_8_digits(community: Any) -> None:
    client = community.join("xia", birth_date=years_ago(16))
    for pin in ("123", "123456789", "12a4", "", "12 34"):
        response = client.put("/api/me/guardian", json={"pin": pin, "personalization": False,
                                                        "continuous_scroll": True})
        assert error(response, 400, "pin") == "pin must be 4-8 digits"
    error(client.put("/api/me/guardian", json={"pin": "1234", "personalization": "maybe",
                                               "continuous_scroll": True}), 400, "personalization")
    assert client.get("/api/me").json()["guardian"]["locked"] is False
