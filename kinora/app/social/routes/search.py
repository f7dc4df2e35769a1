"""/api/search: people and posts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from kinora.app.deps import DbDep, MaybeViewer
from kinora.app.pages import PageDep, cursor_int
from kinora.app.responses import Json
from kinora.app.social import search
from kinora.app.social.schemas import SearchResult
from kinora.app.social.service import id_of, post_page, user_public

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchResult)
async def search_all(q: Annotated[str, Query()], user: MaybeViewer, db: DbDep, page: PageDep) -> Response:
    """People whose handle or name contains q (first page only), and posts whose caption or prompt does."""
    like, viewer_id = search.pattern(q), id_of(user)
    before = cursor_int(page)
    async with db.read() as session:
        people = [] if before is not None else await search.users(session, viewer_id=viewer_id, like=like)
        ids = await search.post_ids(session, viewer_id=viewer_id, like=like, before=before, limit=page.limit)
    return Json({"users": [user_public(row) for row in people],
                 "posts": await post_page(db, viewer_id=viewer_id, ids=ids, limit=page.limit)})
