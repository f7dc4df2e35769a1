"""Client mode: drive a Kinora server (or anything speaking the OpenAI Videos API) over HTTP.

Uses httpx directly rather than the openai package, which is only a test dependency. Requests are shaped as the
official SDK sends them (multipart create, Bearer auth), so any server the SDK works with works here too.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import quote

import httpx

ACTIVE = ("queued", "in_progress")
VARIANTS = ("video", "thumbnail", "spritesheet")
DEFAULT_POLL_SECONDS = 1.0


class ApiError(Exception):
    """An error answer from the server (`status` set), or no answer at all (`status` None)."""

    def __init__(self, status: int | None, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code

    def __str__(self) -> str:
        details = [f"HTTP {self.status}"] if self.status is not None else []
        details += [f"{name}={value}" for name, value in (("code", self.code), ("param", self.param)) if value]
        return f"{self.message} ({', '.join(details)})" if details else self.message


class ApiClient:
    """A Kinora server's /v1 API. `base_url` is the server root (http://host:8000); a trailing /v1 is accepted."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 30.0) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL; got {base_url!r}")
        self.base_url = re.sub(r"/v1/?$", "", base_url.rstrip("/"))
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=self.base_url + "/v1", headers=headers,
                                  timeout=httpx.Timeout(timeout, connect=5.0))

    def create(self, prompt: str, *, model: str | None = None, seconds: int | None = None,
               size: str | None = None) -> dict[str, Any]:
        """POST /v1/videos; omitted options are not sent, so the server's defaults apply."""
        fields = {"prompt": prompt, "model": model, "seconds": None if seconds is None else str(seconds), "size": size}
        # (None, value) parts make httpx send multipart/form-data without files, as the official SDK does.
        parts = [(name, (None, value.encode())) for name, value in fields.items() if value is not None]
        return _json(self._request("POST", "/videos", files=parts))

    def retrieve(self, video_id: str) -> dict[str, Any]:
        return self.poll(video_id)[0]

    def poll(self, video_id: str) -> tuple[dict[str, Any], float | None]:
        """The video and the server's suggested wait before the next poll (`openai-poll-after-ms`), in seconds."""
        response = self._request("GET", f"/videos/{_segment(video_id)}")
        return _json(response), _poll_after(response.headers.get("openai-poll-after-ms"))

    def cancel(self, video_id: str) -> dict[str, Any]:
        """POST /v1/videos/{id}/cancel (a Kinora extension)."""
        return _json(self._request("POST", f"/videos/{_segment(video_id)}/cancel"))

    def download(self, video_id: str, path: Path, *, variant: str = "video") -> Path:
        """Stream the video's content to `path`; a partial download never replaces an existing file."""
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {', '.join(VARIANTS)}; got {variant!r}")
        url = f"/videos/{_segment(video_id)}/content"
        with self._stream(url, variant) as response, _atomic_file(path) as out:
            for chunk in response.iter_bytes():
                out.write(chunk)
        return path

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        with self._transport_errors():
            response = self._http.request(method, path, **kwargs)
        _raise_for_error(response)
        return response

    @contextlib.contextmanager
    def _stream(self, path: str, variant: str) -> Iterator[httpx.Response]:
        headers = {"accept": "application/binary"}
        with self._transport_errors(), self._http.stream("GET", path, params={"variant": variant},
                                                         headers=headers) as response:
            if not response.is_success:
                response.read()
                _raise_for_error(response)
            yield response

    @contextlib.contextmanager
    def _transport_errors(self) -> Iterator[None]:
        """No HTTP answer at all becomes an ApiError that names the server."""
        try:
            yield
        except httpx.ConnectError as e:
            raise ApiError(None, f"cannot reach {self.base_url}: {_reason(e)}") from e
        except httpx.TimeoutException as e:
            raise ApiError(None, f"{self.base_url} did not answer in time ({type(e).__name__})") from e
        except httpx.TransportError as e:
            raise ApiError(None, f"connection to {self.base_url} failed: {_reason(e)}") from e


def generate_remote(client: ApiClient, prompt: str, *, model: str | None, seconds: int | None, size: str | None,
                    output: Path, on_progress: Callable[[str, int], None],
                    poll_interval: float | None = None) -> dict[str, Any]:
    """Create a video on the server, wait for it (reporting progress), download it to `output`, return it.

    Polls every `poll_interval` seconds, or as the server suggests when None. Ctrl-C while waiting cancels the
    job on the server (best effort) and re-raises."""
    video = client.create(prompt, model=model, seconds=seconds, size=size)
    try:
        video = _wait(client, video, on_progress, poll_interval)
    except KeyboardInterrupt:
        _cancel_quietly(client, str(video["id"]))
        raise
    if video.get("status") != "completed":
        raise _failure(video)
    client.download(str(video["id"]), output)
    return video


def _wait(client: ApiClient, video: dict[str, Any], on_progress: Callable[[str, int], None],
          poll_interval: float | None) -> dict[str, Any]:
    on_progress(str(video.get("status")), int(video.get("progress") or 0))
    while video.get("status") in ACTIVE:
        video, hint = client.poll(str(video["id"]))
        on_progress(str(video.get("status")), int(video.get("progress") or 0))
        if video.get("status") in ACTIVE:
            time.sleep(_first_set(poll_interval, hint, DEFAULT_POLL_SECONDS))
    return video


def _first_set(*values: float | None) -> float:
    return next(value for value in values if value is not None)


def _cancel_quietly(client: ApiClient, video_id: str) -> None:
    # The user is leaving: a failed cancel must not hide the interrupt (the job then just runs to its end).
    with contextlib.suppress(ApiError):
        client.cancel(video_id)


def _failure(video: dict[str, Any]) -> ApiError:
    error = video.get("error") or {}
    status = video.get("status")
    default = f"video {video.get('id')} ended with status {status!r}"
    return ApiError(None, str(error.get("message") or default), code=error.get("code") or status)


def _raise_for_error(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error", body) if isinstance(body, dict) else None
    if not isinstance(error, dict):
        raise ApiError(response.status_code, response.text.strip() or response.reason_phrase)
    message = str(error.get("message") or response.reason_phrase)
    raise ApiError(response.status_code, message, _opt_str(error.get("param")), _opt_str(error.get("code")))


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as e:
        raise ApiError(response.status_code, f"{response.url} answered with non-JSON: {response.text[:200]!r}") from e
    if not isinstance(body, dict):
        raise ApiError(response.status_code, f"{response.url} answered with JSON that is not an object: {body!r}")
    return body


def _poll_after(header: str | None) -> float | None:
    try:
        seconds = float(header) / 1000 if header else None
    except ValueError:
        return None  # a malformed hint is ignored, not fatal
    return seconds if seconds is not None and seconds >= 0 else None


def _segment(video_id: str) -> str:
    if not video_id:
        raise ValueError("video_id must not be empty")
    return quote(video_id, safe="")  # as the SDK does: an id can never escape its path segment


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _reason(error: Exception) -> str:
    """"[Errno 111] Connection refused" → "connection refused"."""
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", str(error).strip()) or type(error).__name__
    return text[:1].lower() + text[1:]


@contextlib.contextmanager
def _atomic_file(path: Path) -> Iterator[IO[bytes]]:
    """A temp file beside `path`, renamed over it only when the block succeeds."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
