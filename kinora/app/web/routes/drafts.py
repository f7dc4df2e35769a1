"""/drafts: your finished, unposted generations and the ones still running. drafts.js publishes (POST /api/posts)
and deletes (DELETE /api/drafts/{id}) from dialogs, and follows running ones until they become draft cards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from kinora.app.deps import services
from kinora.app.generations import service as generations
from kinora.app.pages import MAX_ID
from kinora.app.social import service as social
from kinora.app.users import ages
from kinora.app.users.models import User
from kinora.app.web.deps import Visitor
from kinora.app.web.render import fragment, page

router = APIRouter(include_in_schema=False)
PAGE = 24  # draft cards per page
RUNNING = 20  # running generations shown above them
VISIBILITY = (("public", "Everyone"), ("followers", "Followers"), ("mutuals", "Mutuals"), ("private", "Only me"))


async def remix_sources(request: Request, viewer: User, drafts: Sequence[Mapping[str, Any]]) -> dict[int, Any]:
    """The posts the drafts remix that the viewer may still see, by id."""
    ids = sorted({d["remix_of"] for d in drafts if d["remix_of"] is not None})
    found = await social.hydrate(services(request).db, viewer_id=viewer.id, post_ids=ids)
    return {post["id"]: post for post in found}


@router.get("/drafts")
async def drafts_page(request: Request, viewer: Visitor,
                      before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> Response:
    db = services(request).db
    running = [] if before else await generations.app_running(db, owner_id=viewer.id, limit=RUNNING)
    rows = await generations.app_page(db, owner_id=viewer.id, before=before, limit=PAGE, drafts=True)
    drafts = [generations.app_view(row) for row in rows[:PAGE]]
    more = rows[PAGE - 1]["seq"] if len(rows) > PAGE else None
    return await page(request, "drafts.html", viewer, drafts=drafts, more=more, visibility=VISIBILITY,
                      running=[generations.app_view(row) for row in running],
                      sources=await remix_sources(request, viewer, drafts),
                      default_visibility="followers" if ages.is_teen(viewer) else "public")


@router.get("/drafts/{generation_id}/card")
async def draft_card(request: Request, viewer: Visitor,
                     generation_id: Annotated[str, Path(max_length=64)]) -> Response:
    """One card, as drafts.js swaps it in when a running generation finishes."""
    draft = generations.app_view(await generations.app_one(services(request).db, owner_id=viewer.id,
                                                           gen_id=generation_id))
    return fragment(request, "partials/draft_card.html", d=draft,
                    sources=await remix_sources(request, viewer, [draft]))
