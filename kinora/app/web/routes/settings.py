"""/settings: one page of sections (feed, well-being, guardian lock, quota, API keys, invites, your data, password,
sign out) rendered from the services; its forms send JSON to /api through static/js/settings.js, which shows the
API's message by the field it names and re-renders the section from this page afterwards."""

from __future__ import annotations

import datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from kinora.app.deps import services
from kinora.app.feed import service as feed
from kinora.app.feed import wellbeing
from kinora.app.generations import service as generations
from kinora.app.pages import PageParams
from kinora.app.social import service as social
from kinora.app.users import invites
from kinora.app.users import service as users
from kinora.app.users.models import User
from kinora.app.web.deps import Visitor
from kinora.app.web.render import page

router = APIRouter(include_in_schema=False)
LISTED = PageParams(cursor=None, limit=50)  # tokens and invite codes shown; more is not a real account


@router.get("/settings")
async def settings_page(request: Request, viewer: Visitor) -> Response:
    """Your settings, each section with what it controls now."""
    context = {**await _feed(request, viewer), **await _account(request, viewer)}
    return await page(request, "settings.html", viewer, **context)


async def _feed(request: Request, viewer: User) -> dict[str, Any]:
    """What For You knows (as GET /api/me/feed-data), the see-less posts still visible, and the check-in."""
    found = services(request)
    data = await feed.feed_data(found.db, user=viewer)
    shown = {post["id"]: post for post in await social.hydrate(found.db, viewer_id=viewer.id,
                                                                post_ids=data["see_less"])}
    due = await wellbeing.checkin_due(found.db, user=viewer, every_days=found.settings.checkin_days)
    return {"feed": data, "see_less": [{"id": post_id, "post": shown.get(post_id)} for post_id in data["see_less"]],
            "check_in": wellbeing.prompt(due), "checkin_days": found.settings.checkin_days}


async def _account(request: Request, viewer: User) -> dict[str, Any]:
    """Today's quota, the personal tokens (never the tokens themselves) and the invite codes."""
    found = services(request)
    async with found.db.read() as session:
        quota = await generations.quota(session, settings=found.settings, user=viewer)
        keys, _ = await users.list_tokens(session, user_id=viewer.id, page=LISTED)
        codes, _ = await invites.list_page(session, user_id=viewer.id, page=LISTED)
    return {
        "quota": {"used": quota.used, "limit": quota.limit, "remaining": quota.remaining, "tier": quota.tier,
                  "resets_at": generations.iso(quota.resets_at), "resets_in": _until(quota.resets_at)},
        "tokens": [{"prefix": key.prefix, "name": key.name, "created_at": key.created_at,
                    "last_used_at": key.last_used_at} for key in keys],
        "invites": [{"code": code.code, "uses_left": code.uses_left, "created_at": code.created_at}
                    for code in codes],
    }


def _until(moment: datetime.datetime) -> str:
    """"in 5 h 12 min": how long until `moment`."""
    minutes = max(0, int((moment - datetime.datetime.now(datetime.UTC)).total_seconds() // 60))
    return f"in {minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"in {minutes} min"
