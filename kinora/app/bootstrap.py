"""The composition root: the same services for the web app, the CLI and tests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from kinora.app.db import Database
from kinora.app.feed import embed
from kinora.app.migrate import upgrade
from kinora.app.storage import LocalStorage
from kinora.config import Settings


@dataclass
class Services:
    settings: Settings
    db: Database
    storage: LocalStorage


async def bootstrap(settings: Settings) -> Services:
    """Create the data folders, bring the schema up to date, open the database."""
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    embed.configure(settings.embedding_model)
    await asyncio.to_thread(upgrade, settings.db_url)
    return Services(settings, Database(settings.db_url), LocalStorage(settings.media_dir))
