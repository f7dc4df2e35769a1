"""/create: the prompt form (with @cameo suggestions), remixes of a post, and live progress of what it starts.

create.js sends the form to POST /api/generations and follows GET /api/generations/{id}/events; without
JavaScript the form posts here and lands on /drafts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from kinora.app.deps import services
from kinora.app.errors import DomainError, InvalidRequest, Unavailable
from kinora.app.generations import checks
from kinora.app.generations import service as generations
from kinora.app.generations.schemas import CreateParams
from kinora.app.generations.screening import screening
from kinora.app.pages import MAX_ID
from kinora.app.social import service as social
from kinora.app.users.models import User
from kinora.app.web.deps import Visitor
from kinora.app.web.render import page
from kinora.config import Settings

router = APIRouter(include_in_schema=False)
ORIENTATIONS = ("portrait", "landscape")
PostId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
PostFormId = Annotated[int | None, Form(ge=1, le=MAX_ID)]


def model_choices(settings: Settings) -> list[dict[str, Any]]:
    """Each model with the seconds it allows and whether it takes a starting image; models whose weights are not
    installed are left out."""
    found = []
    for name in settings.models:
        try:
            target = checks.model(settings, name)
        except Unavailable:
            continue
        found.append({"name": name, "seconds": checks.allowed_seconds(target), "image": target.caps.image_input})
    return found


def sizes(settings: Settings) -> dict[str, str]:
    """The default size in both orientations: portrait is the taller one."""
    a, b = sorted(int(side) for side in settings.default_size.split("x"))
    return {"portrait": f"{a}x{b}", "landscape": f"{b}x{a}"}


async def form_context(request: Request, viewer: User, remix: int | None) -> dict[str, Any]:
    found = services(request)
    settings = found.settings
    source = await social.one_post(found.db, viewer_id=viewer.id, post_id=remix) if remix is not None else None
    if source is not None and not source["allow_remix"] and source["author"]["handle"] != viewer.handle:
        raise InvalidRequest(f"remix: the author of post {remix} does not allow remixes of it", param="remix")
    async with found.db.read() as session:
        quota = await generations.quota(session, settings=settings, user=viewer)
    size = settings.default_size.split("x")
    return {"models": model_choices(settings), "default_model": settings.default_model, "sizes": sizes(settings),
            "default_seconds": settings.default_seconds, "source": source, "quota": quota,
            "default_orientation": "portrait" if int(size[0]) <= int(size[1]) else "landscape"}


@router.get("/create")
async def create_page(request: Request, viewer: Visitor, remix: PostId = None) -> Response:
    context = await form_context(request, viewer, remix)
    return await page(request, "create.html", viewer, error=None, prompt="", **context)


@router.post("/create")
async def create_form(request: Request, viewer: Visitor, prompt: Annotated[str, Form(max_length=checks.MAX_PROMPT)],
                      seconds: Annotated[str, Form(max_length=4)] = "",
                      orientation: Annotated[str, Form(max_length=12)] = "",
                      model: Annotated[str, Form(max_length=80)] = "", remix_of: PostFormId = None) -> Response:
    """The form without JavaScript: start the generation and show the drafts, or the form again with the reason."""
    try:
        await start(request, viewer, prompt=prompt, seconds=seconds, orientation=orientation, model=model,
                    remix_of=remix_of)
    except DomainError as error:
        context = await form_context(request, viewer, remix_of)
        return await page(request, "create.html", viewer, status_code=error.status, error=error, prompt=prompt,
                          **context)
    return RedirectResponse("/drafts", status_code=303)


async def start(request: Request, viewer: User, *, prompt: str, seconds: str, orientation: str, model: str,
                remix_of: int | None) -> None:
    found = services(request)
    async with screening(found.db, found.settings) as screen, found.db.write() as session:
        if remix_of is not None:
            for name, value in (("seconds", seconds), ("orientation", orientation), ("model", model)):
                if value:
                    raise InvalidRequest(f"{name}: a remix keeps the {name} of post {remix_of}; leave it out",
                                         param=name)
            await generations.remix_post(session, settings=found.settings, owner=viewer, post_id=remix_of,
                                         prompt=prompt, screen=screen)
        else:
            if orientation not in ORIENTATIONS:
                raise InvalidRequest(f"orientation must be 'portrait' or 'landscape'; got {orientation!r}",
                                     param="orientation")
            params = CreateParams(prompt=prompt, model=model or None, seconds=seconds or None,
                                  size=sizes(found.settings)[orientation])
            await generations.create(session, settings=found.settings, storage=found.storage, owner=viewer,
                                     params=params, screen=screen)
    if request.app.state.runner is not None:
        request.app.state.runner.nudge()
