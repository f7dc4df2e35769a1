"""/cameo: record and verify yourself (the camera page), then your cameo's settings: who may use it, their
requests, restrictions, details, the kept recording, deleting it; /cameo/uses: every video with you in it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from kinora.app.cameos import access, oversight, service, verification
from kinora.app.cameos.models import PERMISSIONS, TEEN_PERMISSIONS, Cameo
from kinora.app.deps import services
from kinora.app.errors import InvalidRequest, NotFound
from kinora.app.files import file_response
from kinora.app.users import ages
from kinora.app.users.models import User
from kinora.app.web.deps import Visitor
from kinora.app.web.render import fragment, is_htmx, page
from kinora.cameos import restrictions as rules

router = APIRouter(include_in_schema=False)
RECORD_SECONDS = (4, 10)  # the Stop button wakes after the first, the recording stops itself at the second
ACTIONS = ("approve", "deny", "revoke")
USES_PER_PAGE = 24
PERMISSION_WORDS = {
    "only_me": ("Only me", "Nobody else can put you in a video."),
    "approved": ("People I approve", "Only the people you approve by name below."),
    "mutuals": ("Mutuals", "People you follow who follow you back, and people you approve."),
    "everyone": ("Everyone", "Any member. Teen accounts still need your approval by name."),
}
Handle = Annotated[str, Form(max_length=41)]


@router.get("/cameo")
async def cameo_page(request: Request, viewer: Visitor, ready: bool = False, rerecord: bool = False,
                     deleted: bool = False) -> Response:
    """Your cameo's settings, or (without one, or re-recording) the camera page with your open challenge."""
    async with services(request).db.read() as session:
        row = await service.person_of(session, viewer)
        if row is None or rerecord:
            challenge = await verification.open_challenge(session, user=viewer)
            return await page(request, "cameo_capture.html", viewer, cameo=row, record=RECORD_SECONDS, deleted=deleted,
                              challenge=None if challenge is None else verification.challenge_json(challenge))
        context = await _settings(session, viewer, row)
    return await page(request, "cameo.html", viewer, ready=ready, **context)


@router.post("/cameo/permission")
async def set_permission(request: Request, viewer: Visitor, permission: Annotated[str, Form(max_length=16)]
                         ) -> Response:
    """Who may use your cameo: only_me, approved, mutuals or everyone (teens: only_me or approved)."""
    row = await _change(request, viewer, {"permission": permission})
    return _answer(request, "partials/cameo_permission.html", **_permission_context(viewer, row), saved=True)


@router.post("/cameo/details")
async def set_details(request: Request, viewer: Visitor, name: Annotated[str, Form(max_length=200)],
                      appearance: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Your cameo's display name and appearance notes (what engines are told about you)."""
    try:
        row = await _change(request, viewer, {"name": name, "appearance": appearance})
    except InvalidRequest as error:
        if not is_htmx(request):
            raise
        return _answer(request, "partials/cameo_details.html", status_code=error.status, error=error,
                       cameo={"name": name, "appearance": appearance})
    return _answer(request, "partials/cameo_details.html", cameo=service.cameo_json(row, mine=True), error=None,
                   saved=True)


@router.post("/cameo/restrictions")
async def set_restrictions(request: Request, viewer: Visitor,
                           restrictions: Annotated[str, Form(max_length=(rules.MAX_LENGTH + 2) * 40)] = ""
                           ) -> Response:
    """Plain-language rules, one a line ("no political content"); the refusal names the line it cannot read."""
    lines = [line.strip() for line in restrictions.splitlines() if line.strip()]
    try:
        row = await _change(request, viewer, {"restrictions": lines})
    except InvalidRequest as error:
        if not is_htmx(request):
            raise
        return _answer(request, "partials/cameo_restrictions.html", status_code=error.status, error=error,
                       text=restrictions)
    return _answer(request, "partials/cameo_restrictions.html", text="\n".join(row.restrictions), error=None,
                   saved=True)


@router.post("/cameo/access")
async def decide(request: Request, viewer: Visitor, handle: Handle,
                 action: Annotated[str, Form(max_length=10)]) -> Response:
    """Approve or deny someone's request, approve anyone by handle, or revoke an approval."""
    if action not in ACTIONS:
        raise InvalidRequest(f"action must be one of {', '.join(ACTIONS)}; got {action!r}", param="action")
    if not handle.strip().lstrip("@"):
        raise InvalidRequest("handle is required: the member to approve, deny or revoke, like @maya", param="handle")
    async with services(request).db.write() as session:
        row = await _mine(session, viewer)
        await access.decide(session, cameo=row, handle=handle.strip(), action=action)
        context = await _access_context(session, row) | {"done": (handle.strip().lstrip("@").lower(), action)}
    return _answer(request, "partials/cameo_access.html", **context)


@router.post("/cameo/clip/delete")
async def drop_clip(request: Request, viewer: Visitor) -> Response:
    """Delete the verification recording you chose to keep; the cameo stays."""
    found = services(request)
    async with found.db.write() as session:
        await service.clear_clip(session, storage=found.storage, row=await _mine(session, viewer))
    return RedirectResponse("/cameo", status_code=303)


@router.post("/cameo/delete")
async def delete_cameo(request: Request, viewer: Visitor) -> Response:
    """Delete your cameo: face and voice data now; other people's videos with you removed or made private."""
    found = services(request)
    async with found.db.write() as session:
        await oversight.delete_cameo(session, settings=found.settings, storage=found.storage,
                                     cameo=await _mine(session, viewer))
    await found.db.scrub()
    return RedirectResponse("/cameo?deleted=1", status_code=303)


@router.get("/cameo/uses")
async def uses_page(request: Request, viewer: Visitor, before: Annotated[float | None, Query(ge=0)] = None
                    ) -> Response:
    """Videos with me: every draft and post that uses your cameo, whoever made it."""
    async with services(request).db.read() as session:
        row = await service.person_of(session, viewer)
        items = [] if row is None else await oversight.uses(session, cameo=row, before=before, limit=USES_PER_PAGE)
    older = items[-1]["created_at"] if len(items) == USES_PER_PAGE else None
    return await page(request, "cameo_uses.html", viewer, cameo=row, items=items, older=older)


@router.get("/cameo/uses/{generation_id}/thumbnail")
async def use_thumbnail(request: Request, viewer: Visitor, generation_id: str) -> Response:
    """The thumbnail of a finished video that uses your cameo (yours to see, whoever made it)."""
    found = services(request)
    async with found.db.read() as session:
        key = await oversight.thumbnail_key(session, cameo=await _mine(session, viewer),
                                            generation_id=generation_id[:64])
    try:
        return file_response(request, found.storage.path(key), media_type="image/webp")
    except FileNotFoundError as e:
        raise NotFound(f"the thumbnail of video {generation_id} is missing", param="generation_id") from e


# --- helpers -----------------------------------------------------------------------------------------------------


async def _mine(session: AsyncSession, viewer: User) -> Cameo:
    row = await service.person_of(session, viewer)
    if row is None:
        raise NotFound("You have no cameo yet: record one at /cameo", param="handle")
    return row


async def _change(request: Request, viewer: User, changes: dict[str, Any]) -> Cameo:
    async with services(request).db.write() as session:
        row = await _mine(session, viewer)
        return await service.update_settings(session, owner=viewer, handle=row.handle, changes=changes)


async def _settings(session: AsyncSession, viewer: User, row: Cameo) -> dict[str, Any]:
    return {"cameo": service.cameo_json(row, mine=True), "error": None, "text": "\n".join(row.restrictions),
            **_permission_context(viewer, row), **await _access_context(session, row)}


def _permission_context(viewer: User, row: Cameo) -> dict[str, Any]:
    return {"permission": row.permission, "teen": ages.is_teen(viewer), "choices": permission_choices(viewer)}


def permission_choices(viewer: User) -> list[tuple[str, str, str, bool]]:
    """(value, label, explanation, allowed for this owner) for each permission."""
    allowed = TEEN_PERMISSIONS if ages.is_teen(viewer) else PERMISSIONS
    return [(value, *PERMISSION_WORDS[value], value in allowed) for value in PERMISSIONS]


async def _access_context(session: AsyncSession, row: Cameo) -> dict[str, Any]:
    rows = await access.listing(session, cameo=row, status=None)
    return {"requested": [user for grant, user in rows if grant.status == "requested"],
            "approved": [user for grant, user in rows if grant.status == "approved"], "done": None}


def _answer(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """htmx swaps the section in place; a plain form post (no JavaScript) goes back to the settings page."""
    if is_htmx(request):
        return fragment(request, template, status_code=status_code, **context)
    return RedirectResponse("/cameo", status_code=303)
