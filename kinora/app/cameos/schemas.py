"""Request bodies and response shapes of /api/cameos (the routes answer with these, built as plain dicts)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChallengeCreate(Body):
    kind: str = "person"


class ChallengeOut(BaseModel):
    id: str
    digits: str
    turns: list[str]
    instructions: str
    expires_at: int


class CameoUpdate(Body):
    name: str | None = None
    appearance: str | None = None
    permission: str | None = None  # only_me | approved | mutuals | everyone: checked by the service
    restrictions: list[str] | None = None


class AccessDecision(Body):
    action: Literal["approve", "deny", "revoke"]


class UseReport(Body):
    details: str = ""


class CameoOut(BaseModel):
    id: str
    handle: str
    name: str
    kind: str
    appearance: str
    permission: str
    verified: bool
    created_at: int
    restrictions: list[str] | None = None
    verification: dict[str, Any] | None = None
    clip_kept: bool | None = None
    may_use: bool | None = None
    access: str | None = None  # the viewer's request: requested | approved | denied


class CameoPage(BaseModel):
    items: list[CameoOut]
    next_cursor: str | None = None


class AccessOut(BaseModel):
    user: dict[str, Any]
    status: str
    created_at: int
    decided_at: int | None


class AccessPage(BaseModel):
    items: list[AccessOut]
    next_cursor: str | None = None


class UseOut(BaseModel):
    generation_id: str
    status: str
    kind: str
    prompt: str
    creator: str
    post_id: int | None
    visibility: str | None
    published: bool
    created_at: float


class UsePage(BaseModel):
    items: list[UseOut]
    next_cursor: str | None = None
