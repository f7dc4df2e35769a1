"""Verification through /api/cameos with clips made in the test: a real face turned left and right reading the
challenge passes; wrong digits, no face, two faces, a reused or expired challenge and someone else's face each fail
with their own message, and nothing is stored for a failure."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from kinora.app.cameos.models import Cameo, CameoChallenge
from kinora.cameos import synthetic
from tests.app.social.helpers import teen_birth_date
from tests.cameos import clips
from tests.community import Community, count, execute, scalar


@pytest.fixture(scope="module")
def community(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Community]:
    """SQLite only: the checks read the clip, not the database (the permission tests run on every backend)."""
    from tests.conftest import make_settings

    with Community(make_settings(tmp_path_factory.mktemp("cameos"), "sqlite")) as found:
        yield found


def challenge(client: Any) -> dict[str, Any]:
    response = client.post("/api/cameos/challenges", json={"kind": "person"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert len(body["digits"]) == 6 and body["digits"] in body["instructions"].replace(" ", "")
    return body


def verify(client: Any, tmp_path: Path, chal: dict[str, Any], people: tuple[str, ...] = ("astronaut",),
           digits: str | None = None, keep: bool = False, **kwargs: Any) -> Any:
    data = clips.make(tmp_path / f"{chal['id']}.mp4", people, chal["digits"] if digits is None else digits, **kwargs)
    return client.post("/api/cameos/verify", data={"challenge_id": chal["id"], "keep_clip": str(keep).lower()},
                       files={"video": ("me.mp4", data, "video/mp4")})


def failures(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "verification_failed" and error["param"] == "video"
    return [f["code"] for f in error["report"]["failures"]]


def test_a_real_face_turning_and_reading_the_digits_becomes_a_cameo(community: Community, tmp_path: Path) -> None:
    ann = community.join("vann")
    response = verify(ann, tmp_path, challenge(ann))
    assert response.status_code == 200, response.text
    cameo = response.json()
    assert (cameo["handle"], cameo["kind"], cameo["permission"], cameo["verified"]) == ("vann", "person", "only_me",
                                                                                       True)
    report = cameo["verification"]
    assert report["passed"] and report["digits"]["matched"] >= 4
    assert report["head_turn"]["left"] >= report["head_turn"]["needed"] <= report["head_turn"]["right"]
    row = scalar(community, select(Cameo).where(Cameo.handle == "vann"))
    assert row.face_embedding[:2] == b"k1" and row.voice_embedding[:2] == b"k1"  # sealed, not raw floats
    stored = community.services.storage.path(row.likeness_key).read_bytes()
    assert stored[:2] == b"k1" and b"\x93NUMPY" not in stored
    assert row.clip_key is None  # the raw clip is discarded unless kept
    assert ann.get("/api/cameos").json()["items"][0]["handle"] == "vann"


def test_wrong_digits_fail_and_store_nothing(community: Community, tmp_path: Path) -> None:
    bob = community.join("vbob")
    chal = challenge(bob)
    wrong = "".join(str((int(d) + 5) % 10) for d in chal["digits"])
    response = verify(bob, tmp_path, chal, digits=wrong)
    assert failures(response) == ["wrong_digits"]
    assert "do not match the challenge" in response.json()["error"]["message"]
    assert count(community, Cameo, Cameo.handle == "vbob") == 0


def test_no_face_fails(community: Community, tmp_path: Path) -> None:
    cid = community.join("vcid")
    assert failures(verify(cid, tmp_path, challenge(cid), people=())) == ["no_face"]


def test_two_faces_fail(community: Community, tmp_path: Path) -> None:
    dee = community.join("vdee")
    response = verify(dee, tmp_path, challenge(dee), people=("astronaut", "hopper"))
    assert failures(response) == ["several_faces"]
    assert "record alone" in response.json()["error"]["message"]


def test_a_head_that_does_not_turn_fails(community: Community, tmp_path: Path) -> None:
    eve = community.join("veve")
    response = verify(eve, tmp_path, challenge(eve), people=("hopper",), turns=synthetic.STILL)
    assert failures(response) == ["no_head_turn"]


def test_a_challenge_is_used_once(community: Community, tmp_path: Path) -> None:
    fay = community.join("vfay")
    chal = challenge(fay)
    assert failures(verify(fay, tmp_path, chal, people=())) == ["no_face"]  # a failure spends it too
    again = verify(fay, tmp_path, chal)
    assert again.status_code == 400 and again.json()["error"]["code"] == "challenge_used"
    # someone else's challenge is not found, as if it did not exist
    gus = community.join("vgus")
    other = gus.post("/api/cameos/verify", data={"challenge_id": chal["id"]},
                     files={"video": ("me.mp4", b"not a video", "video/mp4")})
    assert other.status_code == 404 and other.json()["error"]["param"] == "challenge_id"


def test_an_expired_challenge_fails(community: Community, tmp_path: Path) -> None:
    hal = community.join("vhal")
    chal = challenge(hal)
    execute(community, update(CameoChallenge).where(CameoChallenge.id == chal["id"])
            .values(expires_at=time.time() - 1))
    response = hal.post("/api/cameos/verify", data={"challenge_id": chal["id"]},
                        files={"video": ("me.mp4", b"\x00" * 100, "video/mp4")})
    assert response.status_code == 400 and response.json()["error"]["code"] == "challenge_expired"
    assert "ask for a new one" in response.json()["error"]["message"]


def test_someone_elses_face_is_refused_and_a_rerecording_must_match(community: Community, tmp_path: Path) -> None:
    jon = community.join("vjon")
    taken = verify(jon, tmp_path, challenge(jon), people=("astronaut",))  # vann verified this face above
    assert failures(taken) == ["face_taken"] and "another account" in taken.json()["error"]["message"]
    ann = community.clients["vann"]
    mismatch = verify(ann, tmp_path, challenge(ann), people=("hopper",))
    assert failures(mismatch) == ["face_mismatch"] and "not the face you verified" in mismatch.text
    again = verify(ann, tmp_path, challenge(ann), people=("astronaut",), keep=True)
    assert again.status_code == 200 and again.json()["clip_kept"] is True


def test_bad_input_is_named(community: Community, tmp_path: Path) -> None:
    kim = community.join("vkim")
    chal = challenge(kim)
    assert kim.post("/api/cameos/challenges", json={"kind": "dog"}).json()["error"]["param"] == "kind"
    missing = kim.post("/api/cameos/verify", data={"challenge_id": chal["id"]})
    assert missing.status_code == 400 and missing.json()["error"]["param"] == "video"
    garbage = kim.post("/api/cameos/verify", data={"challenge_id": chal["id"]},
                       files={"video": ("me.mp4", b"plainly not a video", "video/mp4")})
    assert garbage.status_code == 400 and "not a readable video" in garbage.json()["error"]["message"]
    short = challenge(kim)
    response = verify(kim, tmp_path, short, seconds=2.0)
    assert failures(response) == ["clip_length"] and "3-15 s" in response.json()["error"]["message"]


def test_teen_and_character_cameos(community: Community, tmp_path: Path) -> None:
    lia = community.join("vlia", birth_date=teen_birth_date())
    data = clips.make(tmp_path / "mug.mp4", (), None, seconds=4.0)
    made = lia.post("/api/cameos/characters", data={"name": "Biscuit the dog", "appearance": "a red collar"},
                    files={"video": ("mug.mp4", data, "video/mp4")})
    assert made.status_code == 200, made.text
    assert (made.json()["kind"], made.json()["handle"], made.json()["permission"]) == (
        "character", "biscuit_the_dog", "only_me")
    taken = lia.post("/api/cameos/characters", data={"name": "Not Ann", "handle": "vann"},
                     files={"video": ("mug.mp4", data, "video/mp4")})
    assert taken.status_code == 400 and taken.json()["error"]["code"] == "handle_taken"
    assert lia.patch("/api/cameos/biscuit_the_dog", json={"permission": "everyone"}).status_code == 400


def test_deleting_a_cameo_leaves_no_face_or_voice_data(community: Community, tmp_path: Path) -> None:
    ann = community.clients["vann"]
    row = scalar(community, select(Cameo).where(Cameo.handle == "vann"))
    sealed = [row.face_embedding, row.voice_embedding]
    folder = community.services.storage.path(f"cameos/{row.id}")
    assert folder.is_dir() and any(folder.iterdir())
    assert ann.delete("/api/cameos/vann").status_code == 204
    assert count(community, Cameo, Cameo.owner_id == row.owner_id) == 0
    assert not folder.exists()
    data_dir = community.settings.data_dir
    for path in [p for p in data_dir.rglob("*") if p.is_file()]:
        content = path.read_bytes()
        assert not any(blob[2:30] in content for blob in sealed), path  # not even in free pages or the WAL
    assert ann.post("/api/generations", json={"prompt": "@vann waves"}).json()["error"]["code"] == "unknown_cameo"
