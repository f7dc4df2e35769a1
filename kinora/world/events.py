"""What the simulation reports: impacts (instant) and contacts (lasting), on the video's clock."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Contact tracks are sampled at this rate (video seconds), enough for a smooth rolling envelope.
TRACK_HZ = 240


@dataclass(frozen=True)
class Impact:
    t: float  # video seconds at which the bodies touched
    x: float  # world metres, the contact point
    y: float
    a: str  # body ids: object ids, "floor", or "prop0", "prop1", ... for props
    b: str
    material_a: str  # catalog material names
    material_b: str
    size_a: float  # metres; decides pitch (statics use their own size or 1.0)
    size_b: float
    impulse: float  # N*s along the contact normal
    speed: float  # relative normal speed at impact, m/s
    pan: float  # -1 (left) .. 1 (right), from where the contact is in the camera at time t

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ContactTrack:
    """A lasting contact (rolling or sliding) between two bodies, sampled every 1/TRACK_HZ s."""

    a: str
    b: str
    material_a: str
    material_b: str
    t0: float  # video seconds of the first sample
    slip: list[float] = field(default_factory=list)  # sliding speed at the contact, m/s
    roll: list[float] = field(default_factory=list)  # rolling speed (|angular velocity| * radius), m/s
    pan: list[float] = field(default_factory=list)

    @property
    def t1(self) -> float:
        return self.t0 + len(self.slip) / TRACK_HZ
