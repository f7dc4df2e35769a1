"""Smoke test of benchmarks/api.py: its load generator and ceiling app work together (no timing asserts)."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.benchmarks.bench import load

VIDEO = b'{"id":"video_1","object":"video","status":"completed"}'
PAGE = b'{"object":"list","data":[' + b",".join([VIDEO] * 20) + b'],"has_more":true}'


def load_bench() -> ModuleType:
    return load("api")


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench()


@pytest.fixture
def ceiling(bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """The ceiling app under uvicorn in a thread; yields its port."""
    import uvicorn

    (tmp_path / "video.json").write_bytes(VIDEO)
    (tmp_path / "list.json").write_bytes(PAGE)
    (tmp_path / "video.mp4").write_bytes(os.urandom(3 << 20))  # FileResponse does not care what is inside
    (tmp_path / "mp4_path").write_text(str(tmp_path / "video.mp4"))
    monkeypatch.setenv(bench.CEILING_ENV, str(tmp_path))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(bench.create_ceiling(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the ceiling server did not start"
        time.sleep(0.02)
    yield port
    server.should_exit = True
    thread.join(30)


@pytest.mark.parametrize(("path", "headers", "status", "length"), [
    ("/v1/videos/video_1", {}, 200, len(VIDEO)),
    ("/v1/videos?limit=20", {"Authorization": "Bearer sk-test"}, 200, len(PAGE)),
    ("/v1/videos/video_1/content", {"Range": "bytes=0-1048575"}, 206, 1 << 20),  # spans many reads
])
def test_load_generator_counts_checked_responses(bench: ModuleType, ceiling: int, path: str,
                                                 headers: dict[str, str], status: int, length: int) -> None:
    result = asyncio.run(bench.run_load(ceiling, path, headers, status, length, connections=4, warmup=0.1,
                                        seconds=0.3))
    assert result.errors == 0, result.first_error
    assert result.requests > 0 and len(result.latencies) == result.requests
    assert result.latencies == sorted(result.latencies)
    assert 0 < result.percentile_ms(0.5) <= result.percentile_ms(0.99)


def test_wrong_responses_are_errors_not_latencies(bench: ModuleType, ceiling: int) -> None:
    result = asyncio.run(bench.run_load(ceiling, "/v1/videos/video_1", {}, 200, len(VIDEO) + 1, connections=2,
                                        warmup=0.05, seconds=0.2))
    assert result.errors > 0 and result.requests == 0
    assert "expected 200" in result.first_error
