"""/cameo/characters: character cameos made from a clip, who may use them, deleting them
(kinora/app/web/routes/characters.py).

    .venv/bin/python -m pytest tests/app/web/test_characters.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kinora.app.cameos.models import Cameo
from tests.app.web.helpers import send, token
from tests.cameos import clips
from tests.community import count, scalar


def _make(client: Any, tmp_path: Path, name: str, **fields: str) -> Any:
    data = clips.make(tmp_path / f"{name}.mp4", (), None, seconds=4.0)
    return client.post("/api/cameos/characters", data={"name": name, **fields},
                       files={"video": ("clip.mp4", data, "video/mp4")},
                       headers={"x-csrf-token": token(client, "/cameo/characters"), "origin": "http://testserver"})


def test_make_list_share_and_delete_a_character(community: Any, tmp_path: Path) -> None:
    from sqlalchemy import select

    owner = community.join("petowner")
    assert "No characters yet." in owner.get("/cameo/characters").text
    made = _make(owner, tmp_path, "Biscuit the dog", appearance="a red collar")
    assert made.status_code == 200, made.text
    page = owner.get("/cameo/characters?made=biscuit_the_dog").text
    assert "@biscuit_the_dog is ready" in page and "a red collar" in page
    assert '<label for="perm-biscuit_the_dog">Who can use @biscuit_the_dog</label>' in page
    saved = send(owner, "POST", "/cameo/characters/biscuit_the_dog/permission", page="/cameo/characters",
                 data={"permission": "everyone"})
    assert saved.status_code == 200 and "Saved:" in saved.text
    assert scalar(community, select(Cameo.permission).where(Cameo.handle == "biscuit_the_dog")) == "everyone"
    bad = send(owner, "POST", "/cameo/characters/biscuit_the_dog/permission", page="/cameo/characters",
               data={"permission": "friends"})
    assert bad.status_code == 400 and "must be one of only_me, approved, mutuals, everyone" in bad.text
    gone = send(owner, "POST", "/cameo/characters/biscuit_the_dog/delete", page="/cameo/characters", htmx=False,
                follow_redirects=False)
    assert gone.status_code == 303 and count(community, Cameo, Cameo.handle == "biscuit_the_dog") == 0


def test_only_the_owner_changes_a_character(community: Any, tmp_path: Path) -> None:
    owner, other = community.join("toyowner"), community.join("toyother")
    assert _make(owner, tmp_path, "Robo").status_code == 200
    for path, data in (("/cameo/characters/robo/permission", {"permission": "everyone"}),
                       ("/cameo/characters/robo/delete", {})):
        refused = send(other, "POST", path, page="/cameo/characters", data=data)
        assert refused.status_code in (403, 404), refused.text
    assert count(community, Cameo, Cameo.handle == "robo") == 1
    teen = community.join("toyteen", birth_date="2012-05-06")
    assert _make(teen, tmp_path, "Teddy").status_code == 200
    page = teen.get("/cameo/characters").text
    assert '<option value="everyone" disabled>' in page  # teens' cameos: only me or approved
