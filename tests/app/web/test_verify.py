"""The Verify page (kinora/app/web/routes/verify.py): open to everyone; its script sends the clip to POST
/api/verify with the page's CSRF token and reads the report fields checked here.

    .venv/bin/python -m pytest tests/app/web/test_verify.py -x -q
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from kinora.app.generations.models import Generation
from kinora.app.social.models import Post
from kinora.app.web.routes.verify import size_text
from tests.app.web.helpers import send, token


def signed_clip(services: Any, gen_id: str, seq: int) -> bytes:
    """A clip as the worker leaves generation `seq` (marked pictures and sound, C2PA-signed) without running an
    engine: 3 s of a textured panning scene with a little noise for sound."""
    from kinora import __version__
    from kinora.engines.base import Clip
    from kinora.media import marking
    from kinora.media.attacks import panning_scene
    from kinora.media.encode import write_mp4
    from kinora.media.provenance import Stamp, payload

    inst = services.provenance
    sound = (np.random.default_rng(seq).standard_normal((48000, 1)) * 0.05).astype(np.float32)
    clip = Clip(frames=panning_scene(seq, 36, 256, 320), fps=12, audio=sound, sample_rate=16000)
    data = payload(inst.instance_id, seq)
    stamp = Stamp(seq=seq, handle=None, generator={"version": __version__, "engine": "world", "model": "sora-2",
                                                   "generation": gen_id, "instance": inst.name}, title=gen_id)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.mp4"
        write_mp4(marking.mark(clip, data, inst), path)
        marking.sign(path, inst, stamp, data)
        return path.read_bytes()


@pytest.fixture(scope="module")
def published(community: Any) -> dict[str, Any]:
    """A public post of @vf_maker's and a signed, marked clip of its generation."""
    community.join("vf_maker")
    post = community.post("vf_maker", "a paper boat drifts down a gutter", visibility="public")

    async def body() -> tuple[str, int]:
        async with community.services.db.read() as session:
            row = (await session.execute(select(Generation.id, Generation.seq)
                                         .join(Post, Post.generation_id == Generation.id)
                                         .where(Post.id == post["id"]))).one()
            return str(row[0]), int(row[1])

    found_id, seq = community.run(body())
    return {"post_id": post["id"], "gen_id": found_id, "clip": signed_clip(community.services, found_id, seq)}


def test_the_page_is_open_to_everyone(community: Any) -> None:
    for client in (community.anonymous, community.join("vf_member")):
        page = client.get("/verify")
        assert page.status_code == 200
        assert '<label for="verify-file">Video file</label>' in page.text and 'type="file"' in page.text
        assert ">Check</button>" in page.text and 'data-module="verify"' in page.text
        assert f'data-max-bytes="{community.settings.verify_max_bytes}"' in page.text
    assert "up to 200 MB" in community.anonymous.get("/verify").text


def test_a_clip_made_here_is_traced_to_its_post(community: Any, published: dict[str, Any]) -> None:
    client = community.client()
    response = send(client, "POST", "/api/verify", page="/verify", htmx=False,
                    headers={"origin": "http://testserver", "accept": "application/json"},
                    files={"file": ("clip.mp4", published["clip"], "video/mp4")})
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["c2pa"]["status"], report["c2pa"]["ai_generated"], report["c2pa"]["trusted"]) == ("valid", True,
                                                                                                    True)
    assert report["c2pa"]["signer"]["subject"] and report["c2pa"]["generator"]["generation"] == published["gen_id"]
    mark = report["watermark"]
    assert mark["found"] and mark["this_instance"] and set(mark["read_from"]) == {"video", "audio"}
    assert (mark["generation_id"], mark["post_id"]) == (published["gen_id"], published["post_id"])
    assert report["media"]["has_audio"] and report["media"]["width"] == 320
    assert published["gen_id"] in report["verdict"] and "intact" in report["verdict"]


def test_a_signed_in_browser_must_send_the_page_token(community: Any, published: dict[str, Any]) -> None:
    member = community.join("vf_signed")
    files = {"file": ("clip.mp4", b"0" * 2000, "video/mp4")}
    refused = member.post("/api/verify", headers={"origin": "http://testserver"}, files=files)
    assert refused.status_code == 403 and refused.json()["error"]["param"] == "csrf_token"
    accepted = send(member, "POST", "/api/verify", page="/verify", htmx=False,
                    headers={"origin": "http://testserver"}, files=files)
    assert accepted.status_code == 400  # past the CSRF check: the bytes are no video


def test_a_file_that_is_not_a_video_gets_a_clear_error(community: Any) -> None:
    client = community.client()
    token(client, "/verify")
    response = send(client, "POST", "/api/verify", page="/verify", htmx=False,
                    files={"file": ("notes.mp4", b"these are my shopping notes\n" * 50, "video/mp4")})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == "file" and error["message"].startswith("file is not a video this instance can read")
    assert "/tmp" not in error["message"] and "the upload" in error["message"]  # no server paths in answers
    empty = send(client, "POST", "/api/verify", page="/verify", htmx=False,
                 files={"file": ("empty.mp4", b"", "video/mp4")})
    assert empty.status_code == 400 and empty.json()["error"]["message"] == "file is empty"


def test_sizes_read_as_people_read_them() -> None:
    assert [size_text(n) for n in (200 * 2**20, 1536 * 2**20, 64 * 2**10, 1000)] == \
        ["200 MB", "1.5 GB", "64 KB", "1000 bytes"]
