"""What callers send to create a generation, and the OpenAI `Video` shape it is shown in."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

from kinora.app.generations.models import COMPLETED, FAILED, HELD, IN_PROGRESS, VIDEO_COLUMNS, Generation


@dataclass
class Upload:
    """A file part as received: the bytes and what the client claimed about them (not trusted)."""

    data: bytes
    filename: str | None = None
    content_type: str | None = None


@dataclass
class CreateParams:
    prompt: Any
    model: Any = None
    seconds: Any = None
    size: Any = None
    image: Upload | None = None
    image_url: str | None = None
    file_id: str | None = None
    characters: list[str] = field(default_factory=list)


@dataclass
class VideoRef:
    """The `video` of an edit or extension: a stored video's id or an uploaded file."""

    id: str | None = None
    upload: Upload | None = None


class VideoError(BaseModel):
    code: str
    message: str


class Video(BaseModel):
    id: str
    object: Literal["video"] = "video"
    model: str
    status: Literal["queued", "in_progress", "completed", "failed"]
    progress: int
    created_at: int
    completed_at: int | None
    expires_at: int | None
    prompt: str | None
    size: str
    seconds: str
    remixed_from_video_id: str | None
    error: VideoError | None
    adjusted: dict[str, dict[str, Any]] | None = Field(
        None, description="Kinora: what was changed to fit the model, e.g. {\"size\": {\"requested\": "
        "\"720x1280\", \"used\": \"704x1280\"}}; absent when nothing was.")


class VideoList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Video]
    first_id: str | None
    last_id: str | None
    has_more: bool


class VideoDeleted(BaseModel):
    id: str
    object: Literal["video.deleted"] = "video.deleted"
    deleted: bool = True


class CharacterOut(BaseModel):
    id: str
    name: str
    handle: str
    kind: str
    created_at: int


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


def video_row(g: Generation) -> dict[str, Any]:
    """The columns `video_dict` reads, from a loaded row."""
    return {column.key: getattr(g, column.key) for column in VIDEO_COLUMNS}


def video_dict(g: Mapping[str, Any]) -> dict[str, Any]:
    """The wire form of a generation; every key always present, as the SDK's poller relies on them. A generation
    held for review is still in progress to the API (it completes or fails once a moderator decides)."""
    status = IN_PROGRESS if g["status"] == HELD else g["status"]
    return {
        "id": g["id"], "object": "video", "model": g["model"], "status": status,
        "progress": 100 if status == COMPLETED else g["progress"],
        "created_at": int(g["created_at"]), "completed_at": _int(g["completed_at"]),
        "expires_at": _int(g["expires_at"]), "prompt": g["prompt"], "size": f"{g['width']}x{g['height']}",
        "seconds": str(g["total_seconds"]),
        "remixed_from_video_id": g["source_id"] if g["kind"] in ("remix", "edit") else None,
        "error": {"code": g["error_code"] or "failed", "message": g["error_message"] or ""}
        if status == FAILED else None,
        **_adjusted(g["options"]),
    }


def _adjusted(options: Any) -> dict[str, Any]:
    """{"adjusted": ...} when the engine changed the request, else {}. SQLite's raw reader gives the JSON text."""
    if isinstance(options, str):
        if '"adjusted"' not in options:  # most rows: skip decoding
            return {}
        options = json.loads(options)
    adjusted = (options or {}).get("adjusted")
    return {"adjusted": adjusted} if adjusted else {}
