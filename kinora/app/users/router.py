"""/api: Sign-up, sign-in, the signed-in account and profiles."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["accounts"])
