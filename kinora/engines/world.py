"""The `world` engine: a prompt becomes a simulated, rendered scene with synchronized foley."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from kinora.engines.base import MAX_SECONDS, MIN_SECONDS, Capabilities, Clip, GenerationRequest, validate_request
from kinora.world.generate import STAGES, render_plan
from kinora.world.parse import parse_prompt
from kinora.world.plan import ScenePlan

CAPABILITIES = Capabilities(
    min_side=256, max_width=1280, max_height=720, min_seconds=MIN_SECONDS, max_seconds=MAX_SECONDS,
    fps=(12, 15, 24, 25, 30, 48, 50, 60), audio=True, image_input=False, needs_weights=False,
)


class WorldEngine:
    name = "world"

    def capabilities(self) -> Capabilities:
        return CAPABILITIES

    def plan(self, req: GenerationRequest, seed: int) -> ScenePlan:
        """The request's plan: `options["plan"]` (a ScenePlan or its JSON dict) or the parsed prompt."""
        given = req.options.get("plan")
        if given is None:
            return parse_prompt(req.prompt, seed=seed)
        return given if isinstance(given, ScenePlan) else ScenePlan.model_validate(given)

    def generate(
        self,
        req: GenerationRequest,
        progress: Callable[[float], None],
        cancelled: Callable[[], bool],
    ) -> Clip:
        validate_request(req, CAPABILITIES)
        seed = req.seed if req.seed is not None else secrets.randbelow(2**31)
        plan = self.plan(req, seed)
        offsets = {"simulate": 0.0, "render": STAGES["simulate"], "sound": STAGES["simulate"] + STAGES["render"]}

        def stage_progress(stage: str, value: float) -> None:
            progress(min(offsets[stage] + STAGES[stage] * value, 1.0))

        return render_plan(plan, seconds=req.seconds, width=req.width, height=req.height, fps=req.fps,
                           seed=seed, progress=stage_progress, cancelled=cancelled)
