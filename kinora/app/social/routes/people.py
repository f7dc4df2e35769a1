"""/api people: follow and block, and the lists of followers, following and blocked accounts."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from starlette.responses import Response

from kinora.app.deps import DbDep, MaybeViewer, Viewer
from kinora.app.pages import PageDep
from kinora.app.responses import Json
from kinora.app.social import graph
from kinora.app.social.notifications import HubDep, writing
from kinora.app.social.schemas import PersonPage, Relation
from kinora.app.social.service import id_of, next_page, user_public

router = APIRouter(tags=["people"])


@router.post("/users/{handle}/follow", response_model=Relation)
async def follow(handle: str, user: Viewer, db: DbDep, hub: HubDep) -> Response:
    """Follow someone (following again changes nothing)."""
    async with writing(db, hub) as session:
        other = await graph.follow(session, viewer_id=user.id, handle=handle)
        return Json(await graph.relation(session, viewer_id=user.id, user=other))


@router.delete("/users/{handle}/follow", response_model=Relation)
async def unfollow(handle: str, user: Viewer, db: DbDep) -> Response:
    """Stop following someone."""
    async with db.write() as session:
        other = await graph.unfollow(session, viewer_id=user.id, handle=handle)
        return Json(await graph.relation(session, viewer_id=user.id, user=other))


@router.post("/users/{handle}/block", response_model=Relation)
async def block(handle: str, user: Viewer, db: DbDep) -> Response:
    """Block someone: you stop seeing each other's posts and comments, and neither can follow the other."""
    async with db.write() as session:
        other = await graph.block(session, viewer_id=user.id, handle=handle)
        return Json(await graph.relation(session, viewer_id=user.id, user=other))


@router.delete("/users/{handle}/block", response_model=Relation)
async def unblock(handle: str, user: Viewer, db: DbDep) -> Response:
    """Unblock someone (earlier follows are not restored)."""
    async with db.write() as session:
        other = await graph.unblock(session, viewer_id=user.id, handle=handle)
        return Json(await graph.relation(session, viewer_id=user.id, user=other))


@router.get("/users/{handle}/followers", response_model=PersonPage)
async def followers(handle: str, user: MaybeViewer, db: DbDep, page: PageDep) -> Response:
    """Who follows the user, most recent first."""
    return await _people(handle, id_of(user), db, page, "followers")


@router.get("/users/{handle}/following", response_model=PersonPage)
async def following(handle: str, user: MaybeViewer, db: DbDep, page: PageDep) -> Response:
    """Whom the user follows, most recent first."""
    return await _people(handle, id_of(user), db, page, "following")


@router.get("/me/blocks", response_model=PersonPage)
async def my_blocks(user: Viewer, db: DbDep, page: PageDep) -> Response:
    """The accounts you blocked, most recent first."""
    async with db.read() as session:
        rows = await graph.blocks(session, viewer_id=user.id, cursor=page.cursor, limit=page.limit)
    items, cursor = next_page(rows, page.limit, lambda row: {"t": row["at"], "u": row["uid"]})
    return Json({"items": [{**user_public(row), "is_following": False} for row in items], "next_cursor": cursor})


async def _people(handle: str, viewer_id: int | None, db: DbDep, page: PageDep,
                  direction: Literal["followers", "following"]) -> Response:
    async with db.read() as session:
        of = await graph.person(session, handle=handle, viewer_id=viewer_id)
        rows = await graph.people(session, viewer_id=viewer_id, of=of.id, direction=direction, cursor=page.cursor,
                                  limit=page.limit)
    items, cursor = next_page(rows, page.limit, lambda row: {"t": row["at"], "u": row["uid"]})
    return Json({"items": [{**user_public(row), "is_following": bool(row["is_following"])} for row in items],
                 "next_cursor": cursor})
