"""The shipped migrations build exactly the schema the models describe."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from kinora.app.migrate import upgrade
from kinora.app.tables import Base
from kinora.config import Settings


def test_migrations_match_the_models(settings: Settings) -> None:
    upgrade(settings.db_url)
    upgrade(settings.db_url)  # applying twice is a no-op (the server migrates at every start)

    async def diff() -> list[object]:
        engine = create_async_engine(settings.db_url)
        async with engine.connect() as conn:
            found = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
        await engine.dispose()
        return list(found)

    assert asyncio.run(diff()) == []
