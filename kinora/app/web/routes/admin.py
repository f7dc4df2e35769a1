"""/admin: the instance's administration for admins (anyone else gets the 404 page). One page per section
(invites, held generations, reports, appeals, accounts, the rights registry, well-being); every action is an
htmx form that calls the domain service and answers with the changed piece of the page and a toast."""

from __future__ import annotations

import datetime
import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from kinora.app.deps import services
from kinora.app.errors import InvalidRequest, NotFound
from kinora.app.feed import wellbeing
from kinora.app.files import file_response
from kinora.app.moderation import appeals, registry, review
from kinora.app.moderation import service as moderation
from kinora.app.pages import MAX_ID, RowId
from kinora.app.social import reports
from kinora.app.social.schemas import ReportResolve
from kinora.app.users import invites
from kinora.app.users.models import User
from kinora.app.web.deps import PageAdmin
from kinora.app.web.render import fragment, is_htmx, page
from kinora.jobs.spec import OUTPUT_FILES

router = APIRouter(include_in_schema=False)
LIMIT = 50  # rows per list page
INVITES_SHOWN = 200
Text = Annotated[str, Form(max_length=4000)]  # the services hold the real limits and name them
Short = Annotated[str, Form(max_length=200)]
After = Annotated[int | None, Query(ge=0, le=MAX_ID)]
SECTIONS = {"invites": "Invites", "queue": "Moderation queue", "reports": "Reports", "appeals": "Appeals",
            "accounts": "Accounts", "registry": "Rights holders", "wellbeing": "Well-being"}
WEEKS = (4, 12, 26, 52)


async def _section(request: Request, viewer: User, name: str, **context: Any) -> Response:
    return await page(request, f"admin_{name}.html", viewer, section=name, sections=SECTIONS, **context)


def _done(request: Request, section: str, message: str | None, template: str | None = None,
          **context: Any) -> Response:
    """An action's answer: for htmx the changed fragment (or nothing) and a toast with `message` (None: the
    fragment says it); without htmx, back to the section."""
    if not is_htmx(request):
        return RedirectResponse(f"/admin/{section}", status_code=303)
    response = fragment(request, template, **context) if template else Response(status_code=200)
    if message is not None:
        response.headers["hx-trigger"] = json.dumps({"admin:done": message})  # ASCII-escaped: it is a header
    return response


def _more(rows: list[Any]) -> tuple[list[Any], bool]:
    return rows[:LIMIT], len(rows) > LIMIT


def _utc(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


@router.get("/admin")
async def overview(request: Request, viewer: PageAdmin) -> Response:
    """The sections with what waits in each."""
    async with services(request).db.read() as session:
        waiting = {"queue": len(await review.held(session, after=None, limit=LIMIT)),
                   "reports": len(await reports.queue(session, status="open", after=None, limit=LIMIT)),
                   "appeals": len(await appeals.listing(session, status="open", after=None, limit=LIMIT))}
    return await page(request, "admin.html", viewer, section=None, sections=SECTIONS, waiting=waiting, limit=LIMIT)


# --- invites -------------------------------------------------------------------------------------------------

@router.get("/admin/invites")
async def invites_page(request: Request, viewer: PageAdmin) -> Response:
    """Every invite code, newest first, and a form for a new one."""
    async with services(request).db.read() as session:
        rows = await invites.list_all(session)
    return await _section(request, viewer, "invites", rows=rows[:INVITES_SHOWN], total=len(rows),
                          max_uses=invites.MAX_USES)


@router.post("/admin/invites")
async def create_invite(request: Request, viewer: PageAdmin, uses: Annotated[int, Form()]) -> Response:
    """A new admin invite code good for `uses` sign-ups."""
    async with services(request).db.write() as session:
        invite = await invites.create(session, created_by=None, uses=uses)  # None: an admin's code
    return _done(request, "invites", f"Invite {invite.code} created ({uses} uses)", "partials/admin_invite.html",
                 invite=invite, maker=None)


# --- the review queue ----------------------------------------------------------------------------------------

@router.get("/admin/queue")
async def queue_page(request: Request, viewer: PageAdmin, after: After = None) -> Response:
    """Generations moderation held, oldest first, with the decision that held them."""
    async with services(request).db.read() as session:
        rows, more = _more(await review.held(session, after=after, limit=LIMIT))
    return await _section(request, viewer, "queue", rows=rows, next_after=rows[-1]["seq"] if more else None)


@router.post("/admin/queue/{video_id}")
async def decide_held(request: Request, viewer: PageAdmin, video_id: str, action: Short,
                      note: Text = "") -> Response:
    """Approve a held generation (its job runs, or its output shows) or reject it (its files are deleted)."""
    found = services(request)
    async with found.db.write() as session:
        gen, stored = await review.decide(session, settings=found.settings, admin_id=viewer.id,
                                          generation_id=video_id, action=action, note=note)
    if stored is not None:
        found.storage.delete(stored)
    elif request.app.state.runner is not None:
        request.app.state.runner.nudge()
    if stored is not None:
        return _done(request, "queue", "Rejected: the generation failed and its files are deleted")
    return _done(request, "queue", f"Approved: the generation is {gen.status} now")


@router.get("/admin/queue/{video_id}/thumbnail")
async def held_thumbnail(request: Request, viewer: PageAdmin, video_id: str) -> Response:
    """The thumbnail of a held generation that has its output (held before it showed)."""
    found = services(request)
    async with found.db.read() as session:
        key = await review.held_output(session, generation_id=video_id)
    if key is None:
        raise NotFound(f"No held generation with a thumbnail found with id {video_id!r}", param="video_id")
    try:
        return file_response(request, found.storage.path(f"{key}/{OUTPUT_FILES['thumbnail']}"),
                             media_type="image/webp", cache_control="private, no-store")
    except FileNotFoundError as e:
        raise NotFound(f"the thumbnail of generation {video_id} is missing from storage", param="video_id") from e


# --- reports -------------------------------------------------------------------------------------------------

@router.get("/admin/reports")
async def reports_page(request: Request, viewer: PageAdmin, status: Annotated[str, Query(max_length=20)] = "open",
                       after: After = None) -> Response:
    """Reports of posts, comments and accounts with `status`, oldest first."""
    async with services(request).db.read() as session:
        rows, more = _more(await reports.queue(session, status=status, after=after, limit=LIMIT))
    return await _section(request, viewer, "reports", rows=rows, status=status, statuses=reports.STATUSES,
                          next_after=rows[-1]["id"] if more else None)


@router.post("/admin/reports/{report_id}")
async def resolve_report(request: Request, viewer: PageAdmin, report_id: RowId, status: Short,
                         remove: Annotated[bool, Form()] = False) -> Response:
    """Resolve a report (optionally removing the reported post or comment) or dismiss it."""
    if status not in ("resolved", "dismissed"):
        raise InvalidRequest(f"status must be resolved or dismissed; got {status!r}", param="status")
    if remove and status != "resolved":
        raise InvalidRequest("remove goes with status resolved: a dismissed report leaves its target as it is",
                             param="remove")
    async with services(request).db.write() as session:
        await reports.resolve(session, admin_id=viewer.id, report_id=report_id,
                              body=ReportResolve(status="resolved" if status == "resolved" else "dismissed",
                                                 remove=remove))
    removed = " and its target removed" if remove else ""
    return _done(request, "reports", f"Report {report_id} {status}{removed}")


# --- appeals -------------------------------------------------------------------------------------------------

@router.get("/admin/appeals")
async def appeals_page(request: Request, viewer: PageAdmin, status: Annotated[str, Query(max_length=20)] = "open",
                       after: After = None) -> Response:
    """Appeals with `status`, oldest first, with the decision appealed and the prompt."""
    async with services(request).db.read() as session:
        rows, more = _more(await appeals.listing(session, status=status, after=after, limit=LIMIT))
    return await _section(request, viewer, "appeals", rows=rows, status=status, statuses=("open", "granted", "denied"),
                          next_after=rows[-1]["id"] if more else None)


@router.post("/admin/appeals/{appeal_id}")
async def decide_appeal(request: Request, viewer: PageAdmin, appeal_id: RowId, decision: Short,
                        note: Text = "") -> Response:
    """Grant an appeal (a held or removed video whose files remain is restored) or deny it."""
    found = services(request)
    async with found.db.write() as session:
        appeal = await appeals.decide(session, settings=found.settings, storage=found.storage, admin_id=viewer.id,
                                      appeal_id=appeal_id, decision=decision, note=note)
    return _done(request, "appeals", f"Appeal {appeal.id} {appeal.status}")


# --- accounts ------------------------------------------------------------------------------------------------

@router.get("/admin/accounts")
async def accounts_page(request: Request, viewer: PageAdmin) -> Response:
    """Warn, suspend or restore an account; the latest account actions."""
    return await _section(request, viewer, "accounts", events=await _account_events(request),
                          max_days=moderation.MAX_SUSPENSION_DAYS, oob=False)


@router.post("/admin/accounts")
async def act_on_account(request: Request, viewer: PageAdmin, handle: Annotated[str, Form(max_length=60)],
                         action: Short, days: Annotated[str, Form(max_length=20)] = "", note: Text = "") -> Response:
    """Warn an account, suspend it for some days, or lift its suspension."""
    count = _days(days) if action == "suspend" else None
    async with services(request).db.write() as session:
        user = await moderation.act_on_user(session, admin_id=viewer.id, handle=handle, action=action, days=count,
                                            note=note)
    return _done(request, "accounts", None, "partials/admin_account.html", account=user, action=action,
                 until=_utc(user.suspended_until), events=await _account_events(request))


async def _account_events(request: Request) -> list[dict[str, Any]]:
    async with services(request).db.read() as session:
        return (await moderation.events(session, stage="user", limit=LIMIT))[:LIMIT]


def _days(days: str) -> int | None:
    if not days.strip():
        return None  # the service names the missing number
    if not days.strip().isdigit():
        raise InvalidRequest(f"days must be a whole number of days, 1-{moderation.MAX_SUSPENSION_DAYS}, to suspend; "
                             f"got {days!r}", param="days")
    return int(days)


# --- the rights registry -------------------------------------------------------------------------------------

@router.get("/admin/registry")
async def registry_page(request: Request, viewer: PageAdmin, after: After = None) -> Response:
    """This instance's public figures and rights entries, and a form for a new one."""
    async with services(request).db.read() as session:
        rows, more = _more(await registry.listing(session, after=after, limit=LIMIT))
    return await _section(request, viewer, "registry", rows=rows, next_after=rows[-1].id if more else None)


@router.post("/admin/registry")
async def add_entry(request: Request, viewer: PageAdmin, kind: Short, name: Short, aliases: Text = "",
                    allowed: Annotated[bool, Form()] = False, holder: Text = "", note: Text = "") -> Response:
    """Add a public figure, or a rights-protected work (allowed: its holder opted in here)."""
    async with services(request).db.write() as session:
        entry = await registry.add(session, admin_id=viewer.id, kind=kind, name=name, aliases=_aliases(aliases),
                                   allowed=allowed, holder=holder, note=note)
    return _done(request, "registry", f"{entry.name} added", "partials/admin_registry_entry.html", entry=entry)


@router.post("/admin/registry/{entry_id}")
async def change_entry(request: Request, viewer: PageAdmin, entry_id: RowId, aliases: Text = "",
                       allowed: Annotated[bool, Form()] = False, holder: Text = "", note: Text = "") -> Response:
    """Change an entry's aliases, opt-in, holder and note."""
    async with services(request).db.write() as session:
        entry = await registry.change(session, admin_id=viewer.id, entry_id=entry_id, aliases=_aliases(aliases),
                                      allowed=allowed, holder=holder, note=note)
    return _done(request, "registry", f"{entry.name} saved", "partials/admin_registry_entry.html", entry=entry)


@router.delete("/admin/registry/{entry_id}")
async def delete_entry(request: Request, viewer: PageAdmin, entry_id: RowId) -> Response:
    """Delete an entry (a shipped entry it overrode applies again)."""
    async with services(request).db.write() as session:
        await registry.delete(session, admin_id=viewer.id, entry_id=entry_id)
    return _done(request, "registry", f"Entry {entry_id} deleted")


def _aliases(text: str) -> list[str]:
    """Aliases as typed: one per line or separated by commas."""
    return [alias.strip() for alias in text.replace("\n", ",").split(",") if alias.strip()]


# --- well-being ----------------------------------------------------------------------------------------------

@router.get("/admin/wellbeing")
async def wellbeing_page(request: Request, viewer: PageAdmin,
                         weeks: Annotated[int, Query(ge=1, le=520)] = 12) -> Response:
    """Check-in answers per ISO week, for everyone and for teen accounts."""
    found = await wellbeing.report(services(request).db, weeks=weeks)
    return await _section(request, viewer, "wellbeing", report=found["weeks"], weeks=weeks, choices=wellbeing.CHOICES,
                          week_options=WEEKS)
