"""The permission matrix: each level x each kind of requester, through the app API (@handle in a prompt) and /v1
(`characters: [{"id": ...}]`), allowed or refused with a message that says what would change the answer."""

from __future__ import annotations

from typing import Any

import pytest

from tests.app.cameos.helpers import add_cameo, set_permission, token
from tests.app.social.helpers import teen_birth_date

REQUESTERS = ("owner", "approved", "mutual", "follower", "stranger", "blocked", "teen")
ALLOWED = {  # permission -> who may use the cameo (kinora/app/cameos/access.py's table)
    "only_me": {"owner"},
    "approved": {"owner", "approved"},
    "mutuals": {"owner", "approved", "mutual"},
    "everyone": {"owner", "approved", "mutual", "follower", "stranger"},
}


@pytest.fixture(scope="module")
def world(community: Any) -> dict[str, Any]:
    """polive owns the cameo; pamy is approved; pmo and polive follow each other; pfay follows polive; psam has no
    tie; pbo was approved and then blocked by polive; ptia is a teen who follows polive and is followed back."""
    names = {"owner": "polive", "approved": "pamy", "mutual": "pmo", "follower": "pfay", "stranger": "psam",
             "blocked": "pbo", "teen": "ptia"}
    clients = {role: community.join(handle, birth_date=teen_birth_date() if role == "teen" else "1990-01-01")
               for role, handle in names.items()}
    cameo = add_cameo(community, "polive")
    for role in ("mutual", "follower", "teen", "blocked"):
        assert clients[role].post("/api/users/polive/follow").status_code == 200
    for role in ("mutual", "teen"):
        assert clients["owner"].post(f"/api/users/{names[role]}/follow").status_code == 200
    for role in ("approved", "blocked"):
        assert clients[role].post("/api/cameos/polive/requests").status_code == 200
        answer = clients["owner"].put(f"/api/cameos/polive/access/{names[role]}", json={"action": "approve"})
        assert answer.status_code == 200, answer.text
    assert clients["owner"].post("/api/users/pbo/block").status_code == 200
    keys = {role: token(client) for role, client in clients.items()}
    return {"clients": clients, "keys": keys, "cameo": cameo}


@pytest.mark.parametrize("permission", list(ALLOWED))
def test_the_app_api_follows_the_matrix(community: Any, world: dict[str, Any], permission: str) -> None:
    set_permission(community, world["cameo"], permission)
    for role in REQUESTERS:
        response = world["clients"][role].post("/api/generations", json={
            "prompt": "@polive juggles three red balls on a wooden floor", "seconds": 4})
        if role in ALLOWED[permission]:
            assert response.status_code == 201, (permission, role, response.text)
            assert response.json()["id"]
        else:
            assert response.status_code == 403, (permission, role, response.text)
            error = response.json()["error"]
            assert error["code"] == "cameo_not_allowed" and "@polive" in error["message"], error


@pytest.mark.parametrize("permission", list(ALLOWED))
def test_v1_follows_the_matrix(community: Any, world: dict[str, Any], permission: str) -> None:
    set_permission(community, world["cameo"], permission)
    for role in REQUESTERS:
        response = community.client().post(
            "/v1/videos", headers={"authorization": f"Bearer {world['keys'][role]}"},
            json={"prompt": "a red ball bounces next to the person", "characters": [{"id": world["cameo"]}]})
        if role in ALLOWED[permission]:
            assert response.status_code == 200, (permission, role, response.text)
        else:
            assert response.status_code == 403, (permission, role, response.text)
            assert response.json()["error"]["param"] == "characters"


def test_refusals_say_how_to_get_access(community: Any, world: dict[str, Any]) -> None:
    set_permission(community, world["cameo"], "approved")
    message = world["clients"]["stranger"].post("/api/generations", json={"prompt": "@polive waves"}).json()
    assert "ask for access" in message["error"]["message"]
    set_permission(community, world["cameo"], "everyone")
    teen = world["clients"]["teen"].post("/api/generations", json={"prompt": "@polive waves"}).json()
    assert "teen accounts" in teen["error"]["message"]
    blocked = world["clients"]["blocked"].post("/api/generations", json={"prompt": "@polive waves"}).json()
    assert blocked["error"]["message"] == "you cannot use @polive's cameo"  # nothing about the block itself


def test_revoking_access_takes_effect_at_once(community: Any, world: dict[str, Any]) -> None:
    set_permission(community, world["cameo"], "approved")
    amy = world["clients"]["approved"]
    assert amy.post("/api/generations", json={"prompt": "@polive waves"}).status_code == 201
    revoked = world["clients"]["owner"].put("/api/cameos/polive/access/pamy", json={"action": "revoke"})
    assert revoked.json()["status"] == "denied"
    assert amy.post("/api/generations", json={"prompt": "@polive waves"}).status_code == 403
    assert world["clients"]["owner"].put("/api/cameos/polive/access/pamy",
                                         json={"action": "approve"}).status_code == 200


def test_teens_cameos_never_open_to_everyone(community: Any, world: dict[str, Any]) -> None:
    teen = world["clients"]["teen"]
    add_cameo(community, "ptia")
    refused = teen.patch("/api/cameos/ptia", json={"permission": "everyone"})
    assert refused.status_code == 400 and "only_me, approved" in refused.json()["error"]["message"]
    assert teen.patch("/api/cameos/ptia", json={"permission": "mutuals"}).status_code == 400
    assert teen.patch("/api/cameos/ptia", json={"permission": "approved"}).json()["permission"] == "approved"


def test_mentions_must_be_cameos_and_at_most_two(community: Any, world: dict[str, Any]) -> None:
    owner = world["clients"]["owner"]
    unknown = owner.post("/api/generations", json={"prompt": "@polive and @nobody_here dance"})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "unknown_cameo"
    assert "@nobody_here" in unknown.json()["error"]["message"]
    add_cameo(community, "pamy", permission="everyone")
    add_cameo(community, "pmo", permission="everyone")
    three = owner.post("/api/generations", json={"prompt": "@polive, @pamy and @pmo watch a ball roll"})
    assert three.status_code == 400 and "at most 2 cameos" in three.json()["error"]["message"]
    two = owner.post("/api/generations", json={"prompt": "@polive and @pamy watch a ball roll"})
    assert two.status_code == 201, two.text


def test_the_owner_hears_of_each_use_and_of_requests(community: Any, world: dict[str, Any]) -> None:
    set_permission(community, world["cameo"], "everyone")
    assert world["clients"]["stranger"].post("/api/generations", json={"prompt": "@polive waves"}).status_code == 201
    kinds = [(n["type"], n["actor"]["handle"]) for n in
             world["clients"]["owner"].get("/api/notifications").json()["items"]]
    assert ("cameo", "psam") in kinds and ("cameo_request", "pamy") in kinds


def test_restrictions_bind_others_and_name_only_the_rule_hit(community: Any, world: dict[str, Any]) -> None:
    owner = world["clients"]["owner"]
    set_permission(community, world["cameo"], "everyone")
    saved = owner.patch("/api/cameos/polive", json={"restrictions": [
        "no political content", "nothing with alcohol", "never make me say swear words"]})
    assert saved.status_code == 200 and len(saved.json()["restrictions"]) == 3
    stranger = world["clients"]["stranger"]
    hit = stranger.post("/api/generations", json={"prompt": "@polive gives a speech at a campaign rally"})
    assert hit.status_code == 400 and hit.json()["error"]["code"] == "cameo_restricted"
    message = hit.json()["error"]["message"]
    assert "no political content" in message and "alcohol" not in message and "swear" not in message
    via_v1 = community.client().post("/v1/videos", headers={"authorization": f"Bearer {world['keys']['stranger']}"},
                                     json={"prompt": "the person sips a glass of merlot",
                                           "characters": [{"id": world["cameo"]}]})
    assert via_v1.status_code == 400 and "nothing with alcohol" in via_v1.json()["error"]["message"]
    assert stranger.post("/api/generations", json={"prompt": "@polive juggles three red balls"}).status_code == 201
    # the owner's own rules do not bind the owner
    assert owner.post("/api/generations", json={"prompt": "@polive raises a beer at a rally"}).status_code == 201
    bad = owner.patch("/api/cameos/polive", json={"restrictions": [""]})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "restrictions"
    assert owner.patch("/api/cameos/polive", json={"restrictions": []}).json()["restrictions"] == []
