"""Password change and reset by emailed link (logged here: no SMTP configured).

Run: .venv/bin/pytest tests/app/users/test_passwords.py -q"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from kinora.app.users.models import LoginSession, PasswordReset
from kinora.app.users.service import hash_key
from tests.app.users.helpers import PASSWORD
from tests.community import count, error, scalar, user_id

NEW_PASSWORD = "a much better passphrase"
LINK = re.compile(r"(\S+)/reset-password\?token=([\w-]+)")


def _login(community: Any, login: str, password: str) -> TestClient | None:
    client = community.client()
    response = client.post("/api/auth/login", json={"login": login, "password": password})
    return client if response.status_code == 200 else None


def _reset_link(community: Any, caplog: pytest.LogCaptureFixture, email: str) -> tuple[str, str]:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="kinora.mail"):
        response = community.anonymous.post("/api/auth/password-reset", json={"email": email})
    assert response.status_code == 202, response.text
    found = [LINK.search(record.getMessage()) for record in caplog.records if record.name == "kinora.mail"]
    links = [(m[1], m[2]) for m in found if m]
    assert len(links) == 1, caplog.text
    return links[0]


def test_change_password(community: Any) -> None:
    client = community.join("paula")
    elsewhere = _login(community, "paula", PASSWORD)
    assert elsewhere is not None
    wrong = client.post("/api/me/password", json={"current_password": "not it at all", "new_password": NEW_PASSWORD})
    assert "does not match" in error(wrong, 400, "current_password")
    short = client.post("/api/me/password", json={"current_password": PASSWORD, "new_password": "short"})
    assert "10-200 characters" in error(short, 400, "new_password")
    changed = client.post("/api/me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 204 and "HttpOnly" in changed.headers["set-cookie"]
    assert client.get("/api/me").status_code == 200  # this browser stays signed in, with a fresh session
    assert elsewhere.get("/api/me").status_code == 401  # every other session ended
    assert count(community, LoginSession, LoginSession.user_id == user_id(community, "paula")) == 1
    assert _login(community, "paula", PASSWORD) is None and _login(community, "paula", NEW_PASSWORD) is not None


def test_reset_for_an_unknown_address_looks_the_same(community: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="kinora.mail"):
        response = community.anonymous.post("/api/auth/password-reset", json={"email": "nobody@example.com"})
    assert response.status_code == 202
    assert not [r for r in caplog.records if r.name == "kinora.mail"]
    known = community.join("quinn")
    known_answer = community.anonymous.post("/api/auth/password-reset", json={"email": "QUINN@example.com"})
    assert known_answer.status_code == 202 and known_answer.json() == response.json()
    assert known.get("/api/me").status_code == 200  # asking for a reset signs nobody out


def test_reset_by_the_logged_link(community: Any, caplog: pytest.LogCaptureFixture) -> None:
    client = community.join("rosa")
    base, token = _reset_link(community, caplog, "rosa@example.com")
    assert base == "http://testserver"  # no public_url: the request's own base
    stored = scalar(community, select(PasswordReset).where(PasswordReset.user_id == user_id(community, "rosa")))
    assert stored.token_hash == hash_key(token) and token not in stored.token_hash
    assert 3590 < stored.expires_at - time.time() <= 3600
    short = community.anonymous.post("/api/auth/password-reset/confirm", json={"token": token, "password": "short"})
    error(short, 400, "password")
    done = community.anonymous.post("/api/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD})
    assert done.status_code == 204, done.text
    assert client.get("/api/me").status_code == 401  # all sessions ended
    assert _login(community, "rosa", NEW_PASSWORD) is not None and _login(community, "rosa", PASSWORD) is None
    again = community.anonymous.post("/api/auth/password-reset/confirm", json={"token": token, "password": PASSWORD})
    assert "already used" in error(again, 400, "token")


def _age(community: Any, token: str, seconds: float) -> None:
    async def body() -> None:
        async with community.services.db.write() as session:
            await session.execute(update(PasswordReset).where(PasswordReset.token_hash == hash_key(token))
                                  .values(expires_at=PasswordReset.expires_at - seconds))

    community.run(body())


def test_at_most_one_mail_a_minute(community: Any, caplog: pytest.LogCaptureFixture) -> None:
    community.join("rhea")
    _, token = _reset_link(community, caplog, "rhea@example.com")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="kinora.mail"):
        again = community.anonymous.post("/api/auth/password-reset", json={"email": "rhea@example.com"})
    assert again.status_code == 202 and not [r for r in caplog.records if r.name == "kinora.mail"]
    assert count(community, PasswordReset, PasswordReset.user_id == user_id(community, "rhea")) == 1
    _age(community, token, 61)
    _reset_link(community, caplog, "rhea@example.com")


def test_a_reset_spends_every_outstanding_link(community: Any, caplog: pytest.LogCaptureFixture) -> None:
    community.join("sami")
    _, first = _reset_link(community, caplog, "sami@example.com")
    _age(community, first, 61)
    _, second = _reset_link(community, caplog, "sami@example.com")
    ok = community.anonymous.post("/api/auth/password-reset/confirm", json={"token": second, "password": NEW_PASSWORD})
    assert ok.status_code == 204
    stale = community.anonymous.post("/api/auth/password-reset/confirm", json={"token": first, "password": PASSWORD})
    error(stale, 400, "token")


def test_expired_and_unknown_tokens_are_refused(community: Any, caplog: pytest.LogCaptureFixture) -> None:
    community.join("tess")
    _, token = _reset_link(community, caplog, "tess@example.com")
    _age(community, token, 3601)
    expired = community.anonymous.post("/api/auth/password-reset/confirm",
                                       json={"token": token, "password": NEW_PASSWORD})
    assert "expired" in error(expired, 400, "token")
    unknown = community.anonymous.post("/api/auth/password-reset/confirm",
                                       json={"token": "made-up", "password": NEW_PASSWORD})
    error(unknown, 400, "token")
    assert _login(community, "tess", PASSWORD) is not None
