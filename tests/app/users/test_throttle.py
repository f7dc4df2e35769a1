"""Guessing limits: five wrong passwords (or guardian PINs) in a window, then 429 even for the right one."""

from __future__ import annotations

from typing import Any

import pytest

from kinora.app.errors import RateLimited
from kinora.app.users.throttle import Attempts


def test_failures_within_the_window_lock_the_key_and_success_clears_it() -> None:
    attempts = Attempts(max_failures=2, window=60)
    attempts.check("k", param="login")
    attempts.failed("k")
    attempts.check("k", param="login")
    attempts.failed("k")
    with pytest.raises(RateLimited) as raised:
        attempts.check("k", param="login")
    assert raised.value.param == "login" and int(raised.value.headers["retry-after"]) > 0
    attempts.check("other", param="login")  # keys are independent
    attempts.succeeded("k")
    attempts.check("k", param="login")


def test_expired_failures_no_longer_count() -> None:
    attempts = Attempts(max_failures=1, window=0.0)
    attempts.failed("k")
    attempts.check("k", param="pin")


def test_login_locks_after_five_wrong_passwords(community: Any) -> None:
    community.join("guesser_target", password="the right password")
    client = community.anonymous
    for _ in range(5):
        assert client.post("/api/auth/login", json={"login": "guesser_target", "password": "wrong guess!"}
                           ).status_code == 401
    locked = client.post("/api/auth/login", json={"login": "GUESSER_TARGET", "password": "the right password"})
    assert locked.status_code == 429 and locked.json()["error"]["param"] == "login"
    assert int(locked.headers["retry-after"]) > 0


def test_guardian_pin_locks_after_five_wrong_pins(community: Any) -> None:
    teen = community.join("pin_teen", birth_date="2011-06-01")
    body = {"personalization": False, "continuous_scroll": False}
    assert teen.put("/api/me/guardian", json={"pin": "2468", **body}).status_code == 200
    for _ in range(5):
        assert teen.put("/api/me/guardian", json={"pin": "1111", **body}).status_code == 400
    locked = teen.put("/api/me/guardian", json={"pin": "2468", **body})
    assert locked.status_code == 429 and locked.json()["error"]["param"] == "pin"
