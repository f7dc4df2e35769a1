"""Request bodies and response shapes of the social API (the routes answer with these, built as plain dicts)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kinora.app.pages import MAX_ID
from kinora.app.users.schemas import UserPublic

Visibility = Literal["public", "followers", "mutuals", "private"]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PostCreate(Body):
    generation_id: str
    caption: str = ""
    visibility: Visibility | None = None  # None: public, or followers for teen accounts
    allow_remix: bool = True


class PostUpdate(Body):
    caption: str | None = None
    visibility: Visibility | None = None
    allow_remix: bool | None = None


class CommentCreate(Body):
    text: str
    parent_id: int | None = Field(None, ge=1, le=MAX_ID)


class CommentUpdate(Body):
    text: str


class ReportCreate(Body):
    target_type: Literal["post", "comment", "user"]
    target_id: int | str
    category: str
    details: str = ""


class ReportResolve(Body):
    status: Literal["resolved", "dismissed"]
    remove: bool = False


class NotificationsRead(Body):
    ids: list[Any] | None = None  # notification ids; checked by the service, whose error names `ids`


class PersonOut(UserPublic):
    is_following: bool


class PostOut(BaseModel):
    id: int
    author: UserPublic
    caption: str
    visibility: Visibility
    allow_remix: bool
    prompt: str
    seconds: int
    width: int
    height: int
    video_url: str
    thumbnail_url: str
    remix_of: int | None
    like_count: int
    comment_count: int
    remix_count: int
    view_count: int
    liked: bool
    created_at: int
    edited_at: int | None
    share_url: str | None


class PostPage(BaseModel):
    items: list[PostOut]
    next_cursor: str | None


class Lineage(BaseModel):
    ancestors: list[PostOut]
    remix_count: int


class CommentOut(BaseModel):
    id: int
    post_id: int
    parent_id: int | None
    author: UserPublic
    text: str
    created_at: int
    edited_at: int | None


class ThreadOut(CommentOut):
    reply_count: int
    replies: list[CommentOut]


class CommentPage(BaseModel):
    items: list[CommentOut]
    next_cursor: str | None


class ThreadPage(BaseModel):
    items: list[ThreadOut]
    next_cursor: str | None


class Relation(BaseModel):
    handle: str
    is_following: bool
    follows_you: bool
    is_mutual: bool
    blocked: bool


class PersonPage(BaseModel):
    items: list[PersonOut]
    next_cursor: str | None


class NotificationOut(BaseModel):
    id: int
    type: Literal["like", "comment", "reply", "follow", "remix", "mention", "cameo", "cameo_request",
                  "cameo_approved"]
    actor: UserPublic | None
    post_id: int | None
    comment_id: int | None
    created_at: int
    read: bool


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None


class UnreadCount(BaseModel):
    count: int


class Updated(BaseModel):
    updated: int


class ReportOut(BaseModel):
    id: int
    target_type: Literal["post", "comment", "user"]
    target_id: str
    category: str
    details: str
    status: Literal["open", "resolved", "dismissed"]
    created_at: int


class ReportAdmin(ReportOut):
    reporter: UserPublic | None
    target_user: UserPublic | None
    target: dict[str, object] | None  # what was reported, as it is now (None once removed)
    resolved_by: str | None
    resolved_at: int | None


class ReportPage(BaseModel):
    items: list[ReportAdmin]
    next_cursor: str | None


class SearchResult(BaseModel):
    users: list[UserPublic]
    posts: PostPage
