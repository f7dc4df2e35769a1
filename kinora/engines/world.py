"""The `world` engine: a prompt becomes a simulated, rendered scene with synchronized foley.

With `req.remix_of` (a clip this engine made, its metadata loaded back from JSON) and `options["mode"]`:
"remix" / "edit" remake the source scene with the one change the prompt asks for, and "extend" returns
only the continuation, which starts exactly where the source ended (see `kinora.world.remix`).

`req.cameos` stand in the scene as figures bearing their faces (see `kinora.world.figures`), mentioned in the
prompt as @handle or not; the plan names them by handle only, and their face crops are read at render time.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kinora.engines.base import MAX_SECONDS, MIN_SECONDS, Capabilities, Clip, GenerationRequest, validate_request
from kinora.world.figures import MAX_FIGURES, Cameo, add_figures
from kinora.world.parse import parse_prompt
from kinora.world.plan import ScenePlan

if TYPE_CHECKING:
    from kinora.world.generate import Progress

# The simulator and renderer (pymunk, scipy) are imported when a clip is made, not with this module: the web
# process imports it only to read CAPABILITIES.

CAPABILITIES = Capabilities(
    min_side=256, max_width=1280, max_height=720, min_seconds=MIN_SECONDS, max_seconds=MAX_SECONDS,
    fps=(12, 15, 24, 25, 30, 48, 50, 60), audio=True, image_input=False, needs_weights=False,
    remix=True, extend=True, video_input=False, cameos=True,
)
MODES = ("remix", "edit", "extend")


class WorldEngine:
    name = "world"

    def capabilities(self) -> Capabilities:
        return CAPABILITIES

    def plan(self, req: GenerationRequest, seed: int) -> ScenePlan:
        """The request's plan: `options["plan"]` (a ScenePlan or its JSON dict) or the parsed prompt; either way
        with a figure for every cameo."""
        given = req.options.get("plan")
        cameos = _cameos(req)
        if given is None:
            return parse_prompt(req.prompt, seed=seed, cameos=cameos)
        plan = given if isinstance(given, ScenePlan) else ScenePlan.model_validate(given)
        if cameos:
            plan = plan.model_copy(deep=True)  # the caller's plan stays as it was
            add_figures(plan, cameos)
        return plan

    def generate(
        self,
        req: GenerationRequest,
        progress: Callable[[float], None],
        cancelled: Callable[[], bool],
    ) -> Clip:
        from kinora.world.generate import render_plan

        validate_request(req, CAPABILITIES)
        mode = _mode(req)
        if mode is not None:
            return self._derive(req, mode, _stages(progress), cancelled)
        seed = req.seed if req.seed is not None else secrets.randbelow(2**31)
        plan = self.plan(req, seed)
        return render_plan(plan, seconds=req.seconds, width=req.width, height=req.height, fps=req.fps,
                           seed=seed, progress=_stages(progress), cancelled=cancelled, cameos=req.cameos)

    def _derive(self, req: GenerationRequest, mode: str, progress: Progress, cancelled: Callable[[], bool]) -> Clip:
        """A remix, edit or extension of `req.remix_of`. The source's seed is kept (the same room, the same
        floor grain), whatever `req.seed` says."""
        from kinora.world.generate import render_plan
        from kinora.world.remix import extend_plan, read_source, remix_plan

        assert req.remix_of is not None
        source = read_source(req.remix_of.metadata)
        if mode == "extend":
            _same_size(req, req.remix_of)
            plan, start, extension = extend_plan(source, req.prompt, req.seconds, _cameos(req))
            clip = render_plan(plan, seconds=req.seconds, width=req.width, height=req.height, fps=req.fps,
                               seed=source.seed, progress=progress, cancelled=cancelled, continues=start,
                               cameos=req.cameos)
            clip.metadata["extension"] = extension
            return clip
        plan, remix = remix_plan(source, req.prompt, _cameos(req))
        clip = render_plan(plan, seconds=req.seconds, width=req.width, height=req.height, fps=req.fps,
                           seed=source.seed, progress=progress, cancelled=cancelled, cameos=req.cameos)
        clip.metadata["remix"] = {"mode": mode, **remix}
        return clip


def _cameos(req: GenerationRequest) -> list[Cameo]:
    """The request's cameos as the scene needs them: who and what they look like, not their pixels."""
    if len(req.cameos) > MAX_FIGURES:
        raise ValueError(f"cameos: the world engine puts at most {MAX_FIGURES} in a scene; got {len(req.cameos)}")
    return [Cameo(ref.handle, ref.kind, ref.appearance) for ref in req.cameos]


def _mode(req: GenerationRequest) -> str | None:
    """The derivation asked for: options["mode"] with a source clip; a bare source clip is remixed."""
    mode: Any = req.options.get("mode")
    if mode is None:
        return None if req.remix_of is None else "remix"
    if mode not in MODES:
        raise ValueError(f"options.mode must be one of {', '.join(MODES)}; got {mode!r}")
    if req.remix_of is None:
        raise ValueError(f"remix_of: mode {mode!r} needs the source clip; got none")
    return str(mode)


def _same_size(req: GenerationRequest, source: Clip) -> None:
    """A continuation is framed in its source's pixels: it must have the source's size."""
    frames = source.frames
    if frames.ndim == 4 and len(frames) and (frames.shape[2], frames.shape[1]) != (req.width, req.height):
        raise ValueError(f"size must match the source clip for an extension; the source is "
                         f"{frames.shape[2]}x{frames.shape[1]}, got {req.width}x{req.height}")


def _stages(progress: Callable[[float], None]) -> Progress:
    """One 0..1 progress value from the render stages' own."""
    from kinora.world.generate import STAGES

    offsets = {"simulate": 0.0, "render": STAGES["simulate"], "sound": STAGES["simulate"] + STAGES["render"]}

    def stage_progress(stage: str, value: float) -> None:
        progress(min(offsets[stage] + STAGES[stage] * value, 1.0))

    return stage_progress
