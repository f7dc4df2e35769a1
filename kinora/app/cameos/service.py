"""Cameos: made from a passed verification (people) or a clip (characters), their settings, who may use them in
which videos (@handle in a prompt, or `characters` ids), what engines receive, and deleting them."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.cameos import access
from kinora.app.cameos.models import PERMISSIONS, TEEN_PERMISSIONS, Cameo, CameoUse
from kinora.app.cameos.vault import Vault
from kinora.app.errors import DomainError, Forbidden, InvalidRequest, NotFound
from kinora.app.social import mentions, notifications
from kinora.app.storage import LocalStorage
from kinora.app.users import ages
from kinora.app.users.models import User
from kinora.cameos import restrictions as rules
from kinora.engines.base import CameoRef

if TYPE_CHECKING:  # the checks (dlib, pocketsphinx, torch) load only when a clip is checked
    from kinora.cameos.verify import Verification

MAX_PER_VIDEO = 2
MAX_APPEARANCE = 500
HANDLE_RE = re.compile(r"[a-z0-9_][a-z0-9_.]{1,39}")


class Restricted(DomainError):
    """The prompt does what the cameo's owner ruled out; names that one rule only."""

    default_code = "cameo_restricted"


async def by_handle(session: AsyncSession, handle: str) -> Cameo:
    row: Cameo | None = await session.scalar(select(Cameo).where(Cameo.handle == handle.lower().lstrip("@")))
    if row is None:
        raise NotFound(f"No cameo found with handle {handle!r}", param="handle")
    return row


async def person_of(session: AsyncSession, user: User) -> Cameo | None:
    """The user's own (verified person) cameo, if they made one."""
    row: Cameo | None = await session.scalar(select(Cameo).where(Cameo.owner_id == user.id, Cameo.kind == "person"))
    return row


async def characters_of(session: AsyncSession, user: User) -> list[Cameo]:
    """The user's character cameos (pets, objects), oldest first."""
    return list(await session.scalars(select(Cameo).where(Cameo.owner_id == user.id, Cameo.kind == "character")
                                      .order_by(Cameo.created_at)))


async def owned(session: AsyncSession, *, owner: User, handle: str) -> Cameo:
    row = await by_handle(session, handle)
    if row.owner_id != owner.id:
        raise NotFound(f"No cameo of yours has handle {handle!r}", param="handle")
    return row


# --- making ----------------------------------------------------------------------------------------------------


async def save_person(session: AsyncSession, *, storage: LocalStorage, vault: Vault, user: User,
                      result: Verification, clip: bytes | None) -> Cameo:
    """The user's person cameo from a passed verification: made, or re-recorded (settings kept, data replaced)."""
    assert result.face_embedding is not None
    row: Cameo | None = await session.scalar(select(Cameo).where(Cameo.owner_id == user.id,
                                                                 Cameo.kind == "person"))
    if row is None:
        await _check_handle_free(session, user.handle)
        row = Cameo(id="cameo_" + secrets.token_hex(16), owner_id=user.id, kind="person", handle=user.handle,
                    name=user.display_name or user.handle, appearance="", permission="only_me", restrictions=[],
                    report={}, created_at=time.time())
        session.add(row)
    _store_likeness(row, storage, vault, result)
    row.face_embedding = vault.seal_array(result.face_embedding, context=f"{row.id}:face")
    row.voice_embedding = (None if result.voice_embedding is None else
                           vault.seal_array(result.voice_embedding, context=f"{row.id}:voice"))
    row.clip_key = None
    if clip is not None:
        row.clip_key = f"cameos/{row.id}/clip.enc"
        storage.put(row.clip_key, vault.seal(clip, context=f"{row.id}:clip"))
    else:
        storage.delete(f"cameos/{row.id}/clip.enc")
    row.report, row.seconds, row.verified_at = result.report(), result.seconds, time.time()
    await session.flush()
    return row


async def save_character(session: AsyncSession, *, storage: LocalStorage, vault: Vault, user: User,
                         result: Verification, name: object, handle: object, appearance: object, clip: bytes,
                         size: tuple[int, int], prefix: str = "cameo_") -> Cameo:
    """A pet or object: no identity check, the same permission model (starts at only_me)."""
    title = check_name(name)
    chosen = _handle(handle) if handle not in (None, "") else await _free_handle(session, title)
    await _check_handle_free(session, chosen)
    if await session.scalar(select(User.id).where(User.handle == chosen)) is not None:
        raise InvalidRequest(f"handle {chosen!r} is a person's handle on this instance; a character needs its own",
                             param="handle", code="handle_taken")
    row = Cameo(id=prefix + secrets.token_hex(16), owner_id=user.id, kind="character", handle=chosen, name=title,
                appearance=_appearance(appearance), permission="only_me", restrictions=[], report=result.report(),
                seconds=result.seconds, width=size[0], height=size[1], created_at=time.time())
    row.clip_key = f"cameos/{row.id}/clip.mp4"
    storage.put(row.clip_key, clip)
    _store_likeness(row, storage, vault, result)
    session.add(row)
    await session.flush()
    return row


def _store_likeness(row: Cameo, storage: LocalStorage, vault: Vault, result: Verification) -> None:
    row.likeness_key = f"cameos/{row.id}/likeness.enc"
    chips = np.stack(result.chips) if result.chips else np.zeros((0, 150, 150, 3), np.uint8)  # (n, 150, 150, 3)
    storage.put(row.likeness_key, vault.seal_array(chips, context=f"{row.id}:likeness"))


def check_name(value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 80:
        raise InvalidRequest(f"name must be 1-80 characters; got {value!r}"[:200], param="name",
                             code="missing_required_parameter" if not value else "invalid_value")
    return value.strip()


def _handle(value: object) -> str:
    text = value.lower().lstrip("@") if isinstance(value, str) else ""
    if not HANDLE_RE.fullmatch(text):
        raise InvalidRequest(f"handle must be 2-40 letters, digits, '_' or '.', starting with a letter, digit or "
                             f"'_'; got {value!r}", param="handle")
    return text


def _appearance(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_APPEARANCE:
        raise InvalidRequest(f"appearance must be text of at most {MAX_APPEARANCE} characters; got "
                             f"{len(value) if isinstance(value, str) else type(value).__name__}", param="appearance")
    return value.strip()


async def _check_handle_free(session: AsyncSession, handle: str) -> None:
    """Cameo handles are unique (save_character also keeps characters off people's handles)."""
    taken = await session.scalar(select(Cameo.id).where(Cameo.handle == handle))
    if taken is not None:
        raise InvalidRequest(f"handle {handle!r} is taken by another cameo; choose another", param="handle",
                             code="handle_taken")


async def _free_handle(session: AsyncSession, name: str) -> str:
    base = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")[:30] or "character"
    handle = base if len(base) >= 2 else f"{base}_cameo"
    while (await session.scalar(select(Cameo.id).where(Cameo.handle == handle)) is not None
           or await session.scalar(select(User.id).where(User.handle == handle)) is not None):
        handle = f"{base}_{secrets.token_hex(2)}"
    return handle


# --- settings --------------------------------------------------------------------------------------------------


async def update_settings(session: AsyncSession, *, owner: User, handle: str, changes: dict[str, Any]) -> Cameo:
    row = await owned(session, owner=owner, handle=handle)
    if "name" in changes and changes["name"] is not None:
        row.name = check_name(changes["name"])
    if "appearance" in changes and changes["appearance"] is not None:
        row.appearance = _appearance(changes["appearance"])
    if changes.get("permission") is not None:
        row.permission = permission(changes["permission"], teen=ages.is_teen(owner))
    if changes.get("restrictions") is not None:  # parsing reads the embedding model: off the event loop
        row.restrictions = await asyncio.to_thread(restriction_texts, changes["restrictions"])
    await session.flush()
    return row


def permission(value: object, *, teen: bool) -> str:
    allowed = TEEN_PERMISSIONS if teen else PERMISSIONS
    if value not in allowed:
        who = "teen accounts' cameos" if teen else "a cameo"
        raise InvalidRequest(f"permission for {who} must be one of {', '.join(allowed)}; got {value!r}",
                             param="permission")
    return str(value)


def restriction_texts(values: object) -> list[str]:
    if not isinstance(values, list) or len(values) > rules.MAX_RESTRICTIONS:
        raise InvalidRequest(f"restrictions must be a list of at most {rules.MAX_RESTRICTIONS} texts; got "
                             f"{len(values) if isinstance(values, list) else type(values).__name__}",
                             param="restrictions")
    texts = []
    for i, value in enumerate(values):
        try:
            texts.append(rules.parse(value if isinstance(value, str) else "").text)
        except ValueError as e:
            raise InvalidRequest(f"restrictions[{i}]: {e}", param="restrictions") from e
    return list(dict.fromkeys(texts))


# --- use in generations ----------------------------------------------------------------------------------------


async def for_generation(session: AsyncSession, *, requester: User, prompt: str, ids: Sequence[str]) -> list[Cameo]:
    """The cameos a video puts in: `characters` ids and @handles of the prompt, each one the requester may use and
    whose restrictions the prompt keeps. Errors name the handle and what would change the answer."""
    found: dict[str, Cameo] = {}
    for cameo_id in ids:
        row: Cameo | None = await session.get(Cameo, cameo_id)
        if row is None:
            raise InvalidRequest(f"characters: no character found with id {cameo_id!r}", param="characters")
        found.setdefault(row.id, row)
    for handle in mentions.handles(prompt):
        row = await session.scalar(select(Cameo).where(Cameo.handle == handle))
        if row is None:
            raise InvalidRequest(f"prompt mentions @{handle}, which is not a cameo on this instance; cameos are "
                                 "people and characters that agreed to appear (GET /api/cameos/usable)",
                                 param="prompt", code="unknown_cameo")
        found.setdefault(row.id, row)
    if len(found) > MAX_PER_VIDEO:
        handles = ", ".join(f"@{row.handle}" for row in found.values())
        raise InvalidRequest(f"a video may have at most {MAX_PER_VIDEO} cameos; got {len(found)} ({handles})",
                             param="characters")
    for row in found.values():
        await require_use(session, row, requester)
    await check_restrictions(list(found.values()), requester, prompt)
    return list(found.values())


async def require_use(session: AsyncSession, row: Cameo, requester: User) -> None:
    rel = await access.relation(session, row, requester)
    if not access.may_use(row.permission, rel):
        raise Forbidden(access.refusal(row, rel), param="characters", code="cameo_not_allowed")


async def check_restrictions(rows: Sequence[Cameo], requester: User, prompt: str) -> None:
    """Owners' plain-language rules bind everyone else; an owner may do with their own likeness what they like."""
    for row in rows:
        if row.owner_id == requester.id or not row.restrictions:
            continue
        hit = await asyncio.to_thread(_first_hit, prompt, row.restrictions)
        if hit is not None:
            raise Restricted(f"@{row.handle} does not allow this: \"{hit.restriction.text}\"", param="prompt")


def _first_hit(prompt: str, texts: list[str]) -> rules.Hit | None:
    return rules.check(prompt, [rules.parse(text) for text in texts])


async def record_uses(session: AsyncSession, *, rows: Sequence[Cameo], generation_id: str, requester: User) -> None:
    """Note the use for the owner's oversight, and tell the owner (not themselves)."""
    now = time.time()
    for row in rows:
        session.add(CameoUse(cameo_id=row.id, generation_id=generation_id, user_id=requester.id, created_at=now))
        if row.owner_id != requester.id:
            await notifications.notify(session, user_id=row.owner_id, actor_id=requester.id, type="cameo")
    await session.flush()


async def refs(session: AsyncSession, *, storage: LocalStorage, vault: Vault, ids: Sequence[str],
               requester: User) -> tuple[list[CameoRef], dict[str, list[str]]]:
    """What an engine receives for a job, read when the job starts (a cameo deleted or a permission revoked since
    the request was made stops the job here), and the owners' restrictions the output's speech must keep."""
    found, rules_by_handle = [], {}
    for cameo_id in ids:
        row: Cameo | None = await session.get(Cameo, cameo_id)
        if row is None:
            raise NotFound(f"cameo {cameo_id} was deleted by its owner", param="characters")
        await require_use(session, row, requester)
        found.append(ref(row, storage, vault))
        if row.owner_id != requester.id and row.restrictions:
            rules_by_handle[row.handle] = list(row.restrictions)
    return found, rules_by_handle


def ref(row: Cameo, storage: LocalStorage, vault: Vault) -> CameoRef:
    chips: list[np.ndarray] = []
    if row.likeness_key is not None:
        blob = storage.path(row.likeness_key).read_bytes()
        chips = list(vault.open_array(blob, context=f"{row.id}:likeness").astype(np.uint8))
    face = None if row.face_embedding is None else vault.open_array(row.face_embedding, context=f"{row.id}:face")
    voice = None if row.voice_embedding is None else vault.open_array(row.voice_embedding, context=f"{row.id}:voice")
    return CameoRef(handle=row.handle, face_crops=chips, appearance=row.appearance, kind=row.kind,
                    face_embedding=None if face is None else face.astype(np.float32),
                    voice_embedding=None if voice is None else voice.astype(np.float32))


# --- views -----------------------------------------------------------------------------------------------------


def cameo_json(row: Cameo, *, mine: bool) -> dict[str, Any]:
    public = {"id": row.id, "handle": row.handle, "name": row.name, "kind": row.kind,
              "appearance": row.appearance, "permission": row.permission, "verified": row.verified_at is not None,
              "created_at": int(row.created_at)}
    if mine:
        public.update(restrictions=row.restrictions, verification=row.report, clip_kept=row.clip_key is not None
                      and row.kind == "person")
    return public


async def usable(session: AsyncSession, *, requester: User, prefix: str, limit: int) -> list[Cameo]:
    """Cameos the requester may use whose handle starts with `prefix` (the Create page's @ autocomplete)."""
    rows = await session.scalars(select(Cameo).where(Cameo.handle.startswith(prefix.lower().lstrip("@"),
                                                                              autoescape=True))
                                 .order_by(Cameo.handle).limit(200))
    found = []
    for row in rows:
        if access.may_use(row.permission, await access.relation(session, row, requester)):
            found.append(row)
            if len(found) == limit:
                break
    return found


async def clear_clip(session: AsyncSession, *, storage: LocalStorage, row: Cameo) -> None:
    await session.execute(update(Cameo).where(Cameo.id == row.id).values(clip_key=None))
    storage.delete(f"cameos/{row.id}/clip.enc")
