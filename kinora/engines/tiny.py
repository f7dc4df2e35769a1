"""Tiny random-weight diffusers pipelines in the real models' on-disk layouts, built from configs (no hub).

`kinora engines make-tiny` writes one of these with `save_pretrained`, so an install without multi-GB weights can
run the whole path (queue, worker, engine, media, provenance) through the same classes and the same loader as
real weights. The CPU tests build them too. The text side is byte-level ByT5, which needs no vocabulary file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

LAYOUTS = {
    "wan": ("t2v", "i2v", "flf2v", "vace", "ti2v", "a14b"),  # Wan 2.1 T2V / I2V / FLF2V / VACE; 2.2 TI2V-5B / A14B
    "ltx2": ("t2av",),
    "sound": ("stable-audio",),  # the sound stage for silent engines (kinora.engines.sound)
}


def write(engine: str, layout: str, folder: Path, seed: int = 0) -> Path:
    """Save a tiny `engine` pipeline of `layout` into `folder` (created); returns the folder."""
    pipe = build(engine, layout, seed)
    folder.mkdir(parents=True, exist_ok=True)
    pipe.save_pretrained(str(folder), safe_serialization=True)
    return folder


def build(engine: str, layout: str, seed: int = 0) -> Any:
    """The tiny pipeline object of `engine` in `layout`."""
    from kinora.engines.runtime import quiet

    quiet()
    if layout not in LAYOUTS.get(engine, ()):
        allowed = ", ".join(f"{name}: {'/'.join(kinds)}" for name, kinds in LAYOUTS.items())
        raise ValueError(f"layout must be one of the tiny layouts ({allowed}); got {engine} {layout!r}")
    if engine == "sound":
        return build_sound(seed)
    if engine == "ltx2":
        from diffusers import LTX2Pipeline

        return LTX2Pipeline(**ltx2_components(seed))
    from diffusers import WanImageToVideoPipeline, WanPipeline, WanVACEPipeline

    components = wan_components(layout, seed)
    if layout in ("i2v", "flf2v"):
        return WanImageToVideoPipeline(**components)
    if layout == "vace":
        return WanVACEPipeline(**components)
    return WanPipeline(**components, **_wan22_config(layout))


def _wan22_config(layout: str) -> dict[str, Any]:
    if layout == "ti2v":
        return {"expand_timesteps": True}
    if layout == "a14b":
        return {"boundary_ratio": 0.875}
    return {}


def tokenizer() -> Any:
    from transformers import ByT5Tokenizer

    return ByT5Tokenizer()  # byte-level: 256 bytes + 3 specials + 125 extra ids, no files


def wan_components(layout: str, seed: int = 0) -> dict[str, Any]:
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        UniPCMultistepScheduler,
        WanTransformer3DModel,
        WanVACETransformer3DModel,
    )
    from transformers import UMT5Config, UMT5EncoderModel

    tok = tokenizer()
    torch.manual_seed(seed)
    if layout == "ti2v":  # Wan 2.2's 16x16x4 VAE with 48 latent channels over 2x2-patchified pixels
        vae = AutoencoderKLWan(base_dim=3, z_dim=48, in_channels=12, out_channels=12, dim_mult=[1, 1, 1, 1],
                               num_res_blocks=1, temperal_downsample=[False, True, True], is_residual=True,
                               patch_size=2, scale_factor_spatial=16, scale_factor_temporal=4,
                               latents_mean=[0.0] * 48, latents_std=[1.0] * 48)
    else:
        vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                               temperal_downsample=[False, True, True])
    torch.manual_seed(seed)
    text_encoder = UMT5EncoderModel(UMT5Config(
        vocab_size=len(tok), d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=4,
        relative_attention_num_buckets=8, dropout_rate=0.0, pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id)).eval()
    z = vae.config.z_dim
    common: dict[str, Any] = dict(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, out_channels=z,
                                  text_dim=32, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True,
                                  qk_norm="rms_norm_across_heads", rope_max_seq_len=1024)
    components: dict[str, Any] = {"vae": vae, "text_encoder": text_encoder, "tokenizer": tok}
    torch.manual_seed(seed)
    if layout == "vace":
        components["transformer"] = WanVACETransformer3DModel(in_channels=z, vace_layers=[0], vace_in_channels=96,
                                                              **common)
    elif layout in ("i2v", "flf2v"):  # 16 noise + 4 mask + 16 image latents; FLF2V embeds two images' tokens
        frames = {"pos_embed_seq_len": 2 * (4 * 4 + 1)} if layout == "flf2v" else {}
        components["transformer"] = WanTransformer3DModel(in_channels=2 * z + 4, image_dim=4, **frames, **common)
    else:
        components["transformer"] = WanTransformer3DModel(in_channels=z, **common)
    if layout in ("t2v", "ti2v", "a14b"):
        components["transformer_2"] = None
    if layout == "a14b":  # the low-noise expert: same shape, its own weights
        torch.manual_seed(seed + 1)
        components["transformer_2"] = WanTransformer3DModel(in_channels=z, **common)
    if layout in ("i2v", "flf2v"):
        from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

        torch.manual_seed(seed)
        components["image_encoder"] = CLIPVisionModel(CLIPVisionConfig(
            hidden_size=4, projection_dim=4, num_hidden_layers=2, num_attention_heads=2, image_size=4,
            intermediate_size=16, patch_size=1))
        components["image_processor"] = CLIPImageProcessor(crop_size=4, size=4)
    components["scheduler"] = (
        UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0)
        if layout == "a14b" else FlowMatchEulerDiscreteScheduler(shift=7.0))
    return components


def ltx2_components(seed: int = 0) -> dict[str, Any]:
    from diffusers import (
        AutoencoderKLLTX2Audio,
        AutoencoderKLLTX2Video,
        FlowMatchEulerDiscreteScheduler,
        LTX2VideoTransformer3DModel,
    )
    from diffusers.pipelines.ltx2 import LTX2TextConnectors
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration, Gemma3TextConfig, SiglipVisionConfig

    tok = tokenizer()
    text_cfg = Gemma3TextConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=37, num_hidden_layers=2,
                                num_attention_heads=2, num_key_value_heads=1, head_dim=8,
                                max_position_embeddings=512, sliding_window=64, pad_token_id=tok.pad_token_id)
    vision_cfg = SiglipVisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                                    image_size=16, patch_size=4)
    torch.manual_seed(seed)
    text_encoder = Gemma3ForConditionalGeneration(Gemma3Config(
        text_config=text_cfg.to_dict(), vision_config=vision_cfg.to_dict(), mm_tokens_per_image=4,
        image_token_index=len(tok) - 1, boi_token_index=len(tok) - 2, eoi_token_index=len(tok) - 3)).eval()
    hidden, layers = 32, 2  # the connectors' heads x head_dim must equal Gemma's hidden size
    torch.manual_seed(seed)
    transformer = LTX2VideoTransformer3DModel(
        in_channels=4, out_channels=4, patch_size=1, patch_size_t=1, num_attention_heads=2, attention_head_dim=8,
        cross_attention_dim=16, audio_in_channels=4, audio_out_channels=4, audio_num_attention_heads=2,
        audio_attention_head_dim=4, audio_cross_attention_dim=8, num_layers=2, qk_norm="rms_norm_across_heads",
        caption_channels=hidden, rope_double_precision=False, rope_type="split")
    torch.manual_seed(seed)
    connectors = LTX2TextConnectors(
        caption_channels=hidden, text_proj_in_factor=layers + 1, video_connector_num_attention_heads=4,
        video_connector_attention_head_dim=8, video_connector_num_layers=1,
        video_connector_num_learnable_registers=None, audio_connector_num_attention_heads=4,
        audio_connector_attention_head_dim=8, audio_connector_num_layers=1,
        audio_connector_num_learnable_registers=None, connector_rope_base_seq_len=32, rope_theta=10000.0,
        rope_double_precision=False, causal_temporal_positioning=False, rope_type="split")
    torch.manual_seed(seed)
    vae = AutoencoderKLLTX2Video(  # 32x spatial, 8x temporal like the real one: 4x4 patches, three 2x stages
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8, 8, 8),
        decoder_block_out_channels=(8, 8, 8), layers_per_block=(1, 1, 1, 1), decoder_layers_per_block=(1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, True), decoder_spatio_temporal_scaling=(True, True, True),
        decoder_inject_noise=(False, False, False, False), downsample_type=("spatiotemporal",) * 3,
        upsample_residual=(False, False, False), upsample_factor=(1, 1, 1), timestep_conditioning=False,
        patch_size=4, patch_size_t=1, encoder_causal=True, decoder_causal=False)
    vae.use_framewise_encoding = vae.use_framewise_decoding = False
    torch.manual_seed(seed)
    audio_vae = AutoencoderKLLTX2Audio(
        base_channels=4, output_channels=2, ch_mult=(1,), num_res_blocks=1, attn_resolutions=None, in_channels=2,
        resolution=32, latent_channels=2, norm_type="pixel", causality_axis="height", dropout=0.0,
        mid_block_add_attention=False, sample_rate=16000, mel_hop_length=160, is_causal=True, mel_bins=8)
    torch.manual_seed(seed)
    vocoder = LTX2Vocoder(
        # the upsampling factors multiply to the mel hop (160 samples), so the sound lasts as long as the video
        in_channels=2 * 8, hidden_channels=32, out_channels=2, upsample_kernel_sizes=[8, 8, 20],
        upsample_factors=[4, 4, 10],
        resnet_kernel_sizes=[3], resnet_dilations=[[1, 3, 5]], leaky_relu_negative_slope=0.1,
        output_sampling_rate=16000)
    return dict(transformer=transformer, vae=vae, audio_vae=audio_vae, scheduler=FlowMatchEulerDiscreteScheduler(),
                text_encoder=text_encoder, tokenizer=tok, connectors=connectors, vocoder=vocoder, processor=None,
                prompt_enhancer=None, duration_head=None)


def build_sound(seed: int = 0) -> Any:
    """The tiny sound-stage pipeline (Stable Audio Open's layout)."""
    from diffusers import StableAudioPipeline

    return StableAudioPipeline(**stable_audio_components(seed))


def stable_audio_components(seed: int = 0) -> dict[str, Any]:
    from diffusers import (
        AutoencoderOobleck,
        CosineDPMSolverMultistepScheduler,
        StableAudioDiTModel,
        StableAudioProjectionModel,
    )
    from transformers import T5Config, T5EncoderModel

    tok = tokenizer()
    tok.model_max_length = 64  # every prompt is padded to this (the real T5 tokenizer: 128); saved with it
    torch.manual_seed(seed)
    text_encoder = T5EncoderModel(T5Config(
        vocab_size=len(tok), d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=4,
        relative_attention_num_buckets=8, dropout_rate=0.0, pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id)).eval()
    conditioning = 16
    torch.manual_seed(seed)
    # The seconds conditioners clamp to [min_value, max_value]; the pipeline rejects longer requests
    projection_model = StableAudioProjectionModel(text_encoder_dim=32, conditioning_dim=conditioning, min_value=0,
                                                  max_value=32)
    torch.manual_seed(seed)
    transformer = StableAudioDiTModel(
        # The pipeline always denoises sample_size latent frames and cuts the asked-for seconds from them:
        # 384 frames x 1024 samples / 16 kHz = 24.6 s, over the longest clip (the real one: 47.6 s at 44.1 kHz)
        sample_size=384, in_channels=8, out_channels=8, num_layers=2, attention_head_dim=8, num_attention_heads=2,
        num_key_value_attention_heads=1, cross_attention_dim=16, time_proj_dim=16,
        cross_attention_input_dim=conditioning,  # the projected text, then the start and end seconds
        global_states_input_dim=2 * conditioning)  # the start and end seconds side by side
    torch.manual_seed(seed)
    vae = AutoencoderOobleck(  # stereo at 16 kHz; the ratios multiply to a 1024-sample hop (the real one: 2048)
        encoder_hidden_size=4, downsampling_ratios=[4, 8, 8, 4], channel_multiples=[1, 1, 1, 1],
        decoder_channels=4, decoder_input_channels=8, audio_channels=2, sampling_rate=16000)
    scheduler = CosineDPMSolverMultistepScheduler(solver_order=2, prediction_type="v_prediction", sigma_data=1.0,
                                                  sigma_schedule="exponential")
    return dict(transformer=transformer, scheduler=scheduler, vae=vae, text_encoder=text_encoder, tokenizer=tok,
                projection_model=projection_model)
