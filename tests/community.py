"""A test community for /api tests: one app (no job runner), a signed-in client per member, and drafts made of
real tiny media (the worker's output layout) without running an engine per draft."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from kinora.app.generations.models import COMPLETED, Generation
from kinora.app.generations.service import new_id
from kinora.config import Settings

_MEDIA_CACHE: dict[str, bytes] = {}


def _tiny_media() -> dict[str, bytes]:
    """A 1 s 64x64 clip with sound, its thumbnail and spritesheet, encoded once per test process."""
    if not _MEDIA_CACHE:
        import tempfile

        from kinora.engines.base import Clip
        from kinora.media.derive import write_spritesheet, write_thumbnail
        from kinora.media.encode import write_mp4

        frames = np.zeros((12, 64, 64, 3), np.uint8)
        frames[:, 16:48, 16:48] = (200, 80, 40)
        audio = np.zeros((16000, 1), np.float32)
        with tempfile.TemporaryDirectory() as tmp:
            video = Path(tmp) / "video.mp4"
            write_mp4(Clip(frames=frames, fps=12, audio=audio, sample_rate=16000), video)
            write_thumbnail(video, Path(tmp) / "thumbnail.webp")
            write_spritesheet(video, Path(tmp) / "spritesheet.jpg")
            for name in ("video.mp4", "thumbnail.webp", "spritesheet.jpg"):
                _MEDIA_CACHE[name] = (Path(tmp) / name).read_bytes()
    return _MEDIA_CACHE


class Community:
    """Members sign up through the real /api/auth/signup with invites from the admin command's service."""

    def __init__(self, settings: Settings) -> None:
        from kinora.app.main import create_app

        self.settings = settings
        self.app = create_app(settings, run_jobs=False)
        self.anonymous = TestClient(self.app)
        self.clients: dict[str, TestClient] = {}

    def __enter__(self) -> Community:
        self.anonymous.__enter__()  # runs the lifespan (migrations) once; other clients share the app
        return self

    def __exit__(self, *exc: object) -> None:
        self.anonymous.__exit__(*exc)

    def client(self, **kwargs: Any) -> TestClient:
        """A new signed-out client of the app on the app's event loop (asyncpg connections belong to the loop that
        opened them, so every client must share it)."""
        client = TestClient(self.app, **kwargs)
        client.portal = self.anonymous.portal
        return client

    @property
    def services(self) -> Any:
        return self.app.state.services

    def run(self, coro: Any) -> Any:
        """Run a coroutine on the app's event loop (the TestClient's portal), e.g. a service call."""
        async def wrapper() -> Any:
            return await coro

        return self.anonymous.portal.call(wrapper)  # type: ignore[union-attr]

    def invite(self, uses: int = 1) -> str:
        from kinora.app.users import invites

        async def body() -> str:
            async with self.services.db.write() as session:
                return (await invites.create(session, created_by=None, uses=uses)).code

        result: str = self.run(body())
        return result

    def join(self, handle: str, *, birth_date: str = "1990-01-01", password: str = "correct horse battery",
             email: str | None = None) -> TestClient:
        """A new member, signed in (its client carries the session cookie)."""
        client = self.client()
        response = client.post("/api/auth/signup", json={
            "invite_code": self.invite(), "handle": handle, "email": email or f"{handle}@example.com",
            "password": password, "birth_date": birth_date})
        assert response.status_code == 201, response.text
        self.clients[handle] = client
        return client

    def draft(self, handle: str, prompt: str = "a red cube bounces on a wooden table") -> str:
        """A completed generation of `handle`'s, as the worker leaves one: row plus media files."""
        result: str = self.run(store_draft(self.services, handle=handle, prompt=prompt))
        return result

    def post(self, handle: str, prompt: str = "a red cube bounces on a wooden table", *, caption: str = "",
             visibility: str = "public", **extra: Any) -> dict[str, Any]:
        """Publish a fresh draft of `handle`'s; returns the post as the API shows it."""
        response = self.clients[handle].post("/api/posts", json={
            "generation_id": self.draft(handle, prompt), "caption": caption, "visibility": visibility, **extra})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body



async def store_draft(services: Any, *, handle: str, prompt: str) -> str:
    """A completed generation of `handle`'s as the worker leaves one (row and tiny real media), without an engine."""
    from sqlalchemy import select

    from kinora.app.users.models import User

    async with services.db.write() as session:
        owner = await session.scalar(select(User).where(User.handle == handle))
        assert owner is not None, handle
        gen_id = new_id()
        now = time.time()
        session.add(Generation(
            id=gen_id, owner_id=owner.id, kind="create", model="sora-2", engine="world", prompt=prompt,
            seconds=4, total_seconds=4, width=64, height=64, fps=12, characters=[], options={},
            status=COMPLETED, progress=100, attempt=1, created_at=now, started_at=now, completed_at=now,
            output_key=f"videos/{gen_id}/1", output={"seed": 1}))
    for name, data in _tiny_media().items():
        services.storage.put(f"videos/{gen_id}/1/{name}", data)
    return gen_id


def error(response: Any, status: int, param: str | None) -> str:
    """Assert an error answer of `status` naming `param`; returns its message."""
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["param"] == param, body
    message: str = body["message"]
    return message


def scalar(community: Community, query: Any) -> Any:
    async def body() -> Any:
        async with community.services.db.read() as session:
            return await session.scalar(query)

    return community.run(body())


def count(community: Community, model: Any, *where: Any) -> int:
    from sqlalchemy import func, select

    return int(scalar(community, select(func.count()).select_from(model).where(*where)))


def execute(community: Community, statement: Any) -> None:
    async def body() -> None:
        async with community.services.db.write() as session:
            await session.execute(statement)

    community.run(body())


def user_id(community: Community, handle: str) -> int:
    from sqlalchemy import select

    from kinora.app.users.models import User

    found = scalar(community, select(User.id).where(User.handle == handle))
    assert found is not None, handle
    return int(found)


def live_member(live: Any, handle: str) -> Any:
    """A new member of a live server (tests/conftest.py `live`), signed in: an httpx client with its cookie."""
    import asyncio

    import httpx

    from kinora.app.users.admin import create_invite

    code = asyncio.run(create_invite(live.settings, uses=1))
    client = httpx.Client(base_url=live.url, timeout=60)
    response = client.post("/api/auth/signup", json={"invite_code": code, "handle": handle, "password":
                                                     "correct horse battery", "email": f"{handle}@example.com",
                                                     "birth_date": "1991-02-03"})
    assert response.status_code == 201, response.text
    return client
