"""The instance's registry of public figures and rights-protected works. Rows add to or override (same kind and
key) the lists shipped in kinora/safety/data/; the matcher reads them (service.registry_entries) on every check,
so changes apply at once."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.errors import InvalidRequest, InvalidState, NotFound
from kinora.app.moderation.models import KINDS, RegistryEntry
from kinora.app.moderation.service import check_note, record

NAME_CHARS = (2, 120)
MAX_ALIASES = 50
MAX_HOLDER = 200


def registry_key(name: str) -> str:
    """What entries are matched and deduplicated by: the name casefolded, with spaces collapsed."""
    return " ".join(name.casefold().split())


async def listing(session: AsyncSession, *, kind: str | None = None, after: int | None = None,
                  limit: int = 1000) -> list[RegistryEntry]:
    """Rows by id (limit + 1), optionally of one kind."""
    query = select(RegistryEntry)
    if kind is not None:
        query = query.where(RegistryEntry.kind == _kind(kind))
    if after is not None:
        query = query.where(RegistryEntry.id > after)
    return list(await session.scalars(query.order_by(RegistryEntry.id).limit(limit + 1)))


async def add(session: AsyncSession, *, admin_id: int | None, kind: str, name: str, aliases: list[str] | None = None,
              allowed: bool = False, holder: str = "", note: str = "") -> RegistryEntry:
    kind, name = _kind(kind), _name(name, "name")
    key = registry_key(name)
    existing = await session.scalar(select(RegistryEntry.id)
                                    .where(RegistryEntry.kind == kind, RegistryEntry.key == key))
    if existing is not None:
        raise InvalidState(f"name {name!r} is already in the registry as {kind} entry {existing}; change that one",
                           param="name")
    now = time.time()
    entry = RegistryEntry(kind=kind, name=name, key=key, aliases=_aliases(aliases or []),
                          allowed=_allowed(kind, allowed), holder=_holder(holder), note=check_note(note),
                          created_by=admin_id, created_at=now, updated_at=now)
    session.add(entry)
    await session.flush()
    await record(session, stage="registry", outcome="add", user_id=None, reviewer_id=admin_id,
                 note=f"{_describe(entry)}: added")
    return entry


async def change(session: AsyncSession, *, admin_id: int | None, entry_id: int, aliases: list[str] | None = None,
                 allowed: bool | None = None, holder: str | None = None, note: str | None = None) -> RegistryEntry:
    """Change the given fields of an entry (None: keep)."""
    entry = await _get(session, entry_id)
    changed = {"aliases": None if aliases is None else _aliases(aliases),
               "allowed": None if allowed is None else _allowed(entry.kind, allowed),
               "holder": None if holder is None else _holder(holder),
               "note": None if note is None else check_note(note)}
    changed = {field: value for field, value in changed.items() if value is not None}
    for field, value in changed.items():
        setattr(entry, field, value)
    entry.updated_at = time.time()
    await record(session, stage="registry", outcome="change", user_id=None, reviewer_id=admin_id,
                 note=f"{_describe(entry)}: {', '.join(changed) or 'nothing'} changed")
    return entry


async def delete(session: AsyncSession, *, admin_id: int | None, entry_id: int) -> None:
    entry = await _get(session, entry_id)
    await session.delete(entry)
    await record(session, stage="registry", outcome="delete", user_id=None, reviewer_id=admin_id,
                 note=f"{_describe(entry)}: deleted")


def entry_json(entry: RegistryEntry) -> dict[str, Any]:
    return {"id": entry.id, "kind": entry.kind, "name": entry.name, "key": entry.key, "aliases": entry.aliases,
            "allowed": entry.allowed, "holder": entry.holder, "note": entry.note,
            "created_at": int(entry.created_at), "updated_at": int(entry.updated_at)}


async def _get(session: AsyncSession, entry_id: int) -> RegistryEntry:
    entry = await session.get(RegistryEntry, entry_id)
    if entry is None:
        raise NotFound(f"No registry entry found with id {entry_id}", param="entry_id")
    return entry


def _describe(entry: RegistryEntry) -> str:
    return f"{entry.kind} #{entry.id} {entry.name!r}"


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidRequest(f"kind must be one of {', '.join(KINDS)}; got {kind!r}", param="kind")
    return kind


def _name(name: str, param: str) -> str:
    name = " ".join(name.split())
    low, high = NAME_CHARS
    if not low <= len(name) <= high:
        raise InvalidRequest(f"{param} must be {low}-{high} characters; got {len(name)} ({name[:40]!r})", param=param)
    return name


def _aliases(aliases: list[str]) -> list[str]:
    if len(aliases) > MAX_ALIASES:
        raise InvalidRequest(f"aliases must be at most {MAX_ALIASES}; got {len(aliases)}", param="aliases")
    cleaned = [_name(alias, "aliases") for alias in aliases]
    return list(dict.fromkeys(cleaned))  # duplicates dropped, order kept


def _allowed(kind: str, allowed: bool) -> bool:
    # A public figure appears only through their own cameo: no instance-wide opt-in can stand for their consent.
    if allowed and kind == "public_figure":
        raise InvalidRequest("allowed can be set only on rights entries; public figures appear only through their "
                             "own cameo", param="allowed")
    return allowed


def _holder(holder: str) -> str:
    if len(holder) > MAX_HOLDER:
        raise InvalidRequest(f"holder must be at most {MAX_HOLDER} characters; got {len(holder)}", param="holder")
    return holder.strip()
