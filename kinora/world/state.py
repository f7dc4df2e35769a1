"""Where a clip ends: everything a continuation needs to pick the scene up exactly where it was left.

A clip of F frames at `fps` shows the instants 0 .. (F - 1)/fps; its end state is the scene at F/fps,
one frame on, which is exactly the first frame of a continuation. It is stored in `Clip.metadata["state"]`
as plain JSON (floats at full precision, so a chain of continuations does not drift).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kinora.world.camera import CameraState
from kinora.world.foley import Ringing
from kinora.world.sim import BodyState


@dataclass(frozen=True)
class EndState:
    bodies: dict[str, BodyState]  # part id ("ball1", "car1.wheel0") -> its state at the end
    camera: CameraState
    seconds: float  # this clip's length (frames / fps)
    video_t: float  # video seconds from the start of the first clip of the chain to this end
    sim_t: float  # simulated seconds over the same span (slow motion makes it shorter)
    segment: int = 0  # 0: a clip made from a prompt; k: the k-th continuation
    ringing: list[Ringing] = field(default_factory=list)  # impacts still sounding at the end

    def to_dict(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "video_t": self.video_t,
            "sim_t": self.sim_t,
            "segment": self.segment,
            "bodies": {pid: b.to_dict() for pid, b in self.bodies.items()},
            "camera": self.camera.to_dict(),
            "ringing": [r.to_dict() for r in self.ringing],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EndState:
        """Read a stored end state; a missing or malformed part raises ValueError naming it."""
        try:
            return cls(
                bodies={str(pid): BodyState.from_dict(b) for pid, b in data["bodies"].items()},
                camera=CameraState.from_dict(data["camera"]),
                seconds=float(data["seconds"]),
                video_t=float(data["video_t"]),
                sim_t=float(data["sim_t"]),
                segment=int(data.get("segment", 0)),
                ringing=[Ringing.from_dict(r) for r in data.get("ringing", [])],
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"state: not a world end state ({type(exc).__name__}: {exc})") from exc
