"""The settings page (kinora/app/web/routes/settings.py): what each section shows, and that every form's /api
error lands in a slot next to the field it names.

    .venv/bin/python -m pytest tests/app/web/test_settings.py
"""

from __future__ import annotations

import html
import re
from typing import Any

from tests.community import error

SECTIONS = ["Your feed", "Well-being", "Teen and guardian", "Quota", "API keys", "Invites", "Your data", "Password",
            "Sign out"]


def _forms(page: str) -> dict[tuple[str, str], set[str]]:
    """(method, /api path) of each settings form -> the params it has an error slot for ("" for the form's)."""
    found: dict[tuple[str, str], set[str]] = {}
    for attrs, body in re.findall(r"<form ([^>]*data-api=[^>]*)>(.*?)</form>", page, re.S):
        path = re.search(r'data-api="([^"]+)"', attrs)
        method = re.search(r'data-method="([A-Z]+)"', attrs)
        assert path is not None and method is not None, attrs
        slots = set(re.findall(r'data-error-for="([a-z_]+)"', body)) | ({""} if "data-form-error" in body else set())
        found[method.group(1), html.unescape(path.group(1))] = slots
    return found


def test_every_section_is_there_with_what_it_controls(community: Any) -> None:
    client = community.join("seti")
    community.join("seti_other")
    assert client.put("/api/me/feed-preferences", json={"instruction": "more cooking, less sports"}).status_code == 200
    assert client.post("/api/users/seti_other/hide").status_code == 201
    token = client.post("/api/me/tokens", json={"name": "my <script>"}).json()
    invite = client.post("/api/me/invites").json()
    community.draft("seti")  # a draft counts against today's quota

    page = client.get("/settings")
    assert page.status_code == 200
    headings = re.findall(r'<section class="card settings-section"[^>]*>\s*<h2[^>]*>([^<]+)</h2>', page.text)
    assert headings == SECTIONS
    assert "more cooking, less sports</textarea>" in page.text
    assert re.search(r"<dt>More of</dt><dd>cooking</dd>", page.text) and "<dd>sports</dd>" in page.text
    assert 'aria-label="Show @seti_other again"' in page.text
    assert "my &lt;script&gt;" in page.text and token["prefix"] in page.text and token["token"] not in page.text
    assert invite["code"] in page.text and "You can make <strong>2</strong> more invites" in page.text
    assert re.search(r"<strong>1</strong> of <strong>\d+</strong> generations used today", page.text)
    assert 'action="/logout"' in page.text and 'name="csrf_token"' in page.text
    assert 'href="/api/me/export"' in page.text and "Download my data" in page.text
    assert "No check-in is due" in page.text  # a new account is not asked yet


def test_each_form_has_a_slot_for_the_errors_its_api_gives(community: Any) -> None:
    client = community.join("slots")
    forms = _forms(client.get("/settings").text)
    refusals = [
        ("PUT", "/api/me/feed-preferences", {"instruction": "x" * 501}, "instruction"),
        ("PUT", "/api/me/guardian", {"pin": "12", "personalization": True, "continuous_scroll": False}, "pin"),
        ("POST", "/api/me/tokens", {"name": "  "}, "name"),
        ("POST", "/api/me/password", {"current_password": "wrong password!", "new_password": "long enough 1"},
         "current_password"),
        ("POST", "/api/me/password", {"current_password": "correct horse battery", "new_password": "short"},
         "new_password"),
        ("DELETE", "/api/me", {"password": "not my password"}, "password"),
    ]
    for method, path, body, param in refusals:
        response = client.request(method, path, json=body)
        assert response.status_code == 400, (path, response.text)
        assert response.json()["error"]["param"] == param
        assert param in forms[method, path], f"{method} {path} shows no {param} error"
    assert "" in forms["POST", "/api/me/invites"] and "" in forms["DELETE", "/api/me/feed-data"]
    assert client.get("/api/me").status_code == 200  # the refused deletion deleted nothing


def test_the_guardian_lock_reads_differently_for_teens_and_when_locked(community: Any) -> None:
    adult = community.join("grown")
    teen = community.join("young", birth_date="2012-06-01")
    assert "If a teen uses this account" in adult.get("/settings").text
    page = teen.get("/settings")
    assert "Your account is a teen account" in page.text and "Not locked:" in page.text
    assert teen.put("/api/me/guardian", json={"pin": "4321", "personalization": False,
                                              "continuous_scroll": False}).status_code == 200
    locked = teen.get("/settings").text
    assert "Locked with a PIN:" in locked and "personalization is off, continuous scroll is off" in locked
    assert ("DELETE", "/api/me/guardian") in _forms(locked) and "Enter the guardian PIN to change these." in locked
    message = error(teen.request("DELETE", "/api/me/guardian", json={"pin": "0000"}), 400, "pin")
    assert "pin" in _forms(locked)["DELETE", "/api/me/guardian"] and "does not match" in message


def test_see_less_lists_the_post_with_an_undo(community: Any) -> None:
    community.join("seer")
    viewer = community.join("seer_fan")
    post = community.post("seer", caption="loud <drums>")["id"]
    assert viewer.post(f"/api/posts/{post}/see-less").status_code == 201
    page = viewer.get("/settings").text
    assert f'<a href="/p/{post}">loud &lt;drums&gt;</a>' in page
    assert ("DELETE", f"/api/posts/{post}/see-less") in _forms(page)


def test_settings_need_a_member(community: Any) -> None:
    response = community.client().get("/settings", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fsettings"
