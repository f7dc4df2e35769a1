"""The production path with tiny LTX-2, Wan and sound folders: /v1/videos -> queue -> worker -> engine -> media ->
provenance, exactly as with real weights (which differ only in size). On SQLite only: the queue's PostgreSQL
path is the same for every engine and runs in tests/jobs/test_runner.py."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import openai
import pytest

from kinora.media import c2pa
from kinora.media.probe import probe
from tests.conftest import LiveServer, _module_settings


@cache
def tiny_models() -> Path:
    from kinora.engines import tiny

    root = Path(tempfile.mkdtemp(prefix="kinora-tiny-"))
    for engine, layout in (("ltx2", "t2av"), ("wan", "t2v"), ("sound", "stable-audio")):
        tiny.write(engine, layout, root / engine)
    return root


def LIVE_SETTINGS() -> dict[str, Any]:  # noqa: N802 - the name tests/conftest.py looks for
    root = tiny_models()
    return {"models": {"sora-2": "ltx2", "sora-2-pro": "wan", "kinora-world": "world"},
            "engine_weights": {"ltx2": [root / "ltx2"], "wan": [root / "wan"]}, "sound_weights": root / "sound",
            "engine_steps": 2}


@pytest.fixture(scope="module", params=["sqlite"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(_module_settings(request, tmp_path_factory, "live")) as server:
        yield server


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


@pytest.fixture(scope="module")
def drums(sdk: openai.OpenAI) -> Any:
    video = sdk.videos.create_and_poll(model="sora-2", prompt="a drummer plays a fast beat", size="100x70",
                                       seconds="4")
    assert video.status == "completed", video.error
    return video


def test_ltx2_makes_picture_and_sound_snapped_to_its_grid(live: Any, sdk: openai.OpenAI, drums: Any,
                                                          tmp_path: Path) -> None:
    video = drums
    assert video.size == "96x64" and video.seconds == "4"
    assert (video.model_extra or {})["adjusted"] == {"size": {"requested": "100x70", "used": "96x64"}}
    info = probe(download(sdk, video.id, tmp_path))
    assert (info.width, info.height, info.fps, info.frames) == (96, 64, 24, 96)
    assert info.audio_codec == "aac" and info.audio_duration == pytest.approx(4.0, abs=0.05)
    made = output_metadata(live, video.id)
    assert made["engine"] == "ltx2" and made["audio"] == "generated" and made["frames_made"] == 97
    report = c2pa.read(download(sdk, video.id, tmp_path))
    assert report.status == "valid" and report.ai_generated
    assert report.generator is not None and report.generator["engine"] == "ltx2"


def test_ltx2_extends_its_own_videos(live: Any, sdk: openai.OpenAI, drums: Any, tmp_path: Path) -> None:
    extended = sdk.post("/videos/extensions", body={"prompt": "the beat speeds up", "seconds": "4",
                                                    "video": {"id": drums.id}}, cast_to=type(drums))
    extended = sdk.videos.poll(extended.id)
    assert extended.status == "completed", extended.error
    assert extended.seconds == "8" and extended.size == "96x64"
    info = probe(download(sdk, extended.id, tmp_path))
    assert info.frames == 192 and info.audio_duration == pytest.approx(8.0, abs=0.05)
    made = output_metadata(live, extended.id)
    assert made["pipeline"] == "LTX2ConditionPipeline" and made["continues_from_frames"] == 17


def test_wan_clips_get_the_sound_stage_soundtrack(live: Any, sdk: openai.OpenAI, tmp_path: Path) -> None:
    video = sdk.videos.create_and_poll(model="sora-2-pro", prompt="rain on a paper boat", size="64x64")
    assert video.status == "completed", video.error
    info = probe(download(sdk, video.id, tmp_path))
    assert (info.width, info.height, info.fps, info.frames) == (64, 64, 16, 64)
    assert info.audio_codec == "aac" and info.audio_duration == pytest.approx(4.0, abs=0.05)
    made = output_metadata(live, video.id)
    assert made["audio"] == "scored" and made["sound_model"] == "sound"


def test_what_the_engine_cannot_do_is_refused_before_queueing(sdk: openai.OpenAI, live: Any) -> None:
    with pytest.raises(openai.BadRequestError, match="Supported values for model 'sora-2-pro' are: '4'"):
        sdk.videos.create(model="sora-2-pro", prompt="a long shot", seconds="8")
    with pytest.raises(openai.BadRequestError, match="does not take an input_reference"):
        sdk.videos.create(model="sora-2-pro", prompt="x", size="128x128", input_reference=("a.png", _png(128, 128)))


def test_a_model_without_weights_is_unavailable(live: Any, tmp_path: Path) -> None:
    from kinora.app.errors import Unavailable
    from kinora.app.generations import checks

    settings = live.settings.model_copy(update={"engine_weights": {"wan": [tmp_path / "gone"]}})
    with pytest.raises(Unavailable, match="model 'sora-2-pro' .*is not available on this instance: weights folder "
                                          ".*gone' does not exist") as refused:
        checks.model(settings, "sora-2-pro")
    assert refused.value.status == 503 and refused.value.code == "model_unavailable"


def _png(width: int, height: int) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(out, format="PNG")
    return out.getvalue()
