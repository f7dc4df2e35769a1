"""An owner's oversight of their likeness: every draft and post that uses their cameo, other people's drafts
included; deleting any of them (the media goes too) or reporting it; and deleting the cameo itself."""

from __future__ import annotations

import time
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.cameos.models import Cameo, CameoUse
from kinora.app.errors import InvalidRequest, InvalidState, NotFound
from kinora.app.generations import service as generations
from kinora.app.generations.models import COMPLETED, HELD, IN_PROGRESS, QUEUED, Generation
from kinora.app.social.models import Post, Report
from kinora.app.storage import LocalStorage
from kinora.app.users.models import User
from kinora.config import Settings
from kinora.jobs.spec import OUTPUT_FILES

MAX_DETAILS = 2000


async def uses(session: AsyncSession, *, cameo: Cameo, before: float | None, limit: int) -> list[dict[str, Any]]:
    """The generations that put `cameo` in a video, newest first, whoever made them and whatever they show."""
    query = (select(CameoUse.created_at, Generation.id, Generation.status, Generation.prompt, Generation.kind,
                    User.handle, Post.id.label("post_id"), Post.visibility)
             .join(Generation, Generation.id == CameoUse.generation_id).join(User, User.id == CameoUse.user_id)
             .outerjoin(Post, Post.generation_id == Generation.id).where(CameoUse.cameo_id == cameo.id)
             .order_by(CameoUse.created_at.desc(), Generation.id.desc()).limit(limit))
    if before is not None:
        query = query.where(CameoUse.created_at < before)
    return [{"generation_id": row.id, "status": row.status, "kind": row.kind, "prompt": row.prompt,
             "creator": row.handle, "post_id": row.post_id, "visibility": row.visibility,
             "published": row.post_id is not None, "created_at": row.created_at}
            for row in await session.execute(query)]


async def _use(session: AsyncSession, cameo: Cameo, generation_id: str) -> Generation:
    gen: Generation | None = await session.scalar(
        select(Generation).join(CameoUse, CameoUse.generation_id == Generation.id)
        .where(CameoUse.cameo_id == cameo.id, Generation.id == generation_id))
    if gen is None:
        raise NotFound(f"No video using @{cameo.handle} has id {generation_id!r}", param="generation_id")
    return gen


async def thumbnail_key(session: AsyncSession, *, cameo: Cameo, generation_id: str) -> str:
    """Where a finished video with the cameo keeps its thumbnail: its owner may always see it, whoever made it."""
    gen = await _use(session, cameo, generation_id)
    if gen.status != COMPLETED or gen.output_key is None:
        raise InvalidState(f"video {generation_id} is {gen.status}; its thumbnail is ready once it is completed",
                           param="generation_id")
    return f"{gen.output_key}/{OUTPUT_FILES['thumbnail']}"


async def remove_use(session: AsyncSession, *, settings: Settings, storage: LocalStorage, cameo: Cameo,
                     generation_id: str) -> None:
    """Delete a video that uses the cameo, whoever made it: its post, its draft and its files."""
    await _remove(session, settings, storage, await _use(session, cameo, generation_id))


async def _remove(session: AsyncSession, settings: Settings, storage: LocalStorage, gen: Generation) -> None:
    if gen.status in (QUEUED, HELD):
        await generations.finish_failed(session, settings=settings, gen=gen, code="cameo_removed",
                                        message="a person in this video removed it (their cameo)")
        return
    if gen.status == IN_PROGRESS:
        gen.cancel_requested = True  # the worker stops between steps; then it is failed, not kept
        return
    owner = await session.get(User, gen.owner_id)
    assert owner is not None
    await generations.delete(session, owner=owner, storage=storage, video_id=gen.id)


async def report_use(session: AsyncSession, *, cameo: Cameo, generation_id: str, reporter: User,
                     details: object) -> Report:
    """Report a video with the owner's likeness to the admins, published or not (the owner may always see it)."""
    if not isinstance(details, str) or len(details) > MAX_DETAILS:
        raise InvalidRequest(f"details must be text of at most {MAX_DETAILS} characters", param="details")
    gen = await _use(session, cameo, generation_id)
    post_id = await session.scalar(select(Post.id).where(Post.generation_id == gen.id))
    note = f"uses the cameo @{cameo.handle} (video {gen.id}); reported by its owner. {details}".strip()
    row = Report(reporter_id=reporter.id, target_type="post" if post_id is not None else "user",
                 target_id=str(post_id) if post_id is not None else await _handle(session, gen.owner_id),
                 target_user_id=gen.owner_id, category="likeness", details=note, created_at=time.time())
    session.add(row)
    await session.flush()
    return row


async def _handle(session: AsyncSession, user_id: int) -> str:
    return str(await session.scalar(select(User.handle).where(User.id == user_id)))


async def delete_cameo(session: AsyncSession, *, settings: Settings, storage: LocalStorage, cameo: Cameo) -> None:
    """The cameo's data and embeddings go now, and with them every new use. Videos already made with it: other
    people's are removed, or kept but made private (`cameo_deleted_posts`); the owner's own stay theirs."""
    gens = list(await session.scalars(select(Generation).join(CameoUse, CameoUse.generation_id == Generation.id)
                                      .where(CameoUse.cameo_id == cameo.id, Generation.owner_id != cameo.owner_id)))
    for gen in gens:
        if gen.status == COMPLETED and settings.cameo_deleted_posts == "private":
            await session.execute(update(Post).where(Post.generation_id == gen.id).values(visibility="private"))
        else:
            await _remove(session, settings, storage, gen)
    await session.execute(delete(Cameo).where(Cameo.id == cameo.id))
    await session.flush()
    storage.delete(f"cameos/{cameo.id}")
    if cameo.clip_key is not None:  # characters made before cameos keep their clip where /v1 put it
        storage.delete(str(PurePosixPath(cameo.clip_key).parent))
