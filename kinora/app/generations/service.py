"""Generations: create (with per-user caps), read, list, cancel, delete, and remix/edit/extend of stored videos."""

from __future__ import annotations

import datetime
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.cameos import service as cameos
from kinora.app.cameos.models import Cameo
from kinora.app.db import Database
from kinora.app.errors import InvalidRequest, InvalidState, NotFound, RateLimited
from kinora.app.generations import checks
from kinora.app.generations.models import (
    ACTIVE,
    COMPLETED,
    FAILED,
    HELD,
    IN_PROGRESS,
    QUEUED,
    VIDEO_COLUMNS,
    Generation,
)
from kinora.app.generations.schemas import CreateParams, VideoRef
from kinora.app.generations.screening import Screen, hold_or_allow
from kinora.app.social.models import Post
from kinora.app.social.visibility import visible_to
from kinora.app.storage import LocalStorage
from kinora.app.users import ages
from kinora.app.users.models import User
from kinora.app.webhooks import service as webhooks
from kinora.config import Settings

DEFAULT_RUN_SECONDS = 30.0  # retry-after estimate before any job has finished


def new_id(prefix: str = "video_") -> str:
    return prefix + secrets.token_hex(24)


async def create(session: AsyncSession, *, settings: Settings, storage: LocalStorage, owner: User,
                 params: CreateParams, screen: Screen) -> Generation:
    """Validate and moderate `params` and queue a generation; nothing is stored when either fails."""
    prompt = checks.prompt(params.prompt)
    target = checks.model(settings, params.model)
    seconds = checks.seconds(params.seconds, target, default=settings.default_seconds)
    size = checks.size(params.size, target, default=settings.default_size)
    if params.file_id is not None:
        raise InvalidRequest("input_reference.file_id: this server has no Files API; upload the image or give "
                             "input_reference.image_url", param="input_reference")
    ext = checks.image(params.image, *size.asked, target) if params.image is not None else None
    people = await cameos.for_generation(session, requester=owner, prompt=prompt, ids=params.characters)
    checks.cameos(len(people), target)
    verdict = await screen.prompt(session, owner=owner, text=prompt)
    if params.image is not None:
        await screen.image(owner=owner, data=params.image.data)
    await _check_queue_cap(session, settings, owner)
    await check_quota(session, settings=settings, user=owner)
    gen = Generation(id=new_id(), owner_id=owner.id, kind="create", model=target.model, engine=target.engine,
                     prompt=prompt, seconds=seconds, total_seconds=seconds, width=size.width, height=size.height,
                     fps=checks.fps(settings, target), characters=[row.id for row in people],
                     options={"adjusted": size.adjusted()} if size.adjusted() else {}, created_at=time.time())
    if await hold_or_allow(session, verdict=verdict, owner=owner, generation_id=gen.id, text=prompt):
        gen.status = HELD
    if params.image is not None:
        gen.input_key = f"inputs/{gen.id}/reference.{ext}"
        storage.put(gen.input_key, params.image.data)
    return await _add(session, gen, people, owner)


async def _add(session: AsyncSession, gen: Generation, people: list[Cameo], owner: User) -> Generation:
    """Store the new generation, and the uses of the cameos in it (their owners are told)."""
    session.add(gen)
    await session.flush()
    await cameos.record_uses(session, rows=people, generation_id=gen.id, requester=owner)
    return gen


async def derive(session: AsyncSession, *, settings: Settings, owner: User, kind: Literal["remix", "edit", "extend"],
                 prompt: object, video: VideoRef, screen: Screen, seconds: object = None,
                 model: object = None) -> Generation:
    """A new generation made from a completed video of the owner's: remix and edit remake it, extend continues it."""
    text = checks.prompt(prompt)
    if video.id is None:
        target = checks.model(settings, model)
        raise InvalidRequest(f"video: model {target.model!r} (engine {target.engine!r}) cannot {kind} uploaded "
                             "videos; give the id of a completed video instead ({\"video\": {\"id\": \"video_...\"}})",
                             param="video", code="unsupported_parameter")
    source = await get(session, owner=owner, video_id=video.id)
    if source.status != COMPLETED:
        raise InvalidState(f"video {source.id} is {source.status}; only completed videos can be used for a {kind}",
                           param="video_id")
    target = checks.model(settings, source.model)
    if not (target.caps.extend if kind == "extend" else target.caps.remix):
        raise InvalidRequest(f"model {source.model!r} (engine {target.engine!r}) cannot {kind} videos",
                             param="video", code="unsupported_parameter")
    new_seconds, total, depth = source.seconds, source.total_seconds, 0
    if kind == "extend":
        new_seconds = checks.seconds(seconds, target, default=settings.default_seconds)
        depth = int(source.options.get("extensions", 0)) + 1
        total = source.total_seconds + new_seconds
        _check_extension(depth, total)
    combined = combined_prompt(source.prompt, text)
    people = await cameos.for_generation(session, requester=owner, prompt=combined, ids=source.characters)
    verdict = await screen.prompt(session, owner=owner, text=combined)
    await _check_queue_cap(session, settings, owner)
    await check_quota(session, settings=settings, user=owner)
    gen = Generation(id=new_id(), owner_id=owner.id, kind=kind, model=source.model, engine=source.engine,
                     prompt=text, seconds=new_seconds, total_seconds=total, width=source.width,
                     height=source.height, fps=source.fps, seed=source.seed, source_id=source.id,
                     characters=[row.id for row in people], options={"extensions": depth} if depth else {},
                     created_at=time.time())
    if await hold_or_allow(session, verdict=verdict, owner=owner, generation_id=gen.id, text=combined):
        gen.status = HELD
    return await _add(session, gen, people, owner)


def combined_prompt(source: str, change: str) -> str:
    """What a remix, edit or extension is moderated as: the source's prompt and the new one together, so a harmless
    change cannot launder a source that would be refused now, nor a harmless source a harmful change."""
    return f"{source}\n{change}"


async def remix_post(session: AsyncSession, *, settings: Settings, owner: User, post_id: int,
                     prompt: object, screen: Screen) -> Generation:
    """A remix of a post the owner may see (anyone's, when its author allows remixes): the post's video remade
    with a new prompt. The new generation remembers the post, so publishing it links the two."""
    text = checks.prompt(prompt)
    post: Post | None = await session.scalar(select(Post).where(Post.id == post_id, visible_to(owner.id)))
    if post is None:
        raise NotFound(f"remix_of: no post found with id {post_id}", param="remix_of")
    if not post.allow_remix and post.author_id != owner.id:
        raise InvalidRequest(f"remix_of: the author of post {post_id} does not allow remixes of it", param="remix_of")
    source: Generation | None = await session.scalar(select(Generation).where(Generation.id == post.generation_id))
    assert source is not None and source.status == COMPLETED, f"post {post_id} has no completed generation"
    target = checks.model(settings, source.model)
    if not target.caps.remix:
        raise InvalidRequest(f"remix_of: model {source.model!r} (engine {target.engine!r}) of post {post_id} cannot "
                             "remix videos", param="remix_of", code="unsupported_parameter")
    combined = combined_prompt(source.prompt, text)
    people = await cameos.for_generation(session, requester=owner, prompt=combined, ids=source.characters)
    verdict = await screen.prompt(session, owner=owner, text=combined)
    await _check_queue_cap(session, settings, owner)
    await check_quota(session, settings=settings, user=owner)
    gen = Generation(id=new_id(), owner_id=owner.id, kind="remix", model=source.model, engine=source.engine,
                     prompt=text, seconds=source.seconds, total_seconds=source.total_seconds, width=source.width,
                     height=source.height, fps=source.fps, seed=source.seed, source_id=source.id,
                     characters=[row.id for row in people], remix_of_post=post.id, options={},
                     created_at=time.time())
    if await hold_or_allow(session, verdict=verdict, owner=owner, generation_id=gen.id, text=combined):
        gen.status = HELD
    return await _add(session, gen, people, owner)


def _check_extension(depth: int, total: int) -> None:
    if depth > checks.MAX_EXTENSIONS:
        raise InvalidRequest(f"video: a video can be extended at most {checks.MAX_EXTENSIONS} times; "
                             "this one already was", param="video")
    if total > checks.MAX_EXTENDED_SECONDS:
        raise InvalidRequest(f"seconds: an extended video may last at most {checks.MAX_EXTENDED_SECONDS} s; "
                             f"this extension would make it {total} s", param="seconds")


async def _check_queue_cap(session: AsyncSession, settings: Settings, owner: User) -> None:
    queued = await session.scalar(select(func.count()).select_from(Generation)
                                  .where(Generation.owner_id == owner.id, Generation.status == QUEUED))
    if (queued or 0) >= settings.max_queued_per_user:
        wait = await typical_run_seconds(session)
        raise RateLimited(f"Too many queued videos: you have {queued} waiting (the limit is "
                          f"{settings.max_queued_per_user}); retry in about {round(wait)} s", retry_after=wait)


@dataclass(frozen=True)
class Quota:
    """Generations a user may start per UTC day, and how many they started today."""

    tier: str
    limit: int
    used: int
    resets_at: datetime.datetime

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)


def daily_limit(settings: Settings, user: User) -> int:
    """The user's tier allowance (unknown tiers get the free one), capped for teen accounts."""
    limit = settings.daily_generations.get(user.tier, settings.daily_generations["free"])
    return min(limit, settings.teen_daily_generations) if ages.is_teen(user) else limit


async def quota(session: AsyncSession, *, settings: Settings, user: User,
                now: datetime.datetime | None = None) -> Quota:
    now = now or datetime.datetime.now(datetime.UTC)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    used = await session.scalar(select(func.count()).select_from(Generation).where(
        Generation.owner_id == user.id, Generation.created_at >= day.timestamp()))
    return Quota(user.tier, daily_limit(settings, user), int(used or 0), day + datetime.timedelta(days=1))


async def check_quota(session: AsyncSession, *, settings: Settings, user: User) -> None:
    """RateLimited (429) once the user started their daily allowance of generations; it says when it resets."""
    now = datetime.datetime.now(datetime.UTC)
    found = await quota(session, settings=settings, user=user, now=now)
    if found.used >= found.limit:
        who = "teen accounts" if ages.is_teen(user) else f"{found.tier!r} accounts"
        raise RateLimited(f"Daily generation limit reached: {who} may start {found.limit} generations per UTC day "
                          f"and you started {found.used} today; the limit resets at {iso(found.resets_at)}",
                          retry_after=(found.resets_at - now).total_seconds())


def iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def typical_run_seconds(session: AsyncSession) -> float:
    """Mean run time of the last 20 finished jobs: how long until a queue slot frees up."""
    recent = (select((Generation.completed_at - Generation.started_at).label("run"))
              .where(Generation.status == COMPLETED, Generation.started_at.is_not(None))
              .order_by(Generation.seq.desc()).limit(20).subquery())
    mean = await session.scalar(select(func.avg(recent.c.run)))
    return float(mean) if mean else DEFAULT_RUN_SECONDS


def _seq_after(order: str) -> Any:
    return Generation.seq > bindparam("cursor") if order == "asc" else Generation.seq < bindparam("cursor")


async def get(session: AsyncSession, *, owner: User, video_id: str) -> Generation:
    gen: Generation | None = await session.scalar(
        select(Generation).where(Generation.id == video_id, Generation.owner_id == owner.id))
    if gen is None:
        raise NotFound(f"No video found with id {video_id!r}", param="video_id")
    return gen


_ONE = select(*VIDEO_COLUMNS).where(Generation.id == bindparam("video_id"), Generation.owner_id == bindparam("owner"))
_CURSOR = select(Generation.seq).where(Generation.id == bindparam("after"), Generation.owner_id == bindparam("owner"))
_PAGES = {
    (order, after): select(*VIDEO_COLUMNS).where(Generation.owner_id == bindparam("owner"),
                                                 *([_seq_after(order)] if after else []))
    .order_by(Generation.seq.asc() if order == "asc" else Generation.seq.desc()).limit(bindparam("limit"))
    for order in ("asc", "desc") for after in (False, True)
}


async def find(db: Database, *, owner: User, video_id: str) -> Mapping[str, Any]:
    """The video's API columns (a fast read: this is what pollers hit)."""
    rows = await db.rows(_ONE, {"video_id": video_id, "owner": owner.id})
    if not rows:
        raise NotFound(f"No video found with id {video_id!r}", param="video_id")
    return rows[0]


async def list_page(db: Database, *, owner: User, after: str | None, limit: int,
                    order: Literal["asc", "desc"]) -> tuple[Sequence[Mapping[str, Any]], bool]:
    """One page of the owner's videos in creation order, and whether more follow."""
    params: dict[str, Any] = {"owner": owner.id, "limit": limit + 1}
    if after is not None:
        cursor = await db.rows(_CURSOR, {"after": after, "owner": owner.id})
        if not cursor:
            raise InvalidRequest(f"after must be the id of one of your videos; got {after!r}", param="after")
        params["cursor"] = cursor[0]["seq"]
    rows = await db.rows(_PAGES[order, after is not None], params)
    return rows[:limit], len(rows) > limit


async def delete(session: AsyncSession, *, owner: User, storage: LocalStorage, video_id: str) -> None:
    gen = await get(session, owner=owner, video_id=video_id)
    if gen.status in ACTIVE:
        raise InvalidState(f"video {video_id} is {gen.status}; cancel it first (POST /v1/videos/{video_id}/cancel)",
                           param="video_id")
    # A published video takes its post with it (the database cascades); the post it remixed counts one less.
    source = await session.scalar(select(Post.remix_of).where(Post.generation_id == gen.id))
    if source is not None:
        await session.execute(update(Post).where(Post.id == source, Post.remix_count > 0)
                              .values(remix_count=Post.remix_count - 1))
    await session.delete(gen)
    await session.flush()
    storage.delete(f"videos/{gen.id}")
    storage.delete(f"inputs/{gen.id}")


async def cancel(session: AsyncSession, *, settings: Settings, owner: User, video_id: str) -> Generation:
    """Queued jobs fail at once with code `cancelled`; running ones are flagged and stopped by their worker."""
    gen = await get(session, owner=owner, video_id=video_id)
    if gen.status == QUEUED:
        await finish_failed(session, settings=settings, gen=gen, code="cancelled", message="cancelled by the user")
    elif gen.status == IN_PROGRESS:
        gen.cancel_requested = True
    else:
        raise InvalidState(f"video {video_id} is already {gen.status}", param="video_id")
    await session.flush()
    return gen


async def finish_completed(session: AsyncSession, *, settings: Settings, gen: Generation) -> None:
    """Mark `gen`'s output shown: completed (error cleared, expiry set) with its video.completed webhook queued in
    the same transaction. The queue calls it when output moderation allows; moderators when they approve."""
    now = time.time()
    gen.status, gen.progress, gen.completed_at = COMPLETED, 100, now
    gen.error_code, gen.error_message = None, None
    if settings.media_ttl_seconds:
        gen.expires_at = now + settings.media_ttl_seconds
    await webhooks.enqueue(session, urls=settings.webhook_urls, event_type="video.completed", video_id=gen.id,
                           now=now)


async def finish_failed(session: AsyncSession, *, settings: Settings, gen: Generation, code: str,
                        message: str) -> None:
    """Mark `gen` failed and queue its video.failed webhook in the same transaction."""
    now = time.time()
    gen.status, gen.error_code, gen.error_message = FAILED, code, message
    gen.completed_at, gen.lease_until, gen.worker = now, None, None
    await webhooks.enqueue(session, urls=settings.webhook_urls, event_type="video.failed", video_id=gen.id, now=now)


# --- the app's view (/api/generations, /api/drafts) --------------------------------------------------------

APP_COLUMNS = (
    Generation.seq, Generation.id, Generation.status, Generation.progress, Generation.prompt,
    Generation.total_seconds, Generation.width, Generation.height, Generation.created_at, Generation.completed_at,
    Generation.remix_of_post, Generation.error_code, Generation.error_message, Generation.output_key,
    Post.id.label("post_id"),
)


def _app_query(*, one: bool = False, after: bool = False, drafts: bool = False, running: bool = False) -> Any:
    query = (select(*APP_COLUMNS).outerjoin(Post, Post.generation_id == Generation.id)
             .where(Generation.owner_id == bindparam("owner")))
    if one:
        return query.where(Generation.id == bindparam("gen_id"))
    if running:
        query = query.where(or_(*(Generation.status == status for status in (*ACTIVE, HELD))))  # no IN: db.rows
    if drafts:
        query = query.where(Generation.status == COMPLETED, Post.id.is_(None))
    if after:
        query = query.where(Generation.seq < bindparam("cursor"))
    return query.order_by(Generation.seq.desc()).limit(bindparam("limit"))


_APP_ONE = _app_query(one=True)
_APP_PAGES = {(after, drafts): _app_query(after=after, drafts=drafts) for after in (False, True)
              for drafts in (False, True)}
_APP_RUNNING = _app_query(running=True)


def app_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """A generation as the app shows it (drafts are completed ones without a post_id)."""
    done, gen_id = row["status"] == COMPLETED, row["id"]
    return {
        "id": gen_id, "status": row["status"], "progress": 100 if done else row["progress"],
        "prompt": row["prompt"], "seconds": row["total_seconds"], "size": f"{row['width']}x{row['height']}",
        "created_at": int(row["created_at"]),
        "completed_at": None if row["completed_at"] is None else int(row["completed_at"]),
        "remix_of": row["remix_of_post"], "post_id": row["post_id"],
        "error": {"code": row["error_code"] or "failed", "message": row["error_message"] or ""}
        if row["status"] == FAILED else None,
        "video_url": f"/api/generations/{gen_id}/video" if done else None,
        "thumbnail_url": f"/api/generations/{gen_id}/thumbnail" if done else None,
    }


async def app_one(db: Database, *, owner_id: int, gen_id: str) -> Mapping[str, Any]:
    rows = await db.rows(_APP_ONE, {"owner": owner_id, "gen_id": gen_id})
    if not rows:
        raise NotFound(f"No generation found with id {gen_id!r}", param="generation_id")
    return rows[0]


async def app_page(db: Database, *, owner_id: int, before: int | None, limit: int,
                   drafts: bool) -> Sequence[Mapping[str, Any]]:
    """The owner's generations (or only drafts), newest first: limit + 1 rows below seq `before`."""
    params = {"owner": owner_id, "cursor": before, "limit": limit + 1}
    return await db.rows(_APP_PAGES[before is not None, drafts], params)


async def app_running(db: Database, *, owner_id: int, limit: int) -> Sequence[Mapping[str, Any]]:
    """The owner's generations that are not finished yet (queued, running or held for review), newest first."""
    return await db.rows(_APP_RUNNING, {"owner": owner_id, "limit": limit})


async def delete_draft(session: AsyncSession, *, owner: User, storage: LocalStorage, gen_id: str) -> None:
    """Delete an unpublished generation of the owner's with its files (a published one: delete the post first)."""
    post_id = await session.scalar(select(Post.id).join(Generation, Generation.id == Post.generation_id)
                                   .where(Generation.id == gen_id, Generation.owner_id == owner.id))
    if post_id is not None:
        raise InvalidState(f"generation {gen_id} is published as post {post_id}; delete the post first "
                           f"(DELETE /api/posts/{post_id})", param="generation_id")
    await delete(session, owner=owner, storage=storage, video_id=gen_id)
