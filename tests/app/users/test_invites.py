"""Invite codes: the service (create, redeem) and members' own codes (/api/me/invites).

Run: .venv/bin/pytest tests/app/users/test_invites.py -q"""

from __future__ import annotations

import re
from typing import Any

import pytest

from kinora.app.errors import InvalidRequest
from kinora.app.pages import encode_cursor
from kinora.app.users import invites
from kinora.app.users.models import Invite
from tests.community import count, error, user_id

LIVE_SETTINGS = {"invites_per_user": 3}
CODE = re.compile(f"KIN-[{invites.ALPHABET}]{{4}}-[{invites.ALPHABET}]{{4}}")


def _call(community: Any, body: Any) -> Any:
    async def run() -> Any:
        async with community.services.db.write() as session:
            return await body(session)

    return community.run(run())


def test_codes_are_readable_and_unique(community: Any) -> None:
    codes = {_call(community, lambda s: invites.create(s, created_by=None, uses=1)).code for _ in range(30)}
    assert len(codes) == 30 and all(CODE.fullmatch(code) for code in codes)
    assert not set("01OIL") & set("".join(code[4:] for code in codes))


def test_redeem_counts_down_and_refuses_a_used_up_code(community: Any) -> None:
    code = _call(community, lambda s: invites.create(s, created_by=None, uses=2)).code
    assert _call(community, lambda s: invites.redeem(s, f"  {code.lower()} ")).uses_left == 1
    assert _call(community, lambda s: invites.redeem(s, code)).uses_left == 0
    with pytest.raises(InvalidRequest) as caught:
        _call(community, lambda s: invites.redeem(s, code))
    assert caught.value.param == "invite_code" and "is unknown or used up" in caught.value.message
    assert count(community, Invite, Invite.code == code, Invite.uses_left == 0) == 1


@pytest.mark.parametrize("uses", [0, -1, invites.MAX_USES + 1])
def test_uses_must_be_positive(community: Any, uses: int) -> None:
    with pytest.raises(InvalidRequest) as caught:
        _call(community, lambda s: invites.create(s, created_by=None, uses=uses))
    assert caught.value.param == "uses" and f"got {uses}" in caught.value.message


def test_members_hand_out_their_allowance(community: Any) -> None:
    client = community.join("ines")
    made = [client.post("/api/me/invites") for _ in range(3)]
    assert [r.status_code for r in made] == [201] * 3
    assert all(CODE.fullmatch(r.json()["code"]) and r.json()["uses_left"] == 1 for r in made)
    assert client.get("/api/me").json()["invites_left"] == 0
    refused = client.post("/api/me/invites")
    assert "no invites left" in error(refused, 400, "invites_left")
    assert count(community, Invite, Invite.created_by == user_id(community, "ines")) == 3


def test_members_list_their_own_codes_newest_first_in_pages(community: Any) -> None:
    client, other = community.join("jade"), community.join("kurt")
    made = [client.post("/api/me/invites").json()["code"] for _ in range(3)]
    other.post("/api/me/invites")
    first = client.get("/api/me/invites", params={"limit": 2}).json()
    assert [item["code"] for item in first["items"]] == made[::-1][:2] and first["next_cursor"]
    rest = client.get("/api/me/invites", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [item["code"] for item in rest["items"]] == made[:1] and rest["next_cursor"] is None
    assert len(other.get("/api/me/invites").json()["items"]) == 1
    wrong = client.get("/api/me/invites", params={"cursor": encode_cursor({"id": 3})})
    assert "another list" in error(wrong, 400, "cursor")
    error(client.get("/api/me/invites", params={"limit": 0}), 400, "limit")


def test_a_members_code_signs_a_friend_up(community: Any) -> None:
    code = community.join("lena").post("/api/me/invites").json()["code"]
    friend = community.client().post("/api/auth/signup", json={
        "invite_code": code, "handle": "lenas_friend", "email": "friend@example.com",
        "password": "correct horse battery", "birth_date": "2000-02-29"})
    assert friend.status_code == 201, friend.text
    listed = community.clients["lena"].get("/api/me/invites").json()["items"]
    assert listed == [{"code": code, "uses_left": 0, "created_at": listed[0]["created_at"]}]
