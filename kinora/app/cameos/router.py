"""/api/cameos: verify yourself (challenge, then clip), characters, settings, access requests, oversight of every
video that uses your cameo, and deletion."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from sqlalchemy import select
from starlette.responses import Response

from kinora.app.cameos import access, oversight, schemas, service, verification
from kinora.app.cameos.models import Cameo, CameoAccess
from kinora.app.cameos.vault import from_settings
from kinora.app.deps import DbDep, SettingsDep, StorageDep, Viewer
from kinora.app.errors import NotFound
from kinora.app.responses import Json
from kinora.app.social.notifications import HubDep, writing
from kinora.app.social.service import user_of
from kinora.app.users.models import User

router = APIRouter(prefix="/api/cameos", tags=["cameos"])
Clip = Annotated[UploadFile | None, File(description="The recording: MP4, WebM or MOV, 3-15 s (characters 3-10 s).")]


async def _read(upload: UploadFile | None) -> bytes | None:
    return None if upload is None else await upload.read(verification.MAX_UPLOAD + 1)


@router.post("/challenges", response_model=schemas.ChallengeOut)
async def new_challenge(body: schemas.ChallengeCreate, viewer: Viewer, db: DbDep, settings: SettingsDep) -> Response:
    """A one-time verification challenge (digits to read aloud, head turns), valid for 10 minutes."""
    async with db.write() as session:
        row = await verification.new_challenge(session, settings=settings, user=viewer, kind=body.kind)
    return Json(verification.challenge_json(row))


@router.post("/verify", response_model=schemas.CameoOut)
async def verify(viewer: Viewer, db: DbDep, settings: SettingsDep, storage: StorageDep, video: Clip = None,
                 challenge_id: Annotated[str | None, Form()] = None,
                 keep_clip: Annotated[bool, Form()] = False) -> Response:
    """Verify yourself with a recording made for a challenge: it makes your cameo, or re-records it. A failure (422)
    says what each check found; the challenge is spent either way."""
    data = verification.check_upload(await _read(video))
    async with db.write() as session:
        challenge = await verification.spend_challenge(session, user=viewer, challenge_id=challenge_id)
    result = await verification.analyse(data, kind="person", digits=challenge.digits, settings=settings)
    verification.require_pass(result)
    assert result.face_embedding is not None
    vault = from_settings(settings)
    async with db.write() as session:
        await verification.check_identity(session, settings=settings, vault=vault, user=viewer,
                                          face=result.face_embedding)
        row = await service.save_person(session, storage=storage, vault=vault, user=viewer, result=result,
                                        clip=data if keep_clip else None)
    return Json(service.cameo_json(row, mine=True))


@router.post("/characters", response_model=schemas.CameoOut)
async def new_character(viewer: Viewer, db: DbDep, settings: SettingsDep, storage: StorageDep, video: Clip = None,
                        name: Annotated[str | None, Form()] = None, handle: Annotated[str | None, Form()] = None,
                        appearance: Annotated[str | None, Form()] = None) -> Response:
    """A character cameo (a pet or an object) from a 3-10 s clip: no identity check, the same permissions."""
    row = await verification.make_character(viewer, db, settings, storage, data=await _read(video), name=name,
                                            handle=handle, appearance=appearance)
    return Json(service.cameo_json(row, mine=True))


@router.get("", response_model=schemas.CameoPage)
async def mine(viewer: Viewer, db: DbDep) -> Response:
    """Your cameos: yourself (once verified) and your characters."""
    async with db.read() as session:
        rows = await session.scalars(select(Cameo).where(Cameo.owner_id == viewer.id).order_by(Cameo.created_at))
        return Json({"items": [service.cameo_json(row, mine=True) for row in rows], "next_cursor": None})


@router.get("/usable", response_model=schemas.CameoPage)
async def usable(viewer: Viewer, db: DbDep, q: Annotated[str, Query(max_length=40)] = "",
                 limit: Annotated[int, Query(ge=1, le=50)] = 10) -> Response:
    """Cameos you may put in a video, by handle prefix (for @ autocomplete)."""
    async with db.read() as session:
        rows = await service.usable(session, requester=viewer, prefix=q, limit=limit)
        return Json({"items": [service.cameo_json(row, mine=row.owner_id == viewer.id) for row in rows],
                     "next_cursor": None})


@router.get("/{handle}", response_model=schemas.CameoOut)
async def one(handle: str, viewer: Viewer, db: DbDep) -> Response:
    """A cameo, and whether you may use it (and your access request's state)."""
    async with db.read() as session:
        row = await service.by_handle(session, handle)
        rel = await access.relation(session, row, viewer)
        if rel.blocked:
            raise NotFound(f"No cameo found with handle {handle!r}", param="handle")
        body = service.cameo_json(row, mine=rel.owner)
        body.update(may_use=access.may_use(row.permission, rel),
                    access=await access.status_of(session, cameo=row, user=viewer))
    return Json(body)


@router.patch("/{handle}", response_model=schemas.CameoOut)
async def change(handle: str, body: schemas.CameoUpdate, viewer: Viewer, db: DbDep) -> Response:
    """Change your cameo's name, appearance notes, permission or plain-language restrictions."""
    async with db.write() as session:
        row = await service.update_settings(session, owner=viewer, handle=handle,
                                            changes=body.model_dump(exclude_unset=True))
    return Json(service.cameo_json(row, mine=True))


@router.delete("/{handle}", status_code=204)
async def remove(handle: str, viewer: Viewer, db: DbDep, settings: SettingsDep, storage: StorageDep) -> None:
    """Delete your cameo: its face and voice data go now, new uses stop, and other people's videos with it are
    removed (or made private, as the instance is set)."""
    async with db.write() as session:
        row = await service.owned(session, owner=viewer, handle=handle)
        await oversight.delete_cameo(session, settings=settings, storage=storage, cameo=row)
    await db.scrub()


@router.delete("/{handle}/clip", status_code=204)
async def drop_clip(handle: str, viewer: Viewer, db: DbDep, storage: StorageDep) -> None:
    """Delete the verification recording you chose to keep (the cameo stays)."""
    async with db.write() as session:
        await service.clear_clip(session, storage=storage, row=await service.owned(session, owner=viewer,
                                                                                    handle=handle))


@router.post("/{handle}/requests", response_model=schemas.AccessOut)
async def ask(handle: str, viewer: Viewer, db: DbDep, hub: HubDep) -> Response:
    """Ask a cameo's owner to let you use it."""
    async with writing(db, hub) as session:
        row = await access.request(session, cameo=await service.by_handle(session, handle), user=viewer)
    return Json(_access_json(row, viewer))


@router.get("/{handle}/access", response_model=schemas.AccessPage)
async def who(handle: str, viewer: Viewer, db: DbDep, status: str | None = None) -> Response:
    """Your cameo's requests and approvals."""
    async with db.read() as session:
        rows = await access.listing(session, cameo=await service.owned(session, owner=viewer, handle=handle),
                                    status=status)
    return Json({"items": [_access_json(row, user) for row, user in rows], "next_cursor": None})


@router.put("/{handle}/access/{user_handle}", response_model=schemas.AccessOut)
async def answer(handle: str, user_handle: str, body: schemas.AccessDecision, viewer: Viewer, db: DbDep,
                 hub: HubDep) -> Response:
    """Approve or deny a request, or revoke someone's access at any time."""
    async with writing(db, hub) as session:
        cameo = await service.owned(session, owner=viewer, handle=handle)
        row = await access.decide(session, cameo=cameo, handle=user_handle, action=body.action)
        user = await session.get(User, row.user_id)
    assert user is not None
    return Json(_access_json(row, user))


def _access_json(row: CameoAccess, user: User) -> dict[str, object]:
    return {"user": user_of(user), "status": row.status,
            "created_at": int(row.created_at), "decided_at": None if row.decided_at is None else int(row.decided_at)}


@router.get("/{handle}/uses", response_model=schemas.UsePage)
async def uses(handle: str, viewer: Viewer, db: DbDep, limit: Annotated[int, Query(ge=1, le=100)] = 20,
               before: Annotated[float | None, Query()] = None) -> Response:
    """Every draft and post that uses your cameo, other people's included, newest first (`before`: the last
    item's created_at, for the next page)."""
    async with db.read() as session:
        rows = await oversight.uses(session, cameo=await service.owned(session, owner=viewer, handle=handle),
                                    before=before, limit=limit)
    return Json({"items": rows, "next_cursor": None})


@router.delete("/{handle}/uses/{generation_id}", status_code=204)
async def remove_use(handle: str, generation_id: str, viewer: Viewer, db: DbDep, settings: SettingsDep,
                     storage: StorageDep) -> None:
    """Delete a video that uses your cameo, whoever made it: the post, the draft and the files."""
    async with db.write() as session:
        cameo = await service.owned(session, owner=viewer, handle=handle)
        await oversight.remove_use(session, settings=settings, storage=storage, cameo=cameo,
                                   generation_id=generation_id)


@router.post("/{handle}/uses/{generation_id}/report", status_code=201)
async def report_use(handle: str, generation_id: str, body: schemas.UseReport, viewer: Viewer,
                     db: DbDep) -> Response:
    """Report a video that uses your cameo to the admins."""
    async with db.write() as session:
        cameo = await service.owned(session, owner=viewer, handle=handle)
        row = await oversight.report_use(session, cameo=cameo, generation_id=generation_id, reporter=viewer,
                                         details=body.details)
    return Json({"id": row.id, "status": row.status}, status_code=201)
