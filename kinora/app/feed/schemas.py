"""Request bodies and response shapes of the feed API (the hot routes answer with plain dicts in these shapes)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kinora.app.social.schemas import PostOut

Reason = Literal["following", "mutual", "remix", "popular", "explore", "steered"]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FeedItem(PostOut):
    reason: Reason = Field(description="Why the post is in the feed.")


class FeedEnd(BaseModel):
    reason: Literal["daily_limit", "continuous_scroll_off", "caught_up"]
    message: str


class FollowingPage(BaseModel):
    items: list[FeedItem]
    next_cursor: str | None


class ForYouPage(FollowingPage):
    end: FeedEnd | None = Field(description="Set when the feed ends here (next_cursor is then null).")
    check_in: bool = Field(description="A well-being check-in is due: show GET /api/me/check-in.")


class SteeringIn(Body):
    instruction: str = Field(max_length=500, examples=["more cooking and animals, less sports, nothing scary"])


class SteeringOut(BaseModel):
    instruction: str
    more: list[str] = Field(description="Phrases the feed favours.")
    less: list[str] = Field(description="Phrases the feed avoids.")
    updated_at: int | None


class ViewIn(Body):
    watched_fraction: float = Field(ge=0.0, le=1.0)
    completed: bool | None = Field(None, description="Watched to the end; default: watched_fraction >= 0.95.")


class ViewOut(BaseModel):
    post_id: int
    watched_fraction: float
    completed: bool


class SeeLessOut(BaseModel):
    post_id: int
    see_less: bool


class HiddenOut(BaseModel):
    handle: str
    hidden: bool


class FeedData(BaseModel):
    preferences: SteeringOut
    see_less: list[int] = Field(description="Posts marked 'see less like this', newest first.")
    hidden_creators: list[str] = Field(description="Handles whose posts never appear in For You.")
    views: int = Field(description="Posts watched (watched posts leave For You).")
    liked_topics: list[str] = Field(description="Examples of liked posts the feed draws on.")
    personalized: bool


class Choice(BaseModel):
    mood: int
    label: str


class CheckInPrompt(BaseModel):
    due: bool
    question: str
    choices: list[Choice]


class CheckInIn(Body):
    mood: int | None = Field(ge=1, le=5, description="1 (much worse) to 5 (much better); null skips.")
    note: str = Field("", max_length=500)


class CheckInOut(BaseModel):
    id: int
    mood: int | None
    note: str
    created_at: int


class MoodSummary(BaseModel):
    responses: int
    skipped: int
    mean_mood: float | None
    distribution: dict[str, int]


class MoodWeek(MoodSummary):
    week: str = Field(examples=["2026-W47"])
    teens: MoodSummary


class WellbeingReport(BaseModel):
    weeks: list[MoodWeek]
