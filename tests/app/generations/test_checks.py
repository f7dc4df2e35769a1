"""Parameter checks against an engine's declared capabilities; every error names the allowed values."""

from __future__ import annotations

import dataclasses
import io

import pytest
from PIL import Image

from kinora.app.errors import InvalidRequest
from kinora.app.generations import checks
from kinora.app.generations.schemas import Upload
from kinora.config import Settings

SETTINGS = Settings(models={"sora-2": "world", "sora-2-pro": "world"})


def _target(**caps: object) -> checks.Target:
    target = checks.model(SETTINGS, "sora-2")
    return dataclasses.replace(target, caps=dataclasses.replace(target.caps, **caps))


def _image(fmt: str, size: tuple[int, int]) -> Upload:
    out = io.BytesIO()
    Image.new("RGB", size, (0, 128, 255)).save(out, format=fmt)
    return Upload(out.getvalue(), filename="upload", content_type="application/octet-stream")


def test_defaults_and_accepted_values() -> None:
    target = checks.model(SETTINGS, None)
    assert (target.model, target.engine) == ("sora-2", "world")
    assert checks.seconds(None, target, default=4) == 4 and checks.seconds(12, target, default=4) == 12
    assert checks.size("1280x720", target, default="720x1280") == checks.Size(1280, 720, asked=(1280, 720))
    assert checks.size(None, target, default="720x1280").adjusted() == {}


@pytest.mark.parametrize(("value", "needle"), [("5", "'4', '8', '12', '16', '20'"), ("eight", "'eight'"),
                                               (True, "True"), (8.5, "8.5")])
def test_bad_seconds(value: object, needle: str) -> None:
    with pytest.raises(InvalidRequest, match=needle) as e:
        checks.seconds(value, checks.model(SETTINGS, None), default=4)
    assert e.value.param == "seconds"


@pytest.mark.parametrize("value", ["1792x1024", "1920x1080", "721x1280", "100x100", "big"])
def test_bad_sizes_say_what_the_engine_can_do(value: str) -> None:
    with pytest.raises(InvalidRequest) as e:
        checks.size(value, checks.model(SETTINGS, None), default="720x1280")
    assert e.value.param == "size" and "engine 'world'" in e.value.message and "1280x720" in e.value.message


def test_unknown_model_lists_the_configured_ones() -> None:
    with pytest.raises(InvalidRequest, match="Supported models are: 'sora-2', 'sora-2-pro'"):
        checks.model(SETTINGS, "sora-3")


def test_prompt_bounds() -> None:
    with pytest.raises(InvalidRequest, match="non-empty"):
        checks.prompt("  ")
    with pytest.raises(InvalidRequest, match="at most 32000 characters; got 32001"):
        checks.prompt("x" * 32001)


def test_input_image_is_sniffed_and_must_match_the_size() -> None:
    takes_images = _target(image_input=True)
    assert checks.image(_image("WEBP", (320, 256)), 320, 256, takes_images) == "webp"
    assert checks.image(_image("JPEG", (320, 256)), 320, 256, takes_images) == "jpg"
    with pytest.raises(InvalidRequest, match="must match size 320x256; the image is 256x320"):
        checks.image(_image("PNG", (256, 320)), 320, 256, takes_images)
    with pytest.raises(InvalidRequest, match="got GIF"):
        checks.image(_image("GIF", (320, 256)), 320, 256, takes_images)
    with pytest.raises(InvalidRequest, match="not an image"):
        checks.image(Upload(b"<svg/>", content_type="image/png"), 320, 256, takes_images)


def test_engines_without_image_input_refuse_it_by_name() -> None:
    with pytest.raises(InvalidRequest, match="engine 'world'.*does not take an input_reference"):
        checks.image(_image("PNG", (320, 256)), 320, 256, checks.model(SETTINGS, None))
