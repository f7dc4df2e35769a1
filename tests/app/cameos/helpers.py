"""Shared by the cameo app tests."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import update

from kinora.app.cameos.models import Cameo
from tests.community import execute, user_id


def add_cameo(community: Any, handle: str, *, kind: str = "person", permission: str = "only_me",
              restrictions: list[str] | None = None, cameo_handle: str | None = None) -> str:
    """A cameo row for `handle` as the verification leaves one (no face data needed by the rules under test)."""
    cameo_id, owner = f"cameo_{cameo_handle or handle}", user_id(community, handle)

    async def body() -> None:
        async with community.services.db.write() as session:
            session.add(Cameo(id=cameo_id, owner_id=owner, kind=kind,
                              handle=cameo_handle or handle, name=handle.title(), appearance="", permission=permission,
                              restrictions=restrictions or [], report={}, created_at=time.time(),
                              verified_at=time.time()))

    community.run(body())
    return cameo_id


def set_permission(community: Any, cameo_id: str, permission: str) -> None:
    execute(community, update(Cameo).where(Cameo.id == cameo_id).values(permission=permission))


def token(client: Any) -> str:
    """A personal token of the client's member: a bearer key for /v1."""
    response = client.post("/api/me/tokens", json={"name": "v1"})
    assert response.status_code == 201, response.text
    found: str = response.json()["token"]
    return found
