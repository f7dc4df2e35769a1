"""Account rules without HTTP (birth dates, handles) and personal tokens (/api/me/tokens).

Run: .venv/bin/pytest tests/app/users/test_service.py -q"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from kinora.app.errors import InvalidRequest
from kinora.app.users import service as users
from kinora.app.users.models import ApiKey
from tests.community import count, error, user_id

TODAY = datetime.date(2026, 3, 1)


@pytest.mark.parametrize(("born", "ok"), [
    ("2013-03-01", True), ("2013-03-02", False), ("2012-02-29", True), ("1900-01-01", True), ("1899-12-31", False),
    ("2026-03-02", False), ("2026-02-30", False), ("yesterday", False),
])
def test_birth_dates(born: str, ok: bool) -> None:
    if ok:
        assert users.check_birth_date(born, TODAY) == datetime.date.fromisoformat(born)
        return
    with pytest.raises(InvalidRequest) as caught:
        users.check_birth_date(born, TODAY)
    assert caught.value.param == "birth_date"


@pytest.mark.parametrize(("given", "stored"), [("Ann", "ann"), (" ann_1.x ", "ann_1.x"), ("_9", "_9")])
def test_handles_are_stored_lowercase(given: str, stored: str) -> None:
    assert users.new_handle(given) == stored


def test_the_admin_handle_setting_is_reserved_too() -> None:
    with pytest.raises(InvalidRequest, match="reserved"):
        users.new_handle("Operator", reserved=["operator"])


def test_personal_tokens(community: Any) -> None:
    client = community.join("vera")
    created = client.post("/api/me/tokens", json={"name": "  my script "})
    assert created.status_code == 201, created.text
    token = created.json()
    assert token["name"] == "my script" and token["token"].startswith(token["prefix"]) and token["last_used_at"] is None
    bearer = community.client(headers={"authorization": f"Bearer {token['token']}"})
    assert bearer.get("/api/me").json()["handle"] == "vera"
    listed = client.get("/api/me/tokens").json()
    assert listed == {"items": [{k: v for k, v in token.items() if k != "token"}], "next_cursor": None}
    assert "1-80 characters" in error(client.post("/api/me/tokens", json={"name": ""}), 400, "name")
    error(client.post("/api/me/tokens", json={}), 400, "name")
    assert client.delete(f"/api/me/tokens/{token['prefix']}").status_code == 204
    assert bearer.get("/api/me").status_code == 401  # gone at once
    assert client.get("/api/me/tokens").json()["items"] == []
    assert count(community, ApiKey, ApiKey.user_id == user_id(community, "vera")) == 0


def test_tokens_list_in_pages(community: Any) -> None:
    client = community.join("wim")
    names = [f"t{i}" for i in range(5)]
    for name in names:
        client.post("/api/me/tokens", json={"name": name})
    seen, cursor = [], None
    while True:
        page = client.get("/api/me/tokens", params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == names[::-1]


def test_someone_elses_token_is_not_found(community: Any) -> None:
    owner, other = community.join("xena"), community.join("yuri")
    token = owner.post("/api/me/tokens", json={"name": "mine"}).json()
    assert "No token of yours" in error(other.delete(f"/api/me/tokens/{token['prefix']}"), 404, "prefix")
    assert other.get("/api/me/tokens").json()["items"] == []
    assert community.client(headers={"authorization": f"Bearer {token['token']}"}).get(
        "/api/me").status_code == 200


def test_a_personal_token_works_on_v1(community: Any) -> None:
    client = community.join("zack")
    token = client.post("/api/me/tokens", json={"name": "sdk"}).json()["token"]
    response = community.client().get("/v1/videos", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.json()["data"] == []
