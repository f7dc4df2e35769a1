"""Request bodies and response shapes of the moderation API (the routes answer with these, built as plain dicts)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReviewDecision(Body):
    action: Literal["approve", "remove"]
    note: str = ""


class UserAction(Body):
    action: Literal["warn", "suspend", "unsuspend"]
    days: int | None = None  # suspend only: 1-3650
    note: str = ""


class RegistryCreate(Body):
    kind: str  # public_figure | rights; checked by the service, whose error names `kind`
    name: str
    aliases: list[str] = []
    allowed: bool = False
    holder: str = ""
    note: str = ""


class RegistryChange(Body):
    aliases: list[str] | None = None
    allowed: bool | None = None
    holder: str | None = None
    note: str | None = None


class AppealDecision(Body):
    decision: Literal["grant", "deny"]
    note: str = ""


class AppealCreate(Body):
    event_id: int = Field(ge=1, le=2**31 - 1)
    message: str


class HeldEvent(BaseModel):
    id: int
    stage: str
    outcome: str
    category: str | None
    layer: str | None
    note: str
    scores: dict[str, Any]


class HeldGeneration(BaseModel):
    id: str
    owner: str
    prompt: str
    kind: str
    has_output: bool  # false: held before its job ran (approving queues it); true: held before its output showed
    created_at: int
    event: HeldEvent | None  # the latest moderation decision about it


class HeldPage(BaseModel):
    items: list[HeldGeneration]
    next_cursor: str | None


class DecisionOut(BaseModel):
    id: str
    status: str
    error_code: str | None


class AccountOut(BaseModel):
    handle: str
    warnings: int
    suspended_until: int | None


class EventOut(BaseModel):
    id: int
    created_at: int
    stage: str
    outcome: str
    user: str | None  # the handle whose content or account it is about
    generation_id: str | None
    post_id: int | None
    prompt_hash: str | None  # SHA-256 of the moderated text; the text itself is not kept
    category: str | None
    scores: dict[str, Any]
    layer: str | None
    versions: dict[str, Any]
    evasions: list[str]
    reviewer: str | None
    note: str


class EventPage(BaseModel):
    items: list[EventOut]
    next_cursor: str | None


class RegistryOut(BaseModel):
    id: int
    kind: Literal["public_figure", "rights"]
    name: str
    key: str
    aliases: list[str]
    allowed: bool
    holder: str
    note: str
    created_at: int
    updated_at: int


class RegistryPage(BaseModel):
    items: list[RegistryOut]
    next_cursor: str | None


class AppealOut(BaseModel):
    id: int
    event_id: int
    message: str
    status: Literal["open", "granted", "denied"]
    created_at: int
    decided_at: int | None
    decision_note: str


class AppealAdmin(AppealOut):
    user: str
    event: EventOut
    prompt: str | None  # the generation's prompt, while it still exists


class AppealPage(BaseModel):
    items: list[AppealOut]
    next_cursor: str | None


class AppealAdminPage(BaseModel):
    items: list[AppealAdmin]
    next_cursor: str | None
