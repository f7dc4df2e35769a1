"""file_response over a real file: Range from Starlette's FileResponse, plus the ETag, 304 and headers it adds."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from kinora.app.files import file_response

SIZE = 300_000


@pytest.fixture
def body(tmp_path: Path) -> bytes:
    data = np.random.default_rng(7).integers(0, 256, SIZE, dtype=np.uint8).tobytes()
    (tmp_path / "clip.mp4").write_bytes(data)
    return data


@pytest.fixture
def client(tmp_path: Path, body: bytes) -> Iterator[TestClient]:
    def serve(request: Request) -> Response:
        name = request.query_params.get("name", "clip.mp4")
        return file_response(request, tmp_path / "clip.mp4", media_type="video/mp4", filename=name)

    with TestClient(Starlette(routes=[Route("/clip", serve)])) as http:
        yield http


def test_full_file_carries_validators_and_caching_headers(client: TestClient, body: bytes) -> None:
    response = client.get("/clip")
    assert response.status_code == 200 and response.content == body
    headers = response.headers
    assert headers["content-type"] == "video/mp4" and headers["accept-ranges"] == "bytes"
    assert headers["content-length"] == str(SIZE) and re.fullmatch(r'"[0-9a-f-]+"', headers["etag"])
    assert headers["cache-control"] == "private, max-age=3600"
    assert headers["content-disposition"] == 'inline; filename="clip.mp4"'
    assert client.get("/clip").headers["etag"] == headers["etag"]


def test_non_ascii_filename_is_rfc5987_encoded(client: TestClient) -> None:
    disposition = client.get("/clip", params={"name": "ballon rouge é.mp4"}).headers["content-disposition"]
    assert disposition == "inline; filename*=utf-8''ballon%20rouge%20%C3%A9.mp4"


def test_single_and_suffix_ranges(client: TestClient, body: bytes) -> None:
    part = client.get("/clip", headers={"range": "bytes=1000-70999"})  # crosses a chunk boundary
    assert part.status_code == 206 and part.content == body[1000:71000]
    assert part.headers["content-range"] == f"bytes 1000-70999/{SIZE}" and part.headers["content-length"] == "70000"
    tail = client.get("/clip", headers={"range": "bytes=-500"})
    assert tail.status_code == 206 and tail.content == body[-500:]
    assert tail.headers["content-range"] == f"bytes {SIZE - 500}-{SIZE - 1}/{SIZE}"


def test_several_ranges_come_back_as_multipart_byteranges(client: TestClient, body: bytes) -> None:
    response = client.get("/clip", headers={"range": "bytes=0-9,200000-200099"})
    assert response.status_code == 206
    boundary = response.headers["content-type"].removeprefix("multipart/byteranges; boundary=")
    assert boundary != response.headers["content-type"]
    assert int(response.headers["content-length"]) == len(response.content)
    parts = response.content.split(f"--{boundary}".encode())
    assert parts[0] == b"" and parts[-1] == b"--"
    first, second = (p.split(b"\r\n\r\n", 1) for p in parts[1:-1])
    assert f"Content-Range: bytes 0-9/{SIZE}".encode() in first[0] and first[1] == body[0:10] + b"\r\n"
    assert f"Content-Range: bytes 200000-200099/{SIZE}".encode() in second[0]
    assert second[1] == body[200000:200100] + b"\r\n"


def test_unsatisfiable_range_is_416_with_the_size(client: TestClient) -> None:
    response = client.get("/clip", headers={"range": f"bytes={SIZE}-{SIZE + 10}"})
    assert response.status_code == 416 and response.headers["content-range"] == f"bytes */{SIZE}"


def test_if_none_match_gives_304_without_a_body(client: TestClient) -> None:
    etag = client.get("/clip").headers["etag"]
    for header in (etag, f'"other", W/{etag}', "*"):
        response = client.get("/clip", headers={"if-none-match": header, "range": "bytes=0-9"})
        assert response.status_code == 304 and response.content == b""
        assert response.headers["etag"] == etag and response.headers["cache-control"] == "private, max-age=3600"
    assert client.get("/clip", headers={"if-none-match": '"other"'}).status_code == 200


def test_if_range_honours_only_the_current_etag(client: TestClient, body: bytes) -> None:
    etag = client.get("/clip").headers["etag"]
    fresh = client.get("/clip", headers={"range": "bytes=0-9", "if-range": etag})
    assert fresh.status_code == 206 and fresh.content == body[:10]
    stale = client.get("/clip", headers={"range": "bytes=0-9", "if-range": '"stale"'})
    assert stale.status_code == 200 and stale.content == body


def test_rewriting_the_file_changes_the_etag(client: TestClient, tmp_path: Path) -> None:
    before = client.get("/clip").headers["etag"]
    path = tmp_path / "clip.mp4"
    stat = path.stat()
    path.write_bytes(b"x" * SIZE)  # same size; the mtime moves on (set explicitly so clock ticks do not matter)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000))
    after = client.get("/clip", headers={"if-none-match": before})
    assert after.status_code == 200 and after.headers["etag"] != before


def test_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    request = Request({"type": "http", "method": "GET", "path": "/clip", "headers": []})
    with pytest.raises(FileNotFoundError):
        file_response(request, tmp_path / "gone.mp4", media_type="video/mp4")
