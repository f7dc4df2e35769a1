"""Moderation that runs outside the server (the `kinora admin moderation` commands). Their decisions are recorded
with no reviewer: the audit log shows them as the admin command's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kinora.app.bootstrap import Services, with_services
from kinora.app.moderation import appeals, registry, review
from kinora.app.moderation import service as moderation
from kinora.config import Settings

LIST_LIMIT = 1000  # what one command lists at most


async def queue(settings: Settings) -> list[dict[str, Any]]:
    """Held generations, oldest first."""

    async def body(services: Services) -> list[dict[str, Any]]:
        async with services.db.read() as session:
            return (await review.held(session, after=None, limit=LIST_LIMIT))[:LIST_LIMIT]

    return await with_services(settings, body)


async def decide(settings: Settings, *, video_id: str, action: str, note: str = "") -> str:
    """Approve or remove a held generation; removal deletes its files."""

    async def body(services: Services) -> str:
        async with services.db.write() as session:
            gen, stored = await review.decide(session, settings=services.settings, admin_id=None,
                                              generation_id=video_id, action=action, note=note)
        if stored is not None:
            services.storage.delete(stored)
        return f"{gen.id} is now {gen.status}" + (" (its files are deleted)" if stored else "")

    return await with_services(settings, body)


async def act(settings: Settings, *, handle: str, action: str, days: int | None = None,
              note: str = "") -> dict[str, Any]:
    """Warn, suspend or unsuspend an account."""

    async def body(services: Services) -> dict[str, Any]:
        async with services.db.write() as session:
            user = await moderation.act_on_user(session, admin_id=None, handle=handle, action=action, days=days,
                                                note=note)
            return moderation.account_json(user)

    return await with_services(settings, body)


async def events(settings: Settings, *, handle: str | None, limit: int) -> list[dict[str, Any]]:
    """The newest `limit` audit log entries, of one account or all."""

    async def body(services: Services) -> list[dict[str, Any]]:
        async with services.db.read() as session:
            return (await moderation.events(session, handle=handle, limit=limit))[:limit]

    return await with_services(settings, body)


async def registry_list(settings: Settings, *, kind: str | None) -> list[dict[str, Any]]:
    async def body(services: Services) -> list[dict[str, Any]]:
        async with services.db.read() as session:
            rows = await registry.listing(session, kind=kind, limit=LIST_LIMIT)
            return [registry.entry_json(row) for row in rows[:LIST_LIMIT]]

    return await with_services(settings, body)


async def registry_add(settings: Settings, *, kind: str, name: str, aliases: list[str], allowed: bool,
                       holder: str) -> dict[str, Any]:
    async def body(services: Services) -> dict[str, Any]:
        async with services.db.write() as session:
            entry = await registry.add(session, admin_id=None, kind=kind, name=name, aliases=aliases,
                                       allowed=allowed, holder=holder)
            return registry.entry_json(entry)

    return await with_services(settings, body)


async def registry_remove(settings: Settings, *, entry_id: int) -> None:
    async def body(services: Services) -> None:
        async with services.db.write() as session:
            await registry.delete(session, admin_id=None, entry_id=entry_id)

    await with_services(settings, body)


async def open_appeals(settings: Settings) -> list[dict[str, Any]]:
    async def body(services: Services) -> list[dict[str, Any]]:
        async with services.db.read() as session:
            return (await appeals.listing(session, status="open", after=None, limit=LIST_LIMIT))[:LIST_LIMIT]

    return await with_services(settings, body)


async def decide_appeal(settings: Settings, *, appeal_id: int, decision: str, note: str = "") -> dict[str, Any]:
    async def body(services: Services) -> dict[str, Any]:
        async with services.db.write() as session:
            appeal = await appeals.decide(session, settings=services.settings, storage=services.storage,
                                          admin_id=None, appeal_id=appeal_id, decision=decision, note=note)
            return appeals.appeal_json(appeal)

    return await with_services(settings, body)


async def export(settings: Settings, path: Path) -> int:
    """Write the reviewed decisions to `path` as JSON lines; returns how many."""

    async def body(services: Services) -> list[dict[str, Any]]:
        async with services.db.read() as session:
            return await moderation.labelled(session)

    lines = await with_services(settings, body)
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    return len(lines)
