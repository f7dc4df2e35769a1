"""The report: pydantic models of what was measured, and its text summary."""

from __future__ import annotations

from pydantic import BaseModel, Field


class GroupResult(BaseModel):
    kind: str
    color: str
    rgb: tuple[int, int, int]
    expected: int
    seen: int
    color_found: bool | None  # None when the style hides colour (noir)
    count_score: float
    kind_score: float
    score: float
    shapes: list[str] = Field(default_factory=list)  # the nearest catalog kind of each blob, best frame
    required: bool = True  # False: the plan frames no wide shot, so this object may be out of view


class AdherenceReport(BaseModel):
    score: float
    color_checked: bool
    groups: list[GroupResult]
    notes: list[str] = Field(default_factory=list)


class PhysicsReport(BaseModel):
    score: float | None
    g_fit: float | None = None  # m/s^2 in simulated time
    g_plan: float
    rel_error: float | None = None
    slow_motion: float = 1.0
    object: str | None = None  # e.g. "red ball"
    segment: int | None = None
    frames: list[tuple[int, int]] = Field(default_factory=list)  # first and last frame of each fall
    px_per_m: float | None = None  # at the analysis resolution
    residual_px: float | None = None
    reason: str | None = None


class ContactPair(BaseModel):
    object: str
    video_t: float
    audio_t: float | None
    offset_ms: float | None  # audio minus video; positive when the sound comes late


class SyncReport(BaseModel):
    score: float | None
    contacts: int = 0
    onsets: list[float] = Field(default_factory=list)
    pairs: list[ContactPair] = Field(default_factory=list)
    matched_fraction: float | None = None
    median_abs_ms: float | None = None
    worst_abs_ms: float | None = None
    unmatched_onsets: int = 0  # sounds with no visible contact (off-screen, rolling, or spurious)
    reason: str | None = None


class EvalReport(BaseModel):
    path: str
    score: float
    adherence: AdherenceReport
    physics: PhysicsReport
    sync: SyncReport
    width: int
    height: int
    fps: float
    frames: int
    seconds: float
    analysis_size: tuple[int, int]
    segments: list[tuple[int, int, bool]]  # (first frame, end frame, static camera)
    elapsed: float

    def summary(self) -> str:
        lines = [f"{self.path}: score {self.score:.2f}"]
        a = self.adherence
        lines.append(f"  adherence {a.score:.2f}" + ("" if a.color_checked else " (colour not checked)"))
        for g in a.groups:
            found = "?" if g.color_found is None else ("yes" if g.color_found else "no")
            optional = "" if g.required else " (may be out of view)"
            lines.append(
                f"    {g.color} {g.kind}: expected {g.expected}, seen {g.seen}, colour {found}, "
                f"kind {g.kind_score:.2f} -> {g.score:.2f}{optional}"
            )
        lines.extend(f"    note: {n}" for n in a.notes)
        p = self.physics
        if p.g_fit is not None and p.rel_error is not None:
            lines.append(
                f"  physics {_fmt(p.score)}: g {p.g_fit:.2f} vs {p.g_plan:.2f} m/s^2 "
                f"({100 * p.rel_error:.1f}% off) from {p.object}, frames {p.frames}"
            )
        else:
            lines.append(f"  physics {_fmt(p.score)}: {p.reason}")
        s = self.sync
        if s.median_abs_ms is not None:
            lines.append(
                f"  sync {_fmt(s.score)}: {s.contacts} contacts, {len(s.onsets)} onsets, "
                f"matched {100 * (s.matched_fraction or 0):.0f}%, median {s.median_abs_ms:.1f} ms, "
                f"worst {s.worst_abs_ms:.1f} ms, {s.unmatched_onsets} sounds without contact"
            )
        else:
            lines.append(f"  sync {_fmt(s.score)}: {s.reason}")
        return "\n".join(lines)


def _fmt(score: float | None) -> str:
    return "n/a" if score is None else f"{score:.2f}"
