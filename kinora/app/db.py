"""The database: one async engine, sessions for reads and serialized transactions for writes."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, TypeAlias, cast

from sqlalchemy import MetaData, event, make_url
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql import Select

NAMED_SQLITE = sqlite.dialect(paramstyle="named")
Query: TypeAlias = Select[*tuple[Any, ...]]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Database:
    """Owns the engine. On SQLite, write transactions are serialized in-process: this process is the only
    writer of the embedded database, so a lock here turns SQLite's busy/snapshot errors into a short wait."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.engine: AsyncEngine = create_async_engine(url, **_engine_args(url))
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock()
        self._reader: sqlite3.Connection | None = None
        # statement id -> (the statement, kept alive so its id stays unique; its SQL; its default parameters)
        self._compiled: dict[int, tuple[Query, str, dict[str, Any]]] = {}

    async def rows(self, statement: Query, params: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
        """Rows of a read-only Core statement with named bind parameters. On a SQLite file this runs on a plain
        sqlite3 connection right on the event loop: a keyed read takes microseconds there, while each trip
        through aiosqlite's thread costs about a millisecond (benchmarks/api.py)."""
        reader = self._sqlite_reader()
        if reader is None:
            async with self.engine.connect() as conn:
                return [dict(row) for row in (await conn.execute(statement, dict(params))).mappings()]
        cached = self._compiled.get(id(statement))
        if cached is None or cached[0] is not statement:
            compiled = statement.compile(dialect=NAMED_SQLITE)
            fixed = {name: value for name, value in compiled.params.items() if value is not None}  # e.g. OFFSET 0
            cached = self._compiled[id(statement)] = (statement, str(compiled), fixed)
        # sqlite3.Row is read like a mapping (row["id"]) and built in C: far cheaper than a dict per row.
        rows = reader.execute(cached[1], {**cached[2], **params} if cached[2] else params).fetchall()
        return cast("list[Mapping[str, Any]]", rows)

    def _sqlite_reader(self) -> sqlite3.Connection | None:
        if self._reader is None and self.is_sqlite:
            path = make_url(self.url).database
            if not path or path == ":memory:":
                return None
            self._reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False,
                                           isolation_level=None)
            self._reader.row_factory = sqlite3.Row
        return self._reader

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction, committed on success and rolled back on error."""
        lock = self._write_lock if self.is_sqlite else contextlib.nullcontext()
        async with lock, self.sessions() as session, session.begin():
            yield session

    async def scrub(self) -> None:
        """After personal data was deleted: on SQLite, copy the WAL into the file and empty it, so no older version
        of a page keeps what was deleted. (PostgreSQL keeps dead rows until VACUUM; autovacuum gets there.)"""
        if self.is_sqlite:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    async def dispose(self) -> None:
        if self._reader is not None:
            self._reader.close()
        await self.engine.dispose()


def _engine_args(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    # JIT compiling costs PostgreSQL 140+ ms on the feed's large-estimate queries that then run in 30 ms.
    return {"pool_size": 10, "max_overflow": 20, "pool_pre_ping": True,
            "connect_args": {"server_settings": {"jit": "off"}}}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # secure_delete: deleted rows (cameo face and voice data, accounts) are zeroed in the file, not left in free pages.
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000",
                   "secure_delete=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()

