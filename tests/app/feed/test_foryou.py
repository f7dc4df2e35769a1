"""The Following and For You feeds: order, pagination, reasons, and that nothing private, followers-only or
mutuals-only leaks, blocked and hidden people never appear, watched posts leave, and "see less" holds.

Run: .venv/bin/pytest tests/app/feed/test_foryou.py -q
"""

from __future__ import annotations

from typing import Any

from kinora.app.pages import encode_cursor
from tests.app.feed.helpers import TOPICS, for_you, ids, refresh, remix
from tests.community import error


def _follow(community: Any, who: str, whom: str) -> None:
    response = community.clients[who].post(f"/api/users/{whom}/follow")
    assert response.status_code == 200, response.text


def _pages(client: Any, path: str, limit: int) -> list[int]:
    found: list[int] = []
    cursor: str | None = None
    while True:
        response = client.get(path, params={"limit": limit, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        found += ids(response)
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return found


def test_following_feed(community: Any) -> None:
    fay = community.join("fay")
    community.join("gus")
    community.join("hal")
    community.join("ike")
    _follow(community, "fay", "gus")
    _follow(community, "fay", "hal")
    gus = [community.post("gus", f"gus public {i}")["id"] for i in range(3)]
    gus_followers = community.post("gus", "for followers", visibility="followers")["id"]
    gus_mutuals = community.post("gus", "for mutuals", visibility="mutuals")["id"]
    community.post("gus", "private", visibility="private")
    hal = [community.post("hal", f"hal public {i}")["id"] for i in range(2)]
    community.post("ike", "a stranger's post")
    community.post("fay", "fay's own post")

    expected = sorted([*gus, gus_followers, *hal], reverse=True)
    page = fay.get("/api/feed/following")
    assert page.status_code == 200
    assert ids(page) == expected and page.json()["next_cursor"] is None
    assert {item["reason"] for item in page.json()["items"]} == {"following"}
    assert page.json()["items"][0]["author"]["handle"] == "hal"
    assert _pages(fay, "/api/feed/following", 2) == expected

    _follow(community, "gus", "fay")  # now mutuals
    assert gus_mutuals in ids(fay.get("/api/feed/following"))
    assert community.clients["hal"].post("/api/users/fay/block").status_code == 200
    assert not set(hal) & set(ids(fay.get("/api/feed/following")))


def test_following_feed_errors(community: Any) -> None:
    jan = community.join("jan")
    assert community.anonymous.get("/api/feed/following").status_code == 401
    error(jan.get("/api/feed/following", params={"cursor": "%%%"}), 400, "cursor")
    error(jan.get("/api/feed/following", params={"cursor": encode_cursor({"t": "x", "o": 1})}), 400, "cursor")
    error(jan.get("/api/feed/following", params={"limit": 0}), 400, "limit")
    error(jan.get("/api/feed/for-you", params={"limit": 101}), 400, "limit")
    error(jan.get("/api/feed/for-you", params={"cursor": encode_cursor({"id": 3})}), 400, "cursor")
    assert community.anonymous.get("/api/feed/for-you").status_code == 401


def test_for_you_shows_only_what_the_viewer_may_see(community: Any) -> None:
    jo = community.join("jo")
    for handle in ("kim", "lee", "max", "ned", "oz", "pat"):
        community.join(handle)
    _follow(community, "jo", "kim")
    _follow(community, "kim", "jo")
    _follow(community, "jo", "lee")
    allowed = {
        community.post("kim", "kim public")["id"]: "mutual",
        community.post("kim", "kim mutuals", visibility="mutuals")["id"]: "mutual",
        community.post("kim", "kim followers", visibility="followers")["id"]: "mutual",
        community.post("lee", "lee public")["id"]: "following",
        community.post("lee", "lee followers", visibility="followers")["id"]: "following",
    }
    stranger = {community.post("max", f"max public {i}")["id"] for i in range(3)}
    never = {community.post("kim", "kim private", visibility="private")["id"],
             community.post("lee", "lee mutuals", visibility="mutuals")["id"],
             *(community.post("max", "max hidden", visibility=v)["id"] for v in ("followers", "mutuals", "private")),
             community.post("jo", "my own post")["id"]}
    blocked = {community.post(handle, f"{handle} public")["id"] for handle in ("ned", "oz")}
    hidden = {community.post("pat", "pat public")["id"]}
    for post_id in blocked | hidden:  # popular: they come through the shared pool
        assert community.clients["max"].post(f"/api/posts/{post_id}/like").status_code == 200
    assert community.clients["ned"].post("/api/users/jo/block").status_code == 200
    assert jo.post("/api/users/oz/block").status_code == 200
    assert jo.post("/api/users/pat/hide").status_code == 201
    refresh(community)

    items = for_you(jo, limit=100)
    shown = {item["id"]: item["reason"] for item in items}
    assert {post_id: shown.get(post_id) for post_id in allowed} == allowed
    assert stranger <= set(shown)
    assert not set(shown) & (never | blocked | hidden)
    known = [i for i, item in enumerate(items) if item["reason"] in ("mutual", "following")]
    others = [i for i, item in enumerate(items) if item["reason"] not in ("mutual", "following", "explore")]
    assert max(known) < min(others, default=len(items))  # people you know rank first

    assert jo.delete("/api/users/pat/hide").status_code == 204
    assert hidden <= set(ids(for_you(jo, limit=100)))


def test_for_you_pagination_and_watched_posts(community: Any) -> None:
    quinn = community.join("quinn")
    community.join("rex")
    posted = {community.post("rex", prompt)["id"] for prompt in TOPICS["travel"][:7]}
    refresh(community)
    first = quinn.get("/api/feed/for-you", params={"limit": 3})
    body = first.json()
    assert len(body["items"]) == 3 and body["next_cursor"] and body["end"] is None
    paged = ids(first) + _pages_after(quinn, body["next_cursor"], 3)
    whole = for_you(quinn, limit=100)
    assert len(paged) == len(set(paged)) and posted <= set(paged) == set(ids(whole))  # every post once
    assert {item["reason"] for item in whole} <= {"explore", "popular"}  # nothing known about quinn yet
    last = quinn.get("/api/feed/for-you", params={"limit": 100}).json()
    assert last["next_cursor"] is None and last["end"]["reason"] == "caught_up"

    watched = min(posted)
    assert quinn.post(f"/api/posts/{watched}/view", json={"watched_fraction": 0.3}).status_code == 200
    assert set(ids(for_you(quinn, limit=100))) == set(paged) - {watched}
    gone = quinn.get("/api/feed/for-you", params={"limit": 100, "cursor": encode_cursor({"t": "expired", "o": 4})})
    assert gone.status_code == 200 and set(ids(gone)) == set(paged) - {watched}  # re-ranked from the top


def _pages_after(client: Any, cursor: str, limit: int) -> list[int]:
    found: list[int] = []
    next_cursor: str | None = cursor
    while next_cursor:
        response = client.get("/api/feed/for-you", params={"limit": limit, "cursor": next_cursor})
        assert response.status_code == 200, response.text
        found += ids(response)
        next_cursor = response.json()["next_cursor"]
    return found


def test_remix_chains(community: Any) -> None:
    ray = community.join("ray")
    for handle in ("sam", "tom", "uma"):
        community.join(handle)
    source = community.post("sam", "a paper boat floats down a stream")["id"]
    assert ray.post(f"/api/posts/{source}/like").status_code == 200
    remixed = remix(community, "tom", source, "a paper boat sails through a storm")["id"]
    secret = remix(community, "tom", source, "a paper boat on fire", visibility="followers")["id"]
    origin = community.post("uma", "a lighthouse blinks at dusk")["id"]
    remix(community, "ray", origin, "a lighthouse in a snowstorm")
    refresh(community)
    shown = {item["id"]: item for item in for_you(ray, limit=100)}
    assert shown[remixed]["reason"] == "remix" and shown[remixed]["remix_of"] == source
    assert shown[origin]["reason"] == "remix"  # the source of ray's own remix
    assert secret not in shown


def test_see_less_holds(community: Any) -> None:
    wes = community.join("wes")
    community.join("xan")
    _follow(community, "wes", "xan")
    scary = [community.post("xan", prompt)["id"] for prompt in TOPICS["scary"][:5]]
    cooking = [community.post("xan", prompt)["id"] for prompt in TOPICS["cooking"][:5]]
    refresh(community)
    mine = set(scary + cooking)

    def xan_order() -> list[int]:
        return [post_id for post_id in ids(for_you(wes, limit=100)) if post_id in mine]

    before = xan_order()
    assert before == sorted(mine, reverse=True)  # all "following", newest first

    flagged = wes.post(f"/api/posts/{scary[0]}/see-less")
    assert flagged.status_code == 201 and flagged.json() == {"post_id": scary[0], "see_less": True}
    for _ in range(2):
        after = xan_order()
        assert scary[0] not in after
        assert set(after[:5]) == set(cooking)  # the rest of the scary posts fall behind
    assert wes.delete(f"/api/posts/{scary[0]}/see-less").status_code == 204
    assert xan_order() == before


def test_feedback_applies_to_lists_being_paged(community: Any) -> None:
    yan = community.join("yan")
    community.join("zed")
    community.join("zoe")
    zed = {community.post("zed", prompt)["id"] for prompt in TOPICS["space"][:3]}
    zoe = {community.post("zoe", prompt)["id"] for prompt in TOPICS["animals"][:3]}
    refresh(community)
    first = yan.get("/api/feed/for-you", params={"limit": 1}).json()
    assert first["next_cursor"]
    assert yan.post("/api/users/zed/hide").status_code == 201
    rest = _pages_after(yan, first["next_cursor"], 2)
    assert not set(rest) & zed and zoe <= set(rest) | set(ids(first))


def test_heavy_followers_get_the_same_feeds(community: Any, monkeypatch: Any) -> None:
    from kinora.app.feed import candidates, service

    amos = community.join("amos")
    for handle in ("bo", "cy", "di"):
        community.join(handle)
    _follow(community, "amos", "bo")
    _follow(community, "amos", "cy")
    _follow(community, "cy", "amos")
    posted: list[int] = []
    for i in range(5):
        posted.append(community.post("bo", f"bo {i}")["id"])
        community.post("di", f"di {i}")  # not followed: between them, the id windows hold gaps
        posted.append(community.post("cy", f"cy {i}", visibility="mutuals")["id"])
    refresh(community)
    light = _pages(amos, "/api/feed/following", 3)
    light_for_you = {item["id"]: item["reason"] for item in for_you(amos, limit=100)}
    assert light == sorted(posted, reverse=True)

    monkeypatch.setattr(service, "HEAVY_FOLLOWS", 1)
    monkeypatch.setattr(service, "RECENT_WINDOW", 4)  # windows too small for a page: falls back to the index
    monkeypatch.setattr(candidates, "HEAVY_FOLLOWS", 1)
    assert _pages(amos, "/api/feed/following", 3) == light
    monkeypatch.setattr(service, "RECENT_WINDOW", 1000)
    assert _pages(amos, "/api/feed/following", 3) == light
    heavy_for_you = {item["id"]: item["reason"] for item in for_you(amos, limit=100)}
    assert {i: heavy_for_you.get(i) for i in posted} == {i: light_for_you[i] for i in posted}
    assert {heavy_for_you[i] for i in posted} == {"following", "mutual"}
