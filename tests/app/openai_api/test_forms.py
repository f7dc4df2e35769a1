"""Request bodies the SDK produces (multipart with nested names, or JSON) parse to the same parameters."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from PIL import Image

from kinora.app.errors import DomainError
from kinora.app.generations.schemas import Upload
from kinora.app.openai_api import forms

app = FastAPI()


@app.post("/echo")
async def echo(request: Request) -> dict[str, Any]:
    try:
        body = await forms.read_body(request)
        params = forms.create_params(body)
    except DomainError as e:
        return {"error": e.message, "param": e.param}
    image = params.image
    return {"prompt": params.prompt, "seconds": params.seconds, "characters": params.characters,
            "file_id": params.file_id, "image": None if image is None else [len(image.data), image.filename]}


client = TestClient(app)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 2), (255, 0, 0)).save(out, format="PNG")
    return out.getvalue()


def test_multipart_with_file_and_nested_characters() -> None:
    got = client.post("/echo", data={"prompt": "p", "seconds": "8", "characters[][id]": ["char_a", "char_b"]},
                      files={"input_reference": ("ref.png", _png(), "image/png")}).json()
    assert got == {"prompt": "p", "seconds": "8", "characters": ["char_a", "char_b"], "file_id": None,
                   "image": [len(_png()), "ref.png"]}


def test_multipart_image_url_as_data_url() -> None:
    url = "data:image/png;base64," + base64.b64encode(_png()).decode()
    got = client.post("/echo", data={"prompt": "p", "input_reference[image_url]": url}).json()
    assert got["image"] == [len(_png()), None]


def test_json_body_with_file_id_and_int_seconds() -> None:
    got = client.post("/echo", json={"prompt": "p", "seconds": 8, "input_reference": {"file_id": "file-1"},
                                     "characters": [{"id": "char_x"}]}).json()
    assert (got["seconds"], got["file_id"], got["characters"]) == (8, "file-1", ["char_x"])


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"content": b"prompt=p", "headers": {"content-type": "text/plain"}}, "Content-Type must be multipart"),
    ({"content": b"{nope", "headers": {"content-type": "application/json"}}, "not valid JSON"),
    ({"json": ["p"]}, "must be an object; got list"),
    ({"json": {"prompt": "p", "input_reference": {"image_url": "https://e.com/a.png"}}}, "must be a data: URL"),
    ({"json": {"prompt": "p", "input_reference": {"image_url": "data:,x", "file_id": "f"}}}, "exactly one of"),
    ({"json": {"prompt": "p", "characters": [{"name": "x"}]}}, "characters must be a list"),
])
def test_bad_bodies_are_named(kwargs: dict[str, Any], needle: str) -> None:
    assert needle in client.post("/echo", **kwargs).json()["error"]


def test_video_ref_forms() -> None:
    assert forms.video_ref({"video": {"id": "video_1"}}).id == "video_1"
    assert forms.video_ref({"video": Upload(b"x")}).upload == Upload(b"x")
    with pytest.raises(DomainError, match="video is required"):
        forms.video_ref({})
