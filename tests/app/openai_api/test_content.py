"""Downloads of a stored MP4 over HTTP: Range (206, multi-range, 416), ETag and 304, auth and readiness."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest


@pytest.fixture(scope="module")
def stored(live: Any) -> tuple[httpx.Client, str, bytes]:
    key = live.key(handle="range")
    sdk = openai.OpenAI(base_url=f"{live.url}/v1", api_key=key, max_retries=0)
    video = sdk.videos.create_and_poll(prompt="a steel ball rolls on concrete", size="320x256")
    assert video.status == "completed", video.error
    http = httpx.Client(base_url=f"{live.url}/v1/videos/{video.id}", headers={"authorization": f"Bearer {key}"})
    whole = http.get("/content")
    assert whole.status_code == 200
    return http, video.id, whole.content


def test_full_download_has_validators(stored: tuple[httpx.Client, str, bytes]) -> None:
    http, video_id, body = stored
    response = http.get("/content")
    assert response.headers["content-type"] == "video/mp4" and response.headers["accept-ranges"] == "bytes"
    assert int(response.headers["content-length"]) == len(body) and response.headers["etag"].startswith('"')
    assert f'filename="{video_id}.mp4"' in response.headers["content-disposition"]


def test_single_and_suffix_ranges(stored: tuple[httpx.Client, str, bytes]) -> None:
    http, _, body = stored
    part = http.get("/content", headers={"range": "bytes=100-1123"})
    assert part.status_code == 206 and part.content == body[100:1124]
    assert part.headers["content-range"] == f"bytes 100-1123/{len(body)}"
    tail = http.get("/content", headers={"range": "bytes=-500"})
    assert tail.status_code == 206 and tail.content == body[-500:]


def test_multi_range_is_multipart_byteranges(stored: tuple[httpx.Client, str, bytes]) -> None:
    http, _, body = stored
    response = http.get("/content", headers={"range": "bytes=0-9,200-209"})
    assert response.status_code == 206
    assert response.headers["content-type"].startswith("multipart/byteranges; boundary=")
    assert body[0:10] in response.content and body[200:210] in response.content
    assert f"bytes 200-209/{len(body)}".encode() in response.content


def test_unsatisfiable_range_is_416(stored: tuple[httpx.Client, str, bytes]) -> None:
    http, _, body = stored
    response = http.get("/content", headers={"range": f"bytes={len(body) + 10}-{len(body) + 20}"})
    assert response.status_code == 416 and response.headers["content-range"] == f"bytes */{len(body)}"


def test_if_none_match_gives_304_and_stale_if_range_gives_the_whole_file(
        stored: tuple[httpx.Client, str, bytes]) -> None:
    http, _, body = stored
    etag = http.get("/content").headers["etag"]
    assert http.get("/content", headers={"if-none-match": etag}).status_code == 304
    stale = http.get("/content", headers={"range": "bytes=0-9", "if-range": '"stale"'})
    assert stale.status_code == 200 and stale.content == body
    fresh = http.get("/content", headers={"range": "bytes=0-9", "if-range": etag})
    assert fresh.status_code == 206 and fresh.content == body[:10]


def test_unknown_variant_and_missing_key(stored: tuple[httpx.Client, str, bytes], live: Any) -> None:
    http, video_id, _ = stored
    bad = http.get("/content", params={"variant": "poster"})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "variant"
    anonymous = httpx.get(f"{live.url}/v1/videos/{video_id}/content")
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "invalid_api_key"
