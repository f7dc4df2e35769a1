"""/cameo/characters: character cameos (a pet, a toy, an object) made from a short clip, with the same permission
choices as a person's cameo; characters.js sends the clip to POST /api/cameos/characters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from starlette.responses import RedirectResponse, Response

from kinora.app.cameos import oversight, service
from kinora.app.deps import services
from kinora.app.web.deps import Visitor
from kinora.app.web.render import fragment, is_htmx, page
from kinora.app.web.routes.cameo import PERMISSION_WORDS, permission_choices

router = APIRouter(include_in_schema=False)
CharacterHandle = Annotated[str, Path(max_length=41)]


@router.get("/cameo/characters")
async def characters_page(request: Request, viewer: Visitor, made: str = "") -> Response:
    """Your characters, each with who may use it, and the form that makes a new one."""
    async with services(request).db.read() as session:
        rows = await service.characters_of(session, viewer)
    return await page(request, "cameo_characters.html", viewer, made=made[:41], choices=permission_choices(viewer),
                      characters=[service.cameo_json(row, mine=True) for row in rows], words=PERMISSION_WORDS)


@router.post("/cameo/characters/{handle}/permission")
async def set_permission(request: Request, viewer: Visitor, handle: CharacterHandle,
                         permission: Annotated[str, Form(max_length=16)]) -> Response:
    """Who may use this character: only_me, approved, mutuals or everyone (teens: only_me or approved)."""
    async with services(request).db.write() as session:
        row = await service.update_settings(session, owner=viewer, handle=handle, changes={"permission": permission})
    if not is_htmx(request):
        return RedirectResponse("/cameo/characters", status_code=303)
    return fragment(request, "partials/cameo_character.html", character=service.cameo_json(row, mine=True),
                    choices=permission_choices(viewer), words=PERMISSION_WORDS, saved=True)


@router.post("/cameo/characters/{handle}/delete")
async def delete_character(request: Request, viewer: Visitor, handle: CharacterHandle) -> Response:
    """Delete a character: other people's videos with it go (or turn private), as with a person's cameo."""
    found = services(request)
    async with found.db.write() as session:
        row = await service.owned(session, owner=viewer, handle=handle)
        await oversight.delete_cameo(session, settings=found.settings, storage=found.storage, cameo=row)
    await found.db.scrub()
    return RedirectResponse("/cameo/characters", status_code=303)
