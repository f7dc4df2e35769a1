"""The production path with tiny LTX-2 and Wan folders: /v1/videos -> queue -> worker -> engine -> media ->
provenance, exactly as with real weights (which differ only in size)."""

from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from kinora.media import c2pa
from kinora.media.probe import probe


@cache
def tiny_models() -> dict[str, list[str]]:
    from kinora.engines import tiny

    root = Path(tempfile.mkdtemp(prefix="kinora-tiny-"))
    return {"ltx2": [str(tiny.write("ltx2", "t2av", root / "ltx2"))],
            "wan": [str(tiny.write("wan", "t2v", root / "wan"))]}


def LIVE_SETTINGS() -> dict[str, Any]:  # noqa: N802 - the name tests/conftest.py looks for
    return {"models": {"sora-2": "ltx2", "sora-2-pro": "wan", "veo": "wan", "kinora-world": "world"},
            "engine_weights": tiny_models(), "engine_steps": 2}


@pytest.fixture(scope="module")
def sdk(live: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live.url}/v1", api_key=live.key(handle="tinyav"), max_retries=0)


def download(sdk: openai.OpenAI, video_id: str, tmp_path: Path) -> Path:
    path = tmp_path / f"{video_id}.mp4"
    path.write_bytes(sdk.videos.download_content(video_id).read())
    return path


def output_metadata(live: Any, video_id: str) -> dict[str, Any]:
    (found,) = (live.settings.data_dir / "media" / "videos" / video_id).glob("*/metadata.json")
    return dict(json.loads(found.read_text()))


def test_ltx2_makes_picture_and_sound_snapped_to_its_grid(live: Any, sdk: openai.OpenAI, tmp_path: Path) -> None:
    video = sdk.videos.create_and_poll(model="sora-2", prompt="a drummer plays a fast beat", size="200x120",
                                       seconds="4")
    assert video.status == "completed", video.error
    assert video.size == "192x128" and video.seconds == "4"
    assert (video.model_extra or {})["adjusted"] == {"size": {"requested": "200x120", "used": "192x128"}}
    info = probe(download(sdk, video.id, tmp_path))
    assert (info.width, info.height, info.fps, info.frames) == (192, 128, 24, 96)
    assert info.audio_codec == "aac" and info.audio_duration == pytest.approx(4.0, abs=0.05)
    made = output_metadata(live, video.id)
    assert made["engine"] == "ltx2" and made["audio"] == "generated" and made["frames_made"] == 97
    report = c2pa.read(download(sdk, video.id, tmp_path))
    assert report.status == "valid" and report.ai_generated
    assert report.generator is not None and report.generator["engine"] == "ltx2"


def test_wan_clips_are_silent_and_say_so(live: Any, sdk: openai.OpenAI, tmp_path: Path) -> None:
    video = sdk.videos.create_and_poll(model="sora-2-pro", prompt="a paper boat on a pond", size="128x128")
    assert video.status == "completed", video.error
    info = probe(download(sdk, video.id, tmp_path))
    assert (info.width, info.height, info.fps, info.frames) == (128, 128, 16, 64)
    assert info.audio_codec is None  # no fake track
    assert output_metadata(live, video.id)["audio"] == "silent"


def test_what_the_engine_cannot_do_is_refused_before_queueing(sdk: openai.OpenAI, live: Any) -> None:
    with pytest.raises(openai.BadRequestError, match="Supported values for model 'sora-2-pro' are: '4'"):
        sdk.videos.create(model="sora-2-pro", prompt="a long shot", seconds="8")
    with pytest.raises(openai.BadRequestError, match="does not take an input_reference"):
        sdk.videos.create(model="veo", prompt="x", size="128x128", input_reference=("a.png", _png(128, 128)))


def test_a_model_without_weights_is_unavailable(live: Any, tmp_path: Path) -> None:
    from kinora.app.generations import checks

    settings = live.settings.model_copy(update={"engine_weights": {"wan": [tmp_path / "gone"]}})
    with pytest.raises(checks.Unavailable, match="model 'veo' .*is not available on this instance: weights folder "
                                                 ".*gone' does not exist"):
        checks.model(settings, "veo")


def _png(width: int, height: int) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(out, format="PNG")
    return out.getvalue()


def test_the_http_error_for_missing_weights(live: Any, tmp_path: Path) -> None:
    body = httpx.post(f"{live.url}/v1/videos", headers={"authorization": f"Bearer {live.key()}"},
                      json={"model": "nope", "prompt": "x"})
    assert body.status_code == 400 and body.json()["error"]["param"] == "model"
