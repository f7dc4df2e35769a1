"""What crosses the pipe between the runner and a worker subprocess (plain picklable values)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kinora.engines.base import CameoRef
from kinora.media.provenance import InstanceProvenance
from kinora.safety.moderator import Moderator
from kinora.safety.policy import Entry

# Worker -> runner messages are tuples whose first item is one of these.
READY, PROGRESS, BEAT, DONE, FAILED, CANCELLED = "ready", "progress", "beat", "done", "failed", "cancelled"
# Runner -> worker.
JOB, CANCEL, STOP = "job", "cancel", "stop"

# "video" carries the visible mark and is what leaves the instance; "clean" does not (remix sources, and creators'
# own downloads where the operator allows them). Both carry the invisible marks and a signed C2PA manifest.
OUTPUT_FILES = {"video": "video.mp4", "clean": "clean.mp4", "thumbnail": "thumbnail.webp",
                "spritesheet": "spritesheet.jpg"}
ENGINE_SHARE = 0.85  # of the progress bar; marking, encoding, signing, thumbnail and spritesheet take the rest


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
    seq: int  # the generation's number on this instance: the watermark payload names it
    model: str  # the API model name, for the C2PA manifest
    provenance: InstanceProvenance
    handle: str | None = None  # the creator's, for the visible mark
    image_path: str | None = None
    source_dir: str | None = None  # the source video's output folder for remix / edit / extend
    options: dict[str, Any] = field(default_factory=dict)
    # Output moderation: strict for teen owners and clips with a cameo; the transcript goes through `moderator`.
    strict: bool = False
    checks_per_second: float = 2.0
    moderator: Moderator | None = None
    registry: tuple[Entry, ...] = ()
    cameos: list[CameoRef] = field(default_factory=list)  # consented likenesses, decrypted for this job only
    restrictions: dict[str, list[str]] = field(default_factory=dict)  # cameo handle -> its owner's rules
