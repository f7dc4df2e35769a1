"""/api: Generations started from the app, the drafts they become, their media, and the daily quota."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response, StreamingResponse

from kinora.app.deps import DbDep, RunnerDep, SettingsDep, StorageDep, Viewer
from kinora.app.errors import Forbidden, InvalidRequest, InvalidState, NotFound
from kinora.app.files import file_response
from kinora.app.generations import events
from kinora.app.generations import service as generations
from kinora.app.generations.models import ACTIVE
from kinora.app.generations.schemas import CreateParams
from kinora.app.generations.screening import screening
from kinora.app.openai_api import forms
from kinora.app.pages import MAX_ID, Page, PageDep, cursor_int, encode_cursor
from kinora.app.responses import Json
from kinora.jobs.spec import OUTPUT_FILES

router = APIRouter(prefix="/api", tags=["generations"])
MEDIA = {"video": "video/mp4", "clean": "video/mp4", "thumbnail": "image/webp"}
MAX_IMAGE_URL = 16 * 2**20  # characters of a data: URL (about 12 MiB of image)
Status = Literal["queued", "in_progress", "held", "completed", "failed"]


class ImageRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image_url: str = Field(max_length=MAX_IMAGE_URL)  # data:image/png;base64,... (JPEG, PNG or WebP)


class GenerationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str
    model: str | None = None  # one of the instance's models (default: its default model); a remix keeps its source's
    seconds: int | str | None = None  # 4, 8, 12, 16 or 20 (the model's range); a remix keeps its source's
    size: str | None = None  # WIDTHxHEIGHT; a remix keeps its source's
    remix_of: int | None = Field(None, ge=1, le=MAX_ID)  # a post id: remix that post's video
    input_reference: ImageRef | None = None  # a starting image of exactly `size`, where the model takes images


class GenerationError(BaseModel):
    code: str
    message: str


class GenerationOut(BaseModel):
    id: str
    status: Status  # held: waiting for a moderator's review
    progress: int
    prompt: str
    seconds: int
    size: str
    created_at: int
    completed_at: int | None
    remix_of: int | None
    post_id: int | None
    error: GenerationError | None
    video_url: str | None
    thumbnail_url: str | None


class GenerationProgress(BaseModel):
    """The data of an `event: progress` frame of GET /api/generations/{id}/events."""

    id: str
    status: Status
    progress: int
    error: GenerationError | None


class QuotaOut(BaseModel):
    tier: str
    limit: int
    used: int
    remaining: int
    resets_at: str  # ISO 8601, UTC


@router.post("/generations", status_code=201, response_model=GenerationOut)
async def create_generation(body: GenerationCreate, user: Viewer, db: DbDep, settings: SettingsDep,
                            storage: StorageDep, runner: RunnerDep) -> Response:
    """Start a generation from a prompt, or a remix of a post with remix_of; it becomes a draft when done."""
    async with screening(db, settings) as screen, db.write() as session:
        if body.remix_of is None:
            ref = body.input_reference
            params = CreateParams(prompt=body.prompt, model=body.model, seconds=body.seconds, size=body.size,
                                  image=None if ref is None else forms.image_from_url(ref.image_url))
            gen = await generations.create(session, settings=settings, storage=storage, owner=user, params=params,
                                           screen=screen)
        else:
            _no_shape_for_remix(body)
            gen = await generations.remix_post(session, settings=settings, owner=user, post_id=body.remix_of,
                                               prompt=body.prompt, screen=screen)
    if runner is not None:
        runner.nudge()
    return Json(generations.app_view(await generations.app_one(db, owner_id=user.id, gen_id=gen.id)),
                status_code=201)


def _no_shape_for_remix(body: GenerationCreate) -> None:
    for name in ("model", "seconds", "size"):
        if getattr(body, name) is not None:
            raise InvalidRequest(f"{name}: a remix keeps the {name} of post {body.remix_of}; leave {name} out",
                                 param=name)
    if body.input_reference is not None:
        raise InvalidRequest(f"input_reference: a remix starts from the video of post {body.remix_of}; leave "
                             "input_reference out", param="input_reference")


@router.get("/generations", response_model=Page[GenerationOut])
async def list_generations(user: Viewer, db: DbDep, page: PageDep) -> Response:
    """Your generations, newest first."""
    return await _page(user.id, db, page, drafts=False)


@router.get("/drafts", response_model=Page[GenerationOut])
async def list_drafts(user: Viewer, db: DbDep, page: PageDep) -> Response:
    """Your completed generations that are not posted yet, newest first."""
    return await _page(user.id, db, page, drafts=True)


async def _page(owner_id: int, db: DbDep, page: PageDep, *, drafts: bool) -> Response:
    rows = await generations.app_page(db, owner_id=owner_id, before=cursor_int(page, "seq"), limit=page.limit,
                                      drafts=drafts)
    items = rows[:page.limit]
    cursor = {"seq": items[-1]["seq"]} if len(rows) > page.limit else None
    return Json({"items": [generations.app_view(row) for row in items],
                 "next_cursor": encode_cursor(cursor) if cursor else None})


@router.get("/generations/{generation_id}", response_model=GenerationOut)
async def get_generation(generation_id: str, user: Viewer, db: DbDep) -> Response:
    """One of your generations (poll it while it runs)."""
    return Json(generations.app_view(await generations.app_one(db, owner_id=user.id, gen_id=generation_id)))


@router.get("/generations/{generation_id}/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "model": GenerationProgress}})
async def generation_events(generation_id: str, user: Viewer, db: DbDep) -> Response:
    """Server-sent events of your generation: `event: progress` on each change, until it completes or fails."""
    first = await generations.app_one(db, owner_id=user.id, gen_id=generation_id)
    return StreamingResponse(events.events(db, owner_id=user.id, first=first), media_type="text/event-stream",
                             headers={"cache-control": "no-cache", "x-accel-buffering": "no"})


@router.post("/generations/{generation_id}/cancel", response_model=GenerationOut)
async def cancel_generation(generation_id: str, user: Viewer, db: DbDep, settings: SettingsDep,
                            runner: RunnerDep) -> Response:
    """Stop your queued or running generation; it ends failed with code `cancelled`."""
    row = await generations.app_one(db, owner_id=user.id, gen_id=generation_id)
    if row["status"] not in ACTIVE:
        raise InvalidState(f"generation {generation_id} is {row['status']}; only a queued or in_progress generation "
                           "can be cancelled", param="generation_id")
    async with db.write() as session:
        await generations.cancel(session, settings=settings, owner=user, video_id=generation_id)
    if runner is not None:
        runner.cancel(generation_id)
    return Json(generations.app_view(await generations.app_one(db, owner_id=user.id, gen_id=generation_id)))


@router.delete("/drafts/{generation_id}", status_code=204)
async def delete_draft(generation_id: str, user: Viewer, db: DbDep, storage: StorageDep) -> Response:
    """Delete an unposted draft and its files."""
    async with db.write() as session:
        await generations.delete_draft(session, owner=user, storage=storage, gen_id=generation_id)
    return Response(status_code=204)


@router.get("/generations/{generation_id}/video", response_class=Response)
async def generation_video(request: Request, generation_id: str, user: Viewer, db: DbDep, storage: StorageDep,
                           settings: SettingsDep, clean: bool = False) -> Response:
    """The MP4 of your completed generation, with the moving visible watermark. `clean=true` gives it without
    the visible mark where the operator allows it (the invisible watermarks and the C2PA manifest stay)."""
    if clean and not settings.clean_downloads:
        raise Forbidden("clean downloads are turned off on this instance (KINORA_CLEAN_DOWNLOADS); "
                        "download without clean=true", param="clean", code="clean_downloads_disabled")
    return await _media(request, generation_id, user.id, db, storage, "clean" if clean else "video")


@router.get("/generations/{generation_id}/thumbnail", response_class=Response)
async def generation_thumbnail(request: Request, generation_id: str, user: Viewer, db: DbDep,
                               storage: StorageDep) -> Response:
    """The thumbnail (WebP) of your completed generation."""
    return await _media(request, generation_id, user.id, db, storage, "thumbnail")


async def _media(request: Request, gen_id: str, owner_id: int, db: DbDep, storage: StorageDep,
                 variant: Literal["video", "clean", "thumbnail"]) -> Response:
    row = await generations.app_one(db, owner_id=owner_id, gen_id=gen_id)
    if row["status"] != "completed" or row["output_key"] is None:
        raise InvalidState(f"generation {gen_id} is {row['status']}; its {variant} is ready once it is completed",
                           param="generation_id")
    path = storage.path(f"{row['output_key']}/{OUTPUT_FILES[variant]}")
    if variant == "clean" and not path.exists():  # made before provenance: its only video has no visible mark
        path = storage.path(f"{row['output_key']}/{OUTPUT_FILES['video']}")
    try:
        return file_response(request, path, media_type=MEDIA[variant], filename=f"{gen_id}.{path.suffix[1:]}")
    except FileNotFoundError as e:
        raise NotFound(f"the {variant} of generation {gen_id} is missing from storage", param="generation_id") from e


@router.get("/me/quota", response_model=QuotaOut)
async def my_quota(user: Viewer, db: DbDep, settings: SettingsDep) -> Response:
    """How many generations you may start today, how many you started, and when the count resets (UTC)."""
    async with db.read() as session:
        found = await generations.quota(session, settings=settings, user=user)
    return Json({"tier": found.tier, "limit": found.limit, "used": found.used, "remaining": found.remaining,
                 "resets_at": generations.iso(found.resets_at)})
