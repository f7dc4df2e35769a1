"""/p/{id}: the public share page of a post."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from kinora.app.deps import DbDep, SettingsDep
from kinora.app.social import share

router = APIRouter(tags=["share"])


@router.get("/p/{post_id}", response_class=HTMLResponse)
async def share_page(request: Request, post_id: str, db: DbDep, settings: SettingsDep) -> HTMLResponse:
    """A public post as a web page with its video and link-preview (OpenGraph) tags; 404 for anything else."""
    base = settings.public_url or str(request.base_url)
    valid = post_id.isdigit() and len(post_id) < 10  # larger is no post id, and overflows PostgreSQL's integer
    html = await share.page(db, post_id=int(post_id), base_url=base, site=settings.instance_name) if valid else None
    if html is None:
        return HTMLResponse(share.NOT_FOUND, status_code=404)
    return HTMLResponse(html, headers={"cache-control": "public, max-age=60"})
