"""/ (the feed when signed in, the welcome page when not), the feed's next pages, likes, comment sheets and
check-ins as htmx fragments, and /p/{id}, the share page of a public post."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from kinora.app.deps import services
from kinora.app.errors import InvalidRequest
from kinora.app.feed import candidates, foryou, wellbeing
from kinora.app.feed import service as feed
from kinora.app.pages import MAX_ID, PageParams, RowId, decode_cursor
from kinora.app.social import comments, likes, share
from kinora.app.social import service as social
from kinora.app.social.models import REPORT_CATEGORIES
from kinora.app.social.notifications import HubDep, writing
from kinora.app.users.models import User
from kinora.app.web.deps import MaybeVisitor, Visitor
from kinora.app.web.render import fragment, page

router = APIRouter(include_in_schema=False)
TABS = ("foryou", "following")
PAGE_SIZE, WELCOME_POSTS, COMMENTS_SHOWN = 6, 12, 50
REASONS = {"spam": "Spam", "harassment": "Harassment or bullying", "hate": "Hate", "violence": "Violence",
           "sexual": "Sexual content", "self_harm": "Self-harm", "minor_safety": "A minor's safety",
           "impersonation": "Impersonation", "likeness": "My likeness used without consent",
           "copyright": "Copyright", "other": "Something else"}
Tab = Annotated[str, Query(max_length=20)]
Cursor = Annotated[str | None, Query(max_length=2000)]


@router.get("/")
async def home(request: Request, viewer: MaybeVisitor, tab: Tab = "foryou") -> Response:
    """The feed (For You or Following), or the welcome page with recent public posts when signed out."""
    if viewer is None:
        return await page(request, "welcome.html", None, posts=await _recent_public(request))
    tab = _tab(tab)
    reasons = [(name, REASONS.get(name, name.replace("_", " ").capitalize())) for name in REPORT_CATEGORIES]
    return await page(request, "feed.html", viewer, tab=tab, reasons=reasons,
                      **await _feed(request, viewer, tab, None))


@router.get("/feed/more")
async def more(request: Request, viewer: Visitor, cursor: Cursor = None, tab: Tab = "foryou") -> Response:
    """The next page of the feed after `cursor`: posts, then another sentinel or an end card."""
    if not cursor:
        raise InvalidRequest("cursor is required: pass the next page's cursor the feed gave", param="cursor")
    return fragment(request, "partials/feed_items.html", **await _feed(request, viewer, _tab(tab), cursor))


@router.post("/feed/check-in")
async def check_in(request: Request, viewer: Visitor, mood: Annotated[str, Form(max_length=10)]) -> Response:
    """Answer the well-being check-in with a mood of 1-5, or skip it."""
    if mood != "skip" and mood not in {"1", "2", "3", "4", "5"}:
        raise InvalidRequest(f"mood must be 1-5 or skip; got {mood!r}", param="mood")
    await wellbeing.answer(services(request).db, user_id=viewer.id, mood=None if mood == "skip" else int(mood),
                           note="")
    return fragment(request, "partials/feed_checkin_done.html", skipped=mood == "skip")


@router.post("/feed/posts/{post_id}/like")
async def like(request: Request, post_id: RowId, viewer: Visitor, hub: HubDep) -> Response:
    """Like a post; answers the like button, pressed."""
    async with writing(services(request).db, hub) as session:
        await likes.like(session, viewer_id=viewer.id, post_id=post_id)
    return await _like_button(request, viewer, post_id)


@router.delete("/feed/posts/{post_id}/like")
async def unlike(request: Request, post_id: RowId, viewer: Visitor) -> Response:
    """Take a like back; answers the like button, not pressed."""
    async with services(request).db.write() as session:
        await likes.unlike(session, viewer_id=viewer.id, post_id=post_id)
    return await _like_button(request, viewer, post_id)


@router.get("/feed/posts/{post_id}/comments")
async def comment_sheet(request: Request, post_id: RowId, viewer: Visitor) -> Response:
    """The comment sheet's contents: the thread (oldest first) and the form to add a comment."""
    async with services(request).db.read() as session:
        threads = await comments.threads(session, viewer_id=viewer.id, post_id=post_id, after=None,
                                         limit=COMMENTS_SHOWN)
    return fragment(request, "partials/comment_sheet.html", post_id=post_id, threads=threads[:COMMENTS_SHOWN],
                    more=len(threads) > COMMENTS_SHOWN)


@router.post("/feed/posts/{post_id}/comments")
async def add_comment(request: Request, post_id: RowId, viewer: Visitor, hub: HubDep,
                      text: Annotated[str, Form(max_length=4 * comments.MAX_TEXT)],
                      parent_id: Annotated[str, Form(max_length=12)] = "") -> Response:
    """Comment on a post, or reply to one of its comments (parent_id); answers the new comment and, out of band,
    the post's new comment count."""
    parent = _parent_id(parent_id)
    db = services(request).db
    async with writing(db, hub) as session:
        made = await comments.create(session, viewer_id=viewer.id, post_id=post_id, text=text, parent_id=parent)
        row = await comments.one(session, comment_id=made.id)
    post = await social.one_post(db, viewer_id=viewer.id, post_id=post_id)
    return fragment(request, "partials/comment_added.html", comment=comments.comment_json(row), post=post)


@router.get("/p/{post_id}")
async def share_page(request: Request, post_id: str, viewer: MaybeVisitor) -> Response:
    """A public post with its video and link-preview (OpenGraph) tags; anything else is the same 404."""
    found = services(request)
    post = await share.public_post(found.db, post_id=post_id)
    base = (found.settings.public_url or str(request.base_url)).rstrip("/")
    response = await page(request, "share.html", viewer, post=post, base=base)
    # The page carries the visitor's CSRF token: a shared cache may keep it only per cookie.
    response.headers["cache-control"] = "private, max-age=60" if viewer else "public, max-age=60"
    response.headers["vary"] = "cookie"
    return response


def _parent_id(value: str) -> int | None:
    """The form's parent_id: empty for a top-level comment, else a comment id."""
    if not value:
        return None
    if not value.isdigit() or not 0 < int(value) <= MAX_ID:
        raise InvalidRequest(f"parent_id must be a comment id (a positive integer) or empty; got {value!r}",
                             param="parent_id")
    return int(value)


def _tab(tab: str) -> str:
    if tab not in TABS:
        raise InvalidRequest(f"tab must be one of {', '.join(TABS)}; got {tab[:20]!r}", param="tab")
    return tab


async def _feed(request: Request, viewer: User, tab: str, cursor: str | None) -> dict[str, Any]:
    """One page of the feed as the templates show it: items, the next page's URL, the end card, the check-in."""
    found = services(request)
    params = PageParams(cursor=decode_cursor(cursor) if cursor else None, limit=PAGE_SIZE)
    if tab == "following":
        body = await feed.following(found.db, viewer_id=viewer.id, params=params)
        end = None if body["next_cursor"] else {"reason": "following_end", "message": "You're all caught up."}
        body |= {"end": end, "check_in": False}
    else:
        body = await foryou.page(found.db, user=viewer, settings=found.settings, params=params)
    next_url = f"/feed/more?tab={tab}&cursor={body['next_cursor']}" if body["next_cursor"] else None
    return {"items": body["items"], "next_url": next_url, "end": body["end"], "check_in": body["check_in"],
            "first": cursor is None, "resets": _next_utc_midnight(), "question": wellbeing.QUESTION,
            "choices": wellbeing.CHOICES}


def _next_utc_midnight() -> datetime.datetime:
    tomorrow = datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(tomorrow, datetime.time(0), datetime.UTC)


async def _recent_public(request: Request) -> list[dict[str, Any]]:
    """The newest public posts, from the feed's shared pool of recent public posts (rebuilt every ~30 s)."""
    db = services(request).db
    pool = await candidates.pool(db)
    return await social.hydrate(db, viewer_id=None, post_ids=pool.ids[:WELCOME_POSTS].tolist())


async def _like_button(request: Request, viewer: User, post_id: int) -> Response:
    post = await social.one_post(services(request).db, viewer_id=viewer.id, post_id=post_id)
    return fragment(request, "partials/post_like.html", post=post)
