"""The `wan` engine: Wan 2.1 / 2.2 through diffusers. Text to video, image to video, first+last frame, and cameos
as VACE reference images. Wan makes no sound: a configured sound stage scores its clips, or they stay silent.

Each configured folder is one diffusers pipeline: WanPipeline (T2V 1.3B/14B, Wan 2.2 TI2V-5B, which also takes an
image, and the two-expert A14B), WanImageToVideoPipeline (I2V and first+last frame) or WanVACEPipeline.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kinora.engines.base import CameoRef, Capabilities, GenerationRequest
from kinora.engines.diffusion import MIN_CLIP, MIN_SIDE, DiffusersEngine, Made, Shot, pil
from kinora.engines.layout import Layout, WeightsMissing

T2V, I2V, VACE = "WanPipeline", "WanImageToVideoPipeline", "WanVACEPipeline"
NEGATIVE = "blurry, low quality, jpeg artifacts, static, distorted hands, deformed face, subtitles, watermark"


def is_ti2v(source: Layout) -> bool:
    """Wan 2.2 TI2V-5B: one WanPipeline folder for text and image, its VAE 16x16x4 with 48 channels."""
    return source.pipeline == T2V and bool(source.index.get("expand_timesteps"))


def is_flf2v(source: Layout) -> bool:
    """Wan 2.1 FLF2V: an image-to-video model that always takes a first and a last frame (its image embedding has
    positions for two images' tokens)."""
    return source.pipeline == I2V and source.config("transformer").get("pos_embed_seq_len") is not None


def takes_one_image(source: Layout) -> bool:
    return (source.pipeline == I2V and not is_flf2v(source)) or is_ti2v(source)


class WanEngine(DiffusersEngine):
    name = "wan"
    pipelines = (T2V, I2V, VACE)
    default_steps = 50

    def capabilities(self) -> Capabilities:
        sources = self.layouts()
        first = sources[0]
        wide = first.config("vae").get("z_dim") == 48  # Wan 2.2 5B: 24 fps, 121 frames
        fps, max_frames = (24, 121) if wide else (16, 81)
        transformer = first.config("transformer")
        small = transformer.get("num_attention_heads", 0) * transformer.get("attention_head_dim", 0) == 1536
        max_width, max_height = (832, 480) if small else (1280, 720)  # 1.3B was trained at 480p only
        step = max(_size_step(s) for s in sources)
        return Capabilities(
            min_side=MIN_SIDE, max_width=max_width, max_height=max_height, min_seconds=MIN_CLIP,
            max_seconds=(max_frames - 1) / fps, fps=(fps,), audio=self.config.sound is not None,
            image_input=any(takes_one_image(s) or is_flf2v(s) for s in sources), needs_weights=True,
            cameos=any(s.pipeline == VACE for s in sources), size_step=step, frame_step=4,
            last_frame=any(s.pipeline == I2V for s in sources),
            reference_images=any(s.pipeline == VACE for s in sources))

    def shot(self, req: GenerationRequest) -> Shot:
        common: dict[str, Any] = {"prompt": spoken(req.prompt, req.cameos),
                                  "negative_prompt": req.options.get("negative_prompt", NEGATIVE)}
        if "guidance" in req.options:
            common["guidance_scale"] = float(req.options["guidance"])
        last = req.options.get("last_image")
        if req.cameos:
            refs = [pil(c.face_crops[0]) for c in req.cameos if c.face_crops]
            return Shot(self._find(VACE, "cameos (reference images)"), VACE,
                        {**common, "reference_images": refs or None})
        if req.image is not None and last is not None:  # FLF2V was trained for this; plain I2V weights can do it
            both = self._first((is_flf2v, lambda s: s.pipeline == I2V), "a first and a last frame")
            return Shot(both, I2V, {**common, "image": pil(req.image), "last_image": pil(last)})
        if req.image is not None:
            one = self._first((takes_one_image,), "one starting image (I2V or Wan 2.2 TI2V-5B weights; FLF2V "
                              "weights need a last frame too)")
            return Shot(one, I2V, {**common, "image": pil(req.image)})
        text = next((s for s in self.layouts() if s.pipeline in (T2V, VACE)), None)
        if text is None:
            raise ValueError("image: engine 'wan' has image-to-video weights only; give a starting image")
        return Shot(text, text.pipeline, common)

    def output(self, result: Any, pipe: Any) -> Made:
        return Made(frames=result.frames[0])

    def _find(self, pipeline: str, purpose: str) -> Layout:
        return self._first((lambda s: s.pipeline == pipeline,), purpose, f"a {pipeline} folder")

    def _first(self, tests: tuple[Callable[[Layout], bool], ...], purpose: str, what: str = "weights") -> Layout:
        """The first folder passing the first test that any folder passes."""
        for test in tests:
            for source in self.layouts():
                if test(source):
                    return source
        raise WeightsMissing(f"engine 'wan' needs {what} for {purpose}; none is configured")


def _size_step(source: Layout) -> int:
    """Sides are multiples of the VAE's spatial stride times the transformer's patch size."""
    vae = source.config("vae")
    patch = source.config("transformer").get("patch_size", [1, 2, 2])
    stride = int(vae.get("scale_factor_spatial", 16 if vae.get("z_dim") == 48 else 8))
    return stride * int(patch[-1])


def spoken(prompt: str, cameos: list[CameoRef]) -> str:
    """The prompt as the model reads it: each @handle becomes the cameo's description (or its name)."""
    for cameo in cameos:
        words = cameo.appearance.strip() or cameo.handle
        prompt = re.sub(rf"@{re.escape(cameo.handle)}\b", words, prompt, flags=re.IGNORECASE)
    return prompt
