"""What crosses the pipe between the runner and a worker subprocess (plain picklable values)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Worker -> runner messages are tuples whose first item is one of these.
READY, PROGRESS, BEAT, DONE, FAILED, CANCELLED = "ready", "progress", "beat", "done", "failed", "cancelled"
# Runner -> worker.
JOB, CANCEL, STOP = "job", "cancel", "stop"

OUTPUT_FILES = {"video": "video.mp4", "thumbnail": "thumbnail.webp", "spritesheet": "spritesheet.jpg"}
ENGINE_SHARE = 0.9  # of the progress bar; encoding, thumbnail and spritesheet take the rest


@dataclass
class JobSpec:
    video_id: str
    attempt: int
    kind: str  # create | remix | edit | extend
    engine: str
    prompt: str
    seconds: int
    width: int
    height: int
    fps: int
    seed: int | None
    out_dir: str  # videos/<id>/<attempt> on disk; a retry gets its own folder
    image_path: str | None = None
    source_dir: str | None = None  # the source video's output folder for remix / edit / extend
    options: dict[str, Any] = field(default_factory=dict)
