"""/api: Posts, drafts, comments, likes, follows, blocks, reports and notifications."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["social"])
