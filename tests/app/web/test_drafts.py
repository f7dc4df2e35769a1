"""/drafts: your finished, unposted generations as cards (publish, delete, remix chain), the ones still running
with their progress, and the card fragment drafts.js swaps in when one finishes.

    .venv/bin/python -m pytest tests/app/web/test_drafts.py -q
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import update

from kinora.app.generations.models import Generation
from tests.app.web.helpers import alerts
from tests.community import execute


def cards(page: str) -> list[str]:
    return re.findall(r'<article class="draft[^"]*" data-generation-id="([^"]+)"', page)


def section(page: str, heading: str) -> str:
    found = re.search(rf'<h2 id="{heading}">.*?</section>', page, re.S)
    assert found is not None, heading
    return found.group(0)


def test_signed_out_visitors_sign_in_first(community: Any) -> None:
    response = community.client().get("/drafts", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login?next=%2Fdrafts")


def test_no_drafts_yet(community: Any) -> None:
    page = community.join("ann").get("/drafts").text
    assert "No drafts yet." in page and 'data-empty hidden' not in page
    assert cards(page) == []
    assert re.search(r'<section aria-labelledby="running-title" data-running-section hidden>', page)


def test_drafts_and_running_generations(community: Any) -> None:
    bo = community.join("bo")
    community.join("cy")
    older = community.draft("bo", "an <em>old</em> cube")
    newer = community.draft("bo", "a new cube")
    community.post("bo", "already posted")
    community.draft("cy", "not mine")
    running = bo.post("/api/generations", json={"prompt": "still rendering"}).json()["id"]
    execute(community, update(Generation).where(Generation.id == running).values(status="in_progress", progress=40))
    queued = bo.post("/api/generations", json={"prompt": "waiting its turn"}).json()["id"]
    page = bo.get("/drafts").text
    ready = section(page, "ready-title")
    assert cards(ready) == [newer, older]
    assert (f'<article class="draft" data-generation-id="{older}" data-status="completed" '
            'aria-label="Draft: an &lt;em&gt;old&lt;/em&gt; cube">') in ready
    assert '<p class="draft-prompt">an &lt;em&gt;old&lt;/em&gt; cube</p>' in ready
    assert f'src="/api/generations/{older}/video" poster="/api/generations/{older}/thumbnail"' in ready
    assert ready.count(">Publish</button>") == 2 and ready.count(">Delete</button>") == 2
    assert "4 s · <span>just now</span>" in ready
    in_progress = section(page, "running-title")
    assert cards(in_progress) == [queued, running]
    assert '<progress max="100" value="40" aria-label="Progress" data-bar></progress>' in in_progress
    assert "Generating… 40 %" in in_progress and ">Queued</p>" in in_progress
    assert "not mine" not in page and "already posted" not in page
    assert 'data-module="drafts"' in page


def test_the_publish_dialog(community: Any) -> None:
    dot = community.join("dot")
    community.join("teo", birth_date="2011-01-01")
    community.draft("dot")
    page = dot.get("/drafts").text
    assert '<label for="publish-caption">Caption</label>' in page
    assert '<label for="publish-visibility">Who can see it</label>' in page
    found = re.findall(r'<option value="(\w+)"( selected)?>([^<]+)</option>', page)
    assert found == [("public", " selected", "Everyone"), ("followers", "", "Followers"), ("mutuals", "", "Mutuals"),
                     ("private", "", "Only me")]
    teen = community.clients["teo"].get("/drafts").text
    assert '<option value="followers" selected>Followers</option>' in teen  # teen accounts share with followers
    assert "<dialog" in page and 'aria-labelledby="delete-title"' in page


def test_a_remix_links_its_chain(community: Any) -> None:
    community.join("eve")
    fay = community.join("fay")
    post = community.post("eve", "a tower")["id"]
    gen = fay.post("/api/generations", json={"prompt": "topple it", "remix_of": post}).json()["id"]
    execute(community, update(Generation).where(Generation.id == gen).values(
        status="completed", output_key=f"videos/{gen}/1", completed_at=Generation.created_at))
    page = fay.get("/drafts").text
    assert cards(page) == [gen]
    assert f'Remix of @eve’s video · <a href="/p/{post}">Remix chain</a>' in page


def test_the_card_fragment(community: Any) -> None:
    gil = community.join("gil")
    hal = community.join("hal")
    draft = community.draft("gil", "a blue ball")
    response = gil.get(f"/drafts/{draft}/card")
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<article class="draft" data-generation-id="{draft}"')
    assert "<html" not in response.text
    failed = gil.post("/api/generations", json={"prompt": "doomed"}).json()["id"]
    gil.post(f"/api/generations/{failed}/cancel")
    card = gil.get(f"/drafts/{failed}/card").text
    assert ">Cancelled</p>" in card and ">Delete</button>" in card and ">Publish<" not in card
    missing = hal.get(f"/drafts/{draft}/card")
    assert missing.status_code == 404
    assert alerts(missing.text) == [f"No generation found with id {draft!r}".replace("'", "&#39;")]


def test_older_drafts_page(community: Any) -> None:
    ivy = community.join("ivy")
    made = [community.draft("ivy", f"draft {i}") for i in range(26)]
    first = ivy.get("/drafts").text
    assert cards(first) == made[::-1][:24]
    more = re.search(r'href="/drafts\?before=(\d+)">Older drafts</a>', first)
    assert more is not None
    rest = ivy.get(f"/drafts?before={more.group(1)}").text
    assert cards(rest) == made[::-1][24:] and "Older drafts" not in rest
    assert ivy.get("/drafts?before=0").status_code == 400
