"""Prompt adherence: per colour, how many objects hold in view, shared among the plan's groups of that
colour by shape, scored as colour found x count agreement x kind agreement."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from kinora.world.catalog import KINDS
from kinora.world.evaluate.blobs import Blob
from kinora.world.evaluate.common import MIN_SHAPE_AREA, PERSIST_SECONDS, SCALE_SHAPE_DIST
from kinora.world.evaluate.report import AdherenceReport, GroupResult
from kinora.world.evaluate.scene import Group, Scene, Segment
from kinora.world.evaluate.shapes import _kind_match, _nearest_kind, _planned_area, _prototype, _shape, _shape_distance


def _persistent_count(counts: npt.NDArray[np.int64], need: int) -> int:
    """The largest c such that at least `need` frames show c or more."""
    if counts.size == 0:
        return 0
    need = max(1, min(need, counts.size))
    return int(np.sort(counts)[::-1][need - 1])


def _adherence(scene: Scene, blobs: list[list[Blob]]) -> AdherenceReport:
    notes: list[str] = []
    if scene.noir:
        notes.append("noir style: colour cannot be checked; counts and kinds only, moving objects only")
        if not any(s.static for s in scene.segments):
            notes.append("no static shot: greyscale objects cannot be told from the background")
    need = max(3, round(PERSIST_SECONDS * scene.fps))
    classes = sorted({g.cls for g in scene.groups})
    for seg in scene.segments:
        seg.scale = _segment_scale(scene, seg, blobs)
    best_frames: dict[int, list[int]] = {}
    for cls in classes:
        best_count, frames_at_best = 0, []
        for seg in scene.segments:
            counts = np.array(
                [
                    sum(_multiplicity(scene, seg, b) for b in blobs[t] if b.cls == cls)
                    for t in range(seg.start, seg.end)
                ]
            )
            count = _persistent_count(counts, need)
            texture = count > 2 * scene.expected(cls) + 2 and not seg.static
            if count > best_count and not texture:
                best_count = count
                frames_at_best = [seg.start + int(i) for i in np.flatnonzero(counts == count)]
        best_frames[cls] = frames_at_best
    groups: list[GroupResult] = []
    for cls in classes:
        members = [g for g in scene.groups if g.cls == cls]
        groups.extend(_score_groups(scene, members, best_frames[cls], blobs))
    # With only medium and close shots the camera keeps its targets in view, not the rest: an object
    # that is never seen then costs nothing (one that is seen is still scored).
    shots = scene.plan.shots
    if all(s.camera.framing != "wide" for s in shots):
        targets = {s.camera.target for s in shots}
        for group, result in zip(
            [g for c in classes for g in scene.groups if g.cls == c], groups, strict=True
        ):
            result.required = any(spec.id in targets for spec in group.specs)
        notes.append("no wide shot: only the camera's targets have to be in view")
    counted = [g.score for g in groups if g.required or g.seen]
    score = float(np.mean(counted)) if counted else 0.0
    return AdherenceReport(score=round(score, 4), color_checked=not scene.noir, groups=groups, notes=notes)


def _segment_scale(scene: Scene, seg: Segment, blobs: list[list[Blob]]) -> float | None:
    """Pixels per metre in a segment whose scale holds still (static or sliding camera): the median
    over blobs that look like their planned kind of sqrt(area / planned silhouette area)."""
    if not seg.measurable or scene.noir:
        return None
    ratios: list[float] = []
    for t in np.unique(np.linspace(seg.start, seg.end - 1, 12).round().astype(int)):
        for blob in blobs[t]:
            shape = None if blob.border else _shape(blob.mask)
            if shape is None:
                continue
            if blob.area < 4 * MIN_SHAPE_AREA:
                continue  # a piece (a pin's head cut off by its stripes) is too coarse to trust
            for group in scene.groups:
                # A good absolute match too: touching objects (pins and ball in a heap) may still be
                # nearer one kind than the others, and would inflate the scale.
                if (
                    group.cls == blob.cls
                    and _kind_match(shape, group.kind) == 1.0
                    and _shape_distance(shape, _prototype(KINDS[group.kind])) <= SCALE_SHAPE_DIST
                ):
                    ratios.extend(math.sqrt(blob.area / _planned_area(spec)) for spec in group.specs)
                    break
    return float(np.median(ratios)) if len(ratios) >= 3 else None


def _multiplicity(scene: Scene, seg: Segment, blob: Blob) -> int:
    """How many planned objects one blob is: 0 for a speck far smaller than anything planned in its
    colour, more than 1 for like-coloured objects that touch (a stack, a row). By area when the
    segment's scale is known, else, for boxes, by how many times longer the box is than planned."""
    specs = [spec for g in scene.groups if g.cls == blob.cls for spec in g.specs]
    areas = [_planned_area(spec) for spec in specs]
    if seg.scale is not None:
        px2 = seg.scale**2
        if blob.area < 0.25 * min(areas) * px2:
            return 0  # a speck, even at the border (where compression noise gathers in moving shots)
        if blob.area > 1.6 * max(areas) * px2 and not blob.border:
            return max(1, round(blob.area / (float(np.median(areas)) * px2)))
        return 1
    box_aspects = {
        max(KINDS[s.kind].aspect, 1 / KINDS[s.kind].aspect) for s in specs if KINDS[s.kind].shape == "box"
    }
    if len(box_aspects) != 1 or blob.border or blob.area < 4 * MIN_SHAPE_AREA:
        return 1
    shape = _shape(blob.mask)
    aspect = box_aspects.pop()
    if shape is None or shape.fill < 0.85 or shape.aspect < 1.6 * aspect:
        return 1
    return round(shape.aspect / aspect)


def _score_groups(
    scene: Scene, members: list[Group], frames: list[int], blobs: list[list[Blob]]
) -> list[GroupResult]:
    """Share each frame's blobs of one colour among the plan's groups of that colour by shape, and score
    count and kind per group (median over up to 7 frames spread over those where the count peaks)."""
    pick = [frames[int(i)] for i in np.unique(np.linspace(0, len(frames) - 1, 7).round())] if frames else []
    seen: dict[int, list[int]] = {i: [] for i in range(len(members))}
    kinds: dict[int, list[float]] = {i: [] for i in range(len(members))}
    shapes: dict[int, list[str]] = {i: [] for i in range(len(members))}
    cls = members[0].cls
    for t in pick:
        seg = next(s for s in scene.segments if s.start <= t < s.end)
        counts = [0] * len(members)
        for blob in (b for b in blobs[t] if b.cls == cls):
            many = _multiplicity(scene, seg, blob)
            if many == 0:
                continue
            shape = None if blob.border else _shape(blob.mask)
            if many > 1:  # touching objects: only the family can be judged (a stack of cubes is boxy)
                boxy = shape is None or shape.fill >= 0.8
                matches = [1.0 if KINDS[g.kind].shape != "box" or boxy else 0.5 for g in members]
            else:
                matches = [_kind_match(shape, g.kind) for g in members]
            deficit = [len(g.specs) - counts[i] for i, g in enumerate(members)]
            i = max(range(len(members)), key=lambda j: (matches[j], deficit[j]))
            _share(counts, deficit, matches, i, many)
            kinds[i].append(matches[i])
            if shape is not None and many == 1 and len(shapes[i]) < len(members[i].specs) + 2:
                shapes[i].append(_nearest_kind(shape))
        for i, c in enumerate(counts):
            seen[i].append(c)
    results = []
    for i, g in enumerate(members):
        expected = len(g.specs)
        n = round(float(np.median(seen[i]))) if seen[i] else 0
        count_score = max(0.0, 1.0 - abs(n - expected) / expected)
        kind_score = float(np.mean(kinds[i])) if kinds[i] else 0.0
        found = n > 0
        colour = None if scene.noir else found
        score = (1.0 if scene.noir else float(found)) * count_score * (kind_score if n else 0.0)
        results.append(
            GroupResult(
                kind=g.kind,
                color=g.color,
                rgb=g.rgb,
                expected=expected,
                seen=n,
                color_found=colour,
                count_score=round(count_score, 4),
                kind_score=round(kind_score, 4),
                score=round(score, 4),
                shapes=shapes[i],
            )
        )
    return results


def _share(counts: list[int], deficit: list[int], matches: list[float], best: int, many: int) -> None:
    """Credit a blob that is `many` touching objects (a ball in a heap of pins) to the groups of its
    colour: the best-matching group up to what it still lacks, then the others that lack objects, by
    how well they match; whatever is left goes to the best group (an extra object is its error)."""
    order = [best] + sorted((j for j in range(len(counts)) if j != best), key=lambda j: -matches[j])
    left = many
    for j in order:
        take = min(left, max(0, deficit[j]))
        counts[j] += take
        left -= take
    counts[best] += left
