"""Turn plan objects and props into pymunk bodies and shapes.

Every object's body origin is the centre of its side-view bounding box, so the plan's (x, y) and
the renderer's drawing frame agree for every kind.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field

import pymunk

from kinora.world.catalog import FLOORS, KINDS, MATERIALS
from kinora.world.figures import figure_layout
from kinora.world.plan import Environment, ObjectSpec, Prop

FLOOR_HALF_WIDTH = 60.0  # metres of floor each side of the origin
CORNER = 0.002  # rounding of box corners (m): keeps stacks from catching on sharp edges
# Collision shapes are this much larger than what is drawn, so objects placed exactly touching start
# in contact instead of falling through a zero gap for a few steps and "landing" with a click.
SKIN = 0.0003


@dataclass
class Part:
    """A body that the renderer draws and the recorder samples, e.g. "car1" or "car1.wheel0"."""

    id: str
    body: pymunk.Body
    owner: str  # the plan object id


@dataclass
class SurfaceInfo:
    id: str  # object id, "floor" or "propN"
    material: str
    size: float  # metres, decides pitch


@dataclass
class World:
    space: pymunk.Space
    parts: list[Part] = field(default_factory=list)
    surfaces: dict[pymunk.Shape, SurfaceInfo] = field(default_factory=dict)


def silhouette(obj: ObjectSpec) -> tuple[float, float]:
    """Width and height (m) of an object's side-view bounding box."""
    kind = KINDS[obj.kind]
    if kind.shape == "circle":
        return obj.size, obj.size
    if kind.shape in ("bowl", "car"):
        return obj.size, obj.size / kind.aspect
    return obj.size * kind.aspect, obj.size


def pin_outline(w: float, h: float) -> list[tuple[float, float]]:
    """Right half of a bowling pin's profile, bottom to top, in a box centred on the origin."""
    profile = [(0.0, 0.30), (0.12, 0.42), (0.30, 0.50), (0.55, 0.30), (0.70, 0.17), (0.82, 0.24),
               (0.92, 0.22), (1.0, 0.0)]
    return [(r * w, f * h - h / 2) for f, r in profile]


def bowl_outline(w: float, h: float) -> list[list[tuple[float, float]]]:
    """Three convex pieces (bottom, left wall, right wall) of a bowl open at the top."""
    t = max(h * 0.16, 0.006)
    bottom = [(-w * 0.28, -h / 2), (w * 0.28, -h / 2), (w * 0.3, -h / 2 + t), (-w * 0.3, -h / 2 + t)]
    right = [(w * 0.28, -h / 2), (w / 2, h / 2), (w / 2 - t, h / 2), (w * 0.28 - t, -h / 2 + t)]
    left = [(-x, y) for x, y in reversed(right)]
    return [bottom, left, right]


def car_layout(w: float, h: float) -> tuple[list[tuple[float, float]], list[tuple[float, float]], float,
                                            list[tuple[float, float]]]:
    """Chassis box, cabin polygon, wheel radius and wheel centres of a toy car in its bounding box."""
    r = h * 0.24
    base_lo, base_hi = -h / 2 + r * 0.9, -h / 2 + h * 0.62
    chassis = [(-w / 2, base_lo), (w / 2, base_lo), (w / 2, base_hi), (-w / 2, base_hi)]
    cabin = [(-w * 0.3, base_hi), (w * 0.22, base_hi), (w * 0.08, h / 2), (-w * 0.2, h / 2)]
    wheels = [(-w * 0.3, -h / 2 + r), (w * 0.3, -h / 2 + r)]
    return chassis, cabin, r, wheels


def build_world(objects: list[ObjectSpec], env: Environment) -> World:
    space = pymunk.Space()
    space.gravity = (0.0, -env.gravity)
    space.iterations = 40
    # Metre-scale scenes: chipmunk's defaults (0.1 slop) assume pixels and would let objects sink 10 cm.
    space.collision_slop = 0.0005
    space.collision_bias = pow(1.0 - 0.3, 240.0)
    space.sleep_time_threshold = 0.4
    world = World(space)
    _add_floor(world, env)
    for i, prop in enumerate(env.props):
        _add_prop(world, f"prop{i}", prop)
    for obj in objects:
        _add_object(world, obj)
    return world


def _set_material(shape: pymunk.Shape, material_name: str) -> None:
    # Chipmunk multiplies the two shapes' values; square roots make that the geometric mean, so a
    # rubber ball bounces like rubber on any floor rather than like the product of both.
    material = MATERIALS[material_name]
    shape.elasticity = math.sqrt(material.restitution)
    shape.friction = math.sqrt(material.friction)


def _add_static(world: World, shape: pymunk.Shape, info: SurfaceInfo) -> None:
    _set_material(shape, info.material)
    world.space.add(shape)
    world.surfaces[shape] = info


def _add_floor(world: World, env: Environment) -> None:
    radius = 0.05
    seg = pymunk.Segment(world.space.static_body, (-FLOOR_HALF_WIDTH, -radius), (FLOOR_HALF_WIDTH, -radius),
                         radius)
    _add_static(world, seg, SurfaceInfo("floor", FLOORS[env.floor], 2.0))


def prop_boxes(prop: Prop) -> list[list[tuple[float, float]]]:
    """Convex polygons (world metres) that make up a static prop."""
    x0, x1 = prop.x, prop.x + prop.width
    if prop.kind == "ramp":
        hi_x = x1 if prop.facing == "right" else x0
        return [[(x0, 0.0), (x1, 0.0), (hi_x, prop.height)]]
    if prop.kind == "stairs":
        step_w, step_h = prop.width / prop.steps, prop.height / prop.steps
        boxes = []
        for i in range(prop.steps):
            top = step_h * (i + 1)
            a = x0 + step_w * i if prop.facing == "right" else x0
            b = x1 if prop.facing == "right" else x1 - step_w * i
            boxes.append(_rect(a, 0.0, b, top))
        return boxes
    if prop.kind == "table":
        left, right = prop.x - prop.width / 2, prop.x + prop.width / 2
        top, slab, leg = prop.height, 0.04, 0.04
        return [
            _rect(left, top - slab, right, top),
            _rect(left + 0.03, 0.0, left + 0.03 + leg, top - slab),
            _rect(right - 0.03 - leg, 0.0, right - 0.03, top - slab),
        ]
    left, right, t = prop.x - prop.width / 2, prop.x + prop.width / 2, 0.05
    return [_rect(left - t, 0.0, left, prop.height), _rect(right, 0.0, right + t, prop.height)]


def _rect(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def _add_prop(world: World, prop_id: str, prop: Prop) -> None:
    for verts in prop_boxes(prop):
        shape = pymunk.Poly(world.space.static_body, verts)
        _add_static(world, shape, SurfaceInfo(prop_id, prop.material, max(prop.width, prop.height)))


def _mass(obj: ObjectSpec, area: float, depth: float) -> float:
    return MATERIALS[obj.material].density * area * depth


def _dynamic(world: World, obj: ObjectSpec, shapes: list[pymunk.Shape], part_id: str) -> pymunk.Body:
    body = shapes[0].body
    assert body is not None, "shapes are created on their body"
    for shape in shapes:
        _set_material(shape, obj.material)
        world.surfaces[shape] = SurfaceInfo(obj.id, obj.material, obj.size)
    world.space.add(body, *shapes)
    world.parts.append(Part(part_id, body, obj.id))
    return body


def _add_object(world: World, obj: ObjectSpec) -> None:
    w, h = silhouette(obj)
    shape_kind = KINDS[obj.kind].shape
    depth = min(w, h) if shape_kind != "circle" else obj.size
    if shape_kind == "circle":
        r = obj.size / 2
        mass = _mass(obj, math.pi * r * r, depth)
        body = pymunk.Body(mass, pymunk.moment_for_circle(mass, 0, r))
        shapes: list[pymunk.Shape] = [pymunk.Circle(body, r + SKIN)]
    elif shape_kind == "box":
        mass = _mass(obj, w * h, depth)
        body = pymunk.Body(mass, pymunk.moment_for_box(mass, (w, h)))
        shapes = [pymunk.Poly.create_box(body, (w - 2 * CORNER, h - 2 * CORNER), CORNER + SKIN)]
    elif shape_kind == "pin":
        half = pin_outline(w, h)
        verts = [(-x, y) for x, y in reversed(half)] + half
        mass = _mass(obj, w * h * 0.55, depth)
        body = pymunk.Body(mass, pymunk.moment_for_poly(mass, verts))
        shapes = [pymunk.Poly(body, verts, None, SKIN)]
    elif shape_kind == "bowl":
        pieces = bowl_outline(w, h)
        mass = _mass(obj, w * h * 0.25, depth)
        body = pymunk.Body(mass, pymunk.moment_for_box(mass, (w, h)) * 0.8)
        shapes = [pymunk.Poly(body, p, None, SKIN) for p in pieces]
    elif shape_kind == "figure":
        body, shapes = _figure_body(obj, h, depth)
    else:
        _add_car(world, obj, w, h, depth)
        return
    body.position = (obj.x, obj.y)
    body.angle = obj.angle
    body.velocity = (obj.vx, obj.vy)
    body.angular_velocity = obj.spin
    _dynamic(world, obj, shapes, obj.id)
    if obj.pivot is not None:
        world.space.add(pymunk.PinJoint(world.space.static_body, body, obj.pivot, (0, 0)))


def _figure_body(obj: ObjectSpec, h: float, depth: float) -> tuple[pymunk.Body, list[pymunk.Shape]]:
    """A figure collides as its trunk and legs (one box, arms included) and its head (a circle): it stands on its
    feet, wobbles when hit, and a hard enough blow topples it."""
    parts = figure_layout(h, obj.figure is not None and obj.figure.kind == "character")
    x0, y0 = min(parts.legs[0][0], parts.trunk[0]), -h / 2
    x1, y1 = max(parts.legs[-1][2], parts.trunk[2]), parts.trunk[3]
    hx, hy, ax, ay = parts.head
    radius = (ax + ay) / 2
    mass = _mass(obj, (x1 - x0) * (y1 - y0) + math.pi * ax * ay, depth)
    body = pymunk.Body(mass, pymunk.moment_for_box(mass, (x1 - x0, h)))
    trunk = [(x0 + CORNER, y0 + CORNER), (x1 - CORNER, y0 + CORNER), (x1 - CORNER, y1 - CORNER),
             (x0 + CORNER, y1 - CORNER)]
    return body, [pymunk.Poly(body, trunk, None, CORNER + SKIN), pymunk.Circle(body, radius + SKIN, (hx, hy))]


def _add_car(world: World, obj: ObjectSpec, w: float, h: float, depth: float) -> None:
    chassis, cabin, r, wheels = car_layout(w, h)
    mass = _mass(obj, w * h * 0.6, depth)
    body = pymunk.Body(mass, pymunk.moment_for_box(mass, (w, h)))
    body.position = (obj.x, obj.y)
    body.angle = obj.angle
    body.velocity = (obj.vx, obj.vy)
    car_shapes: list[pymunk.Shape] = [pymunk.Poly(body, chassis, None, SKIN), pymunk.Poly(body, cabin, None, SKIN)]
    _dynamic(world, obj, car_shapes, obj.id)
    for i, (wx, wy) in enumerate(wheels):
        wmass = mass * 0.08
        wheel = pymunk.Body(wmass, pymunk.moment_for_circle(wmass, 0, r))
        wheel.position = body.local_to_world((wx, wy))
        wheel.velocity = (obj.vx, obj.vy)
        wheel.angular_velocity = -obj.vx / r
        circle = pymunk.Circle(wheel, r + SKIN)
        # Wheels must not collide with their own chassis.
        circle.filter = pymunk.ShapeFilter(group=zlib.crc32(obj.id.encode()) or 1)
        for s in car_shapes:
            s.filter = circle.filter
        _dynamic(world, obj.model_copy(update={"material": "rubber"}), [circle], f"{obj.id}.wheel{i}")
        world.space.add(pymunk.PivotJoint(body, wheel, (wx, wy), (0, 0)))
