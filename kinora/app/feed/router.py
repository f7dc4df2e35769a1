"""/api: The Following and For You feeds, steering, feedback and well-being check-ins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from kinora.app.deps import Admin, DbDep, SettingsDep, Viewer
from kinora.app.feed import foryou, service, steering, wellbeing
from kinora.app.feed.schemas import (
    CheckInIn,
    CheckInOut,
    CheckInPrompt,
    FeedData,
    FollowingPage,
    ForYouPage,
    HiddenOut,
    SeeLessOut,
    SteeringIn,
    SteeringOut,
    ViewIn,
    ViewOut,
    WellbeingReport,
)
from kinora.app.pages import PageDep, RowId
from kinora.app.responses import Json

router = APIRouter(prefix="/api", tags=["feed"])


@router.get("/feed/following", response_model=FollowingPage)
async def following(user: Viewer, db: DbDep, page: PageDep) -> Response:
    """Posts by people you follow, newest first."""
    return Json(await service.following(db, viewer_id=user.id, params=page))


@router.get("/feed/for-you", response_model=ForYouPage)
async def for_you(user: Viewer, db: DbDep, settings: SettingsDep, page: PageDep) -> Response:
    """Your ranked feed: people you know first, then remixes, popular, steered and exploration picks."""
    return Json(await foryou.page(db, user=user, settings=settings, params=page))


@router.get("/me/feed-preferences", response_model=SteeringOut)
async def get_preferences(user: Viewer, db: DbDep) -> Response:
    """How you steer For You, and what the feed read from it."""
    return Json(service.steering_json(await steering.load(db, user_id=user.id)))


@router.put("/me/feed-preferences", response_model=SteeringOut)
async def put_preferences(body: SteeringIn, user: Viewer, db: DbDep) -> Response:
    """Steer For You in plain language ("more cooking and animals, less sports, nothing scary")."""
    saved = await steering.save(db, user_id=user.id, instruction=body.instruction)
    foryou.changed(db, user.id)
    return Json(service.steering_json(saved))


@router.delete("/me/feed-preferences", status_code=204)
async def delete_preferences(user: Viewer, db: DbDep) -> Response:
    """Stop steering For You."""
    await steering.clear(db, user_id=user.id)
    foryou.changed(db, user.id)
    return Response(status_code=204)


@router.post("/posts/{post_id}/view", response_model=ViewOut)
async def view(post_id: RowId, body: ViewIn, user: Viewer, db: DbDep) -> Response:
    """Report watching a post (clients send it as playback ends or is left); watched posts leave For You."""
    return Json(await service.record_view(db, viewer_id=user.id, post_id=post_id, fraction=body.watched_fraction,
                                          completed=body.completed))


@router.post("/posts/{post_id}/see-less", status_code=201, response_model=SeeLessOut)
async def see_less(post_id: RowId, user: Viewer, db: DbDep) -> Response:
    """See less like this: For You moves away from posts similar to this one."""
    await service.see_less(db, viewer_id=user.id, post_id=post_id, on=True)
    foryou.changed(db, user.id)
    return Json({"post_id": post_id, "see_less": True}, status_code=201)


@router.delete("/posts/{post_id}/see-less", status_code=204)
async def undo_see_less(post_id: RowId, user: Viewer, db: DbDep) -> Response:
    """Take back a "see less like this"."""
    await service.see_less(db, viewer_id=user.id, post_id=post_id, on=False)
    foryou.changed(db, user.id)
    return Response(status_code=204)


@router.post("/users/{handle}/hide", status_code=201, response_model=HiddenOut)
async def hide(handle: str, user: Viewer, db: DbDep) -> Response:
    """Hide a creator: their posts never appear in your For You feed."""
    await service.hide_creator(db, viewer_id=user.id, handle=handle, on=True)
    foryou.changed(db, user.id)
    return Json({"handle": handle.lower(), "hidden": True}, status_code=201)


@router.delete("/users/{handle}/hide", status_code=204)
async def unhide(handle: str, user: Viewer, db: DbDep) -> Response:
    """Let a hidden creator's posts back into For You."""
    await service.hide_creator(db, viewer_id=user.id, handle=handle, on=False)
    foryou.changed(db, user.id)
    return Response(status_code=204)


@router.get("/me/feed-data", response_model=FeedData)
async def feed_data(user: Viewer, db: DbDep) -> Response:
    """Everything For You uses about you."""
    return Json(await service.feed_data(db, user=user))


@router.delete("/me/feed-data", status_code=204)
async def clear_feed_data(user: Viewer, db: DbDep) -> Response:
    """Clear your steering, "see less" and hidden creators, and your watch history."""
    await service.clear_feed_data(db, user_id=user.id)
    foryou.changed(db, user.id)
    return Response(status_code=204)


@router.get("/me/check-in", response_model=CheckInPrompt)
async def check_in(user: Viewer, db: DbDep, settings: SettingsDep) -> Response:
    """The well-being check-in, and whether it is due."""
    due = await wellbeing.checkin_due(db, user=user, every_days=settings.checkin_days)
    return Json(wellbeing.prompt(due))


@router.post("/me/check-in", status_code=201, response_model=CheckInOut)
async def answer_check_in(body: CheckInIn, user: Viewer, db: DbDep) -> Response:
    """Answer the check-in (mood 1-5) or skip it (mood null)."""
    row = await wellbeing.answer(db, user_id=user.id, mood=body.mood, note=body.note)
    return Json({"id": row.id, "mood": row.mood, "note": row.note, "created_at": int(row.created_at)},
                status_code=201)


@router.get("/admin/wellbeing", response_model=WellbeingReport)
async def wellbeing_report(_admin: Admin, db: DbDep,
                           weeks: Annotated[int, Query(ge=1, le=520)] = 12) -> Response:
    """Check-in answers per ISO week, for everyone and for teen accounts."""
    return Json(await wellbeing.report(db, weeks=weeks))
