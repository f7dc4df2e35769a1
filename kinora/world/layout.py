"""Where things start: turns "who does what to whom" into exact initial poses, props and velocities.

Physics runs on these numbers as they are, so every resting body sits exactly on its support and no two
bodies overlap. A cluster (a mover and the things it hits, in order) is laid out in flow coordinates:
u grows the way things travel, y is up, the cluster's ground is at `gy` (the floor, or a table top).
Finished clusters are packed side by side, mirrored into world x by FLOW and centred on x = 0.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from kinora.world.catalog import KINDS
from kinora.world.plan import Prop, PropKind

# World x direction of travel. Ramps and staircases are high upstream, so leftward travel makes them
# face "right". Prop.x of a ramp or staircase is its left end whichever way it faces, as
# bodies.prop_boxes reads it.
FLOW = -1.0
GRAVITY = 9.81  # m/s^2, unless the prompt asks for another
TABLE_HEIGHT = 0.75
RAMP_WIDTH, RAMP_HEIGHT = 1.0, 0.5
STAIR_STEPS, STAIR_HEIGHT, STAIR_DEPTH = 5, 0.6, 0.3
ROLL_SPEED, SLIDE_SPEED, PUSH_SPEED = 2.2, 2.5, 0.8
RUN_UP = 0.5  # how far a ground mover travels before it reaches its target
RUN_OUT = 0.35  # from the foot of a ramp or staircase to the first target
TARGET_GAP = 0.15  # between a pushed structure and the next one
CLUSTER_GAP = 0.4
STAGE_WIDTH = 3.4  # widest scene, m, before objects are made smaller to fit
QUEUE_GAP = 0.15  # most room between movers that follow one another, and loose objects at rest
LOOSE_GAP = 0.03  # between targets standing side by side: close enough to pass a push on
ROW_MAX = 2.4  # longest line of objects, m
STACK_TOP = 1.8  # highest top of a stack or pyramid, m
TOP = 2.1  # highest point anything starts at, m
DROP_HEIGHTS = (1.0, 1.25, 1.1, 1.4, 0.95, 1.3, 1.15)  # centre heights of dropped objects, by column
PENDULUM_ANGLE = math.pi / 4
TILT = 0.15  # rad: how far the first of a row leans when it is set to fall
TIP_SPIN = 1.5  # rad/s toward the fall
THROW_REACH = 1.3  # from a thrown object to the face of its target

Arrangement = Literal["loose", "row", "stack", "pyramid"]
Mode = Literal[
    "air",  # dropped from a modest height
    "ground",  # moves along its ground toward what follows
    "table_off",  # starts on a table at its edge and goes off it
    "ramp",  # starts at the top of a ramp
    "ramp_drop",  # falls onto a ramp
    "ramp_up",  # rolls up a ramp from its foot
    "stairs",  # starts on the top step
    "pendulum",  # hangs from a pivot, displaced
    "throw",  # flies up and across
    "drop_onto",  # falls onto what follows
    "topple",  # the first of a row (or a lone object) leans and falls
    "collapse",  # a leaning stack, or a nudged pyramid
    "rest",  # stays put
    "mutual",  # the group's halves drive at each other
]


def dims(kind: str, size: float) -> tuple[float, float]:
    """Side-view width and height of an object's footprint."""
    k = KINDS[kind]
    if k.shape == "circle":
        return size, size
    if k.shape in ("box", "pin", "figure"):
        return size * k.aspect, size
    return size, size / k.aspect


@dataclass
class Piece:
    """One group of identical objects as the layout sees it; `size` may shrink to fit the scene."""

    key: int
    kind: str
    count: int
    size: float
    arrangement: Arrangement = "loose"

    @property
    def w(self) -> float:
        return dims(self.kind, self.size)[0]

    @property
    def h(self) -> float:
        return dims(self.kind, self.size)[1]

    @property
    def round(self) -> bool:
        return KINDS[self.kind].shape == "circle"


@dataclass
class Cluster:
    pieces: list[Piece]  # the mover first, then what it hits, in order
    mode: Mode
    on_table: bool = False
    speed: float = 1.0
    hop: bool = False  # bounces: leaves its step with a hop
    slide: bool = False  # moves without rolling
    mutual_tail: bool = False  # the last piece drives back at the mover
    wall_end: bool = False  # the mover heads for the walls' far side
    materials: dict[str, str] = field(default_factory=dict)  # prop kind -> material
    room: float = ROW_MAX  # longest line of objects it may use, m
    gravity: float = GRAVITY  # to aim throws


@dataclass
class Pose:
    x: float
    y: float
    angle: float = 0.0
    vx: float = 0.0
    vy: float = 0.0
    spin: float = 0.0
    pivot: tuple[float, float] | None = None


@dataclass
class Layout:
    poses: dict[tuple[int, int], Pose]  # (piece key, member) -> pose
    sizes: dict[int, float]  # piece key -> size after fitting
    props: list[Prop]


@dataclass
class _Body:
    piece: Piece
    member: int
    u: float
    y: float
    angle: float = 0.0
    vu: float = 0.0
    vy: float = 0.0
    spin: float = 0.0
    pivot: tuple[float, float] | None = None

    def span(self) -> tuple[float, float]:
        w, h = self.piece.w, self.piece.h
        c, s = abs(math.cos(self.angle)), abs(math.sin(self.angle))
        hx = w / 2 if self.piece.round else (w * c + h * s) / 2
        lo, hi = self.u - hx, self.u + hx
        if self.pivot is not None:
            lo, hi = min(lo, self.pivot[0]), max(hi, self.pivot[0])
        return lo, hi

    def top(self) -> float:
        w, h = self.piece.w, self.piece.h
        if self.piece.round:
            return self.y + h / 2
        return self.y + (w * abs(math.sin(self.angle)) + h * abs(math.cos(self.angle))) / 2


@dataclass
class _PropU:
    kind: PropKind
    a: float  # upstream end; ramps and stairs are high here
    b: float
    height: float
    steps: int = 4
    material: str = "wood"


@dataclass
class _Built:
    bodies: list[_Body] = field(default_factory=list)
    props: list[_PropU] = field(default_factory=list)
    reserve: tuple[float, float] | None = None  # room kept clear for motion (a throw's landing, a swing)
    wall_u: float | None = None

    def span(self) -> tuple[float, float]:
        spans = [b.span() for b in self.bodies] + [(p.a, p.b) for p in self.props]
        if self.reserve is not None:
            spans.append(self.reserve)
        if self.wall_u is not None:
            spans.append((self.wall_u, self.wall_u))
        return min(s[0] for s in spans), max(s[1] for s in spans)

    def shift(self, du: float) -> None:
        for b in self.bodies:
            b.u += du
            if b.pivot is not None:
                b.pivot = (b.pivot[0] + du, b.pivot[1])
        for p in self.props:
            p.a, p.b = p.a + du, p.b + du
        if self.reserve is not None:
            self.reserve = (self.reserve[0] + du, self.reserve[1] + du)
        if self.wall_u is not None:
            self.wall_u += du


def _hull(bodies: list[_Body]) -> tuple[float, float, float]:
    """(upstream end, downstream end, top) of some bodies."""
    spans = [b.span() for b in bodies]
    return min(s[0] for s in spans), max(s[1] for s in spans), max(b.top() for b in bodies)


def _shift(bodies: list[_Body], du: float) -> list[_Body]:
    for b in bodies:
        b.u += du
        if b.pivot is not None:
            b.pivot = (b.pivot[0] + du, b.pivot[1])
    return bodies


# -- structures: things standing on a ground ------------------------------------------------------------


def _gap(extent: float) -> float:
    """Room between objects that must not touch, given their extent along the gap: proportional to
    their size, within bounds."""
    return min(QUEUE_GAP, max(0.02, 0.6 * extent))


def _pitch(p: Piece, gap: float) -> float:
    """Centre spacing of a line; a row of tall things stands ~0.6 of their height apart so each one
    that falls reaches the next."""
    if p.arrangement == "row":
        return max(0.6 * p.h, p.w + gap)
    return p.w + gap


def _tip(body: _Body, ground: float, clearance: float | None) -> None:
    """Lean a standing body over its downstream bottom corner, resting exactly on that corner, and
    spin it the way it leans so that it falls."""
    p = body.piece
    w, h = p.w, p.h
    if p.round:
        body.vu = PUSH_SPEED / 2
        body.spin = -body.vu / (w / 2)
        return
    theta = TILT if h > w else math.atan2(w, h) + 0.08  # squat things must lean past their balance
    if clearance is not None:  # the top corner must not reach the next one in line
        theta = min(theta, math.asin(max(0.0, min(1.0, (clearance - 0.015) / h))))
    du = h / 2 * math.sin(theta) - w / 2 * math.cos(theta)  # centre of mass from the corner it rests on
    dy = w / 2 * math.sin(theta) + h / 2 * math.cos(theta)
    body.u, body.y = body.u + w / 2 + du, ground + dy
    body.angle = -theta
    # Turning about the resting corner, not the centre: a centre spin would drive the corner into the
    # floor, and the contact would eat the spin.
    body.spin = -TIP_SPIN
    body.vu, body.vy = TIP_SPIN * dy, -TIP_SPIN * du


def _line(p: Piece, ground: float, gap: float, tip_first: bool) -> list[_Body]:
    pitch = _pitch(p, gap)
    bodies = [_Body(p, m, p.w / 2 + m * pitch, ground + p.h / 2) for m in range(p.count)]
    if tip_first:
        _tip(bodies[0], ground, pitch - p.w if p.count > 1 else None)
    return bodies


def _stack(p: Piece, ground: float, lean: bool) -> list[_Body]:
    """Each body rests exactly on the one below. A leaning stack carries its upper part's centre of
    mass past the edge of its base, so it collapses by itself."""
    step = min(0.6 * p.w, 1.3 * p.w / p.count) if lean and p.count > 1 else 0.0
    rise = math.sqrt(p.h**2 - step**2) if p.round else p.h  # balls touch along the line of centres
    return [_Body(p, m, p.w / 2 + m * step, ground + p.h / 2 + m * rise) for m in range(p.count)]


def _pyramid_base(count: int) -> int:
    base = 1
    while base * (base + 1) // 2 < count:
        base += 1
    return base


def _pyramid(p: Piece, ground: float, nudge: bool) -> list[_Body]:
    """Rows narrowing upward, each body resting on the two below it."""
    gap = 0.08 * p.w
    pitch = p.w + gap
    rise = math.sqrt(p.w**2 - (pitch / 2) ** 2) if p.round else p.h
    bodies: list[_Body] = []
    row, left = 0, p.count
    base = _pyramid_base(p.count)
    while left > 0:
        n = min(base - row, left)
        for i in range(n):
            u = p.w / 2 + row * pitch / 2 + i * pitch
            bodies.append(_Body(p, len(bodies), u, ground + p.h / 2 + row * rise))
        row, left = row + 1, left - n
    if nudge:
        bodies[-1].vu, bodies[-1].spin = PUSH_SPEED, -2.0
    return bodies


def _structure(p: Piece, ground: float, *, gap: float = LOOSE_GAP, tip: bool = False, lean: bool = False,
               nudge: bool = False) -> list[_Body]:
    """A piece standing on `ground`, its upstream end at u = 0."""
    if p.arrangement == "stack":
        bodies = _stack(p, ground, lean)
    elif p.arrangement == "pyramid":
        bodies = _pyramid(p, ground, nudge)
    else:
        bodies = _line(p, ground, gap, tip)
    lo = _hull(bodies)[0]
    return _shift(bodies, -lo)


def _footprint(p: Piece) -> tuple[float, float]:
    """Width and height of a piece standing as a target."""
    lo, hi, top = _hull(_structure(p, 0.0))
    return hi - lo, top


# -- movers ----------------------------------------------------------------------------------------------


def _movers(p: Piece, members: list[int], lead: float, ground: float, v: float) -> list[_Body]:
    """A queue on the ground driving at speed v (negative: upstream); `lead` is its leading face."""
    ahead = 1.0 if v >= 0 else -1.0
    bodies = []
    for i, m in enumerate(members):
        u = lead - ahead * (p.w / 2 + i * (p.w + _gap(p.w)))
        spin = -v / (p.w / 2) if p.round else 0.0
        bodies.append(_Body(p, m, u, ground + p.h / 2, vu=v, spin=spin))
    return bodies


def _speed(cl: Cluster, p: Piece) -> float:
    rolls = p.round and not cl.slide
    return (ROLL_SPEED if rolls else SLIDE_SPEED) * cl.speed


def _air_grid(p: Piece, ground: float, room: float) -> tuple[int, float, float]:
    """(columns, gap, lowest centre height) of objects dropped over `ground`."""
    gap = max(0.04, 0.5 * p.w)
    cols = max(1, min(p.count, int((room + gap) / (p.w + gap))))
    return cols, gap, ground + (1.0 if ground == 0 else 0.5) + max(0.0, p.h / 2 - 0.3)


def _air_top(p: Piece, ground: float, room: float) -> float:
    cols, gap, base = _air_grid(p, ground, room)
    lift = max(DROP_HEIGHTS[: min(cols, len(DROP_HEIGHTS))]) - DROP_HEIGHTS[0]
    return base + lift + (-(-p.count // cols) - 1) * (p.h + gap) + p.h / 2 + 0.05


def _air(p: Piece, ground: float, room: float, rng: random.Random) -> list[_Body]:
    """Columns of objects in the air over `ground`, each column at its own height."""
    _shrink(p, lambda q: _air_top(q, ground, room) <= TOP)
    cols, gap, base = _air_grid(p, ground, room)
    lifts = [DROP_HEIGHTS[c % len(DROP_HEIGHTS)] - DROP_HEIGHTS[0] + rng.uniform(-0.04, 0.04)
             for c in range(cols)]
    return [
        _Body(p, m, p.w / 2 + (m % cols) * (p.w + gap), base + lifts[m % cols] + (m // cols) * (p.h + gap))
        for m in range(p.count)
    ]


def _ramp_slots(p: Piece) -> int:
    """How many objects fit along the upper slope of a ramp."""
    return max(1, int((0.85 * math.hypot(RAMP_WIDTH, RAMP_HEIGHT) - 0.03) / (p.w + 0.05)))


def _ramp_air(p: Piece, layer: int) -> float:
    """Centre height of the objects waiting in the given layer above a ramp."""
    return RAMP_HEIGHT + 0.3 + 1.5 * p.h + layer * (p.h + _gap(p.h))


def _ramp(cl: Cluster, p: Piece) -> tuple[list[_Body], _PropU]:
    """A ramp high at u = 0 and low at u = RAMP_WIDTH, with the movers on (or over) its top."""
    ramp = _PropU("ramp", 0.0, RAMP_WIDTH, RAMP_HEIGHT, material=cl.materials.get("ramp", "wood"))
    alpha = math.atan2(RAMP_HEIGHT, RAMP_WIDTH)
    down = (math.cos(alpha), -math.sin(alpha))
    normal = (math.sin(alpha), math.cos(alpha))
    bodies: list[_Body] = []
    if cl.mode == "ramp_up":
        return _movers(p, list(range(p.count)), RAMP_WIDTH + RUN_UP, 0.0, -ROLL_SPEED * cl.speed), ramp
    slots = _ramp_slots(p)
    for m in range(p.count):
        slot, layer = m % slots, m // slots
        s = 0.03 + p.w / 2 + slot * (p.w + 0.05)  # distance of the contact point down the slope
        cu, cy = s * down[0], RAMP_HEIGHT + s * down[1]
        if cl.mode == "ramp_drop" or layer > 0:  # over the slope: falls onto it (or waits its turn)
            bodies.append(_Body(p, m, s, _ramp_air(p, layer if cl.mode == "ramp_drop" else layer - 1)))
        elif p.round:
            r = p.w / 2
            bodies.append(_Body(p, m, cu + r * normal[0], cy + r * normal[1]))
        else:  # lies flat on the slope and is given a start, since friction may hold it
            v = PUSH_SPEED * cl.speed
            bodies.append(_Body(p, m, cu + p.h / 2 * normal[0], cy + p.h / 2 * normal[1], angle=-alpha,
                                vu=v * down[0], vy=v * down[1]))
    return bodies, ramp


def _stairs(cl: Cluster, p: Piece) -> tuple[list[_Body], _PropU]:
    """A staircase high at u = 0, the movers on its top steps (the rest waiting above the top step)."""
    rise = STAIR_HEIGHT / STAIR_STEPS
    stairs = _PropU("stairs", 0.0, STAIR_STEPS * STAIR_DEPTH, STAIR_HEIGHT, steps=STAIR_STEPS,
                    material=cl.materials.get("stairs", "wood"))
    v = PUSH_SPEED * cl.speed
    bodies = []
    for m in range(p.count):
        if m < STAIR_STEPS:
            u, y = (m + 0.5) * STAIR_DEPTH, STAIR_HEIGHT - m * rise + p.h / 2
        else:
            u, y = 0.5 * STAIR_DEPTH, STAIR_HEIGHT + 1.5 * p.h + 0.15 + (m - STAIR_STEPS) * (p.h + _gap(p.h))
        spin = -v / (p.w / 2) if p.round else 0.0
        bodies.append(_Body(p, m, u, y, vu=v, vy=1.0 * cl.speed if cl.hop else 0.0, spin=spin))
    return bodies, stairs


def _pendulum(p: Piece, ground: float, target: tuple[float, float] | None) -> tuple[list[_Body], float]:
    """Bobs hanging side by side (a cradle when several), the first swung out upstream by
    PENDULUM_ANGLE; at the bottom of its swing a bob passes just in front of the target."""
    low = 0.9 if target is None else min(max(0.5 * target[1], p.h / 2 + 0.03), 1.0)  # bob centre, lowest
    length = max(0.4, min(1.0, TOP - ground - low))
    pivot_y = ground + low + length
    bodies = []
    for m in range(p.count):
        px = m * p.w
        if m == 0:
            u, y = px - length * math.sin(PENDULUM_ANGLE), pivot_y - length * math.cos(PENDULUM_ANGLE)
        else:
            u, y = px, pivot_y - length
        bodies.append(_Body(p, m, u, y, pivot=(px, pivot_y)))
    return bodies, (p.count - 1) * p.w + p.w / 2 + 0.005


def _throw(cl: Cluster, p: Piece, ground: float,
           target: tuple[float, float] | None) -> tuple[list[_Body], tuple[float, float]]:
    """Objects thrown up and across from upstream; with a target, aimed to hit it."""
    y0 = ground + max(0.7, p.h / 2 + 0.3)
    vu, vy = 2.4 * cl.speed, 3.0 * cl.speed
    if target is not None:  # thrown hard from a little above the aim point, to knock things over
        aim_u = THROW_REACH + min(target[0] / 2, 0.25)
        aim_y = ground + min(max(0.6 * target[1], 0.1), 1.2)
        y0 = max(ground + max(0.5, p.h / 2 + 0.2), min(aim_y + 0.25, ground + 1.0))
        vu = 4.5 * cl.speed
        while True:  # slower and higher until the throw starts upward
            t = aim_u / vu
            vy = (aim_y - y0 + 0.5 * cl.gravity * t * t) / t
            if vy >= 0.5:
                break
            vu *= 0.9
    bodies = [_Body(p, m, -m * (p.w + _gap(p.w)), y0, vu=vu, vy=vy) for m in range(p.count)]
    g = cl.gravity
    flight = (vy + math.sqrt(vy * vy + 2 * g * (y0 - ground - p.h / 2))) / g
    reach = min(vu * flight, 2.0) + p.w  # in low gravity it flies off: keep the room it needs modest
    return bodies, (-(p.count - 1) * (p.w + _gap(p.w)) - p.w, reach)


# -- fitting --------------------------------------------------------------------------------------------


def _shrink(p: Piece, fits: Callable[[Piece], bool]) -> None:
    while not fits(p) and p.size > 0.012:
        p.size *= 0.9


def _fit(cl: Cluster, ground: float) -> None:
    """Scale pieces down where a count would not fit the scene (long rows, tall stacks)."""
    head = cl.pieces[0]
    standing = cl.pieces if cl.mode in ("topple", "collapse", "rest") else cl.pieces[1:]
    for p in standing:
        if p.arrangement == "stack":
            _shrink(p, lambda q: ground + q.count * q.h <= STACK_TOP and q.w <= cl.room)
        else:
            _shrink(p, lambda q: _footprint(q)[0] <= cl.room and ground + _footprint(q)[1] <= STACK_TOP)
    if cl.mode in ("ramp", "ramp_drop"):
        _shrink(head, lambda q: q.h <= 0.4 and _ramp_air(q, (q.count - 1) // _ramp_slots(q)) + q.h / 2 <= TOP)
    elif cl.mode == "stairs":
        extra = max(0, head.count - STAIR_STEPS)
        _shrink(head, lambda q: q.w <= 0.85 * STAIR_DEPTH
                and STAIR_HEIGHT + 2 * q.h + 0.15 + extra * (q.h + _gap(q.h)) <= TOP)
    elif cl.mode == "pendulum":
        _shrink(head, lambda q: q.w <= 0.6 and q.count * q.w <= 1.2)
    elif cl.mode in ("ground", "throw", "table_off", "ramp_up", "mutual"):
        _shrink(head, lambda q: q.count * (q.w + _gap(q.w)) <= cl.room / (2 if cl.mode == "mutual" else 1)
                and q.h <= 1.0)
    elif cl.mode == "drop_onto":
        _shrink(head, lambda q: q.count * (q.w + _gap(q.w)) <= cl.room and q.h <= 0.4)


# -- clusters ------------------------------------------------------------------------------------------------


def _standalone(cl: Cluster, p: Piece, ground: float, rng: random.Random) -> _Built:
    out = _Built()
    if cl.mode == "air":
        out.bodies = _air(p, ground, cl.room, rng)
    elif cl.mode == "topple":
        out.bodies = _structure(p, ground, tip=True)
    elif cl.mode == "collapse":
        if p.count == 1 and p.arrangement != "pyramid":
            out.bodies = _structure(p, ground, tip=True)
        else:
            out.bodies = _structure(p, ground, lean=True, nudge=True)
    elif cl.mode == "rest":
        out.bodies = _structure(p, ground, gap=_gap(p.w))
    elif cl.mode == "mutual":
        half = (p.count + 1) // 2
        v = _speed(cl, p) * 0.8
        out.bodies = _movers(p, list(range(half)), 0.0, ground, v)
        out.bodies += _movers(p, list(range(half, p.count)), 2 * RUN_UP, ground, -v)
    elif cl.mode in ("ground", "table_off"):
        v = PUSH_SPEED * 1.5 * cl.speed if cl.mode == "table_off" else _speed(cl, p)
        out.bodies = _movers(p, list(range(p.count)), 0.0, ground, v)
        out.reserve = (0.0, 1.0)
    return out


def _table(cl: Cluster, a: float, b: float) -> _PropU:
    return _PropU("table", a, b, TABLE_HEIGHT, material=cl.materials.get("table", "wood"))


def _build(cl: Cluster, rng: random.Random) -> _Built:
    ground = TABLE_HEIGHT if cl.on_table or cl.mode == "table_off" else 0.0
    _fit(cl, ground)
    head, targets = cl.pieces[0], cl.pieces[1:]
    first = _footprint(targets[0]) if targets else None
    out = _Built()
    cursor = 0.0  # where the next target's upstream face goes
    if cl.mode in ("air", "topple", "collapse", "rest", "mutual") or (
        not targets and cl.mode in ("ground", "table_off")
    ):
        out = _standalone(cl, head, ground, rng)
        cursor = _hull(out.bodies)[1] + RUN_UP
    elif cl.mode in ("ramp", "ramp_drop", "ramp_up", "stairs"):
        bodies, prop = _stairs(cl, head) if cl.mode == "stairs" else _ramp(cl, head)
        out.bodies, out.props = bodies, [prop]
        cursor = (_hull(bodies)[1] + TARGET_GAP) if cl.mode == "ramp_up" else prop.b + RUN_OUT
    elif cl.mode == "pendulum":
        out.bodies, cursor = _pendulum(head, ground, first)
        if not targets:
            reach = math.sin(PENDULUM_ANGLE) + head.w
            out.reserve = (-reach - 0.05, cursor + reach)
    elif cl.mode == "throw":
        out.bodies, landing = _throw(cl, head, ground, first)
        cursor = THROW_REACH
        if not targets:
            out.reserve = landing
    elif cl.mode in ("ground", "table_off"):
        v = PUSH_SPEED * 1.5 * cl.speed if cl.mode == "table_off" else _speed(cl, head)
        out.bodies = _movers(head, list(range(head.count)), 0.0, ground, v)
        cursor = RUN_UP
    if cl.mode == "table_off":
        lo = _hull(out.bodies)[0]
        out.props.append(_table(cl, min(lo - 0.15, 0.12 - 0.8), 0.12))
        ground, cursor = 0.0, 0.12 + RUN_UP
    for i, t in enumerate(targets):
        if cl.mutual_tail and i == len(targets) - 1:  # drives back at the rest, from a run-up away
            bodies = _movers(t, list(range(t.count)), 0.0, ground, -_speed(cl, t) * 0.8)
            cursor += RUN_UP
        else:
            bodies = _structure(t, ground)
        _shift(bodies, cursor - _hull(bodies)[0])
        out.bodies += bodies
        if cl.mode == "drop_onto" and i == 0:  # the movers wait in a line above the first target
            top = _hull(bodies)[2]
            y = top + max(0.05, min(0.6, TOP - top - head.h)) + head.h / 2
            pitch = head.w + _gap(head.w)
            out.bodies += [_Body(head, m, bodies[0].u + m * pitch, y) for m in range(head.count)]
        tall_row = t.arrangement == "row" and t.h > t.w
        cursor = _hull(bodies)[1] + (_pitch(t, LOOSE_GAP) - t.w if tall_row else TARGET_GAP)
    if cl.wall_end:  # the wall stands where the next target would
        out.reserve = None
        out.wall_u = cursor
    if cl.on_table and cl.mode != "table_off":
        lo, hi, _ = _hull(out.bodies)
        pad = max(0.15, (0.8 - (hi - lo)) / 2)
        out.props.append(_table(cl, lo - pad, hi + pad))
    return out


def _mirror(value: float) -> float:
    """A flow-frame angle, spin or velocity in world x (+ 0.0 so that 0 does not turn into -0.0)."""
    return FLOW * value + 0.0


def _spare(kind: PropKind, material: str) -> _Built:
    """A prop that nobody uses, in its usual size."""
    if kind == "ramp":
        return _Built(props=[_PropU("ramp", 0.0, RAMP_WIDTH, RAMP_HEIGHT, material=material)])
    if kind == "stairs":
        return _Built(props=[_PropU("stairs", 0.0, STAIR_STEPS * STAIR_DEPTH, STAIR_HEIGHT, steps=STAIR_STEPS,
                                    material=material)])
    return _Built(props=[_PropU(kind, 0.0, 0.8, TABLE_HEIGHT, material=material)])


def _pack(clusters: list[Cluster], spare: list[tuple[PropKind, str]], seed: int) -> list[_Built]:
    """Build every cluster and set them side by side along the flow, the one that ends at a wall last."""
    rng = random.Random(seed)
    built = [_build(c, rng) for c in clusters] + [_spare(kind, material) for kind, material in spare]
    walled = [c.wall_end for c in clusters] + [False] * len(spare)
    order = [b for b, w in zip(built, walled, strict=True) if not w]
    order += [b for b, w in zip(built, walled, strict=True) if w]
    cursor = 0.0
    for b in order:
        lo, _ = b.span()
        b.shift(cursor - lo + rng.uniform(-0.02, 0.02))
        cursor = b.span()[1] + CLUSTER_GAP
    return built


def arrange(clusters: list[Cluster], walls: str | None, spare: list[tuple[PropKind, str]],
            seed: int) -> Layout:
    """Lay every cluster out, pack them along the flow, mirror into world x and centre on x = 0.
    `walls` is the walls' material when the scene is enclosed; `spare` are (kind, material) of props
    that no object uses, set down beside the rest. `seed` jitters positions by a few centimetres."""
    built = _pack(clusters, spare, seed)
    lo, hi = min(b.span()[0] for b in built), max(b.span()[1] for b in built)
    for _ in range(7):  # a crowded scene gets smaller objects and shorter lines, not a wider stage
        if hi - lo <= STAGE_WIDTH:
            break
        before = [(c.room, [piece.size for piece in c.pieces]) for c in clusters]
        factor = max(0.6, STAGE_WIDTH / (hi - lo))
        for c in clusters:
            c.room = max(0.3, c.room * factor)
            for piece in c.pieces:
                piece.size = max(0.012, piece.size * factor)
        smaller = _pack(clusters, spare, seed)
        lo2, hi2 = min(b.span()[0] for b in smaller), max(b.span()[1] for b in smaller)
        if hi2 - lo2 > 0.95 * (hi - lo):
            # Shrinking does not narrow this scene (throws keep their run-up): keep the sizes it had.
            for c, (room, old_sizes) in zip(clusters, before, strict=True):
                c.room = room
                for piece, size in zip(c.pieces, old_sizes, strict=True):
                    piece.size = size
            break
        built, lo, hi = smaller, lo2, hi2
    centre = -FLOW * (lo + hi) / 2

    def x(u: float) -> float:
        return FLOW * u + centre

    poses: dict[tuple[int, int], Pose] = {}
    sizes: dict[int, float] = {}
    props: list[Prop] = []
    facing: Literal["left", "right"] = "right" if FLOW < 0 else "left"
    for b in built:
        for body in b.bodies:
            pivot = None if body.pivot is None else (x(body.pivot[0]), body.pivot[1])
            poses[(body.piece.key, body.member)] = Pose(
                x(body.u), body.y, _mirror(body.angle), _mirror(body.vu), body.vy, _mirror(body.spin), pivot)
            sizes[body.piece.key] = body.piece.size
        for p in b.props:
            if p.kind == "table":
                props.append(Prop(kind="table", x=x((p.a + p.b) / 2), width=p.b - p.a, height=p.height,
                                  material=p.material))
            else:
                props.append(Prop(kind=p.kind, x=min(x(p.a), x(p.b)), width=p.b - p.a, height=p.height,
                                  facing=facing, steps=p.steps, material=p.material))
    if walls is not None:
        far = max((b.wall_u for b in built if b.wall_u is not None), default=hi + 0.25)
        a, z = x(lo - 0.25), x(far)
        top = max((body.top() for b in built for body in b.bodies), default=1.0)
        height = min(2.0, max(1.0, top + 0.3))
        props.append(Prop(kind="walls", x=(a + z) / 2 + 0.0, width=abs(z - a), height=height, material=walls))
    return Layout(poses, sizes, props)
