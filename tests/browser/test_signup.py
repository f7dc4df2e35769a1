"""Signing up and in through the forms, in a phone-sized Chromium.

    .venv/bin/python -m pytest tests/browser/test_signup.py
"""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import invite, sign_up


def test_join_sign_out_and_back_in(site: Any, browse: Any, shot: Any, watch: Any) -> None:
    watch.allow(401, "/login")
    page = browse(phone=False)
    page.goto(f"/signup?invite={invite(site)}")
    shot(page, "signup")
    sign_up(page, site, "maya")
    page.goto("/login")  # signed in: /login goes on to the feed
    assert page.url == f"{site.url}/"
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{site.url}/")
    page.goto("/login?next=/drafts")
    page.get_by_label("Handle or email").fill("maya")
    page.get_by_label("Password").fill("wrong password here")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "login or password is wrong"
    assert page.get_by_label("Handle or email").input_value() == "maya"
    shot(page, "login-refused")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/drafts")


def test_signup_names_the_field_it_refuses(site: Any, browse: Any, watch: Any) -> None:
    watch.allow(400, "/signup")
    page = browse(phone=False)
    page.goto(f"/signup?invite={invite(site)}")
    page.get_by_label("Handle").fill("a b")
    page.get_by_label("Email").fill("ab@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_label("Birth date").fill("1990-01-01")
    page.get_by_role("button", name="Create account").click()
    assert page.get_by_label("Handle").get_attribute("aria-invalid") == "true"
    assert "handle must be" in page.locator("#e-handle").inner_text()
