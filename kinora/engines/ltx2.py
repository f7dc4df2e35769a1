"""The `ltx2` engine: LTX-2 through diffusers, video and its sound made together in one denoising pass. Text to
video+audio (LTX2Pipeline), image to video+audio (LTX2ImageToVideoPipeline), first+last keyframes and extensions
(LTX2ConditionPipeline: an extension is conditioned on the source's last frames, which it then drops), all over
the one loaded model folder."""

from __future__ import annotations

from typing import Any

import numpy as np

from kinora.engines.base import Capabilities, GenerationRequest
from kinora.engines.diffusion import MIN_CLIP, MIN_SIDE, DiffusersEngine, Made, Shot, pil
from kinora.engines.layout import Layout

T2AV, I2AV, KEYFRAMES = "LTX2Pipeline", "LTX2ImageToVideoPipeline", "LTX2ConditionPipeline"
NEGATIVE = "worst quality, inconsistent motion, blurry, jittery, distorted"
STG_BLOCK = 28  # the stock pipeline's spatio-temporal guidance block; smaller models use their last
CONTEXT_FRAMES = 17  # of the source an extension continues from (8k+1: two latent frames after the first)


class LTX2Engine(DiffusersEngine):
    name = "ltx2"
    pipelines = (T2AV, I2AV, KEYFRAMES)
    default_steps = 40
    native_audio = True

    def capabilities(self) -> Capabilities:
        source = self.layouts()[0]
        vae = source.config("vae")
        stages = 2 ** sum(bool(s) for s in vae.get("spatio_temporal_scaling", (True, True, True)))
        stride = int(vae.get("spatial_compression_ratio") or vae.get("patch_size", 4) * stages)
        frame_step = int(vae.get("temporal_compression_ratio") or vae.get("patch_size_t", 1) * stages)
        patch = int(source.config("transformer").get("patch_size", 1))
        return Capabilities(
            min_side=MIN_SIDE, max_width=1920, max_height=1088, min_seconds=MIN_CLIP, max_seconds=10.0,
            fps=(24, 25, 30, 48, 50), audio=True, image_input=True, needs_weights=True, size_step=stride * patch,
            frame_step=frame_step, last_frame=True, extend=True)

    def shot(self, req: GenerationRequest) -> Shot:
        source = self.layouts()[0]
        layers = int(source.config("transformer").get("num_layers", 0))
        common: dict[str, Any] = {"prompt": req.prompt, "negative_prompt": req.options.get("negative_prompt", NEGATIVE),
                                  "frame_rate": float(req.fps),
                                  "spatio_temporal_guidance_blocks": [min(STG_BLOCK, max(layers - 1, 0))]}
        if "guidance" in req.options:
            common["guidance_scale"] = float(req.options["guidance"])
        last = req.options.get("last_image")
        if req.options.get("mode") == "extend":
            return _extension(source, req, common, self.capabilities().frame_step)
        if req.image is not None and last is not None:
            from diffusers.pipelines.ltx2.pipeline_ltx2_condition import LTX2VideoCondition

            # Condition indices count latent frames: -1 is the last one.
            keys = [LTX2VideoCondition(frames=pil(req.image), index=0), LTX2VideoCondition(frames=pil(last), index=-1)]
            return Shot(source, KEYFRAMES, {**common, "conditions": keys})
        if req.image is not None:
            return Shot(source, I2AV, {**common, "image": pil(req.image)})
        return Shot(source, source.pipeline, common)

    def output(self, result: Any, pipe: Any) -> Made:
        audio = result.audio[0].float().cpu().numpy().T  # (C, S) -> (S, C)
        return Made(frames=np.asarray(result.frames[0]), audio=audio.astype(np.float32),
                    sample_rate=int(pipe.vocoder.config.output_sampling_rate))


def _extension(source: Layout, req: GenerationRequest, common: dict[str, Any], step: int) -> Shot:
    """A continuation of `req.remix_of`: its last frames open the clip as a video condition, so motion carries on
    across the seam; the worker stitches the source and the continuation."""
    from diffusers.pipelines.ltx2.pipeline_ltx2_condition import LTX2VideoCondition

    if req.remix_of is None:
        raise ValueError("remix_of: an extension needs the source clip")
    context = req.remix_of.frames[-CONTEXT_FRAMES:]
    if context.shape[1:3] != (req.height, req.width):
        raise ValueError(f"remix_of: the source is {context.shape[2]}x{context.shape[1]}; an extension keeps its "
                         f"size, got {req.width}x{req.height}")
    lead = 1 + step * ((len(context) - 1) // step)  # whole latent frames of context: 1, 9 or 17 at 8x
    condition = LTX2VideoCondition(frames=np.ascontiguousarray(context[-lead:]), index=0)
    return Shot(source, KEYFRAMES, {**common, "conditions": [condition]}, lead=lead)
