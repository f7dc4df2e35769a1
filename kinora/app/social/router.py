"""Posts, drafts' publication, comments, likes, follows, blocks, reports, notifications and search, under /api.
The share pages (/p/{id}) are web pages: kinora.app.web.routes.feed."""

from __future__ import annotations

from fastapi import APIRouter

from kinora.app.social.routes import comments, notifications, people, posts, reports, search

router = APIRouter()
for part in (posts, comments, people, notifications, reports, search):
    router.include_router(part.router, prefix="/api")
