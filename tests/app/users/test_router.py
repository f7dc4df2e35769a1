"""Sign-up, sign-in and out, the session cookie, and the signed-in account (/api/me).

Run: .venv/bin/pytest tests/app/users/test_router.py -q"""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from kinora.app.users.models import Invite, LoginSession, User
from tests.app.users.helpers import PASSWORD, years_ago
from tests.community import count, error, scalar, user_id


def _signup(community: Any, client: TestClient | None = None, **fields: Any) -> Any:
    body = {"invite_code": community.invite(), "handle": "someone", "email": "someone@example.com",
            "password": PASSWORD, "birth_date": "1990-01-01", **fields}
    return (client or community.client()).post("/api/auth/signup", json=body)


def test_signup_creates_a_signed_in_account(community: Any) -> None:
    client = community.client()
    response = _signup(community, client, handle="Ann.Lee", email="Ann.Lee@Example.COM")
    assert response.status_code == 201, response.text
    me = response.json()
    assert me["handle"] == "ann.lee" and me["email"] == "ann.lee@example.com"
    assert me["is_teen"] is False and me["tier"] == "free" and me["is_admin"] is False
    assert me["invites_left"] == community.settings.invites_per_user and me["birth_date"] == "1990-01-01"
    assert me["guardian"] == {"locked": False, "personalization": True, "continuous_scroll": True}
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("kinora_session=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Path=/" in cookie and f"Max-Age={int(community.settings.session_days * 86400)}" in cookie
    assert "Secure" not in cookie  # plain http and no https public_url
    assert client.get("/api/me").json() == me
    stored = scalar(community, select(User).where(User.handle == "ann.lee"))
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
    assert count(community, LoginSession, LoginSession.user_id == stored.id) == 1


def test_signup_spends_one_use_of_the_invite_and_records_the_inviter(community: Any) -> None:
    inviter = community.join("inviter")
    code = inviter.post("/api/me/invites").json()["code"]
    response = _signup(community, handle="invitee", email="invitee@example.com", invite_code=code.lower())
    assert response.status_code == 201, response.text
    assert scalar(community, select(Invite.uses_left).where(Invite.code == code)) == 0
    assert scalar(community, select(User.invited_by).where(User.handle == "invitee")) == user_id(community, "inviter")
    again = _signup(community, handle="second", email="second@example.com", invite_code=code)
    assert "is unknown or used up" in error(again, 400, "invite_code")


def test_teen_accounts(community: Any) -> None:
    response = _signup(community, handle="teen", email="teen@example.com", birth_date=years_ago(15))
    assert response.status_code == 201, response.text
    assert response.json()["is_teen"] is True
    assert response.json()["guardian"] == {"locked": False, "personalization": True, "continuous_scroll": True}
    turns_13_today = _signup(community, handle="newteen", email="newteen@example.com", birth_date=years_ago(13))
    assert turns_13_today.status_code == 201 and turns_13_today.json()["is_teen"] is True
    adult = _signup(community, handle="adult18", email="adult18@example.com", birth_date=years_ago(18))
    assert adult.json()["is_teen"] is False


@pytest.mark.parametrize(("fields", "param", "words"), [
    ({"birth_date": years_ago(13, days=1)}, "birth_date", "you must be at least 13"),
    ({"birth_date": years_ago(5)}, "birth_date", "you must be at least 13"),
    ({"birth_date": "2001-13-01"}, "birth_date", "YYYY-MM-DD"),
    ({"birth_date": years_ago(0, days=2)}, "birth_date", "in the future"),
    ({"handle": "A B"}, "handle", "got 'A B'"),
    ({"handle": "x"}, "handle", "2-40"),
    ({"handle": "a" * 41}, "handle", "2-40"),
    ({"handle": ".dot"}, "handle", "not starting with '.'"),
    ({"handle": "Admin"}, "handle", "reserved"),
    ({"handle": "me"}, "handle", "reserved"),
    ({"email": "not-an-email"}, "email", "name@example.com"),
    ({"email": "a@b"}, "email", "name@example.com"),
    ({"password": "short"}, "password", "10-200 characters; got 5"),
    ({"password": "x" * 201}, "password", "10-200 characters; got 201"),
    ({"invite_code": "KIN-NOPE-NOPE"}, "invite_code", "'KIN-NOPE-NOPE' is unknown or used up"),
    ({"invite_code": " "}, "invite_code", "invite-only"),
])
def test_signup_refusals_name_the_field_and_store_nothing(community: Any, fields: dict[str, Any], param: str,
                                                          words: str) -> None:
    code = community.invite()
    response = _signup(community, **{"invite_code": code, "handle": "refused", "email": "refused@example.com",
                                     **fields})
    assert words in error(response, 400, param)
    assert count(community, User, User.handle == "refused") == 0
    assert scalar(community, select(Invite.uses_left).where(Invite.code == code)) == 1
    assert "set-cookie" not in response.headers


def test_missing_fields_are_named(community: Any) -> None:
    response = community.client().post("/api/auth/signup", json={"invite_code": community.invite(),
                                                                        "handle": "nopass", "email": "n@example.com",
                                                                        "birth_date": "1990-01-01"})
    error(response, 400, "password")


def test_handles_and_emails_are_unique_case_insensitively(community: Any) -> None:
    community.join("bea")
    taken = _signup(community, handle="BEA", email="other-bea@example.com")
    assert "'bea' is taken" in error(taken, 400, "handle")
    registered = _signup(community, handle="bea2", email="BEA@example.com")
    assert error(registered, 400, "email").startswith("email is already registered")


def test_login_by_handle_or_email_in_any_case(community: Any) -> None:
    community.join("cleo")
    for login in ("cleo", "CLEO", "Cleo@Example.com"):
        client = community.client()
        response = client.post("/api/auth/login", json={"login": login, "password": PASSWORD})
        assert response.status_code == 200, response.text
        assert response.json()["handle"] == "cleo" and "HttpOnly" in response.headers["set-cookie"]
        assert client.get("/api/me").json()["handle"] == "cleo"


def test_wrong_login_and_wrong_password_get_the_same_401(community: Any) -> None:
    community.join("dora")
    client = community.client()
    wrong = client.post("/api/auth/login", json={"login": "dora", "password": "not the password"})
    unknown = client.post("/api/auth/login", json={"login": "nobody-here", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert "set-cookie" not in wrong.headers and client.get("/api/me").status_code == 401
    error(client.post("/api/auth/login", json={"login": "dora"}), 400, "password")


def test_login_rehashes_an_outdated_hash(community: Any) -> None:
    community.join("emil")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)

    async def store() -> None:
        async with community.services.db.write() as session:
            await session.execute(update(User).where(User.handle == "emil").values(password_hash=weak))

    community.run(store())
    response = community.client().post("/api/auth/login", json={"login": "emil", "password": PASSWORD})
    assert response.status_code == 200, response.text
    rehashed = scalar(community, select(User.password_hash).where(User.handle == "emil"))
    assert rehashed != weak and not PasswordHasher().check_needs_rehash(rehashed)


def test_logout_ends_the_session_and_clears_the_cookie(community: Any) -> None:
    client = community.join("fay")
    other = community.client()
    other.post("/api/auth/login", json={"login": "fay", "password": PASSWORD})
    response = client.post("/api/auth/logout")
    assert response.status_code == 204
    cleared = response.headers["set-cookie"]
    assert cleared.startswith('kinora_session=""') and "Max-Age=0" in cleared
    assert client.get("/api/me").status_code == 401
    assert other.get("/api/me").status_code == 200  # only this session ended
    assert count(community, LoginSession, LoginSession.user_id == user_id(community, "fay")) == 1
    assert client.post("/api/auth/logout").status_code == 204  # signing out twice is fine


def test_cookie_is_secure_on_https(community: Any) -> None:
    secure = community.client(base_url="https://testserver")
    response = _signup(community, secure, handle="gia", email="gia@example.com")
    assert response.status_code == 201 and "Secure" in response.headers["set-cookie"]
    assert secure.get("/api/me").json()["handle"] == "gia"


def test_cookie_is_secure_when_the_public_url_is_https(community: Any) -> None:
    from tests.community import Community

    settings = community.settings.model_copy(update={"public_url": "https://kinora.example"})
    with Community(settings) as behind_proxy:
        response = behind_proxy.anonymous.post("/api/auth/login", json={"login": "gia", "password": PASSWORD})
        assert response.status_code == 200 and "Secure" in response.headers["set-cookie"]


def test_personal_token_signs_in_without_a_cookie(community: Any) -> None:
    client = community.join("hana")
    token = client.post("/api/me/tokens", json={"name": "script"}).json()["token"]
    bare = community.client()
    assert bare.get("/api/me", headers={"authorization": f"Bearer {token}"}).json()["handle"] == "hana"


def test_patch_me(community: Any) -> None:
    client = community.join("ivo")
    response = client.patch("/api/me", json={"display_name": "  Ivo V.  ", "bio": "I make bouncing balls."})
    assert response.status_code == 200, response.text
    assert (response.json()["display_name"], response.json()["bio"]) == ("Ivo V.", "I make bouncing balls.")
    assert client.patch("/api/me", json={"handle": "Ivo_2"}).json()["handle"] == "ivo_2"
    assert client.get("/api/me").json()["display_name"] == "Ivo V."  # fields not sent stay
    assert client.patch("/api/me", json={"display_name": ""}).json()["display_name"] == ""
    community.join("jon")
    assert "'jon' is taken" in error(client.patch("/api/me", json={"handle": "JON"}), 400, "handle")
    assert "reserved" in error(client.patch("/api/me", json={"handle": "admin"}), 400, "handle")
    error(client.patch("/api/me", json={"handle": "no way"}), 400, "handle")
    assert "at most 80" in error(client.patch("/api/me", json={"display_name": "x" * 81}), 400, "display_name")
    assert "at most 500" in error(client.patch("/api/me", json={"bio": "x" * 501}), 400, "bio")
    assert client.get("/api/me").json()["handle"] == "ivo_2"


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/me"), ("PATCH", "/api/me"), ("DELETE", "/api/me"), ("POST", "/api/me/password"),
    ("GET", "/api/me/invites"), ("POST", "/api/me/invites"), ("GET", "/api/me/tokens"),
    ("POST", "/api/me/tokens"), ("DELETE", "/api/me/tokens/kin_abcdef"), ("PUT", "/api/me/guardian"),
    ("DELETE", "/api/me/guardian"), ("PUT", "/api/me/avatar"), ("DELETE", "/api/me/avatar"),
    ("GET", "/api/me/export"),
])
def test_account_routes_need_a_signed_in_user(community: Any, method: str, path: str) -> None:
    response = community.anonymous.request(method, path, headers={"authorization": "Bearer kin_not-a-token"})
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "not_signed_in"
