"""What a verb does to an object that is already in a scene: the velocity it is given.

The parser's layout (`layout.py`) sets a scene up so that its actions happen; a remix or an extension
acts on objects where they are. So a verb becomes a blow: "roll" sets an object rolling along the floor,
"kick" / "throw" sends it up and across (at its target when it has one), "bounce" makes it hop, "topple"
tips it over its bottom corner, "rest" stops it. Directions are world x: -1 left, +1 right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kinora.world.bodies import silhouette
from kinora.world.catalog import KINDS
from kinora.world.layout import FLOW, PUSH_SPEED, ROLL_SPEED, SLIDE_SPEED, TIP_SPIN
from kinora.world.plan import ObjectSpec
from kinora.world.sim import BodyState

HOP_HEIGHT = 0.6  # m: how high "bounce" sends a resting object
THROW_SPEED = (2.4, 3.0)  # m/s across and up, as the layout throws
AIM_SPEED = 4.5  # m/s across, for a throw at a target (slower and higher until it starts upward)
MOVING = 0.05  # m/s: slower than this an object is at rest and has no direction of its own


@dataclass(frozen=True)
class Blow:
    """New velocities; None keeps what the object has (a hop leaves it moving across as it was)."""

    vx: float | None = None
    vy: float | None = None
    spin: float | None = None

    @property
    def empty(self) -> bool:
        return self.vx is None and self.vy is None and self.spin is None


@dataclass(frozen=True)
class Place:
    """An object and its state, as a verb sees it."""

    obj: ObjectSpec
    state: BodyState


def direction(place: Place, said: float | None, target: Place | None, others: list[Place]) -> float:
    """Where a verb sends an object: as the prompt says; else at its target; else the way it already
    moves; else toward the closest other object; else the way the parser's scenes flow."""
    if said is not None:
        return said
    x = place.state.x
    if target is not None and abs(target.state.x - x) > 1e-6:
        return math.copysign(1.0, target.state.x - x)
    if abs(place.state.vx) > MOVING:
        return math.copysign(1.0, place.state.vx)
    near = min(others, key=lambda o: abs(o.state.x - x), default=None)
    if near is not None and abs(near.state.x - x) > 1e-6:
        return math.copysign(1.0, near.state.x - x)
    return FLOW


def blow(action: str, place: Place, *, towards: float, speed: float, target: Place | None,
         gravity: float) -> Blow:
    """The velocities `action` gives `place`'s object, sent `towards` (-1 / +1) at `speed` times the
    usual pace."""
    obj = place.obj
    round_ = KINDS[obj.kind].shape == "circle"
    if action == "rest":
        return Blow(0.0, 0.0, 0.0)
    if action in ("bounce", "drop"):
        return Blow(vy=math.sqrt(2.0 * gravity * HOP_HEIGHT) * speed)
    if action == "throw" or (action == "collide" and target is not None and _raised(target)):
        return _throw(place, towards, speed, target, gravity)
    if action == "swing" and obj.pivot is not None:
        return _swing(place, towards, speed, gravity)
    if action in ("topple", "collapse") and not round_ and KINDS[obj.kind].shape != "car":
        return _tip(place, towards, speed if action == "topple" else speed * 1.3, gravity)
    if action == "slide" and not round_:
        return Blow(SLIDE_SPEED * speed * towards, None, 0.0)
    pace = PUSH_SPEED if action in ("topple", "collapse") else ROLL_SPEED
    v = pace * speed * towards
    return Blow(v, None, -v / (obj.size / 2) if round_ else 0.0)


def _raised(place: Place) -> bool:
    """Whether an object stands clear of the floor (on a table, a stack), out of a rolling ball's reach."""
    return place.state.y - silhouette(place.obj)[1] / 2 > 0.2


def _throw(place: Place, towards: float, speed: float, target: Place | None, gravity: float) -> Blow:
    vx, vy = THROW_SPEED[0] * speed, THROW_SPEED[1] * speed
    if target is not None:
        dx = abs(target.state.x - place.state.x)
        dy = target.state.y - place.state.y
        vx = AIM_SPEED * speed
        for _ in range(40):  # slower and higher until the throw starts upward
            t = max(dx, 0.05) / vx
            vy = (dy + 0.5 * gravity * t * t) / t
            if vy >= 0.5:
                break
            vx *= 0.9
    spin = -towards * vx / (place.obj.size / 2) if KINDS[place.obj.kind].shape == "circle" else 0.0
    return Blow(towards * vx, vy, spin)


def _swing(place: Place, towards: float, speed: float, gravity: float) -> Blow:
    """A push across the rod, enough to swing out to 45 degrees from hanging at rest."""
    assert place.obj.pivot is not None
    px, py = place.obj.pivot
    rx, ry = place.state.x - px, place.state.y - py
    length = math.hypot(rx, ry)
    v = math.sqrt(2.0 * gravity * length * (1.0 - math.cos(math.pi / 4))) * speed
    tx, ty = -ry / length, rx / length  # counter-clockwise tangent
    if tx * towards < 0:
        tx, ty = -tx, -ty
    return Blow(v * tx, v * ty, None)


def _tip(place: Place, towards: float, speed: float, gravity: float) -> Blow:
    """Turn the object about its bottom corner on the `towards` side, fast enough to carry its centre
    of mass over that corner: the centre rises by (diagonal - height) / 2 on the way."""
    w, h = silhouette(place.obj)
    a = place.state.angle
    cx, cy = towards * w / 2, -h / 2  # the corner, in the body's frame
    rx = -(cx * math.cos(a) - cy * math.sin(a))  # centre minus corner, in the world
    ry = -(cx * math.sin(a) + cy * math.cos(a))
    rise = max(math.hypot(w, h) / 2 - ry, 0.0)
    need = math.sqrt(2.0 * gravity * rise / ((w * w + h * h) / 3.0))  # rad/s about the corner
    omega = -towards * max(TIP_SPIN, 1.25 * need) * speed
    return Blow(-omega * ry, omega * rx, omega)
