"""Run a plan through the physics engine on a fixed clock and record poses, impacts and contacts.

Time: the video runs at `fps`; the simulation advances `slow_motion` simulated seconds per video
second in fixed substeps. Every event is reported on the video clock.

A clip of F frames shows the instants 0, 1/fps, ... (F - 1)/fps, but its sound lasts F/fps, so the
simulation runs one frame interval past the last frame: events in that interval are heard, and the state
at F/fps (`Simulation.end`) is exactly where a continuation's first frame starts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pymunk

from kinora.engines.base import GenerationCancelled
from kinora.world.bodies import SurfaceInfo, World, build_world
from kinora.world.events import TRACK_HZ, ContactTrack, Impact
from kinora.world.plan import Kick, ScenePlan

PHYSICS_HZ = 960  # simulated steps per simulated second: ~1 ms event timing
MIN_IMPULSE = 1e-4  # N*s; below this a first contact is numerical noise, not a sound
MIN_SPEED = 0.02  # m/s of approach; slower first contacts are objects settling, not impacts
REJOIN_S = 0.05  # a contact that breaks and re-forms within this is one rolling/sliding contact
MIN_TRACK_SPEED = 0.01  # m/s; a contact that never rolls or slides faster than this makes no sound


@dataclass(frozen=True)
class BodyState:
    """Where a body is and how it moves: metres, radians, m/s and rad/s (counter-clockwise)."""

    x: float
    y: float
    angle: float
    vx: float
    vy: float
    spin: float
    sleeping: bool = False  # at rest for a while: a continuation starts it at rest

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BodyState:
        return cls(x=float(data["x"]), y=float(data["y"]), angle=float(data["angle"]), vx=float(data["vx"]),
                   vy=float(data["vy"]), spin=float(data["spin"]), sleeping=bool(data.get("sleeping", False)))

    @classmethod
    def of(cls, body: pymunk.Body) -> BodyState:
        return cls(x=float(body.position.x), y=float(body.position.y), angle=float(body.angle),
                   vx=float(body.velocity.x), vy=float(body.velocity.y), spin=float(body.angular_velocity),
                   sleeping=bool(body.is_sleeping))


@dataclass
class Simulation:
    times: npt.NDArray[np.float64]  # (F,) video seconds of each frame
    poses: dict[str, npt.NDArray[np.float64]]  # part id -> (F, 3): x, y, angle
    owners: dict[str, str]  # part id -> plan object id
    impacts: list[Impact]
    contacts: list[ContactTrack]
    energy: npt.NDArray[np.float64]  # (F,) kinetic + potential energy, J
    end: dict[str, BodyState] = field(default_factory=dict)  # part id -> state at F/fps, one frame on


@dataclass
class _Recorder:
    world: World
    clock: float = 0.0  # video seconds
    impacts: list[Impact] = field(default_factory=list)
    open_tracks: dict[tuple[str, str], ContactTrack] = field(default_factory=dict)
    closed_at: dict[tuple[str, str], float] = field(default_factory=dict)
    tracks: list[ContactTrack] = field(default_factory=list)
    speeds: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    approach: dict[tuple[str, str], float] = field(default_factory=dict)
    # Contact speeds are only read when a track sample is due; measuring them on every substep of
    # every resting contact was most of the simulation's time.
    measuring: bool = True

    def infos(self, arbiter: pymunk.Arbiter) -> tuple[SurfaceInfo, SurfaceInfo]:
        a, b = arbiter.shapes
        return self.world.surfaces[a], self.world.surfaces[b]

    def key(self, arbiter: pymunk.Arbiter) -> tuple[str, str]:
        ia, ib = self.infos(arbiter)
        return ia.id, ib.id

    def begin(self, arbiter: pymunk.Arbiter, space: pymunk.Space, data: object) -> None:
        self.approach[self.key(arbiter)] = _normal_speed(arbiter)

    def post_solve(self, arbiter: pymunk.Arbiter, space: pymunk.Space, data: object) -> None:
        first = arbiter.is_first_contact
        if not (first or self.measuring):
            return
        key = self.key(arbiter)
        if first:
            self._impact(arbiter, key)
            self._open_track(arbiter, key)
        self.speeds[key] = _slip_and_roll(arbiter)

    def separate(self, arbiter: pymunk.Arbiter, space: pymunk.Space, data: object) -> None:
        key = self.key(arbiter)
        if key in self.open_tracks:
            self.closed_at[key] = self.clock
        self.speeds.pop(key, None)

    def _impact(self, arbiter: pymunk.Arbiter, key: tuple[str, str]) -> None:
        impulse = float(arbiter.total_impulse.length)
        speed = self.approach.get(key, 0.0)
        if impulse < MIN_IMPULSE or speed < MIN_SPEED:
            return
        ia, ib = self.infos(arbiter)
        point = arbiter.contact_point_set.points[0].point_a if arbiter.contact_point_set.points else (0, 0)
        self.impacts.append(Impact(
            t=self.clock, x=float(point[0]), y=float(point[1]), a=ia.id, b=ib.id,
            material_a=ia.material, material_b=ib.material, size_a=ia.size, size_b=ib.size,
            impulse=impulse, speed=speed, pan=0.0,
        ))

    def _open_track(self, arbiter: pymunk.Arbiter, key: tuple[str, str]) -> None:
        closed = self.closed_at.pop(key, None)
        if key in self.open_tracks and closed is not None and self.clock - closed <= REJOIN_S:
            return
        ia, ib = self.infos(arbiter)
        track = ContactTrack(ia.id, ib.id, ia.material, ib.material, t0=self.clock)
        self.open_tracks[key] = track
        self.tracks.append(track)

    def sample_tracks(self) -> None:
        """Append one sample to every open track; close tracks whose contact broke for good."""
        for key, track in list(self.open_tracks.items()):
            closed = self.closed_at.get(key)
            if closed is not None and self.clock - closed > REJOIN_S:
                del self.open_tracks[key]
                del self.closed_at[key]
                continue
            slip, roll = self.speeds.get(key, (0.0, 0.0))
            track.slip.append(slip)
            track.roll.append(roll)


def _normal_speed(arbiter: pymunk.Arbiter) -> float:
    points = arbiter.contact_point_set.points
    if not points:
        return 0.0
    a, b = arbiter.bodies
    p = points[0].point_a
    rel = b.velocity_at_world_point(p) - a.velocity_at_world_point(p)
    return abs(float(rel.dot(arbiter.normal)))


def _slip_and_roll(arbiter: pymunk.Arbiter) -> tuple[float, float]:
    points = arbiter.contact_point_set.points
    if not points:
        return 0.0, 0.0
    a, b = arbiter.bodies
    p = points[0].point_a
    rel = b.velocity_at_world_point(p) - a.velocity_at_world_point(p)
    tangent = arbiter.normal.perpendicular()
    slip = abs(float(rel.dot(tangent)))
    roll = 0.0
    for shape in arbiter.shapes:
        if isinstance(shape, pymunk.Circle) and shape.body is not None and shape.body.body_type == pymunk.Body.DYNAMIC:
            roll = max(roll, abs(shape.body.angular_velocity) * shape.radius)
    return slip, roll


def _energy(world: World, gravity: float) -> float:
    total = 0.0
    for part in world.parts:
        b = part.body
        total += 0.5 * b.mass * b.velocity.length_squared + 0.5 * b.moment * b.angular_velocity**2
        total += b.mass * gravity * b.local_to_world(b.center_of_gravity).y
    return total


def _start_from(world: World, start: Mapping[str, BodyState]) -> None:
    """Put every part where an earlier clip left it. Bodies that had come to rest start at rest, so that
    the numerical jitter of a resting contact does not become motion."""
    missing = [p.id for p in world.parts if p.id not in start]
    if missing:
        raise ValueError(f"start: no state for parts {missing}; it holds {sorted(start)}")
    for part in world.parts:
        state, body = start[part.id], part.body
        body.position = (state.x, state.y)
        body.angle = state.angle
        body.velocity = (0.0, 0.0) if state.sleeping else (state.vx, state.vy)
        body.angular_velocity = 0.0 if state.sleeping else state.spin


def _kick(world: World, kick: Kick) -> None:
    """Strike an object: its body gets the kick's velocity; a car's wheels go along and roll with it."""
    for part in world.parts:
        if part.owner != kick.object:
            continue
        body = part.body
        body.activate()
        vx = body.velocity.x if kick.vx is None else kick.vx
        vy = body.velocity.y if kick.vy is None else kick.vy
        body.velocity = (vx, vy)
        if part.id == part.owner:
            if kick.spin is not None:
                body.angular_velocity = kick.spin
        elif kick.vx is not None:
            radius = max((s.radius for s in body.shapes if isinstance(s, pymunk.Circle)), default=0.0)
            body.angular_velocity = -kick.vx / radius if radius > 0 else body.angular_velocity


def simulate(
    plan: ScenePlan,
    seconds: float,
    fps: float,
    progress: Callable[[float], None] = lambda _: None,
    cancelled: Callable[[], bool] = lambda: False,
    *,
    start: Mapping[str, BodyState] | None = None,
) -> Simulation:
    """Simulate `seconds` of video at `fps`. `start` (part id -> state, as `Simulation.end` gives it)
    continues an earlier simulation instead of starting from the plan's initial conditions."""
    world = build_world(plan.objects, plan.environment)
    if start is not None:
        _start_from(world, start)
    rec = _Recorder(world)
    world.space.on_collision(begin=rec.begin, post_solve=rec.post_solve, separate=rec.separate)
    n_frames = max(1, round(seconds * fps))
    substeps = max(1, math.ceil(PHYSICS_HZ * plan.slow_motion / fps))
    dt_sim = plan.slow_motion / fps / substeps
    dt_video = 1.0 / fps / substeps
    poses = {p.id: np.zeros((n_frames, 3)) for p in world.parts}
    energy = np.zeros(n_frames)
    kicks = sorted(plan.kicks, key=lambda k: k.t)
    next_track = 0.0

    def advance() -> None:
        """One frame interval of substeps."""
        nonlocal next_track
        for _ in range(substeps):
            while kicks and kicks[0].t <= rec.clock + 1e-9:
                _kick(world, kicks.pop(0))
            rec.measuring = rec.clock + dt_video >= next_track
            world.space.step(dt_sim)
            rec.clock += dt_video
            while rec.clock >= next_track:
                rec.sample_tracks()
                next_track += 1.0 / TRACK_HZ

    for frame in range(n_frames):
        if frame:
            advance()
        for part in world.parts:
            poses[part.id][frame] = (part.body.position.x, part.body.position.y, part.body.angle)
        energy[frame] = _energy(world, plan.environment.gravity)
        if frame % 8 == 0:
            if cancelled():
                raise GenerationCancelled("cancelled during simulation")
            progress((frame + 1) / n_frames)
    advance()  # the last frame's interval: heard in the clip, and where a continuation starts
    progress(1.0)
    return Simulation(
        times=np.arange(n_frames) / fps,
        poses=poses,
        owners={p.id: p.owner for p in world.parts},
        impacts=rec.impacts,
        contacts=[t for t in rec.tracks if t.slip and max(max(t.slip), max(t.roll)) > MIN_TRACK_SPEED],
        energy=energy,
        end={p.id: BodyState.of(p.body) for p in world.parts},
    )
