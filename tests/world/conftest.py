"""Small hand-written plans shared by the world tests."""

from __future__ import annotations

from kinora.world.catalog import COLORS
from kinora.world.plan import Environment, ObjectSpec, ScenePlan


def obj(oid: str, kind: str, *, x: float, y: float, size: float, material: str = "rubber",
        color: str = "red", **kw: float) -> ObjectSpec:
    return ObjectSpec(id=oid, kind=kind, color=color, rgb=COLORS[color], material=material, size=size, x=x,
                      y=y, **kw)


def drop_plan(height: float = 1.5, material: str = "rubber", **env: object) -> ScenePlan:
    ball = obj("ball1", "ball", x=0.0, y=height, size=0.22, material=material)
    return ScenePlan(objects=[ball], environment=Environment(**env))


def stack_plan(n: int = 5) -> ScenePlan:
    size = 0.2
    cubes = [obj(f"cube{i + 1}", "cube", x=0.0, y=size / 2 + i * size, size=size, material="wood",
                 color="blue") for i in range(n)]
    return ScenePlan(objects=cubes)
