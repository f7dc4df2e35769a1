"""CSRF tokens and the page headers (kinora/app/web/security.py).

    .venv/bin/python -m pytest tests/app/web/test_security.py
"""

from __future__ import annotations

from typing import Any

from tests.app.web.helpers import token

BROWSER = {"origin": "http://testserver", "sec-fetch-site": "same-origin"}


def test_pages_carry_a_strict_policy(community: Any) -> None:
    response = community.client().get("/login")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy and "'unsafe-inline'" not in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("kinora_csrf=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "content-security-policy" not in community.client().get("/api/me").headers  # JSON needs none


def test_a_form_without_the_token_is_refused_and_with_it_goes_through(community: Any) -> None:
    client = community.client()
    client.get("/login")
    refused = client.post("/login", data={"login": "nobody", "password": "x" * 12})
    assert refused.status_code == 403 and "csrf_token is missing" in refused.text
    wrong = client.post("/login", data={"login": "nobody", "password": "x" * 12, "csrf_token": "forged"})
    assert wrong.status_code == 403 and "does not match" in wrong.text
    answered = client.post("/login", data={"login": "nobody", "password": "x" * 12, "csrf_token": token(client)})
    assert answered.status_code == 401 and "login or password is wrong" in answered.text


def test_another_browsers_token_does_not_fit(community: Any) -> None:
    mine, theirs = community.client(), community.client()
    stolen = token(theirs)
    mine.get("/login")
    response = mine.post("/login", data={"login": "a", "password": "b" * 12, "csrf_token": stolen})
    assert response.status_code == 403


def test_api_calls_from_a_browser_with_the_session_cookie_need_the_token(community: Any) -> None:
    member = community.join("csrfann")
    refused = member.patch("/api/me", json={"bio": "forged"}, headers=BROWSER)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed" and refused.json()["error"]["param"] == "csrf_token"
    sent = member.patch("/api/me", json={"bio": "mine"}, headers={**BROWSER, "x-csrf-token": token(member)})
    assert sent.status_code == 200 and sent.json()["bio"] == "mine"
    # Scripts (no browser headers) and bearer keys cannot be forged by another site: no token needed.
    assert member.patch("/api/me", json={"bio": "script"}).status_code == 200


def test_reads_and_the_openai_api_need_no_token(community: Any) -> None:
    member = community.join("csrfbob")
    assert member.get("/api/me", headers=BROWSER).status_code == 200
    response = member.post("/v1/videos", json={"prompt": "x"}, headers=BROWSER)
    assert response.status_code == 401  # a bearer key is what /v1 wants; no CSRF refusal in the way


def test_an_oversized_form_is_refused_without_reading_it_all(community: Any) -> None:
    client = community.client()
    client.get("/login")
    response = client.post("/login", content=b"login=" + b"a" * (300 * 1024),
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 403 and "larger than 256 KiB" in response.text


def test_static_files_are_versioned_and_cached(community: Any) -> None:
    client = community.client()
    page = client.get("/login").text
    assert "/static/app.css?v=" in page
    css = client.get("/static/app.css?v=x")
    assert css.status_code == 200 and "immutable" in css.headers["cache-control"]
    assert client.get("/static/app.css").headers["cache-control"] == "no-cache"
