"""The plan's parts from what the resolver found: actions settled by what does them, clusters (chains of
movers and what they hit) for `layout.arrange`, then the objects, actions and shots of the plan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from kinora.world.catalog import COLORS, KINDS, shade_color
from kinora.world.layout import Cluster, Mode, Piece, Pose
from kinora.world.plan import Action, ActionKind, Camera, ObjectSpec, PropKind, Shot
from kinora.world.prompt_items import (
    OFF_PREPS,
    PALETTE,
    STANDING_KINDS,
    SWINGERS,
    CameoMention,
    CameraMention,
    Group,
    Verb,
)
from kinora.world.prompt_resolve import Resolver
from kinora.world.prompt_scan import Scanner

# -- settling --------------------------------------------------------------------------------------------


def settle_groups(res: Resolver) -> None:
    """Arrangements implied by actions, and "fall" / "push" read by what falls or is pushed."""
    for g in res.groups:
        if g.arrangement is None and g.count > 1:
            if "collapse" in g.motions:
                g.arrangement = "stack"
            elif "topple" in g.motions or (g.kind in STANDING_KINDS and "fall" in g.motions):
                g.arrangement = "row"
        g.motions = [settle(g, a) for a in g.motions]
    for deed in res.deeds:
        deed.action = settle(res.groups[deed.subjects[0].group], deed.action)


def settle(g: Group, action: str) -> str:
    """The action a verb means for this group ("falls": a ball drops, a domino topples)."""
    if action == "push":  # set going the way it moves
        if g.arrangement in ("stack", "pyramid"):
            return "collapse"
        if g.kind in STANDING_KINDS or g.arrangement == "row":
            return "topple"
        return "roll" if KINDS[g.kind].shape in ("circle", "car") else "slide"
    if action == "fall":
        if g.props.get("table") in OFF_PREPS:
            return "drop"
        if g.arrangement in ("stack", "pyramid"):
            return "collapse"
        if g.hit or g.kind in STANDING_KINDS or g.arrangement == "row":
            return "topple"
        return "drop"
    if action == "topple" and g.arrangement in ("stack", "pyramid"):
        return "collapse"
    if action == "collapse" and g.arrangement == "row":
        return "topple"
    return action


# -- clusters --------------------------------------------------------------------------------------------


def build_clusters(res: Resolver) -> tuple[list[Cluster], dict[int, Mode]]:
    """Chains of "A drives into B (which drives into C)", each laid out as one cluster; also the
    mode each group's chain starts in."""
    chains: list[list[int]] = []
    claimed: set[int] = set()
    for gi in sorted(range(len(res.groups)), key=lambda k: res.groups[k].hit):
        if gi in claimed:
            continue
        chain = [gi]
        claimed.add(gi)
        while (t := res.groups[chain[-1]].target) is not None and t not in claimed:
            chain.append(t)
            claimed.add(t)
        chains.append(chain)
    tailed: set[int] = set()  # first groups of chains that a second mover drives back into
    for chain in list(chains):  # a second mover at a target already taken drives at it from behind
        t = res.groups[chain[0]].target
        if len(chain) == 1 and t is not None and _mode(res.groups[chain[0]], True) == "ground":
            host = next(c for c in chains if t in c)
            if host is not chain and host[-1] == t and host[0] not in tailed and len(host) > 1:
                host.append(chain[0])
                chains.remove(chain)
                tailed.add(host[0])
    clusters: list[Cluster] = []
    modes: dict[int, Mode] = {}
    for chain in chains:
        head = res.groups[chain[0]]
        mode = _mode(head, len(chain) > 1)
        rolls = {"roll", "slide"} & set(head.motions)
        if mode == "ground" and len(chain) > 1 and _tall_stack(res.groups[chain[1]]) and not rolls:
            mode = "throw"  # "a ball hits the tower": rolling into its base would pull the base out
        modes[chain[0]] = mode
        tail = chain[0] in tailed or (len(chain) > 1 and res.groups[chain[-2]].mutual
                                      and res.groups[chain[-2]].target == chain[-1])
        clusters.append(_cluster(res, chain, mode, tail))
        clusters[-1].gravity = res.gravity
    return clusters, modes


def _cluster(res: Resolver, chain: list[int], mode: Mode, tail: bool) -> Cluster:
    head = res.groups[chain[0]]
    materials = {k: v for gi in chain for k, v in res.groups[gi].prop_materials.items()}
    sloped = mode in ("ramp", "ramp_drop", "ramp_up", "stairs")
    tabled = any("table" in res.groups[gi].props for gi in chain)
    on_table = tabled and not sloped and mode != "table_off"
    used = {"ramp"} if mode.startswith("ramp") else {"stairs"} if mode == "stairs" else {"table"}
    for kind in dict.fromkeys(k for gi in chain for k in res.groups[gi].props):
        if kind not in used:  # mentioned, but nothing in this chain starts on it: it stands aside
            res.spare_props.append((cast(PropKind, kind), materials.get(kind, "wood")))
    pieces = []
    for n, gi in enumerate(chain):
        g = res.groups[gi]
        if n == 0 or (tail and n == len(chain) - 1):
            arrangement = g.arrangement or ("row" if mode == "topple" and g.count > 1 else "loose")
        else:
            arrangement = g.arrangement or "row"
        size = min(3.0, max(0.01, KINDS[g.kind].size * g.scale))
        pieces.append(Piece(gi, g.kind, g.count, size, arrangement))
    return Cluster(pieces, mode, on_table=on_table, speed=head.speed, hop="bounce" in head.motions,
                   slide="slide" in head.motions, mutual_tail=tail, wall_end=head.wall,
                   materials=materials)


def _tall_stack(g: Group) -> bool:
    return g.arrangement == "stack" and g.count >= 3


def _mode(g: Group, has_targets: bool) -> Mode:
    """How a chain's first group gets going."""
    first = g.motions[0] if g.motions else None
    if g.special in SWINGERS or "swing" in g.motions:
        return "pendulum"
    if "throw" in g.motions:
        return "throw"
    if "ramp" in g.props:
        prep = g.props["ramp"]
        if prep == "up":
            return "ramp_up"
        return "ramp_drop" if first in ("drop", "bounce") and prep in ("onto", "on", "upon") else "ramp"
    if "stairs" in g.props:
        return "stairs"
    off = g.props.get("table") in OFF_PREPS
    if off:
        return "table_off"
    if has_targets:
        return "drop_onto" if first in ("drop", "bounce") else "ground"
    if g.mutual_self:
        return "mutual"
    if first in ("drop", "bounce"):
        return "air"
    if {"roll", "slide", "collide"} & set(g.motions):
        return "ground"
    for motion in g.motions:
        if motion in ("topple", "collapse", "rest"):
            return cast(Mode, motion)
    by_arrangement = {"row": "topple", "stack": "collapse", "pyramid": "collapse"}
    return cast(Mode, by_arrangement.get(g.arrangement or "", "air"))


# What a group does when the prompt gives it nothing to do, by how its chain starts.
DEFAULT_ACTION: dict[str, str] = {
    "air": "drop", "topple": "topple", "collapse": "collapse", "pendulum": "swing", "ramp": "roll",
    "ramp_drop": "drop", "ramp_up": "roll", "stairs": "roll", "table_off": "drop", "ground": "roll",
    "rest": "rest", "throw": "throw", "mutual": "collide", "drop_onto": "drop",
}


# -- the plan's parts ------------------------------------------------------------------------------------


# What an uncoloured object looks like when it has a look of its own: a bowling pin is white and a
# steel ball is steel, not the next colour in the palette.
NATURAL_KIND_COLOR = {"pin": "white"}
NATURAL_MATERIAL_COLOR = {"metal": "silver"}


def build_objects(res: Resolver, poses: dict[tuple[int, int], Pose], sizes: dict[int, float]) -> list[ObjectSpec]:
    taken = {c.split()[-1] for g in res.groups for c in g.colors if c}
    palette = [c for c in PALETTE if c not in taken] or list(PALETTE)  # keep "the red ball" unambiguous
    objects: list[ObjectSpec] = []
    n = 0
    for gi, g in enumerate(res.groups):
        material = g.material or ("rubber" if "bounce" in g.motions else KINDS[g.kind].material)
        natural = NATURAL_KIND_COLOR.get(g.kind) or NATURAL_MATERIAL_COLOR.get(material)
        if natural is None and g.arrangement == "row":
            # A row is a set (dominoes come in one colour); stacks stay many-coloured like toy blocks.
            natural, n = palette[n % len(palette)], n + 1
        for m in range(g.count):
            color = g.colors[m]
            if color is None and natural is not None and natural not in taken:
                color = natural
            elif color is None:
                color, n = palette[n % len(palette)], n + 1
            *shade, base = color.split()
            pose = poses[(gi, m)]
            rgb = shade_color(COLORS[base], shade[0] if shade else "")
            objects.append(ObjectSpec(
                id=g.id(m), kind=g.kind, color=color, rgb=rgb, material=material, size=sizes[gi], x=pose.x,
                y=pose.y, angle=pose.angle, vx=pose.vx, vy=pose.vy, spin=pose.spin, pivot=pose.pivot,
            ))
    return objects


def build_actions(res: Resolver, modes: dict[int, Mode]) -> list[Action]:
    actions: list[Action] = []
    for deed in res.deeds:
        ids = [res.groups[r.group].id(k) for r in deed.subjects + deed.targets for k in r.members]
        action = Action(kind=cast(ActionKind, deed.action), subjects=list(dict.fromkeys(ids)))
        if action not in actions:
            actions.append(action)
    for gi, g in enumerate(res.groups):
        if not g.motions and not g.hit and gi in modes:
            kind = DEFAULT_ACTION[modes[gi]]
            if kind == "roll" and KINDS[g.kind].shape != "circle":
                kind = "slide"
            actions.append(Action(kind=cast(ActionKind, kind), subjects=[g.id(m) for m in range(g.count)]))
    return actions


def build_shots(scan: Scanner, res: Resolver, figures: Mapping[str, str] | None = None) -> list[Shot]:
    """One shot per cut, splitting the clip evenly; the camera words of each shot set its camera. `figures` maps
    a cameo's handle to its figure's id, so that "close up of @ann" frames her."""
    figures = figures or {}
    cameras = [Camera() for _ in range(scan.scene.shots)]
    for idx, item in enumerate(scan.items):
        if not isinstance(item, CameraMention):
            continue
        camera = cameras[item.shot]
        camera.move = item.move or camera.move
        camera.framing = item.framing or camera.framing
        for j in range(idx + 1, len(scan.items)):  # the object named after the camera words
            after = scan.items[j]
            if after.sentence != item.sentence or isinstance(after, Verb):
                break
            if j in res.refs:
                ref = res.refs[j]
                camera.target = res.groups[ref.group].id(ref.members[0])
            elif isinstance(after, CameoMention) and after.handle in figures:
                camera.target = figures[after.handle]
            else:
                continue
            scan.notes.append((after.end, f"camera target: {camera.target}"))
            break
    for n, camera in enumerate(cameras[1:], start=1):  # "cut to the blue ball": the shot shows it
        shown = [j for j, item in enumerate(scan.items) if item.shot == n and j in res.refs]
        if camera.target is None and shown:
            ref = res.refs[shown[0]]
            camera.target = res.groups[ref.group].id(ref.members[0])
            scan.notes.append((scan.items[shown[0]].end, f"camera target: {camera.target}"))
    for camera in cameras:
        if camera.target is None and (camera.move in ("follow", "zoom_in") or camera.framing == "close"):
            if not res.groups:  # only cameos in the scene: the first of them
                camera.target = next(iter(figures.values()))
                scan.notes.append((len(scan.tokens), f"camera target: {camera.target}"))
                continue
            lead = next((g for g in res.groups if g.motions), res.groups[0])  # the first thing that moves
            camera.target = lead.id(0)
            scan.notes.append((len(scan.tokens), f"camera target: {camera.target}"))
    return [Shot(start=n / len(cameras), camera=c) for n, c in enumerate(cameras)]
