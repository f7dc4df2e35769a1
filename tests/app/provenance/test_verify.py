"""Provenance end to end on a live server with its real runner and world engine: every way a clip leaves the
instance carries a valid, AI-generated C2PA manifest and the invisible marks, and /api/verify and
`kinora verify` trace a clip, attacked or not, back to its generation."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from typer.testing import CliRunner

from kinora.media import c2pa, watermark
from kinora.media.attacks import crop, flip, h264
from kinora.media.probe import read_video
from tests.community import live_member

LIVE_SETTINGS = {"clean_downloads": True, "instance_name": "Testbed", "default_size": "640x352"}


@pytest.fixture(scope="module")
def made(live: Any) -> dict[str, Any]:
    """One generation of @maker's, published; and the clients that see it."""
    maker, fan = live_member(live, "maker"), live_member(live, "fan")
    started = maker.post("/api/generations", json={"prompt": "three red rubber balls bounce on a wooden floor",
                                                   "seconds": 4})
    assert started.status_code == 201, started.text
    gen_id = started.json()["id"]
    deadline = time.monotonic() + 240
    while (body := maker.get(f"/api/generations/{gen_id}").json())["status"] not in ("completed", "failed"):
        assert time.monotonic() < deadline, "the generation did not finish"
        time.sleep(0.2)
    assert body["status"] == "completed", body
    draft = maker.get(f"/api/generations/{gen_id}/video").content
    post = maker.post("/api/posts", json={"generation_id": gen_id, "visibility": "public"})
    assert post.status_code == 201, post.text
    return {"maker": maker, "fan": fan, "gen_id": gen_id, "post_id": post.json()["id"], "draft": draft}


def _download(live: Any, made: dict[str, Any], path: str) -> bytes:
    from kinora.app.users.admin import create_key

    gen_id, post_id, fan = made["gen_id"], made["post_id"], made["fan"]
    if path == "draft":
        return bytes(made["draft"])
    if path == "clean":
        response = made["maker"].get(f"/api/generations/{gen_id}/video", params={"clean": "true"})
    elif path == "post":
        response = fan.get(f"/api/posts/{post_id}/video")
    elif path == "share":
        page = httpx.get(f"{live.url}/p/{post_id}").text
        video_url = re.search(r'<meta property="og:video" content="([^"]+)"', page)
        assert video_url is not None, page
        response = httpx.get(video_url.group(1) if video_url.group(1).startswith("http")
                             else live.url + video_url.group(1))
    else:
        _, key = asyncio.run(create_key(live.settings, name="provenance test", handle="maker"))
        response = httpx.get(f"{live.url}/v1/videos/{gen_id}/content", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "video/mp4"
    return response.content


@pytest.mark.parametrize("path", ["draft", "clean", "post", "share", "v1"])
def test_every_output_path_is_signed_ai_generated_and_marked(live: Any, made: dict[str, Any], path: str,
                                                             tmp_path: Path) -> None:
    file = tmp_path / "clip.mp4"
    file.write_bytes(_download(live, made, path))
    anchor = live.app.state.services.provenance.identity.anchor_pem
    report = c2pa.read(file, trust_anchors_pem=anchor)
    assert (report.status, report.ai_generated, report.trusted) == ("valid", True, True), report
    assert report.generator is not None and report.generator["generation"] == made["gen_id"]
    mark = watermark.detect_file(file)
    assert mark.found and mark.payload is not None and mark.payload.hex() == report.soft_binding["value"]


def test_the_visible_mark_is_on_every_copy_but_the_clean_one(live: Any, made: dict[str, Any]) -> None:
    clean, marked = made["maker"].get(f"/api/generations/{made['gen_id']}/video", params={"clean": "true"}), \
        made["draft"]
    assert clean.content != marked
    # The label is white text on a dark pill: somewhere in the marked frames a corner region darkens.
    assert _pictures_differ(clean.content, marked)


def _pictures_differ(a: bytes, b: bytes) -> bool:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        pa, pb = Path(tmp) / "a.mp4", Path(tmp) / "b.mp4"
        pa.write_bytes(a)
        pb.write_bytes(b)
        fa, fb = read_video(pa).frames, read_video(pb).frames
    diff = np.abs(fa.astype(np.int16) - fb.astype(np.int16)).max(axis=(0, 3))  # (H, W)
    return bool((diff > 40).mean() > 0.002)


def test_one_flipped_byte_makes_the_manifest_invalid(made: dict[str, Any], tmp_path: Path) -> None:
    data = bytearray(made["draft"])
    at = data.rfind(b"mdat") + 4000  # inside the media data: the hard binding covers it
    data[at] ^= 0x01
    file = tmp_path / "tampered.mp4"
    file.write_bytes(bytes(data))
    assert c2pa.read(file).status == "invalid"


def _verify(client: httpx.Client, data: bytes, name: str = "clip.mp4") -> dict[str, Any]:
    response = client.post("/api/verify", files={"file": (name, data, "video/mp4")})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_verify_names_the_generation_and_its_post(made: dict[str, Any]) -> None:
    report = _verify(httpx.Client(base_url=str(made["fan"].base_url), timeout=60), made["draft"])
    assert report["c2pa"]["status"] == "valid" and report["c2pa"]["ai_generated"]
    assert report["watermark"]["found"] and report["watermark"]["this_instance"]
    assert report["watermark"]["generation_id"] == made["gen_id"]
    assert report["watermark"]["post_id"] == made["post_id"]  # public: anyone may be told
    assert report["matches"][0]["generation_id"] == made["gen_id"]
    assert made["gen_id"] in report["verdict"] and "intact" in report["verdict"]


@pytest.fixture(scope="module")
def attacked(made: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The draft cropped to 70 % of its area, mirrored and re-encoded at CRF 28, sound kept: no manifest left."""
    from kinora.engines.base import Clip
    from kinora.media.encode import write_mp4

    folder = tmp_path_factory.mktemp("attacked")
    source = folder / "clip.mp4"
    source.write_bytes(made["draft"])
    media = read_video(source)
    frames = h264(flip(crop(media.frames)), fps=media.fps, crf=28, folder=folder)
    out = folder / "attacked.mp4"
    write_mp4(Clip(frames=frames, fps=media.fps, audio=media.audio, sample_rate=media.sample_rate), out)
    return out


def test_verify_traces_an_attacked_copy(made: dict[str, Any], attacked: Path) -> None:
    report = _verify(made["fan"], attacked.read_bytes())
    assert report["c2pa"]["status"] == "absent"  # re-encoding drops the manifest...
    assert report["watermark"]["generation_id"] == made["gen_id"]  # ...but not the marks
    assert made["gen_id"] in report["verdict"]


def test_verify_of_a_clip_not_from_here(made: dict[str, Any], tmp_path: Path) -> None:
    from kinora.engines.base import Clip
    from kinora.media.attacks import panning_scene
    from kinora.media.encode import write_mp4

    out = tmp_path / "other.mp4"
    write_mp4(Clip(frames=panning_scene(5, 48, 352, 640), fps=12, audio=None, sample_rate=0), out)
    report = _verify(made["fan"], out.read_bytes())
    assert not report["watermark"]["found"] and report["c2pa"]["status"] == "absent"
    assert report["matches"] == []
    assert report["verdict"].startswith("No sign")


def test_verify_rejects_bad_uploads_clearly(live: Any, made: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    client = httpx.Client(base_url=live.url, timeout=60)
    not_video = client.post("/api/verify", files={"file": ("x.mp4", b"not a video at all" * 100, "video/mp4")})
    assert not_video.status_code == 400 and not_video.json()["error"]["param"] == "file"
    missing = client.post("/api/verify", files={"other": ("x.mp4", b"1234", "video/mp4")})
    assert missing.status_code == 400 and "'file'" in missing.json()["error"]["message"]
    as_json = client.post("/api/verify", json={"file": "x"})
    assert as_json.status_code == 400 and "multipart/form-data" in as_json.json()["error"]["message"]
    monkeypatch.setattr(live.settings, "verify_max_bytes", 1024)
    huge = client.post("/api/verify", files={"file": ("big.mp4", b"x" * 200_000, "video/mp4")})
    assert huge.status_code == 413 and "at most 1 KiB" in huge.json()["error"]["message"]
    assert not list((live.settings.data_dir / "tmp").glob("verify-*"))  # no upload left behind


def test_clean_downloads_need_the_operator_s_consent(made: dict[str, Any], live: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live.settings, "clean_downloads", False)
    refused = made["maker"].get(f"/api/generations/{made['gen_id']}/video", params={"clean": "true"})
    assert refused.status_code == 403 and refused.json()["error"]["param"] == "clean"


def test_cli_verify(live: Any, made: dict[str, Any], attacked: Path, tmp_path: Path,
                    monkeypatch: pytest.MonkeyPatch) -> None:
    from kinora.cli import app

    file = tmp_path / "clip.mp4"
    file.write_bytes(made["draft"])
    monkeypatch.setenv("KINORA_DATA_DIR", str(live.settings.data_dir))
    monkeypatch.setenv("KINORA_DATABASE_URL", live.settings.db_url)
    result = CliRunner().invoke(app, ["verify", str(file), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["c2pa"]["status"] == "valid" and report["c2pa"]["ai_generated"] is True
    assert report["watermark"]["found"] and report["watermark"]["generation_id"] == made["gen_id"]
    assert report["watermark"]["payload"] and report["matches"] and report["verdict"]
    summary = CliRunner().invoke(app, ["verify", str(attacked)])
    assert summary.exit_code == 0, summary.output
    assert made["gen_id"] in summary.output and "verdict" in summary.output
    missing = CliRunner().invoke(app, ["verify", str(tmp_path / "nope.mp4")])
    assert missing.exit_code == 2 and "FILE must be an existing file" in missing.output
