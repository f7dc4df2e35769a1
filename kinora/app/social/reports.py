"""Reports of posts, comments and users, and the admins' moderation queue. A report needs the target to be
visible to the reporter, so reports cannot probe for hidden things."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.errors import InvalidRequest, NotFound
from kinora.app.generations.models import Generation
from kinora.app.moderation import service as moderation
from kinora.app.social import comments, graph, posts
from kinora.app.social.models import REPORT_CATEGORIES, Comment, Post, Report
from kinora.app.social.schemas import ReportCreate, ReportResolve
from kinora.app.social.service import USER_COLUMNS, user_public
from kinora.app.social.visibility import get_visible
from kinora.app.users.models import User

MAX_DETAILS = 2000
STATUSES = ("open", "resolved", "dismissed")


async def create(session: AsyncSession, *, reporter_id: int, body: ReportCreate) -> Report:
    if body.category not in REPORT_CATEGORIES:
        raise InvalidRequest(f"category must be one of {', '.join(REPORT_CATEGORIES)}; got {body.category!r}",
                             param="category")
    if len(body.details) > MAX_DETAILS:
        raise InvalidRequest(f"details must be at most {MAX_DETAILS} characters; got {len(body.details)}",
                             param="details")
    target_id, target_user = await _target(session, reporter_id, body.target_type, body.target_id)
    report = Report(reporter_id=reporter_id, target_type=body.target_type, target_id=target_id,
                    target_user_id=target_user, category=body.category, details=body.details, created_at=time.time())
    session.add(report)
    await session.flush()
    return report


async def _target(session: AsyncSession, reporter_id: int, kind: str, target: int | str) -> tuple[str, int]:
    """The stored target id and the user responsible, if the reporter can see the target."""
    if kind == "user":
        user = await graph.person(session, handle=str(target), viewer_id=reporter_id)
        return user.handle, user.id
    number = _number(target)
    if kind == "post":
        post = await get_visible(session, viewer_id=reporter_id, post_id=number)
        return str(post.id), post.author_id
    comment = await comments.visible(session, viewer_id=reporter_id, comment_id=number, param="target_id")
    return str(comment.id), comment.author_id


def _number(target: int | str) -> int:
    if isinstance(target, int) or target.isdigit():
        return int(target)
    raise InvalidRequest(f"target_id must be the id (a number) of a post or comment; got {target!r}",
                         param="target_id")


def report_json(report: Report) -> dict[str, Any]:
    return {"id": report.id, "target_type": report.target_type, "target_id": report.target_id,
            "category": report.category, "details": report.details, "status": report.status,
            "created_at": int(report.created_at)}


# --- the moderation queue ------------------------------------------------------------------------------------

async def queue(session: AsyncSession, *, status: str, after: int | None, limit: int) -> list[dict[str, Any]]:
    """Reports with `status`, oldest first (limit + 1), each with what was reported as it is now."""
    if status not in STATUSES:
        raise InvalidRequest(f"status must be one of {', '.join(STATUSES)}; got {status!r}", param="status")
    query = select(Report).where(Report.status == status)
    if after is not None:
        query = query.where(Report.id > after)
    return await admin_json(session, list(await session.scalars(query.order_by(Report.id).limit(limit + 1))))


async def admin_json(session: AsyncSession, found: list[Report]) -> list[dict[str, Any]]:
    """The moderator's view of reports: who reported whom, and the reported content."""
    people = await _people(session, {i for r in found for i in (r.reporter_id, r.target_user_id, r.resolved_by) if i})
    return [{**report_json(r), "reporter": people.get(r.reporter_id), "target_user": people.get(r.target_user_id),
             "target": await _snapshot(session, r),
             "resolved_by": (people.get(r.resolved_by) or {}).get("handle"),
             "resolved_at": None if r.resolved_at is None else int(r.resolved_at)} for r in found]


async def _people(session: AsyncSession, ids: set[int]) -> dict[int | None, dict[str, Any]]:
    rows = await session.execute(select(User.id, *USER_COLUMNS).where(User.id.in_(ids)))
    return {row["id"]: user_public(row) for row in rows.mappings()}


async def _snapshot(session: AsyncSession, report: Report) -> dict[str, Any] | None:
    """The reported content for the moderator (regardless of its visibility), or None once it is gone."""
    if report.target_type == "post":
        row = (await session.execute(
            select(Post.id, Post.caption, Post.visibility, Generation.prompt)
            .join(Generation, Generation.id == Post.generation_id).where(Post.id == int(report.target_id)))).first()
        return None if row is None else {"post_id": row.id, "caption": row.caption, "visibility": row.visibility,
                                         "prompt": row.prompt}
    if report.target_type == "comment":
        found = await session.get(Comment, int(report.target_id))
        return None if found is None else {"comment_id": found.id, "post_id": found.post_id, "text": found.text}
    return {"handle": report.target_id}


async def resolve(session: AsyncSession, *, admin_id: int, report_id: int, body: ReportResolve) -> Report:
    """Close a report; with `remove`, delete the reported post or comment and close its other open reports too."""
    report = await session.get(Report, report_id)
    if report is None:
        raise NotFound(f"No report found with id {report_id}", param="report_id")
    closing = [report]
    if body.remove:
        await _remove(session, report)
        closing += list(await session.scalars(select(Report).where(
            Report.target_type == report.target_type, Report.target_id == report.target_id,
            Report.status == "open", Report.id != report.id)))
    now = time.time()
    for each in closing:
        each.status, each.resolved_by, each.resolved_at = body.status, admin_id, now
    await moderation.record(session, stage="report", outcome="remove" if body.remove else "approve",
                            user_id=report.target_user_id, reviewer_id=admin_id,
                            post_id=int(report.target_id) if report.target_type == "post" else None,
                            note=f"report {report.id} of {report.target_type} {report.target_id} "
                                 f"({report.category}): {body.status}")
    await session.flush()
    return report


async def _remove(session: AsyncSession, report: Report) -> None:
    if report.target_type == "user":
        raise InvalidRequest("remove: accounts are not removed from the report queue; resolve it and act on the "
                             "account separately", param="remove")
    if report.target_type == "post":
        post = await session.get(Post, int(report.target_id))
        if post is not None:
            await posts.remove(session, post)
    elif await session.get(Comment, int(report.target_id)) is not None:
        await comments.remove(session, viewer_id=None, comment_id=int(report.target_id))
