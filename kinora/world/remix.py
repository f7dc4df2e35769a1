"""Remixes and extensions of world clips, planned from the source clip's metadata.

Remix (and edit, the same thing here): the source's plan is the scene; the new prompt is read against it
(`edit.read_edit`) and only what it clearly says changes: the looks of the objects it names (colour,
material, size), the floor, setting, time of day, gravity, style, slow motion, the camera, and what it
makes objects do (a verb sets them moving from where they stand, see `motion`). Everything else, the
layout and the seed included, stays. A prompt that names objects the source does not have (another kind
or another count) describes a new scene: it is parsed as usual, and keeps the source's environment, style,
tempo and camera where it says nothing of them.

Extension: the continuation starts from the source's end state (`state.EndState`, every body at its final
pose and velocity, the camera where it was) with the same plan; the prompt may add actions ("then the red
ball is kicked to the left": a `Kick` half a second in), a camera move or a tempo. Looks, scenery and new
objects cannot change in the middle of a shot; they are reported as ignored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast, get_args

from kinora.world.bodies import build_world, silhouette
from kinora.world.catalog import COLORS, KINDS, shade_color
from kinora.world.edit import CameraWords, Edit, Look, Motion, read_edit
from kinora.world.figures import Cameo, add_figures
from kinora.world.layout import FLOW
from kinora.world.motion import Blow, Place, blow, direction
from kinora.world.parse import parse_prompt
from kinora.world.plan import Action, ActionKind, Camera, Environment, Kick, ObjectSpec, ScenePlan, Shot
from kinora.world.sim import BodyState
from kinora.world.state import EndState

FOREIGN = ("remix_of: the world engine can only remix/extend clips it made itself "
           "(no scene plan in the source metadata)")
ACT_AT = 0.5  # video seconds into a continuation when its first new action happens
ACT_GAP = 1.0  # ... and between the actions after it
MAX_SEGMENTS = 20  # continuations of one clip; far more than the service allows
OVERLAP = 0.002  # m: deeper than this, a resized object overlaps its neighbours
NUDGE = 0.02  # m: step of the search for room for a resized group
MAX_NUDGE = 1.5  # m
UPRIGHT = 0.35  # rad: tilted less than this, an object still stands and can be toppled
SHOVE = 1.4  # m/s at the top of a stack told to collapse


@dataclass(frozen=True)
class Source:
    """What a remix or an extension needs from its source clip's metadata."""

    plan: ScenePlan  # the plan of the clip itself (a continuation's starts mid-motion)
    seed: int
    state: EndState | None  # its end state
    root: ScenePlan  # the plan of the chain's first clip, the chain's kicks on its clock


@dataclass
class Report:
    """What a remix or an extension understood and did, for `Clip.metadata`."""

    changes: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def read_source(metadata: Mapping[str, Any]) -> Source:
    """The source clip's plan, seed and end state; ValueError when the metadata is not a world clip's."""
    if not isinstance(metadata, Mapping) or not isinstance(metadata.get("plan"), Mapping):
        raise ValueError(FOREIGN)
    if metadata.get("engine", "world") != "world":
        raise ValueError(FOREIGN)
    try:
        plan = ScenePlan.model_validate(metadata["plan"])
        extension = metadata.get("extension") or {}
        root = ScenePlan.model_validate(extension["root"]["plan"]) if extension else plan
        seed = int(metadata.get("seed", 0))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"remix_of: the scene plan in the source metadata is not valid ({exc})") from exc
    state = EndState.from_dict(metadata["state"]) if metadata.get("state") is not None else None
    return Source(plan=plan, seed=seed, state=state, root=root)


# -- remix ------------------------------------------------------------------------------------------------


def remix_plan(source: Source, prompt: str, cameos: Sequence[Cameo] = ()) -> tuple[ScenePlan, dict[str, Any]]:
    """The plan of a remix of `source` by `prompt`, and what it changed (for `metadata["remix"]`). A remix
    of an extended clip remakes the whole chain: the first clip's plan with every kick since. The source's
    figures stay (drawn with a plain face where `cameos` has none for them), and every cameo of `cameos` it
    has no figure for joins the scene."""
    base = source.root
    edit = read_edit(prompt, base, {c.key for c in cameos})
    report = Report()
    if edit.new_objects:
        plan = _new_scene(base, prompt, source.seed, edit, report, cameos)
    else:
        plan = _edited(base, edit, report)
        plan.prompt = prompt
        plan.understood, plan.unrecognized = edit.understood, edit.unrecognized
        report.changes += [f"cameo joins: {added}" for added in add_figures(plan, cameos)]
    return plan, {
        "source_prompt": base.prompt,
        "from_understood": list(base.understood),
        "understood": list(plan.understood),
        "new_scene": bool(edit.new_objects),
        "changes": report.changes or ["nothing understood to change: the source scene again"],
        "ignored": report.ignored,
    }


def _new_scene(base: ScenePlan, prompt: str, seed: int, edit: Edit, report: Report,
               cameos: Sequence[Cameo]) -> ScenePlan:
    """A new scene from the prompt (with the request's cameos), keeping the source's environment, style, tempo
    and camera where the prompt says nothing of them."""
    plan = parse_prompt(prompt, seed=seed, cameos=cameos)
    report.changes.append(f"new scene ({', '.join(edit.new_objects)} not in the source): "
                          f"{', '.join(o.id for o in plan.objects)}")
    said = edit.scene
    env = plan.environment
    if said.setting is None and said.floor is None:
        env.setting, env.floor = base.environment.setting, base.environment.floor
    if said.time is None:
        env.time_of_day = base.environment.time_of_day
    if said.gravity is None and not any(a.kind == "throw" for a in plan.actions):  # throws are aimed for 9.81
        env.gravity = base.environment.gravity
    plan.style = plan.style if said.style is not None else base.style
    plan.slow_motion = plan.slow_motion if said.tempo is not None else base.slow_motion
    if not edit.cameras:
        ids = {o.id for o in plan.objects}
        plan.shots = [Shot(start=s.start, camera=s.camera.model_copy(
            update={"target": s.camera.target if s.camera.target in ids else None})) for s in base.shots]
        _ensure_targets(plan)
    kept = [name for name, said_it in (("setting and floor", said.setting or said.floor),
                                       ("time of day", said.time), ("style", said.style),
                                       ("slow motion", said.tempo), ("camera", edit.cameras)) if not said_it]
    report.changes.append(f"kept from the source: {', '.join(kept + ['seed'])}")
    return plan


def _edited(base: ScenePlan, edit: Edit, report: Report) -> ScenePlan:
    plan = base.model_copy(deep=True)
    plan.environment = _environment(base.environment, edit, report)
    if edit.scene.style is not None and edit.scene.style != base.style:
        report.changes.append(f"style: {base.style} -> {edit.scene.style}")
        plan.style = edit.scene.style
    if edit.scene.tempo is not None and edit.scene.tempo != base.slow_motion:
        report.changes.append(f"slow motion: {base.slow_motion:g} -> {edit.scene.tempo:g}")
        plan.slow_motion = edit.scene.tempo
    if edit.cameras:
        plan.shots = _shots(plan, edit.cameras, report)
    for change in edit.changes:
        plan.objects = _restyled(plan, change.ids, change.look, report)
    for motion in edit.motions:
        _set_moving(plan, motion, report)
    return plan


def _environment(env: Environment, edit: Edit, report: Report) -> Environment:
    said = edit.scene
    out = env.model_copy(deep=True)
    if said.setting is not None:
        out.setting = said.setting
        if said.floor is None and said.setting_floor and said.setting != env.setting:
            out.floor = said.setting_floor  # "outdoors": the indoor floor goes with the room
    if said.floor is not None:
        out.floor = said.floor
        if said.setting is None and said.floor in ("grass", "sand"):
            out.setting = "outdoor"
    if said.time is not None:
        out.time_of_day = said.time
    if said.gravity is not None:
        out.gravity = said.gravity
    for name in ("setting", "floor", "time_of_day", "gravity"):
        before, after = getattr(env, name), getattr(out, name)
        if before != after:
            report.changes.append(f"{name.replace('_', ' ')}: {before} -> {after}")
    return out


def _shots(plan: ScenePlan, cameras: list[CameraWords], report: Report) -> list[Shot]:
    """One camera said: every shot takes it. Several (the prompt cuts): the prompt's shots replace them."""
    if len(cameras) == 1:
        shots = [Shot(start=s.start, camera=_camera(s.camera, cameras[0])) for s in plan.shots]
    else:
        shots = [Shot(start=k / len(cameras), camera=_camera(Camera(), c)) for k, c in enumerate(cameras)]
    plan.shots = shots
    _ensure_targets(plan)
    for shot in plan.shots:
        report.changes.append(f"camera at {shot.start:.0%}: {_shown(shot.camera)}")
    return plan.shots


def _shown(camera: Camera) -> str:
    return f"{camera.move} {camera.framing}" + (f" on {camera.target}" if camera.target else "")


def _camera(camera: Camera, said: CameraWords) -> Camera:
    return Camera(move=said.move or camera.move, framing=said.framing or camera.framing,
                  target=said.target or camera.target)


def _ensure_targets(plan: ScenePlan) -> None:
    """A follow, a zoom in or a close-up is about something: the first object that does something."""
    acting = [s for a in plan.actions for s in a.subjects]
    lead = acting[0] if acting else plan.objects[0].id
    for shot in plan.shots:
        c = shot.camera
        if c.target is None and (c.move in ("follow", "zoom_in") or c.framing == "close"):
            c.target = lead


# -- looks ------------------------------------------------------------------------------------------------


def _restyled(plan: ScenePlan, ids: list[str], look: Look, report: Report) -> list[ObjectSpec]:
    objects = list(plan.objects)
    chosen = [i for i, o in enumerate(objects) if o.id in ids]
    names = ", ".join(ids)
    if look.color is not None:
        *shade, name = look.color.split()
        rgb = shade_color(COLORS[name], shade[0] if shade else "")
        before = sorted({objects[i].color for i in chosen})
        for i in chosen:
            objects[i] = objects[i].model_copy(update={"color": look.color, "rgb": rgb})
        report.changes.append(f"{names}: colour {'/'.join(before)} -> {look.color}")
    if look.material is not None:
        before = sorted({objects[i].material for i in chosen})
        for i in chosen:
            objects[i] = objects[i].model_copy(update={"material": look.material})
        report.changes.append(f"{names}: material {'/'.join(before)} -> {look.material}")
    if look.scale is not None:
        resized = _resized(objects, chosen, look.scale, plan.environment)
        if resized is None:
            report.ignored.append(f"{names}: size x{look.scale:g} (no room for it in the scene)")
            report.changes.append(f"{names}: size unchanged (no room for x{look.scale:g})")
        else:
            objects = resized
            report.changes.append(f"{names}: size x{look.scale:g} ({objects[chosen[0]].size:.3g} m)")
    return objects


def _resized(objects: list[ObjectSpec], chosen: list[int], factor: float,
             env: Environment) -> list[ObjectSpec] | None:
    """Objects `chosen` scaled by `factor` about the bottom centre of their group, so that a ball on the
    floor stays on it and a stack stays stacked; moved sideways if they would then overlap something
    else. None when no room is found within MAX_NUDGE."""
    group = [objects[i] for i in chosen]
    ground = min(o.y - silhouette(o)[1] / 2 for o in group)
    x0 = sum(o.x for o in group) / len(group)
    sizes = [min(max(o.size * factor, 0.006), 3.0) for o in group]
    for shift in _shifts():
        out = list(objects)
        for i, o, size in zip(chosen, group, sizes, strict=True):
            k = size / o.size
            update: dict[str, Any] = {"size": size}
            if o.pivot is None:
                update |= {"x": x0 + (o.x - x0) * k + shift, "y": ground + (o.y - ground) * k}
            if KINDS[o.kind].shape == "circle":
                update["spin"] = o.spin / k  # still rolls without slipping
            out[i] = o.model_copy(update=update)
        if not _overlaps(out, {objects[i].id for i in chosen}, env):
            return out
    return None


def _shifts() -> list[float]:
    steps = int(MAX_NUDGE / NUDGE)
    return [0.0] + [s * k * NUDGE for k in range(1, steps + 1) for s in (1.0, -1.0)]


def _overlaps(objects: list[ObjectSpec], moved: set[str], env: Environment) -> bool:
    """Whether any of the `moved` objects cuts into another object, a prop or the floor."""
    world = build_world(objects, env)
    for shape, info in world.surfaces.items():
        if info.id not in moved:
            continue
        for hit in world.space.shape_query(shape):
            other = world.surfaces.get(hit.shape) if hit.shape is not None else None
            if other is None or other.id == info.id or other.id in moved:
                continue
            # The query reports only shapes that touch; the sign of the depth depends on which side asks.
            if any(abs(p.distance) > OVERLAP for p in hit.contact_point_set.points):
                return True
    return False


# -- motions ----------------------------------------------------------------------------------------------


def _places(objects: list[ObjectSpec], bodies: Mapping[str, BodyState] | None = None) -> dict[str, Place]:
    out = {}
    for o in objects:
        state = bodies[o.id] if bodies is not None else BodyState(o.x, o.y, o.angle, o.vx, o.vy, o.spin)
        out[o.id] = Place(o, state)
    return out


def _upright(place: Place) -> bool:
    a = math.remainder(place.state.angle, 2 * math.pi)
    return abs(a) < UPRIGHT


def _struck(motion: Motion, places: dict[str, Place]) -> list[str]:
    """Who gets the blow: everyone, except that a row topples from its first standing member (a domino
    effect, not ten dominoes falling at once; the fallen ones stay down)."""
    blocky = all(KINDS[places[i].obj.kind].shape not in ("circle", "car") for i in motion.ids)
    if motion.action != "topple" or len(motion.ids) < 2 or not blocky:
        return motion.ids
    standing = [i for i in motion.ids if _upright(places[i])]
    way = motion.direction if motion.direction is not None else FLOW
    return [min(standing, key=lambda i: way * places[i].state.x)] if standing else []


def _shove(motion: Motion, places: dict[str, Place]) -> dict[str, Blow]:
    """A stack collapses as if shoved at the top: each piece moves sideways in proportion to its height,
    the bottom one not at all, so the pieces slide over one another and the tower comes down."""
    ys = [places[i].state.y for i in motion.ids]
    low, high = min(ys), max(ys)
    way = motion.direction if motion.direction is not None else FLOW
    top = SHOVE * motion.speed * way
    return {i: Blow(top * (places[i].state.y - low) / (high - low), None, None)
            for i in motion.ids if places[i].state.y > low}


def _blows(plan: ScenePlan, motion: Motion, places: dict[str, Place]) -> dict[str, Blow]:
    ys = [places[i].state.y for i in motion.ids]
    if motion.action == "collapse" and len(motion.ids) > 1 and max(ys) - min(ys) > 0.01:
        return _shove(motion, places)
    target = places[motion.targets[0]] if motion.targets else None
    out = {}
    for oid in _struck(motion, places):
        others = [p for pid, p in places.items() if pid not in motion.ids]
        towards = direction(places[oid], motion.direction, target, others)
        b = blow(motion.action, places[oid], towards=towards, speed=motion.speed, target=target,
                 gravity=plan.environment.gravity)
        if not b.empty:
            out[oid] = b
    return out


def _describe(motion: Motion, blows: Mapping[str, Blow]) -> str:
    to = f" into {', '.join(motion.targets)}" if motion.targets else ""
    way = {None: "", -1.0: " to the left", 1.0: " to the right"}[motion.direction]
    speeds = ", ".join(f"{oid} ({b.vx if b.vx is not None else 0:+.2f}, {b.vy if b.vy is not None else 0:+.2f}) m/s"
                       for oid, b in blows.items())
    return f"{', '.join(motion.ids)}: {motion.action}{to}{way}: {speeds}"


def _already(plan: ScenePlan, motion: Motion) -> bool:
    return motion.direction is None and any(
        a.kind == motion.action and set(motion.ids) <= set(a.subjects) for a in plan.actions)


def _set_moving(plan: ScenePlan, motion: Motion, report: Report) -> None:
    """A remix's verb: the objects start out moving that way (where the source already had them do it,
    nothing changes)."""
    if _already(plan, motion):
        return
    blows = _blows(plan, motion, _places(plan.objects))
    for i, o in enumerate(plan.objects):
        b = blows.get(o.id)
        if b is not None:
            plan.objects[i] = o.model_copy(update={k: v for k, v in (("vx", b.vx), ("vy", b.vy), ("spin", b.spin))
                                                   if v is not None})
    _add_action(plan, motion)
    report.changes.append(_describe(motion, blows))


def _add_action(plan: ScenePlan, motion: Motion) -> None:
    """The plan's record of a motion, as the parser writes it: the action, and a collision with its target."""
    kind = cast(ActionKind, motion.action if motion.action in get_args(ActionKind) else "collide")
    actions = [Action(kind=kind, subjects=list(motion.ids))]
    if motion.targets:
        actions.append(Action(kind="collide", subjects=motion.ids + motion.targets))
    plan.actions += [a for a in actions if a not in plan.actions]


# -- extension --------------------------------------------------------------------------------------------


def extend_plan(source: Source, prompt: str, seconds: float,
                cameos: Sequence[Cameo] = ()) -> tuple[ScenePlan, EndState, dict[str, Any]]:
    """The plan of a continuation of `source` lasting `seconds`, the end state it starts from, and what it
    added (for `metadata["extension"]`). Its figures are the source's: a cameo cannot join mid-shot."""
    state = source.state
    if state is None:
        raise ValueError("remix_of: the source metadata holds no end state to continue from "
                         "(made by an older world engine); remix it instead")
    if state.segment + 1 > MAX_SEGMENTS:
        raise ValueError(f"remix_of: a clip can be extended at most {MAX_SEGMENTS} times; "
                         f"this one is extension {state.segment}")
    base = source.plan
    missing = [o.id for o in base.objects if o.id not in state.bodies]
    if missing:
        raise ValueError(f"remix_of: the source end state has no bodies for {missing}")
    edit = read_edit(prompt, base, {c.key for c in cameos})
    report = Report()
    plan = base.model_copy(deep=True)
    plan.objects = [o.model_copy(update=_pose(state.bodies[o.id])) for o in base.objects]
    plan.kicks = _kicks(plan, edit, state, seconds, report)
    held = _held(base.shots[-1].camera)
    plan.shots = [Shot(start=0.0, camera=_camera(held, edit.cameras[0]) if edit.cameras else held)]
    _ensure_targets(plan)
    if edit.cameras:
        report.changes.append(f"camera: {_shown(plan.shots[0].camera)}")
    if edit.scene.tempo is not None and edit.scene.tempo != base.slow_motion:
        report.changes.append(f"slow motion: {base.slow_motion:g} -> {edit.scene.tempo:g}")
        plan.slow_motion = edit.scene.tempo
    _ignored(edit, report)
    plan.prompt, plan.understood, plan.unrecognized = prompt, edit.understood, edit.unrecognized
    root = source.root.model_copy(deep=True)
    root.kicks += [k.model_copy(update={"t": k.t + state.video_t}) for k in plan.kicks]
    return plan, state, {
        "segment": state.segment + 1,
        "source_seconds": state.video_t,  # where this continuation starts on the chain's clock
        "source_sim_t": state.sim_t,
        "source_prompt": base.prompt,
        "from_understood": list(base.understood),
        "changes": report.changes or ["nothing added: the scene goes on"],
        "ignored": report.ignored,
        "root": {"plan": root.model_dump(mode="json"), "seed": source.seed},
    }


def _held(camera: Camera) -> Camera:
    """The camera a continuation starts with. Its "wide" framing is the one handed over at the seam, so a
    shot that followed its target goes on following it at that framing, and a pan or a zoom, which has run
    its course, holds where it ended instead of starting over."""
    tracking = camera.target is not None and (camera.move == "follow" or camera.framing != "wide")
    return Camera(move="follow" if tracking else "static", framing="wide", target=camera.target)


def _pose(state: BodyState) -> dict[str, float]:
    still = state.sleeping
    return {"x": state.x, "y": state.y, "angle": state.angle, "vx": 0.0 if still else state.vx,
            "vy": 0.0 if still else state.vy, "spin": 0.0 if still else state.spin}


def _kicks(plan: ScenePlan, edit: Edit, state: EndState, seconds: float, report: Report) -> list[Kick]:
    """Each new action is a blow, the first ACT_AT into the continuation and the rest ACT_GAP apart, aimed
    from where things are at the seam."""
    places = _places(plan.objects, state.bodies)
    kicks = []
    for k, motion in enumerate(edit.motions):
        t = max(0.0, min(ACT_AT + ACT_GAP * k, seconds - ACT_AT))
        blows = _blows(plan, motion, places)
        kicks += [Kick(t=t, object=oid, vx=b.vx, vy=b.vy, spin=b.spin) for oid, b in blows.items()]
        _add_action(plan, motion)
        report.changes.append(f"at {t:g} s: {_describe(motion, blows)}")
    return kicks


def _ignored(edit: Edit, report: Report) -> None:
    said = edit.scene
    scenery = [f"{name}: {value}" for name, value in (("floor", said.floor), ("setting", said.setting),
                                                       ("time of day", said.time), ("style", said.style),
                                                       ("gravity", said.gravity)) if value is not None]
    looks = [f"{', '.join(c.ids)}: {c.look.color or c.look.material or f'size x{c.look.scale:g}'}"
             for c in edit.changes]
    new = [f"new object: {m}" for m in edit.new_objects] + [f"new cameo: @{h}" for h in edit.new_cameos]
    for item in scenery + looks + new:
        report.ignored.append(f"{item} (cannot change in the middle of a shot)")
