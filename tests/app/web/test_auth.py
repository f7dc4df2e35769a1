"""Signing up, in and out with the web forms (kinora/app/web/routes/auth.py).

    .venv/bin/python -m pytest tests/app/web/test_auth.py
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from kinora.app.users.models import User
from tests.app.web.helpers import alerts, token
from tests.community import count, scalar

PASSWORD = "correct horse battery"


def _signup(client: Any, **fields: str) -> Any:
    form = {"invite_code": "", "handle": "", "email": "", "password": PASSWORD, "birth_date": "1990-01-01",
            **fields}
    return client.post("/signup", data={**form, "csrf_token": token(client, "/signup")}, follow_redirects=False)


def test_signup_signs_in_and_spends_the_invite(community: Any) -> None:
    client = community.client()
    response = _signup(client, invite_code=community.invite(), handle="Webby", email="webby@example.com")
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert client.get("/api/me").json()["handle"] == "webby"
    assert client.get("/signup", follow_redirects=False).status_code == 303  # already a member


def test_a_refused_signup_keeps_what_was_typed_and_names_the_field(community: Any) -> None:
    client = community.client()
    code = community.invite()
    response = _signup(client, invite_code=code, handle="no spaces", email="ns@example.com")
    assert response.status_code == 400
    assert any(text.startswith("handle must be") for text in alerts(response.text))
    assert 'value="ns@example.com"' in response.text and 'aria-invalid="true"' in response.text
    assert PASSWORD not in response.text  # the password is never echoed
    assert count(community, User, User.email == "ns@example.com") == 0
    assert _signup(client, invite_code=code, handle="spaces_ok", email="ns@example.com").status_code == 303


def test_signup_without_a_valid_invite_is_refused(community: Any) -> None:
    response = _signup(community.client(), invite_code="NOPE-NOPE", handle="nobody", email="n@example.com")
    assert response.status_code in (400, 403, 404)
    assert alerts(response.text) and scalar(community, select(User.id).where(User.handle == "nobody")) is None


def test_login_goes_to_next_but_only_on_this_site(community: Any) -> None:
    community.join("nexty")
    client = community.client()
    for target, landing in (("/drafts", "/drafts"), ("//evil.example/x", "/"), ("https://evil.example", "/")):
        client.cookies.clear()
        response = client.post("/login", data={"login": "nexty", "password": PASSWORD, "next": target,
                                               "csrf_token": token(client)}, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == landing


def test_pages_that_need_a_member_send_visitors_to_login(community: Any) -> None:
    response = community.client().get("/drafts?x=1", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fdrafts%3Fx%3D1"
    htmx = community.client().get("/drafts", headers={"hx-request": "true"}, follow_redirects=False)
    assert htmx.headers["hx-redirect"].startswith("/login?next=")


def test_logout_ends_the_session(community: Any) -> None:
    member = community.join("leaver")
    response = member.post("/logout", data={"csrf_token": token(member)}, follow_redirects=False)
    assert response.status_code == 303
    assert member.get("/api/me").status_code == 401


def test_unknown_pages_are_html_404s(community: Any) -> None:
    response = community.client().get("/no/such/page")
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert "No page at /no/such/page" in response.text
    assert community.client().get("/api/no-such").headers["content-type"] == "application/json"
