"""Shared fixtures for service tests: a database per backend (SQLite always, PostgreSQL when
KINORA_TEST_DATABASE_URL is set), settings in a temporary data dir, and a live server."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from kinora.config import Settings

PG_URL = os.environ.get("KINORA_TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]

# Small and quick: tests exercise the spine, not the engine's looks.
FAST = {"fps": 12, "default_size": "320x256", "heartbeat_seconds": 0.3, "lease_seconds": 5.0,
        "poll_after_ms": 50, "max_queued_per_user": 40, "daily_generations": {"free": 1000}}


def database_url(backend: str, data_dir: Path) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{data_dir / 'kinora.db'}"
    assert PG_URL is not None
    asyncio.run(_reset_postgres(PG_URL))
    return PG_URL


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def make_settings(data_dir: Path, backend: str, **overrides: Any) -> Settings:
    data_dir.mkdir(parents=True, exist_ok=True)
    return Settings(data_dir=data_dir, database_url=database_url(backend, data_dir), **{**FAST, **overrides})


@pytest.fixture
def settings(tmp_path: Path, backend: str) -> Settings:
    return make_settings(tmp_path / "data", backend)


@pytest.fixture
def with_services(settings: Settings) -> Callable[..., Any]:
    """Run `body(services)` on a migrated database of the `settings` backend (settings changed by `overrides`);
    returns what it returns."""
    from kinora.app.bootstrap import with_services as run_with

    def run(body: Callable[[Any], Awaitable[Any]], overrides: dict[str, Any] | None = None) -> Any:
        return asyncio.run(run_with(settings.model_copy(update=overrides or {}), body))

    return run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """The real app under uvicorn in a background thread, with its runner and worker subprocess."""

    def __init__(self, settings: Settings) -> None:
        import uvicorn

        from kinora.app.main import create_app

        self.settings = settings
        self.app = create_app(settings)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)

    @property
    def runner(self) -> Any:
        return self.app.state.runner

    def key(self, handle: str | None = None, name: str = "test") -> str:
        from kinora.app.users.admin import create_key

        return asyncio.run(create_key(self.settings, name=name, handle=handle))[1]


def _module_settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, name: str) -> Settings:
    overrides = getattr(request.module, "LIVE_SETTINGS", {})
    overrides = overrides() if callable(overrides) else overrides
    return make_settings(tmp_path_factory.mktemp(name), str(request.param), **overrides)


@pytest.fixture(scope="module", params=BACKENDS)
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server per test module; a module may set LIVE_SETTINGS (a dict, or a function returning one)."""
    with LiveServer(_module_settings(request, tmp_path_factory, "live")) as server:
        yield server


@pytest.fixture(scope="module", params=BACKENDS)
def community(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A fresh /api community per test module (see tests/community.py); LIVE_SETTINGS applies here too."""
    from tests.community import Community

    with Community(_module_settings(request, tmp_path_factory, "community")) as found:
        yield found
