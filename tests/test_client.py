"""Client mode against a small fake of the /v1 contract served by uvicorn on 127.0.0.1 (a stand-in for the remote
server, which is written elsewhere; the client itself runs unmocked)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from kinora.client import ApiClient, ApiError, generate_remote

CONTENT = b"\x00\x00\x00\x18ftypmp42 not really a video"


@dataclass
class Fake:
    url: str = ""
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    polls: dict[str, int] = field(default_factory=dict)
    forms: list[dict[str, str]] = field(default_factory=list)
    auth: list[str | None] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)


def error(status: int, message: str, param: str | None = None, code: str | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}
    return JSONResponse(body, status_code=status)


def build_app(fake: Fake) -> Starlette:
    def job(request: Request) -> dict[str, Any] | None:
        return fake.jobs.get(request.path_params["video_id"])

    async def create(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        fake.forms.append(form)
        fake.auth.append(request.headers.get("authorization"))
        if not form.get("prompt"):
            return error(400, "prompt must not be empty", "prompt", "invalid_value")
        video_id = f"video_{len(fake.jobs)}"
        fake.jobs[video_id] = {"id": video_id, "object": "video", "status": "queued", "progress": 0,
                               "prompt": form["prompt"], "seconds": form.get("seconds", "4"), "error": None}
        return JSONResponse(fake.jobs[video_id])

    async def retrieve(request: Request) -> Response:
        if request.path_params["video_id"] == "video_gateway":
            return PlainTextResponse("bad gateway", status_code=502)
        video = job(request)
        if video is None:
            return error(404, "Video not found", code="not_found")
        polls = fake.polls[video["id"]] = fake.polls.get(video["id"], 0) + 1
        if video["status"] in ("queued", "in_progress"):
            advance(video, polls)
        return JSONResponse(video, headers={"openai-poll-after-ms": "5"})

    async def content(request: Request) -> Response:
        video = job(request)
        if video is None or video["status"] != "completed":
            return error(404, "Video not found", code="not_found")
        return Response(CONTENT if request.query_params.get("variant") == "video" else b"thumb",
                        media_type="application/octet-stream")

    async def cancel(request: Request) -> Response:
        video = job(request)
        assert video is not None
        fake.cancelled.append(video["id"])
        video.update(status="failed", error={"code": "cancelled", "message": "Cancelled by the user."})
        return JSONResponse(video)

    return Starlette(routes=[
        Route("/v1/videos", create, methods=["POST"]),
        Route("/v1/videos/{video_id}", retrieve),
        Route("/v1/videos/{video_id}/content", content),
        Route("/v1/videos/{video_id}/cancel", cancel, methods=["POST"]),
    ])


def advance(video: dict[str, Any], polls: int) -> None:
    """queued → in_progress 50 → completed (or failed when the prompt says so)."""
    if polls == 1:
        video.update(status="in_progress", progress=50)
    elif "fail" in video["prompt"]:
        video.update(status="failed", error={"code": "moderation_blocked", "message": "Blocked by moderation."})
    else:
        video.update(status="completed", progress=100)


@pytest.fixture
def fake() -> Iterator[Fake]:
    state = Fake()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    state.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(build_app(state), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        threading.Event().wait(0.01)
    yield state
    server.should_exit = True
    thread.join(10)
    sock.close()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_generate_remote_polls_until_completed_and_downloads(fake: Fake, tmp_path: Path) -> None:
    seen: list[tuple[str, int]] = []
    out = tmp_path / "clip.mp4"
    with ApiClient(fake.url + "/v1/", "sk-test") as client:
        video = generate_remote(client, "a ball bounces", model="sora-2", seconds=8, size=None, output=out,
                                on_progress=lambda status, progress: seen.append((status, progress)))
    assert video["status"] == "completed" and video["id"] == "video_0"
    assert seen == [("queued", 0), ("in_progress", 50), ("completed", 100)]
    assert out.read_bytes() == CONTENT
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]  # no temp file left behind
    assert fake.forms == [{"prompt": "a ball bounces", "model": "sora-2", "seconds": "8"}]  # size omitted
    assert fake.auth == ["Bearer sk-test"]


def test_failed_video_raises_with_its_error_and_writes_nothing(fake: Fake, tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    with ApiClient(fake.url, "k") as client, pytest.raises(ApiError) as caught:
        generate_remote(client, "please fail", model=None, seconds=None, size="1280x720", output=out,
                        on_progress=lambda *_: None, poll_interval=0)
    assert (caught.value.code, caught.value.message, caught.value.status) == (
        "moderation_blocked", "Blocked by moderation.", None)
    assert not out.exists()


def test_interrupt_while_polling_cancels_then_reraises(fake: Fake, tmp_path: Path) -> None:
    def on_progress(status: str, progress: int) -> None:
        if status == "in_progress":
            raise KeyboardInterrupt

    with ApiClient(fake.url, "k") as client, pytest.raises(KeyboardInterrupt):
        generate_remote(client, "a ball", model=None, seconds=None, size=None, output=tmp_path / "o.mp4",
                        on_progress=on_progress)
    assert fake.cancelled == ["video_0"]


def test_error_envelope_becomes_api_error(fake: Fake) -> None:
    with ApiClient(fake.url, "k") as client, pytest.raises(ApiError) as caught:
        client.create("", model=None, seconds=None, size=None)
    err = caught.value
    assert (err.status, err.param, err.code) == (400, "prompt", "invalid_value")
    assert str(err) == "prompt must not be empty (HTTP 400, code=invalid_value, param=prompt)"


def test_non_json_error_and_unknown_id(fake: Fake, tmp_path: Path) -> None:
    with ApiClient(fake.url, "k") as client:
        with pytest.raises(ApiError) as gateway:
            client.retrieve("video_gateway")
        with pytest.raises(ApiError) as missing:
            client.download("video_nope", tmp_path / "x.mp4")
    assert (gateway.value.status, gateway.value.message) == (502, "bad gateway")
    assert (missing.value.status, missing.value.code) == (404, "not_found")
    assert list(tmp_path.iterdir()) == []


def test_download_variant_and_retrieve(fake: Fake, tmp_path: Path) -> None:
    with ApiClient(fake.url, "k") as client:
        video_id = client.create("a ball", model=None, seconds=None, size=None)["id"]
        client.retrieve(video_id)
        assert client.retrieve(video_id)["status"] == "completed"
        thumb = client.download(video_id, tmp_path / "t.webp", variant="thumbnail")
        with pytest.raises(ValueError, match="variant must be one of video, thumbnail, spritesheet; got 'gif'"):
            client.download(video_id, tmp_path / "t.gif", variant="gif")
    assert thumb.read_bytes() == b"thumb"


def test_unreachable_server_names_the_url() -> None:
    url = closed_port_url()
    with ApiClient(url, "k") as client, pytest.raises(ApiError) as caught:
        client.retrieve("video_0")
    assert caught.value.status is None
    assert str(caught.value) == f"cannot reach {url}: connection refused"


def test_base_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="base_url must be an http\\(s\\) URL; got 'localhost:8000'"):
        ApiClient("localhost:8000", "k")
