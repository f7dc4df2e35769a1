"""/verify: anyone, signed in or not, checks where a clip came from. The page uploads the file to POST /api/verify
(static/js/verify.js, with upload progress) and shows its provenance report in plain language."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from kinora.app.deps import services
from kinora.app.web.deps import MaybeVisitor
from kinora.app.web.render import page

router = APIRouter(include_in_schema=False)


@router.get("/verify")
async def verify_page(request: Request, viewer: MaybeVisitor) -> Response:
    """The upload form; the report appears under it."""
    max_bytes = services(request).settings.verify_max_bytes
    return await page(request, "verify.html", viewer, max_bytes=max_bytes, max_size=size_text(max_bytes))


def size_text(n: int) -> str:
    """A byte count as people read it: "200 MB", "1.5 GB", "64 KB" (binary units, as the API's messages use)."""
    for unit, size in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= size:
            return f"{n / size:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"
