"""/api/notifications: the list, read marks, the unread count and a server-sent-events stream."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query
from starlette.responses import Response, StreamingResponse

from kinora.app.deps import DbDep, Viewer
from kinora.app.pages import PageDep, cursor_int
from kinora.app.responses import Json
from kinora.app.social import notifications, stream
from kinora.app.social.notifications import HubDep
from kinora.app.social.schemas import NotificationPage, NotificationsRead, UnreadCount, Updated
from kinora.app.social.service import next_page

router = APIRouter(tags=["notifications"])


@router.get("/notifications", response_model=NotificationPage)
async def list_notifications(user: Viewer, db: DbDep, page: PageDep, unread: bool = False) -> Response:
    """Your notifications, newest first (only unread ones with unread=true)."""
    rows = await notifications.page(db, user_id=user.id, before=cursor_int(page), limit=page.limit + 1,
                                    unread=unread)
    items, cursor = next_page(rows, page.limit, lambda row: {"id": row["id"]})
    return Json({"items": [notifications.notification_json(row) for row in items], "next_cursor": cursor})


@router.post("/notifications/read", response_model=Updated)
async def read_notifications(user: Viewer, db: DbDep, body: NotificationsRead | None = None) -> Response:
    """Mark the given notifications read, or all of them when no ids are given."""
    async with db.write() as session:
        updated = await notifications.mark_read(session, user_id=user.id, ids=body.ids if body else None)
    return Json({"updated": updated})


@router.get("/notifications/unread-count", response_model=UnreadCount)
async def unread_count(user: Viewer, db: DbDep) -> Response:
    """How many of your notifications are unread."""
    return Json({"count": await notifications.unread_count(db, user_id=user.id)})


@router.get("/notifications/stream", response_class=StreamingResponse)
async def notification_stream(user: Viewer, db: DbDep, hub: HubDep,
                              last_event_id: Annotated[str | None, Header()] = None,
                              after: Annotated[int | None, Query(ge=0)] = None) -> Response:
    """Server-sent events: `event: notification` as they happen, a keep-alive comment every 15 s; reconnects
    resume after Last-Event-ID (or ?after=<id>)."""
    start = stream.start_after(last_event_id)
    events = stream.events(db, hub, user_id=user.id, after=start if start is not None else after)
    return StreamingResponse(events, media_type="text/event-stream",
                             headers={"cache-control": "no-cache", "x-accel-buffering": "no"})
