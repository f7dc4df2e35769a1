"""/create: the form's controls, starting a generation without JavaScript, refusals shown next to the form with
the prompt kept, and remixes of a post.

    .venv/bin/python -m pytest tests/app/web/test_create.py -q
"""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import select, update

from kinora.app.generations.models import Generation
from kinora.app.social.models import Post
from tests.app.web.helpers import alerts as escaped_alerts
from tests.app.web.helpers import send
from tests.community import execute, scalar, user_id

BLOCKED = "a man is stabbed repeatedly, blood and gore everywhere, dismembered body"


def alerts(page: str) -> list[str]:
    return [html.unescape(text) for text in escaped_alerts(page)]


def options(page: str, select_id: str) -> list[str]:
    found = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert found is not None, select_id
    return re.findall(r'<option value="([^"]+)"', found.group(1))


def newest(community: Any, handle: str) -> Generation:
    found: Generation | None = scalar(community, select(Generation).where(
        Generation.owner_id == user_id(community, handle)).order_by(Generation.seq.desc()).limit(1))
    assert found is not None
    return found


def test_signed_out_visitors_sign_in_first(community: Any) -> None:
    response = community.client().get("/create", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login?next=%2Fcreate")


def test_the_form(community: Any) -> None:
    ann = community.join("ann")
    page = ann.get("/create").text
    assert 'data-module="create"' in page
    assert '<label for="f-prompt">Prompt</label>' in page and 'aria-controls="cameo-suggestions"' in page
    assert '<label for="f-seconds">Duration</label>' in page
    assert options(page, "f-seconds") == ["4", "8", "12", "16", "20"]
    assert '<option value="4" selected>4 seconds</option>' in page
    assert options(page, "f-model") == ["sora-2", "sora-2-pro"]  # two models: the Model select shows
    assert "<legend>Orientation</legend>" in page
    assert re.search(r'value="landscape" checked>.*Landscape', page)  # FAST's default size 320x256 is landscape
    assert 'data-portrait="256x320" data-landscape="320x256"' in page
    assert re.search(r'<input id="f-image" type="file"[^>]*disabled>', page)
    assert "The model sora-2 cannot start from an image." in page
    assert "1000 of 1000 left today" in page
    assert ">Generate</button>" in page
    assert '<progress max="100" value="0" aria-label="Progress"' in page


def test_one_model_needs_no_model_select(community: Any) -> None:
    community.join("bo")
    settings = community.services.settings
    saved = settings.models
    settings.models = {"sora-2": "world"}
    try:
        page = community.clients["bo"].get("/create").text
    finally:
        settings.models = saved
    assert 'id="f-model"' not in page and 'id="f-seconds"' in page


def test_the_form_starts_a_generation_without_javascript(community: Any) -> None:
    cy = community.join("cy")
    response = send(cy, "POST", "/create", page="/create", htmx=False, follow_redirects=False, data={
        "prompt": "a red ball rolls down a ramp", "seconds": "8", "orientation": "portrait", "model": "sora-2-pro"})
    assert (response.status_code, response.headers["location"]) == (303, "/drafts")
    gen = newest(community, "cy")
    assert (gen.prompt, gen.seconds, gen.width, gen.height, gen.model, gen.status) == (
        "a red ball rolls down a ramp", 8, 256, 320, "sora-2-pro", "queued")
    assert "999 of 1000 left today" in cy.get("/create").text


def test_refusals_are_explained_and_the_prompt_kept(community: Any) -> None:
    dee = community.join("dee")
    typed = {"prompt": "a <b>bold</b> cube", "seconds": "8", "orientation": "portrait"}
    for change, status, says in (
            ({"orientation": "square"}, 400, "orientation must be 'portrait' or 'landscape'; got 'square'"),
            ({"seconds": "30"}, 400, "Invalid value: '30'. Supported values for model 'sora-2' are: '4', '8', '12', "
                                     "'16', '20'."),
            ({"model": "veo"}, 400, "Invalid value: 'veo'. Supported models are: 'sora-2', 'sora-2-pro'."),
            ({"prompt": "   "}, 400, "prompt must be a non-empty string")):
        response = send(dee, "POST", "/create", page="/create", htmx=False, data={**typed, **change})
        assert response.status_code == status, response.text
        assert alerts(response.text) == [says]
        kept = html.escape(change.get("prompt", typed["prompt"]), quote=False)
        assert f"{kept}</textarea>" in response.text
    assert scalar(community, select(Generation.id).where(Generation.owner_id == user_id(community, "dee"))) is None


def test_moderation_refusals_say_why(community: Any) -> None:
    eve = community.join("eve")
    response = send(eve, "POST", "/create", page="/create", htmx=False, data={
        "prompt": BLOCKED, "seconds": "4", "orientation": "landscape"})
    assert response.status_code == 400
    [message] = alerts(response.text)
    assert "you can appeal it" in message
    assert f"{BLOCKED}</textarea>" in response.text


def test_remix_a_post(community: Any) -> None:
    community.join("fay")
    gil = community.join("gil")
    post = community.post("fay", "a <i>tall</i> tower of blocks")["id"]
    page = gil.get(f"/create?remix={post}").text
    assert "<h1>Remix</h1>" in page
    assert f'<input type="hidden" name="remix_of" value="{post}">' in page
    assert f'<img src="/api/posts/{post}/thumbnail" alt="a &lt;i&gt;tall&lt;/i&gt; tower of blocks"' in page
    assert '<a href="/@fay">@fay</a>' in page
    assert 'id="f-seconds"' not in page and "Orientation" not in page
    response = send(gil, "POST", "/create", page="/create", htmx=False, follow_redirects=False,
                    data={"prompt": "make it fall over", "remix_of": str(post)})
    assert response.status_code == 303
    gen = newest(community, "gil")
    assert (gen.kind, gen.remix_of_post, gen.prompt) == ("remix", post, "make it fall over")
    refused = send(gil, "POST", "/create", page="/create", htmx=False,
                   data={"prompt": "again", "remix_of": str(post), "seconds": "8"})
    assert alerts(refused.text) == [f"seconds: a remix keeps the seconds of post {post}; leave it out"]


def test_remix_pages_that_cannot_be(community: Any) -> None:
    community.join("hal")
    ivy = community.join("ivy")
    post = community.post("hal")["id"]
    private = community.post("hal", visibility="private")["id"]
    execute(community, update(Post).where(Post.id == post).values(allow_remix=False))
    refused = ivy.get(f"/create?remix={post}")
    assert refused.status_code == 400
    assert alerts(refused.text) == [f"remix: the author of post {post} does not allow remixes of it"]
    assert ivy.get(f"/create?remix={private}").status_code == 404
    assert alerts(ivy.get("/create?remix=abc").text)[0].startswith("Invalid value for remix")
