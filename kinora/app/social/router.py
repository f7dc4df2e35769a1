"""Posts, drafts' publication, comments, likes, follows, blocks, reports, notifications, search and share pages.
The JSON API lives under /api; the share pages (/p/{id}) are plain HTML for people following a link."""

from __future__ import annotations

from fastapi import APIRouter

from kinora.app.social.routes import comments, notifications, people, posts, reports, search, share

router = APIRouter()
for part in (posts, comments, people, notifications, reports, search):
    router.include_router(part.router, prefix="/api")
router.include_router(share.router)
