"""Share pages (/p/{id}, a web page: kinora/app/web/routes/feed.py) and search: public things only, nothing hidden
leaks."""

from __future__ import annotations

from typing import Any

from tests.app.social.helpers import ids
from tests.community import error


def test_share_page_of_a_public_post(community: Any) -> None:
    community.join("ann")
    post = community.post("ann", caption='<script>alert("x")</script> & friends')
    page = community.anonymous.get(f"/p/{post['id']}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; friends" in html
    assert f'<video src="/api/posts/{post["id"]}/video"' in html
    assert f'<meta property="og:video" content="http://testserver/api/posts/{post["id"]}/video">' in html
    assert f'<meta property="og:image" content="http://testserver/api/posts/{post["id"]}/thumbnail">' in html
    assert "<title>@ann on Kinora</title>" in html
    assert community.anonymous.get(f"/api/posts/{post['id']}/video").status_code == 200


def test_share_page_is_404_for_anything_not_public(community: Any) -> None:
    community.join("bob")
    hidden = [community.post("bob", caption="secret words", visibility=v)["id"]
              for v in ("followers", "mutuals", "private")]
    for path in [f"/p/{post}" for post in hidden] + ["/p/999999", "/p/abc", "/p/99999999999999999999"]:
        page = community.clients["bob"].get(path)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html"), path
        assert "secret words" not in page.text


def test_search_people_and_posts(community: Any) -> None:
    community.join("cooking_cat")
    dan = community.join("dan")
    dan.patch("/api/me", json={"display_name": "Dan the Cook"})
    public = community.post("cooking_cat", prompt="a pot of soup boils", caption="Soup time")["id"]
    by_prompt = community.post("dan", prompt="SOUP spills over")["id"]
    private = community.post("dan", prompt="secret soup", visibility="private")["id"]
    found = community.anonymous.get("/api/search", params={"q": "cook"}).json()
    assert [u["handle"] for u in found["users"]] == ["cooking_cat", "dan"]
    soup = community.anonymous.get("/api/search", params={"q": "soup"}).json()
    assert ids(soup["posts"]) == [by_prompt, public]
    assert ids(dan.get("/api/search", params={"q": "soup"}).json()["posts"]) == [private, by_prompt, public]
    first = community.anonymous.get("/api/search", params={"q": "soup", "limit": 1}).json()
    second = community.anonymous.get("/api/search", params={"q": "soup", "limit": 1,
                                                            "cursor": first["posts"]["next_cursor"]}).json()
    assert ids(first["posts"]) + ids(second["posts"]) == [by_prompt, public] and second["users"] == []
    assert community.anonymous.get("/api/search", params={"q": "%%"}).json()["posts"]["items"] == []
    assert community.anonymous.get("/api/search", params={"q": "s_up"}).json()["posts"]["items"] == []


def test_search_validation_and_blocks(community: Any) -> None:
    eve = community.join("eve_searcher")
    community.join("fay_hidden")
    community.post("fay_hidden", prompt="a hidden kite")
    error(eve.get("/api/search", params={"q": "k"}), 400, "q")
    error(eve.get("/api/search", params={"q": "k" * 101}), 400, "q")
    error(eve.get("/api/search"), 400, "q")
    eve.post("/api/users/fay_hidden/block")
    found = eve.get("/api/search", params={"q": "hidden"}).json()
    assert found["users"] == [] and found["posts"]["items"] == []
    other = community.clients["fay_hidden"].get("/api/search", params={"q": "searcher"}).json()
    assert other["users"] == []
