"""Prompt -> ScenePlan for the world engine: a deterministic, rule-based reading of a text prompt.

Three passes. The scanner cuts the prompt into items (object mentions, verbs, props, camera phrases)
and settles the scene-wide words (floor, setting, time, style, speed) on the way. The resolver decides
which mentions are new objects and which refer back, who does what to whom, and which props belong to
whom; it groups each mover with what it hits into a cluster. `layout.arrange` turns the clusters into
exact initial conditions. Cameos ("@ann", one per `Cameo` of the request, mentioned or not) become figures that
stand beside the action (`figures`). Every word that no pass could use ends up in `plan.unrecognized`.

This module holds the pipeline; the passes live next to it: `prompt_scan` (the scanner), `prompt_resolve`
(the resolver), `prompt_build` (settled actions, clusters, and the plan's objects, actions and shots) and
`prompt_items` (the constants and data they share).
"""

from __future__ import annotations

from collections.abc import Sequence

from kinora.world import lexicon as lx
from kinora.world.figures import ACTS, MAX_FIGURES, Cameo, figure_actions, notes, place_figures
from kinora.world.layout import Layout, arrange
from kinora.world.plan import Action, Environment, ObjectSpec, ScenePlan
from kinora.world.prompt_build import build_actions, build_clusters, build_objects, build_shots, settle_groups
from kinora.world.prompt_items import MAX_OBJECTS, CameoMention
from kinora.world.prompt_resolve import Resolver
from kinora.world.prompt_scan import Scanner

__all__ = ["MAX_OBJECTS", "PromptError", "parse_prompt"]

EXAMPLE_OBJECTS = "a ball, cube, domino, block, marble, bowling pin, plank, can, bowl or toy car"


class PromptError(ValueError):
    """The prompt names nothing the world engine can simulate."""


# -- the plan --------------------------------------------------------------------------------------------


def parse_prompt(prompt: str, seed: int = 0, cameos: Sequence[Cameo] = ()) -> ScenePlan:
    """Read a prompt into a scene plan; raises PromptError when it names nothing to simulate and has no cameos.
    The same prompt, seed and cameos always give the same plan; the seed only jitters positions by a few cm."""
    if len(cameos) > MAX_FIGURES:
        raise ValueError(f"cameos: the world engine puts at most {MAX_FIGURES} in a scene; got {len(cameos)}")
    scan = Scanner(lx.tokenize(prompt), handles={c.key for c in cameos})
    scan.run()
    res = Resolver(scan)
    res.run()
    settle_groups(res)
    if res.clamped:
        scan.notes.append((len(scan.tokens), f"clamped to {MAX_OBJECTS} objects"))
    if not res.groups and not cameos:
        understood = ", ".join(_understood(scan.notes))
        raise PromptError(f'nothing to simulate in "{prompt}": understood only [{understood}]; '
                          f"name an object such as {EXAMPLE_OBJECTS}")
    clusters, modes = build_clusters(res)
    empty = not clusters and not res.spare_props  # only cameos: nothing to lay out
    layout = Layout({}, {}, []) if empty else arrange(clusters, res.walls, res.spare_props, seed)
    objects = build_objects(res, layout.poses, layout.sizes)
    acts = {handle: ACTS[action] for handle, action in res.cameo_deeds if action in ACTS}  # the last one stands
    figures = place_figures(cameos, objects, layout.props, acts, [handle for handle, _ in res.cameo_targets])
    _cameo_notes(scan, cameos, figures)
    shots = build_shots(scan, res, {o.figure.handle: o.id for o in figures if o.figure is not None})
    scene = scan.scene
    floor = scene.floor or scene.setting_floor or "wood"
    setting = scene.setting or ("outdoor" if floor in ("grass", "sand") else "indoor")
    return ScenePlan(
        prompt=prompt,
        objects=objects + figures,
        environment=Environment(setting=setting, time_of_day=scene.time or "day", floor=floor,
                                props=layout.props, gravity=res.gravity),
        actions=build_actions(res, modes) + figure_actions(figures, acts) + _hits(res, figures),
        shots=shots,
        style=scene.style or "realistic",
        slow_motion=scene.tempo or 1.0,
        understood=_understood(scan.notes),
        unrecognized=_unrecognized(scan),
    )


def _hits(res: Resolver, figures: list[ObjectSpec]) -> list[Action]:
    """"A ball rolls toward @ann": the collision the plan means, with her figure."""
    ids = {o.figure.handle: o.id for o in figures if o.figure is not None}
    out: list[Action] = []
    for handle, subjects in res.cameo_targets:
        movers = [res.groups[r.group].id(k) for r in subjects for k in r.members]
        action = Action(kind="collide", subjects=list(dict.fromkeys([*movers, ids[handle]])))
        if action not in out:
            out.append(action)
    return out


def _cameo_notes(scan: Scanner, cameos: Sequence[Cameo], figures: list[ObjectSpec]) -> None:
    """Say which figure each cameo became and how it is dressed, where the prompt mentions it (or at the end)."""
    at: dict[str, int] = {}
    for item in scan.items:
        if isinstance(item, CameoMention):
            at.setdefault(item.handle, item.start)
    ids = {o.figure.handle: o.id for o in figures if o.figure is not None}
    for cameo in cameos:
        if cameo.key in ids:
            scan.notes.append((at.get(cameo.key, len(scan.tokens)), f"{notes(cameo)} ({ids[cameo.key]})"))


def _understood(notes: list[tuple[int, str]]) -> list[str]:
    return list(dict.fromkeys(text for _, text in sorted(notes, key=lambda n: n[0])))


def _unrecognized(scan: Scanner) -> list[str]:
    words = [t for t, known in zip(scan.tokens, scan.known, strict=True) if not known]
    return list(dict.fromkeys(w for w in words if w not in lx.SENTENCE_END and w not in lx.CLAUSE_END))
