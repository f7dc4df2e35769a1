"""/api/reports and the admins' moderation queue."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from kinora.app.deps import Admin, DbDep, Viewer
from kinora.app.pages import PageDep, RowId, cursor_int
from kinora.app.responses import Json
from kinora.app.social import reports
from kinora.app.social.schemas import ReportAdmin, ReportCreate, ReportOut, ReportPage, ReportResolve
from kinora.app.social.service import next_page

router = APIRouter(tags=["reports"])


@router.post("/reports", status_code=201, response_model=ReportOut)
async def create_report(body: ReportCreate, user: Viewer, db: DbDep) -> Response:
    """Report a post, a comment or a user (by handle) to the admins."""
    async with db.write() as session:
        report = await reports.create(session, reporter_id=user.id, body=body)
    return Json(reports.report_json(report), status_code=201)


@router.get("/admin/reports", response_model=ReportPage)
async def report_queue(user: Admin, db: DbDep, page: PageDep, status: str = "open") -> Response:
    """Admins: reports with the given status, oldest first, with what was reported."""
    async with db.read() as session:
        rows = await reports.queue(session, status=status, after=cursor_int(page), limit=page.limit)
    items, cursor = next_page(rows, page.limit, lambda row: {"id": row["id"]})
    return Json({"items": items, "next_cursor": cursor})


@router.post("/admin/reports/{report_id}", response_model=ReportAdmin)
async def resolve_report(report_id: RowId, body: ReportResolve, user: Admin, db: DbDep) -> Response:
    """Admins: resolve or dismiss a report; remove=true deletes the reported post or comment."""
    async with db.write() as session:
        report = await reports.resolve(session, admin_id=user.id, report_id=report_id, body=body)
        shown = await reports.admin_json(session, [report])
    return Json(shown[0])
