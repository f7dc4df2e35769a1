"""The profile page /@{handle} and the /profile edit form (kinora/app/web/routes/profile.py).

    .venv/bin/python -m pytest tests/app/web/test_profile.py
"""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import select, update

from kinora.app.generations.models import Generation
from kinora.app.users.models import User
from tests.app.web.helpers import alerts, token
from tests.community import execute, scalar


def _grid(html: str) -> list[int]:
    """The post ids the grid links to, in page order."""
    return [int(found) for found in re.findall(r'<a class="thumb" href="/p/(\d+)">', html)]


def _remix(community: Any, handle: str, source: int, caption: str = "") -> dict[str, Any]:
    gen_id = community.draft(handle, "a remix of the cube")
    execute(community, update(Generation).where(Generation.id == gen_id).values(remix_of_post=source))
    response = community.clients[handle].post("/api/posts", json={"generation_id": gen_id, "caption": caption})
    assert response.status_code == 201, response.text
    assert response.json()["remix_of"] == source
    body: dict[str, Any] = response.json()
    return body


def test_a_profile_shows_the_person_and_only_the_posts_the_visitor_may_see(community: Any) -> None:
    community.join("pia")
    fan = community.join("pia_fan")
    public = community.post("pia", caption="sunny <b>day</b>")["id"]
    private = community.post("pia", visibility="followers")["id"]
    pia = community.clients["pia"]
    assert pia.patch("/api/me", json={"display_name": "Pia P", "bio": "makes cubes"}).status_code == 200

    anonymous = community.client().get("/@pia")
    assert anonymous.status_code == 200
    assert "Pia P" in anonymous.text and "@pia" in anonymous.text and "makes cubes" in anonymous.text
    assert "sunny &lt;b&gt;day&lt;/b&gt;" in anonymous.text and "<b>day" not in anonymous.text
    assert _grid(anonymous.text) == [public] and "Sign in to follow" in anonymous.text

    assert fan.post("/api/users/pia/follow").status_code == 200
    seen = fan.get("/@PIA")  # any case, as the API
    assert _grid(seen.text) == [private, public]
    assert 'aria-pressed="true"' in seen.text and ">Following<" in seen.text
    assert re.search(r'data-count="followers">1<', seen.text) and "Block @pia" in seen.text
    assert "Edit profile" not in seen.text and "Edit profile" in pia.get("/@pia").text


def test_the_remixes_tab_lists_only_remixes(community: Any) -> None:
    community.join("rex")
    community.join("rex_fan")
    source = community.post("rex")["id"]
    remix = _remix(community, "rex_fan", source, caption="my take")["id"]
    community.post("rex_fan")
    page = community.clients["rex"].get("/@rex_fan?tab=remixes")
    assert page.status_code == 200 and _grid(page.text) == [remix]
    assert 'href="/@rex_fan?tab=remixes" aria-current="page"' in page.text
    more = community.clients["rex"].get(f"/@rex_fan/grid?tab=posts&before={remix}")
    assert more.status_code == 200 and _grid(more.text) == [] and 'id="grid-more"' in more.text


def test_unknown_handles_bad_tabs_and_blocked_visitors_get_an_error_page(community: Any) -> None:
    community.join("blo")
    other = community.join("blo_other")
    missing = other.get("/@nobody_here")
    assert missing.status_code == 404
    assert "No user found with handle 'nobody_here'" in html.unescape(alerts(missing.text)[0])
    bad_tab = other.get("/@blo?tab=likes")
    assert bad_tab.status_code == 400
    assert html.unescape(alerts(bad_tab.text)[0]) == "tab must be one of posts, remixes; got 'likes'"
    assert community.clients["blo"].post("/api/users/blo_other/block").status_code == 200
    assert other.get("/@blo").status_code == 404
    blocker_view = community.clients["blo"].get("/@blo_other")
    assert "Unblock @blo_other" in blocker_view.text and "data-follow" not in blocker_view.text


def _edit(client: Any, **fields: str) -> Any:
    form = {"display_name": "", "bio": "", "handle": "", **fields}
    return client.post("/profile", data={**form, "csrf_token": token(client, "/settings")}, follow_redirects=False)


def test_editing_the_profile_saves_it_or_names_the_refused_field(community: Any) -> None:
    client = community.join("edi")
    refused = _edit(client, display_name="Edi", bio="hi", handle="bad handle!")
    assert refused.status_code == 400
    assert any(text.startswith("handle must be 2-40") for text in alerts(refused.text))
    assert 'id="f-handle" name="handle" type="text" value="bad handle!"' in refused.text
    assert 'aria-invalid="true"' in refused.text and "<details class=\"edit-profile\" open>" in refused.text
    too_long = _edit(client, display_name="x" * 81, handle="edi")
    assert too_long.status_code == 400
    assert [a for a in alerts(too_long.text) if a] == ["display_name must be at most 80 characters; got 81"]

    saved = _edit(client, display_name="Edi Tor", bio="cubes & spheres", handle="Edi_2")
    assert saved.status_code == 303 and saved.headers["location"] == "/@edi_2"
    row = scalar(community, select(User).where(User.handle == "edi_2"))
    assert (row.display_name, row.bio) == ("Edi Tor", "cubes & spheres")
    assert client.get("/@edi").status_code == 404 and "cubes &amp; spheres" in client.get("/@edi_2").text


def test_editing_needs_a_signed_in_member(community: Any) -> None:
    client = community.client()
    response = client.post("/profile", data={"display_name": "x", "bio": "", "handle": "x",
                                             "csrf_token": token(client)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
