"""/api: The Following and For You feeds, steering, feedback and well-being check-ins."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["feed"])
