"""/api/admin/moderation (admins: the review queue, accounts, the audit log, the registry, appeals) and /api/appeals
(users). Reports of posts, comments and users stay at /api/admin/reports (kinora/app/social/routes/reports.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from kinora.app.deps import Admin, DbDep, RunnerDep, SettingsDep, StorageDep, Viewer
from kinora.app.moderation import appeals, registry, review, schemas
from kinora.app.moderation import service as moderation
from kinora.app.pages import PageDep, RowId, cursor_int
from kinora.app.responses import Json
from kinora.app.social.service import next_page

router = APIRouter(prefix="/api", tags=["moderation"])
ADMIN = "/admin/moderation"


@router.get(f"{ADMIN}/queue", response_model=schemas.HeldPage)
async def held_queue(user: Admin, db: DbDep, page: PageDep) -> Response:
    """Admins: generations held for review, oldest first, with the decision that held them. Reported posts,
    comments and users are in the report queue, GET /api/admin/reports."""
    async with db.read() as session:
        rows = await review.held(session, after=cursor_int(page, "seq"), limit=page.limit)
    items, cursor = next_page(rows, page.limit, lambda row: {"seq": row["seq"]})
    return Json({"items": [{k: v for k, v in row.items() if k != "seq"} for row in items], "next_cursor": cursor})


@router.post(f"{ADMIN}/generations/{{video_id}}", response_model=schemas.DecisionOut)
async def decide_held(video_id: str, body: schemas.ReviewDecision, user: Admin, db: DbDep, settings: SettingsDep,
                      storage: StorageDep, runner: RunnerDep) -> Response:
    """Admins: approve a held generation (its job runs, or its output shows) or remove it (its files are deleted)."""
    async with db.write() as session:
        gen, stored = await review.decide(session, settings=settings, admin_id=user.id, generation_id=video_id,
                                          action=body.action, note=body.note)
    if stored is not None:
        storage.delete(stored)
    elif runner is not None:
        runner.nudge()
    return Json({"id": gen.id, "status": gen.status, "error_code": gen.error_code})


@router.post(f"{ADMIN}/users/{{handle}}", response_model=schemas.AccountOut)
async def act_on_user(handle: str, body: schemas.UserAction, user: Admin, db: DbDep) -> Response:
    """Admins: warn an account, suspend it for some days (it cannot post, comment or generate), or lift that."""
    async with db.write() as session:
        account = await moderation.act_on_user(session, admin_id=user.id, handle=handle, action=body.action,
                                               days=body.days, note=body.note)
    return Json(moderation.account_json(account))


@router.get(f"{ADMIN}/events", response_model=schemas.EventPage)
async def audit_log(user: Admin, db: DbDep, page: PageDep,
                    handle: Annotated[str | None, Query(alias="user", max_length=40)] = None,
                    generation_id: Annotated[str | None, Query(max_length=64)] = None,
                    stage: str | None = None) -> Response:
    """Admins: the moderation audit log, newest first, by account (handle), generation or stage."""
    async with db.read() as session:
        rows = await moderation.events(session, handle=handle, generation_id=generation_id, stage=stage,
                                       before=cursor_int(page), limit=page.limit)
    items, cursor = next_page(rows, page.limit, lambda row: {"id": row["id"]})
    return Json({"items": items, "next_cursor": cursor})


@router.get(f"{ADMIN}/registry", response_model=schemas.RegistryPage)
async def list_registry(user: Admin, db: DbDep, page: PageDep, kind: str | None = None) -> Response:
    """Admins: this instance's public figures and rights entries (added to the shipped lists, or overriding them)."""
    async with db.read() as session:
        rows = await registry.listing(session, kind=kind, after=cursor_int(page), limit=page.limit)
    items, cursor = next_page(rows, page.limit, lambda row: {"id": row.id})
    return Json({"items": [registry.entry_json(row) for row in items], "next_cursor": cursor})


@router.post(f"{ADMIN}/registry", status_code=201, response_model=schemas.RegistryOut)
async def add_registry(body: schemas.RegistryCreate, user: Admin, db: DbDep) -> Response:
    """Admins: add a public figure, or a rights-protected work (allowed=true: its holder opted in here)."""
    async with db.write() as session:
        entry = await registry.add(session, admin_id=user.id, kind=body.kind, name=body.name, aliases=body.aliases,
                                   allowed=body.allowed, holder=body.holder, note=body.note)
    return Json(registry.entry_json(entry), status_code=201)


@router.patch(f"{ADMIN}/registry/{{entry_id}}", response_model=schemas.RegistryOut)
async def change_registry(entry_id: RowId, body: schemas.RegistryChange, user: Admin, db: DbDep) -> Response:
    """Admins: change a registry entry's aliases, opt-in, holder or note."""
    async with db.write() as session:
        entry = await registry.change(session, admin_id=user.id, entry_id=entry_id, aliases=body.aliases,
                                      allowed=body.allowed, holder=body.holder, note=body.note)
    return Json(registry.entry_json(entry))


@router.delete(f"{ADMIN}/registry/{{entry_id}}", status_code=204)
async def delete_registry(entry_id: RowId, user: Admin, db: DbDep) -> Response:
    """Admins: delete a registry entry (a shipped entry it overrode applies again)."""
    async with db.write() as session:
        await registry.delete(session, admin_id=user.id, entry_id=entry_id)
    return Response(status_code=204)


@router.get(f"{ADMIN}/appeals", response_model=schemas.AppealAdminPage)
async def appeal_queue(user: Admin, db: DbDep, page: PageDep, status: str = "open") -> Response:
    """Admins: appeals with the given status, oldest first, with the decision appealed and the prompt."""
    async with db.read() as session:
        rows = await appeals.listing(session, status=status, after=cursor_int(page), limit=page.limit)
    items, cursor = next_page(rows, page.limit, lambda row: {"id": row["id"]})
    return Json({"items": items, "next_cursor": cursor})


@router.post(f"{ADMIN}/appeals/{{appeal_id}}", response_model=schemas.AppealOut)
async def decide_appeal(appeal_id: RowId, body: schemas.AppealDecision, user: Admin, db: DbDep, settings: SettingsDep,
                        storage: StorageDep) -> Response:
    """Admins: grant an appeal (a held or removed video whose files remain is restored) or deny it."""
    async with db.write() as session:
        appeal = await appeals.decide(session, settings=settings, storage=storage, admin_id=user.id,
                                      appeal_id=appeal_id, decision=body.decision, note=body.note)
    return Json(appeals.appeal_json(appeal))


@router.post("/appeals", status_code=201, response_model=schemas.AppealOut)
async def create_appeal(body: schemas.AppealCreate, user: Viewer, db: DbDep) -> Response:
    """Appeal a moderation decision that blocked, held or removed your content (event_id: that decision's id)."""
    async with db.write() as session:
        appeal = await appeals.create(session, user_id=user.id, event_id=body.event_id, message=body.message)
    return Json(appeals.appeal_json(appeal), status_code=201)


@router.get("/appeals", response_model=schemas.AppealPage)
async def my_appeals(user: Viewer, db: DbDep, page: PageDep) -> Response:
    """Your appeals, newest first, with the moderators' decisions."""
    async with db.read() as session:
        rows = await appeals.mine(session, user_id=user.id, before=cursor_int(page), limit=page.limit)
    items, cursor = next_page(rows, page.limit, lambda row: {"id": row.id})
    return Json({"items": [appeals.appeal_json(row) for row in items], "next_cursor": cursor})
