"""Characters: reusable subjects from uploaded clips (the cameo domain will build on them)."""

from __future__ import annotations

import asyncio
import secrets
import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.errors import InvalidRequest, NotFound
from kinora.app.generations.models import Character
from kinora.app.generations.schemas import Upload
from kinora.app.storage import LocalStorage
from kinora.app.users.models import User
from kinora.media.probe import probe

MIN_SECONDS, MAX_SECONDS = 1.0, 20.0


async def create(session: AsyncSession, *, storage: LocalStorage, owner: User, name: object,
                 video: object) -> Character:
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 80:
        raise InvalidRequest("name must be 1-80 characters", param="name", code="missing_required_parameter"
                             if not name else "invalid_value")
    if not isinstance(video, Upload):
        raise InvalidRequest("video must be an uploaded video file (multipart part 'video')", param="video",
                             code="missing_required_parameter")
    char_id = "char_" + secrets.token_hex(16)
    key = f"characters/{char_id}/clip.mp4"
    path = storage.put(key, video.data)
    try:
        info = await asyncio.to_thread(probe, path)
    except ValueError as e:
        storage.delete(f"characters/{char_id}")
        raise InvalidRequest(f"video is not a readable video file: {e}", param="video") from e
    seconds = info.duration
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        storage.delete(f"characters/{char_id}")
        raise InvalidRequest(f"video must last {MIN_SECONDS:g}-{MAX_SECONDS:g} s (2-4 s works best); "
                             f"got {seconds:.1f} s", param="video")
    row = Character(id=char_id, owner_id=owner.id, name=name.strip(), video_key=key, seconds=seconds,
                    width=info.width, height=info.height, created_at=time.time())
    session.add(row)
    await session.flush()
    return row


async def get(session: AsyncSession, *, owner: User, character_id: str) -> Character:
    row: Character | None = await session.scalar(
        select(Character).where(Character.id == character_id, Character.owner_id == owner.id))
    if row is None:
        raise NotFound(f"No character found with id {character_id!r}", param="character_id")
    return row
