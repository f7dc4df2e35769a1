"""The composition root: the same services for the web app, the CLI and tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from kinora.app.db import Database
from kinora.app.feed import embed
from kinora.app.migrate import upgrade
from kinora.app.provenance.service import instance_provenance
from kinora.app.storage import LocalStorage
from kinora.config import Settings
from kinora.media.provenance import InstanceProvenance


@dataclass
class Services:
    settings: Settings
    db: Database
    storage: LocalStorage
    provenance: InstanceProvenance

T = TypeVar("T")


async def bootstrap(settings: Settings) -> Services:
    """Create the data folders and the signing certificate, bring the schema up to date, open the database."""
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    embed.configure(settings.embedding_model)
    provenance = await asyncio.to_thread(instance_provenance, settings)
    await asyncio.to_thread(upgrade, settings.db_url)
    return Services(settings, Database(settings.db_url), LocalStorage(settings.media_dir), provenance)


async def with_services(settings: Settings, body: Callable[[Services], Awaitable[T]]) -> T:
    """Run `body` with the instance's services, then close them (the CLI's one-shot commands)."""
    services = await bootstrap(settings)
    try:
        return await body(services)
    finally:
        await services.db.dispose()
