"""/v1/videos: the OpenAI Videos API, as the unmodified official SDK calls it."""

from __future__ import annotations

import time
from typing import Any, Literal

from fastapi import APIRouter, Request
from starlette.responses import Response

from kinora.app import deps
from kinora.app.cameos import access
from kinora.app.cameos import verification as cameo_verification
from kinora.app.cameos.models import Cameo
from kinora.app.deps import CurrentUser, DbDep, RunnerDep, SettingsDep, StorageDep, current_user
from kinora.app.errors import InvalidRequest, InvalidState, NotFound
from kinora.app.files import file_response
from kinora.app.generations import service as generations
from kinora.app.generations.models import ACTIVE, COMPLETED
from kinora.app.generations.schemas import CharacterOut, Upload, Video, VideoDeleted, VideoList, video_dict, video_row
from kinora.app.generations.screening import screening
from kinora.app.openai_api import forms
from kinora.app.responses import Json
from kinora.app.routing import PlainRoute
from kinora.jobs.spec import OUTPUT_FILES

router = APIRouter(prefix="/v1/videos", tags=["openai"])
hot = APIRouter(prefix="/v1/videos", tags=["openai"], route_class=PlainRoute)  # polled: see PlainRoute
VARIANTS = {"video": ("video/mp4", "mp4"), "thumbnail": ("image/webp", "webp"), "spritesheet": ("image/jpeg", "jpg")}


@router.post("", response_model=Video)
async def create_video(request: Request, user: CurrentUser, db: DbDep, settings: SettingsDep,
                       storage: StorageDep, runner: RunnerDep) -> Response:
    """Start a generation (multipart as the SDK sends it, or JSON)."""
    params = forms.create_params(await forms.read_body(request))
    async with screening(db, settings) as screen, db.write() as session:
        gen = await generations.create(session, settings=settings, storage=storage, owner=user, params=params,
                                       screen=screen)
    if runner is not None:
        runner.nudge()
    return Json(video_dict(video_row(gen)))


@router.post("/edits", response_model=Video)
async def edit_video(request: Request, user: CurrentUser, db: DbDep, settings: SettingsDep,
                     runner: RunnerDep) -> Response:
    """Remake a completed video with one change described by the prompt."""
    return await _derive(request, user, db, settings, runner, "edit")


@router.post("/extensions", response_model=Video)
async def extend_video(request: Request, user: CurrentUser, db: DbDep, settings: SettingsDep,
                       runner: RunnerDep) -> Response:
    """Continue a completed video by `seconds`; the result is the stitched whole."""
    return await _derive(request, user, db, settings, runner, "extend")


@router.post("/characters", response_model=CharacterOut)
async def create_character(request: Request, user: CurrentUser, db: DbDep, settings: SettingsDep,
                           storage: StorageDep) -> Response:
    """A character cameo (a pet, an object, a mascot) from a 3-10 s clip, usable as `characters: [{"id": ...}]` or
    @handle in prompts; only you may use it until you change its permission (PATCH /api/cameos/{handle})."""
    body = await forms.read_body(request)
    video = body.get("video")
    row = await cameo_verification.make_character(user, db, settings, storage, name=body.get("name"),
                                            data=video.data if isinstance(video, Upload) else None,
                                            handle=body.get("handle"), appearance=body.get("appearance"),
                                            prefix="char_")
    return Json(_character(row))


@router.get("/characters/{character_id}", response_model=CharacterOut)
async def get_character(character_id: str, user: CurrentUser, db: DbDep) -> Response:
    """A character you own or may use."""
    async with db.read() as session:
        row: Cameo | None = await session.get(Cameo, character_id)
        if row is None or not access.may_use(row.permission, await access.relation(session, row, user)):
            raise NotFound(f"No character found with id {character_id!r}", param="character_id")
    return Json(_character(row))


@router.delete("/{video_id}", response_model=VideoDeleted)
async def delete_video(video_id: str, user: CurrentUser, db: DbDep, storage: StorageDep) -> Response:
    """Delete a completed or failed video and everything stored for it."""
    async with db.write() as session:
        await generations.delete(session, owner=user, storage=storage, video_id=video_id)
    return Json({"id": video_id, "object": "video.deleted", "deleted": True})


@router.post("/{video_id}/remix", response_model=Video)
async def remix_video(request: Request, video_id: str, user: CurrentUser, db: DbDep, settings: SettingsDep,
                      runner: RunnerDep) -> Response:
    """A new video from a completed one and a changed prompt."""
    body = await forms.read_body(request)
    body["video"] = {"id": video_id}
    return await _derive_from(body, user, db, settings, runner, "remix")


@router.post("/{video_id}/cancel", response_model=Video)
async def cancel_video(video_id: str, user: CurrentUser, db: DbDep, settings: SettingsDep,
                       runner: RunnerDep) -> Response:
    """Kinora extension: stop a queued or running video; it ends failed with code `cancelled`."""
    async with db.write() as session:
        gen = await generations.cancel(session, settings=settings, owner=user, video_id=video_id)
    if runner is not None:
        runner.cancel(video_id)
    return Json(video_dict(video_row(gen)))


async def _derive(request: Request, user: CurrentUser, db: DbDep, settings: SettingsDep, runner: RunnerDep,
                  kind: Literal["edit", "extend"]) -> Response:
    return await _derive_from(await forms.read_body(request), user, db, settings, runner, kind)


async def _derive_from(body: dict[str, Any], user: CurrentUser, db: DbDep, settings: SettingsDep,
                       runner: RunnerDep, kind: Literal["remix", "edit", "extend"]) -> Response:
    video = forms.video_ref(body)
    async with screening(db, settings) as screen, db.write() as session:
        gen = await generations.derive(session, settings=settings, owner=user, kind=kind, prompt=body.get("prompt"),
                                       video=video, screen=screen, seconds=body.get("seconds"),
                                       model=body.get("model"))
    if runner is not None:
        runner.nudge()
    return Json(video_dict(video_row(gen)))


def _character(row: Cameo) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "handle": row.handle, "kind": row.kind, "created_at": int(row.created_at)}


@hot.get("/{video_id}", response_model=Video)
async def retrieve_video(request: Request, video_id: str) -> Response:
    """The video job's current state; while it runs, `openai-poll-after-ms` says when to ask again."""
    user, services = await current_user(request), deps.services(request)
    gen = await generations.find(services.db, owner=user, video_id=video_id)
    active = gen["status"] in ACTIVE
    headers = {"openai-poll-after-ms": str(services.settings.poll_after_ms)} if active else None
    return Json(video_dict(gen), headers=headers)


@hot.get("/{video_id}/content", openapi_extra={"parameters": [
    {"name": "variant", "in": "query", "schema": {"enum": list(VARIANTS), "default": "video"}}]})
async def download_content(request: Request, video_id: str) -> Response:
    """The MP4, thumbnail (WebP) or spritesheet (JPEG); Range, ETag and If-None-Match are honoured."""
    user, services = await current_user(request), deps.services(request)
    variant = request.query_params.get("variant", "video")
    if variant not in VARIANTS:
        raise InvalidRequest(f"variant must be one of {', '.join(VARIANTS)}; got {variant!r}", param="variant")
    gen = await generations.find(services.db, owner=user, video_id=video_id)
    if gen["expires_at"] is not None and gen["expires_at"] < time.time():
        raise NotFound(f"the content of video {video_id} expired", param="video_id", code="expired")
    if gen["status"] != COMPLETED or gen["output_key"] is None:
        raise InvalidState(f"video {video_id} is {gen['status']}; content is available once it is completed",
                           param="video_id", code="video_not_ready")
    media_type, ext = VARIANTS[variant]
    path = services.storage.path(f"{gen['output_key']}/{OUTPUT_FILES[variant]}")
    try:
        return file_response(request, path, media_type=media_type, filename=f"{video_id}.{ext}")
    except FileNotFoundError as e:
        raise NotFound(f"the {variant} of video {video_id} is missing from storage", param="variant") from e


@hot.get("", response_model=VideoList, openapi_extra={"parameters": [
    {"name": "after", "in": "query", "schema": {"type": "string"}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 100, "default": 20}},
    {"name": "order", "in": "query", "schema": {"enum": ["asc", "desc"], "default": "desc"}}]})
async def list_videos(request: Request) -> Response:
    """Your videos, newest first by default; page with `after` = the previous page's last_id."""
    user, services = await current_user(request), deps.services(request)
    query = request.query_params
    limit, order = _limit(query.get("limit", "20")), query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise InvalidRequest(f"order must be 'asc' or 'desc'; got {order!r}", param="order")
    rows, has_more = await generations.list_page(services.db, owner=user, after=query.get("after"), limit=limit,
                                                 order="asc" if order == "asc" else "desc")
    data = [video_dict(g) for g in rows]
    return Json({"object": "list", "data": data, "first_id": data[0]["id"] if data else None,
                 "last_id": data[-1]["id"] if data else None, "has_more": has_more})


def _limit(value: str) -> int:
    if not value.isdigit() or int(value) > 100:
        raise InvalidRequest(f"limit must be an integer from 0 to 100; got {value!r}", param="limit")
    return int(value)
