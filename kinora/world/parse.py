"""Prompt -> ScenePlan for the world engine: a deterministic, rule-based reading of a text prompt.

Three passes. The scanner cuts the prompt into items (object mentions, verbs, props, camera phrases)
and settles the scene-wide words (floor, setting, time, style, speed) on the way. The resolver decides
which mentions are new objects and which refer back, who does what to whom, and which props belong to
whom; it groups each mover with what it hits into a cluster. `layout.arrange` turns the clusters into
exact initial conditions. Every word that no pass could use ends up in `plan.unrecognized`.

This module holds the pipeline; the passes live next to it: `prompt_scan` (the scanner), `prompt_resolve`
(the resolver), `prompt_build` (settled actions, clusters, and the plan's objects, actions and shots) and
`prompt_items` (the constants and data they share).
"""

from __future__ import annotations

from kinora.world import lexicon as lx
from kinora.world.layout import arrange
from kinora.world.plan import Environment, ScenePlan
from kinora.world.prompt_build import build_actions, build_clusters, build_objects, build_shots, settle_groups
from kinora.world.prompt_items import MAX_OBJECTS
from kinora.world.prompt_resolve import Resolver
from kinora.world.prompt_scan import Scanner

__all__ = ["MAX_OBJECTS", "PromptError", "parse_prompt"]

EXAMPLE_OBJECTS = "a ball, cube, domino, block, marble, bowling pin, plank, can, bowl or toy car"


class PromptError(ValueError):
    """The prompt names nothing the world engine can simulate."""


# -- the plan --------------------------------------------------------------------------------------------


def parse_prompt(prompt: str, seed: int = 0) -> ScenePlan:
    """Read a prompt into a scene plan; raises PromptError when it names nothing to simulate.
    The same prompt and seed always give the same plan; the seed only jitters positions by a few cm."""
    scan = Scanner(lx.tokenize(prompt))
    scan.run()
    res = Resolver(scan)
    res.run()
    settle_groups(res)
    if res.clamped:
        scan.notes.append((len(scan.tokens), f"clamped to {MAX_OBJECTS} objects"))
    if not res.groups:
        understood = ", ".join(_understood(scan.notes))
        raise PromptError(f'nothing to simulate in "{prompt}": understood only [{understood}]; '
                          f"name an object such as {EXAMPLE_OBJECTS}")
    clusters, modes = build_clusters(res)
    layout = arrange(clusters, res.walls, res.spare_props, seed)
    objects = build_objects(res, layout.poses, layout.sizes)
    shots = build_shots(scan, res)
    scene = scan.scene
    floor = scene.floor or scene.setting_floor or "wood"
    setting = scene.setting or ("outdoor" if floor in ("grass", "sand") else "indoor")
    return ScenePlan(
        prompt=prompt,
        objects=objects,
        environment=Environment(setting=setting, time_of_day=scene.time or "day", floor=floor,
                                props=layout.props, gravity=res.gravity),
        actions=build_actions(res, modes),
        shots=shots,
        style=scene.style or "realistic",
        slow_motion=scene.tempo or 1.0,
        understood=_understood(scan.notes),
        unrecognized=_unrecognized(scan),
    )


def _understood(notes: list[tuple[int, str]]) -> list[str]:
    return list(dict.fromkeys(text for _, text in sorted(notes, key=lambda n: n[0])))


def _unrecognized(scan: Scanner) -> list[str]:
    words = [t for t, known in zip(scan.tokens, scan.known, strict=True) if not known]
    return list(dict.fromkeys(w for w in words if w not in lx.SENTENCE_END and w not in lx.CLAUSE_END))
