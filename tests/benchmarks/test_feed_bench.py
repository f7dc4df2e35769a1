"""Smoke test of benchmarks/feed.py: a tiny community is built into SQLite with consistent tables, and a short run
against a real `kinora serve` prints its tables with every request answered (no timing asserts)."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from rich.console import Console

from tests.benchmarks.bench import load

TINY = ["--users", "300", "--posts", "2000", "--likes", "10000", "--bench-users", "8", "--backends", "sqlite"]
FOLDER = "sqlite-300-2k-10k"  # <backend>-<users>-<posts>-<likes>


def load_bench() -> ModuleType:
    return load("feed")


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    module = load_bench()
    vars(module)["console"] = Console(file=io.StringIO(), width=170)  # its tables, read back by the tests
    yield module


@pytest.fixture(scope="module")
def data_dir(bench: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny community, built once for the module."""
    folder = tmp_path_factory.mktemp("feed-bench")
    bench.run(bench.parse_args([*TINY, "--data-dir", str(folder), "--build-only"]))
    return folder


def manifest_of(bench: ModuleType, data_dir: Path, argv: list[str]) -> dict[str, Any] | None:
    found: dict[str, Any] | None = bench.cached("sqlite", data_dir / FOLDER, "", bench.scale_of(bench.parse_args(argv)))
    return found


def printed(bench: ModuleType) -> str:
    text: str = bench.console.file.getvalue()
    bench.console.file.seek(0)
    bench.console.file.truncate()
    return text


def test_build_fills_consistent_tables(bench: ModuleType, data_dir: Path) -> None:
    manifest = manifest_of(bench, data_dir, TINY)
    assert manifest is not None, "the build left no manifest that matches its scale"
    with sqlite3.connect(data_dir / FOLDER / "kinora.db") as con:
        count = {table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                 for table in ("users", "posts", "generations", "likes", "post_embeddings", "api_keys")}
        assert count == {"users": 300, "posts": 2000, "generations": 2000, "likes": 10000, "post_embeddings": 2000,
                         "api_keys": 8}
        assert manifest["counts"]["likes"] == 10000 and manifest["counts"]["follows"] > 300 * 10
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        # The denormalized counters agree with the rows they count.
        assert con.execute("SELECT count(*) FROM posts p WHERE like_count != "
                           "(SELECT count(*) FROM likes l WHERE l.post_id = p.id) OR view_count != "
                           "(SELECT count(*) FROM views v WHERE v.post_id = p.id) OR comment_count != "
                           "(SELECT count(*) FROM comments c WHERE c.post_id = p.id)").fetchone()[0] == 0
        assert {v for (v,) in con.execute("SELECT DISTINCT visibility FROM posts")} == {
            "public", "followers", "mutuals", "private"}
        vectors = np.frombuffer(b"".join(v for (v,) in con.execute("SELECT vector FROM post_embeddings")),
                                dtype="<f2").reshape(2000, 384).astype(np.float32)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-2)
        # Each bench token is a working personal token: its hash is stored for an adult account.
        from kinora.app.users.service import hash_key

        hashes = {h for (h,) in con.execute("SELECT key_hash FROM api_keys")}
        assert {hash_key(token) for token in manifest["tokens"]} == hashes
        assert con.execute("SELECT count(*) FROM users WHERE id IN (SELECT user_id FROM api_keys) AND "
                           "birth_date > date('now', '-18 years')").fetchone()[0] == 0
    assert "sqlite: build of the synthetic community" in printed(bench)


def test_cached_build_is_reused(bench: ModuleType, data_dir: Path) -> None:
    before = manifest_of(bench, data_dir, TINY)
    bench.run(bench.parse_args([*TINY, "--data-dir", str(data_dir), "--build-only"]))
    assert "sqlite: cached data" in printed(bench)
    after = manifest_of(bench, data_dir, TINY)
    assert before is not None and after is not None and after["built_at"] == before["built_at"]
    assert manifest_of(bench, data_dir, [*TINY, "--follows-mean", "20"]) is None  # another scale: built anew


def test_smoke_run_prints_the_tables(bench: ModuleType, data_dir: Path) -> None:
    from kinora.app.feed.router import router

    paths = {getattr(route, "path", "") for route in router.routes}
    if not {"/api/feed/for-you", "/api/feed/following"} <= paths:
        pytest.skip("the feed routes are not there yet")
    results = bench.run(bench.parse_args([*TINY, "--data-dir", str(data_dir), "--clients", "1", "--seconds", "0.5",
                                          "--warmup", "0.1", "--pages", "2"]))
    text = printed(bench)
    assert set(results) == {("sqlite", 1, "following"), ("sqlite", 1, "for-you")}, text
    for result in results.values():
        assert result.errors == 0, result.first_error
        assert result.requests > 0 and result.first_pages and result.pages_with_items == result.requests
        assert result.items > 0
    assert "Kinora feeds at 300 users" in text and "For You p99 <=" in text
    assert "PASS" in text or "FAIL" in text
