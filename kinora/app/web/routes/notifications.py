"""/notifications: your notifications as sentences, newest first and paged; static/js/notifications.js marks them
read and puts new ones (the "kinora:notification" event) at the top, rendered by /notifications/item/{id}."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from kinora.app.deps import services
from kinora.app.errors import NotFound
from kinora.app.pages import MAX_ID
from kinora.app.social import comments, notifications
from kinora.app.web.deps import Visitor
from kinora.app.web.render import fragment, page

router = APIRouter(include_in_schema=False)
PAGE = 30
QUOTE = 140  # characters of a comment quoted in its notification
# type -> what the actor did, as the rest of the sentence after "@actor"
SENTENCES = {
    "like": "liked your post", "comment": "commented:", "reply": "replied to your comment:",
    "remix": "remixed your post", "follow": "followed you", "mention": "mentioned you",
    "cameo": "used your cameo in a video", "cameo_request": "asked to use your cameo",
    "cameo_approved": "approved your request to use their cameo",
}


@router.get("/notifications")
async def notifications_page(request: Request, viewer: Visitor,
                             before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> Response:
    """A page of your notifications, newest first (older ones below `before`)."""
    items = await _items(request, viewer.id, before=before, limit=PAGE + 1)
    older = items[PAGE - 1]["id"] if len(items) > PAGE else None
    return await page(request, "notifications.html", viewer, items=items[:PAGE], older=older, before=before)


@router.get("/notifications/item/{notification_id}")
async def one_notification(request: Request, viewer: Visitor,
                           notification_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Response:
    """One notification as the list shows it (for the live updates of an open page)."""
    found = await _items(request, viewer.id, before=notification_id + 1, limit=1)
    if not found or found[0]["id"] != notification_id:
        raise NotFound(f"No notification found with id {notification_id}", param="notification_id")
    return fragment(request, "partials/notification_item.html", n=found[0])


async def _items(request: Request, user_id: int, *, before: int | None, limit: int) -> list[dict[str, Any]]:
    """The notifications as /api/notifications gives them, with their sentence, link and any comment quoted."""
    db = services(request).db
    rows = await notifications.page(db, user_id=user_id, before=before, limit=limit, unread=False)
    items = [notifications.notification_json(row) for row in rows]
    comment_ids = [n["comment_id"] for n in items if n["comment_id"] is not None]
    async with db.read() as session:
        texts = await comments.texts(session, comment_ids)
    return [describe(n, texts.get(n["comment_id"] or 0)) for n in items]


def describe(n: Mapping[str, Any], comment: str | None) -> dict[str, Any]:
    """The notification with `sentence` (what happened, after the actor's @handle), `quote` and `href`."""
    kind, actor = n["type"], n["actor"]
    sentence = SENTENCES.get(kind, f"sent you a notification ({kind})")
    if kind == "mention" and comment is not None:
        sentence = "mentioned you in a comment:"
    quote = comment[:QUOTE] + ("…" if len(comment) > QUOTE else "") if comment and sentence.endswith(":") else ""
    if kind in ("follow", "cameo_approved") and actor is not None:
        href = f"/@{actor['handle']}"
    elif kind in ("cameo", "cameo_request"):
        href = "/cameo"
    elif n["post_id"] is not None:
        href = f"/p/{n['post_id']}"
    else:
        href = "/notifications"
    when = datetime.datetime.fromtimestamp(n["created_at"], datetime.UTC).isoformat(timespec="seconds")
    return {**n, "sentence": sentence if quote else sentence.rstrip(":"), "quote": quote, "href": href,
            "iso": when}
