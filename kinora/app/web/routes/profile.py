"""/@{handle}: a member's profile with the grid of their posts (or remixes) the visitor may see, and /profile, the
form that edits your own name, bio and handle. Follow, block and the avatar go to /api from static/js/profile.js."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from kinora.app.deps import services
from kinora.app.errors import DomainError, InvalidRequest
from kinora.app.pages import MAX_ID
from kinora.app.social import posts
from kinora.app.social import service as social
from kinora.app.users import profiles
from kinora.app.users import service as users
from kinora.app.users.models import User
from kinora.app.web.deps import MaybeVisitor, Visitor
from kinora.app.web.render import fragment, page

router = APIRouter(include_in_schema=False)
TABS = ("posts", "remixes")
GRID = 24  # thumbnails per page of the grid
Before = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.get("/@{handle}")
async def profile_page(request: Request, handle: str, viewer: MaybeVisitor, tab: str = "posts",
                       before: Before = None) -> Response:
    """A profile: the person, their counts, how they relate to you, and a page of their grid."""
    person, grid = await _load(request, handle, viewer, tab, before)
    return await page(request, "profile.html", viewer, person=person, tab=tab, grid=grid, error=None,
                      form=_form(person))


@router.get("/@{handle}/grid")
async def more_grid(request: Request, handle: str, viewer: MaybeVisitor, tab: str = "posts",
                    before: Before = None) -> Response:
    """The next thumbnails of a profile's grid, for the grid's "More" button."""
    person, grid = await _load(request, handle, viewer, tab, before)
    return fragment(request, "partials/profile_grid.html", person=person, tab=tab, grid=grid)


@router.post("/profile")
async def edit_profile(request: Request, viewer: Visitor, display_name: Annotated[str, Form(max_length=1000)] = "",
                       bio: Annotated[str, Form(max_length=5000)] = "",
                       handle: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Change your display name, bio and handle; a refusal shows the form again with the reason by its field."""
    found = services(request)
    try:
        async with found.db.write() as session:
            user = await users.update_profile(session, settings=found.settings, user_id=viewer.id,
                                              display_name=display_name, bio=bio, handle=handle)
    except DomainError as error:
        person, grid = await _load(request, viewer.handle, viewer, "posts", None)
        typed = {"display_name": display_name, "bio": bio, "handle": handle}
        return await page(request, "profile.html", viewer, status_code=error.status, person=person, tab="posts",
                          grid=grid, error=error, form=typed)
    return RedirectResponse(f"/@{user.handle}", status_code=303)


def _form(person: dict[str, Any]) -> dict[str, str]:
    return {"display_name": person["display_name"], "bio": person["bio"], "handle": person["handle"]}


async def _load(request: Request, handle: str, viewer: User | None, tab: str,
                before: int | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The profile as /api/users/{handle} gives it, and a page of its grid: the posts (or remixes) the viewer may
    see, as /api/users/{handle}/posts filters them."""
    if tab not in TABS:
        raise InvalidRequest(f"tab must be one of {', '.join(TABS)}; got {tab[:40]!r}", param="tab")
    db, viewer_id = services(request).db, social.id_of(viewer)
    async with db.read() as session:
        person = await profiles.profile(session, handle=handle, viewer_id=viewer_id)
        author = await profiles.find(session, handle=handle, viewer_id=viewer_id)
        pick = posts.by_author if tab == "posts" else posts.remixes_by
        ids = await pick(session, viewer_id=viewer_id, author_id=author.id, before=before, limit=GRID)
    items = await social.hydrate(db, viewer_id=viewer_id, post_ids=ids[:GRID])
    more = ids[GRID - 1] if len(ids) > GRID else None
    return {**person, "is_me": viewer_id == author.id}, {"items": items, "before": more}
