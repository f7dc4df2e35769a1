"""/api: Generations started from the app (drafts come from these)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["generations"])
