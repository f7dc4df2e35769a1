"""Diffusers engine speed: the stock pipeline against Kinora's tuned settings, on random-weight models.

Run: .venv/bin/python benchmarks/engines.py [--quick] [--models wan2.1-1.3b,ltx2-19b] [--sizes 480p,720p] [--steps 8]
     [--threshold 0.05] [--cache first-block] [--attention _native_cudnn] [--no-compile] [--out results.json]

Each model is built from its config in code with random weights (no downloads): Wan 2.1 T2V 1.3B and 14B, LTX-2
19B on a GPU; the tiny test layouts of kinora.engines.tiny on the CPU (the only ones a CPU runs; `--layers N` runs
the full-size widths with N layers as a smoke check). Both settings share one model, seed and inputs: "stock" is the
diffusers pipeline as shipped (bfloat16 on a GPU with the VAE in float32 like Kinora's loader, float32 on the CPU);
"tuned" is the same pipeline after kinora.engines.runtime.tune() with Kinora's speed settings (first-block cache,
TaylorSeer on LTX-2 which diffusers has no first-block cache for, regional torch.compile and cuDNN attention on a
GPU). Each timed call follows an untimed 2-step warm-up call.

The text encoders (UMT5-XXL, Gemma 3 12B) run once per clip and are left out: every row is fed random prompt
embeddings of their real shape. s/step is the denoising loop over the steps; "s/gen s" is the whole call (denoise
and decode) per second of video at the steps used: at 50 steps add (50 - steps) x s/step per clip. "reused" counts
the transformer passes the first-block cache skipped; how many it skips depends on the weights, so random weights
say little about the real models' reuse or deviation. PSNR compares the tuned frames with the stock frames.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

from kinora.engines import runtime, tiny
from kinora.engines.ltx2 import STG_BLOCK
from kinora.engines.registry import Runtime

console = Console(width=150)
GOAL_SPEEDUP, GOAL_PSNR = 2.0, 30.0
PROMPT_TOKENS = 128  # real tokens in a prompt; the rest is padding, as the text encoders leave it
FAMILIES = {  # fps, frames of a 5 s clip, sizes (the LTX-2 VAE needs sides that are multiples of 32)
    "wan": (16, 81, {"480p": (832, 480), "720p": (1280, 720)}),
    "ltx2": (24, 121, {"480p": (832, 480), "720p": (1280, 704)}),
}
TINY_SIZE = (64, 64, 9)  # "64p": width, height, frames, for any model
SIZES = ("480p", "720p")


@dataclass(frozen=True)
class Arch:
    name: str
    family: str  # wan | ltx2
    full: bool  # a full-size model: GPU only (or --layers)
    components: Callable[[int | None], dict[str, Any]]  # layers override -> pipeline components, no text encoder


@dataclass
class Row:
    model: str
    size: str
    frames: int
    setting: str  # stock | tuned
    steps: int
    clip_seconds: float
    seconds: float = math.nan  # the whole call
    denoise: float = math.nan  # the denoising loop
    peak_gib: float | None = None
    passes: int = 0  # transformer passes the first-block cache saw, and how many it skipped
    reused: int = 0
    speedup: float = math.nan
    psnr: float = math.nan  # tuned frames vs stock frames, dB; inf: identical
    error: str = ""


def wan_full(layers: int, heads: int, ffn: int) -> Callable[[int | None], dict[str, Any]]:
    def components(override: int | None) -> dict[str, Any]:
        from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanTransformer3DModel

        transformer = WanTransformer3DModel(
            num_layers=override or layers, num_attention_heads=heads, attention_head_dim=128, ffn_dim=ffn,
            patch_size=(1, 2, 2), in_channels=16, out_channels=16, text_dim=4096, freq_dim=256, cross_attn_norm=True,
            qk_norm="rms_norm_across_heads", eps=1e-6, rope_max_seq_len=1024)
        scheduler = UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0)
        return dict(transformer=transformer, transformer_2=None, vae=AutoencoderKLWan(), scheduler=scheduler,
                    text_encoder=None, tokenizer=None)

    return components


def ltx2_full(override: int | None) -> dict[str, Any]:
    from diffusers import (
        AutoencoderKLLTX2Audio,
        AutoencoderKLLTX2Video,
        FlowMatchEulerDiscreteScheduler,
        LTX2VideoTransformer3DModel,
    )
    from diffusers.pipelines.ltx2 import LTX2TextConnectors
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder

    # The classes' defaults are LTX-2 19B: 48 layers, 32 x 128 video and 32 x 64 audio heads, Gemma 3 12B captions;
    # the VAE's own compression ratios default to 64x16 where its decoder makes 32x8 (diffusers' conversion script
    # sets them, as below).
    transformer = LTX2VideoTransformer3DModel(**({"num_layers": override} if override else {}))
    vae = AutoencoderKLLTX2Video(decoder_causal=False, spatial_compression_ratio=32, temporal_compression_ratio=8)
    scheduler = FlowMatchEulerDiscreteScheduler(use_dynamic_shifting=True, base_shift=0.95, max_shift=2.05,
                                                shift_terminal=0.1)
    return dict(transformer=transformer, vae=vae, audio_vae=AutoencoderKLLTX2Audio(),
                connectors=LTX2TextConnectors(), vocoder=LTX2Vocoder(), scheduler=scheduler, text_encoder=None,
                tokenizer=None, processor=None, prompt_enhancer=None, duration_head=None)


def tiny_parts(family: str) -> Callable[[int | None], dict[str, Any]]:
    def components(override: int | None) -> dict[str, Any]:
        parts = tiny.ltx2_components() if family == "ltx2" else tiny.wan_components("t2v")
        return {**parts, "text_encoder": None, "tokenizer": None}

    return components


ARCHS = {arch.name: arch for arch in (
    Arch("wan-tiny", "wan", False, tiny_parts("wan")),
    Arch("ltx2-tiny", "ltx2", False, tiny_parts("ltx2")),
    Arch("wan2.1-1.3b", "wan", True, wan_full(30, 12, 8960)),
    Arch("wan2.1-14b", "wan", True, wan_full(40, 40, 13824)),
    Arch("ltx2-19b", "ltx2", True, ltx2_full),
)}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    gpu = torch.cuda.is_available()
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny models at 64x64, 4 steps (the test's run)")
    parser.add_argument("--models", help=f"comma-separated, of {', '.join(ARCHS)} (GPU: the full-size ones; "
                                         "CPU: the tiny ones)")
    parser.add_argument("--sizes", help="comma-separated, of 64p, 480p, 720p (GPU: 480p,720p; CPU: 64p)")
    parser.add_argument("--steps", type=int, help="denoising steps per timed call (8; quick 4: the first-block "
                                                  "cache never reuses the second of 2 steps on the tiny models)")
    parser.add_argument("--threshold", type=float, default=0.05, help="first-block cache threshold (0.05)")
    parser.add_argument("--cache", default="first-block", help="tuned cache: first-block, taylorseer or none")
    parser.add_argument("--attention", help="tuned attention backend (GPU: _native_cudnn; CPU: none)")
    parser.add_argument("--compile", action=argparse.BooleanOptionalAction, help="tuned regional torch.compile "
                                                                                 "(on with a GPU)")
    parser.add_argument("--layers", type=int, help="full-size widths with this many layers: a smoke check of "
                                                   "the full-size path on a CPU or a small GPU, not their timings")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="also write the rows here as JSON")
    args = parser.parse_args(argv)
    full = gpu and not args.quick
    args.models = (args.models or ("wan2.1-1.3b,wan2.1-14b,ltx2-19b" if full else "wan-tiny,ltx2-tiny")).split(",")
    args.sizes = (args.sizes or ("480p,720p" if full else "64p")).split(",")
    unknown = [m for m in args.models if m not in ARCHS] + [s for s in args.sizes if s not in ("64p", *SIZES)]
    if unknown:
        parser.error(f"unknown model or size: {', '.join(unknown)}")
    if args.quick:
        args.models, args.sizes = [m for m in args.models if not ARCHS[m].full] or ["wan-tiny", "ltx2-tiny"], ["64p"]
    if args.layers is not None and args.layers < 2:
        parser.error("--layers must be at least 2: the first-block cache needs a first and a last block")
    args.steps = args.steps or (4 if args.quick else 8)
    args.attention = args.attention or ("_native_cudnn" if gpu else None)
    args.attention = None if args.attention == "none" else args.attention
    args.compile = gpu if args.compile is None else args.compile
    return args


@contextlib.contextmanager
def building(device: str, dtype: torch.dtype) -> Iterator[None]:
    """Modules made inside are created on `device` in `dtype`: no float32 copy of a 19B model on the way."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            yield
    finally:
        torch.set_default_dtype(previous)


def build(arch: Arch, device: str, dtype: torch.dtype, seed: int, layers: int | None) -> Any:
    import diffusers

    torch.manual_seed(seed)
    with building(device, dtype):
        parts = arch.components(layers)
    pipe = getattr(diffusers, "LTX2Pipeline" if arch.family == "ltx2" else "WanPipeline")(**parts)
    verbosity = diffusers.logging.get_verbosity()
    diffusers.logging.set_verbosity_error()  # the cast warns about float32 modules even when there are none
    for name in runtime.FP32_PARTS:  # as Kinora's loader keeps them
        getattr(pipe, name).to(torch.float32)
    diffusers.logging.set_verbosity(verbosity)
    return pipe


def prompt_inputs(pipe: Any, family: str, device: str, seed: int) -> dict[str, Any]:
    """Random text-encoder outputs of the real shape, padded as the pipelines pad a prompt."""
    gen = torch.Generator("cpu").manual_seed(seed)
    if family == "wan":  # UMT5 states, zeroed past the prompt
        embeds = torch.randn(2, 512, pipe.transformer.config.text_dim, generator=gen)
        embeds[:, PROMPT_TOKENS:] = 0
        embeds = embeds.to(device, pipe.transformer.dtype)
        return {"prompt_embeds": embeds[:1], "negative_prompt_embeds": embeds[1:]}
    conn = pipe.connectors.config  # Gemma's hidden states of every layer, stacked; left padding
    embeds = torch.randn(2, 1024, conn.caption_channels * conn.text_proj_in_factor, generator=gen)
    embeds = embeds.to(device, pipe.connectors.dtype)
    mask = torch.zeros(1, 1024, dtype=torch.long, device=device)
    mask[:, -PROMPT_TOKENS:] = 1
    return {"prompt_embeds": embeds[:1], "negative_prompt_embeds": embeds[1:], "prompt_attention_mask": mask,
            "negative_prompt_attention_mask": mask}


def count_reuse(pipe: Any) -> list[bool]:
    """The first-block cache's decisions (True: the remaining blocks ran), appended as the pipeline runs."""
    from diffusers.hooks.first_block_cache import _FBC_LEADER_BLOCK_HOOK

    decisions: list[bool] = []
    for denoiser in runtime.denoisers(pipe):
        for module in denoiser.modules():
            registry = getattr(module, "_diffusers_hook", None)
            hook = registry.get_hook(_FBC_LEADER_BLOCK_HOOK) if registry is not None else None
            if hook is not None:
                decide = hook._should_compute_remaining_blocks

                def counted(residual: torch.Tensor, decide: Callable[[torch.Tensor], bool] = decide) -> bool:
                    decisions.append(decide(residual))
                    return decisions[-1]

                hook._should_compute_remaining_blocks = torch.compiler.disable(counted)  # type: ignore[no-untyped-call]
    return decisions


def sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def timed(pipe: Any, kwargs: dict[str, Any], seed: int) -> tuple[float, float, np.ndarray[Any, Any]]:
    """Whole-call and denoising-loop seconds, and the frames (T, H, W, 3) in [0, 1]."""
    marks: list[float] = []

    def first_pass(module: Any, args: Any) -> None:
        if not marks:
            sync()
            marks.append(time.perf_counter())

    def step_end(pipe: Any, step: int, timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
        sync()
        marks.append(time.perf_counter())
        return {}

    handle = pipe.transformer.register_forward_pre_hook(first_pass)
    try:
        sync()
        start = time.perf_counter()
        result = pipe(**kwargs, generator=runtime.generator(seed), output_type="np", callback_on_step_end=step_end)
        sync()
        end = time.perf_counter()
    finally:
        handle.remove()
    return end - start, marks[-1] - marks[0], np.asarray(result.frames[0], dtype=np.float32)


def measure(pipe: Any, row: Row, kwargs: dict[str, Any], seed: int, decisions: list[bool]) -> np.ndarray[Any, Any]:
    """Fill `row` from a warm-up call and a timed one; returns the frames."""
    pipe(**{**kwargs, "num_inference_steps": min(2, row.steps)}, generator=runtime.generator(seed), output_type="np")
    decisions.clear()
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    row.seconds, row.denoise, frames = timed(pipe, kwargs, seed)
    if torch.cuda.is_available():
        row.peak_gib = torch.cuda.max_memory_allocated() / 2**30
    row.passes, row.reused = len(decisions), decisions.count(False)
    return frames


def psnr(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> float:
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(1 / mse)


def run_model(arch: Arch, args: argparse.Namespace, device: str) -> list[Row]:
    dtype = runtime.dtype_of(Runtime(), device)
    pipe = build(arch, device, dtype, args.seed, args.layers if arch.full else None)
    runtime.tune(pipe, Runtime(device=device))  # the defaults: nothing changes but the progress bar
    runtime.place(pipe, Runtime(device=device))
    fps, long_frames, sizes = FAMILIES[arch.family]
    prompt = prompt_inputs(pipe, arch.family, device, args.seed)
    extra: dict[str, Any] = {}
    if arch.family == "ltx2":  # as LTX2Engine.shot calls it
        layers = int(pipe.transformer.config.num_layers)
        extra = {"frame_rate": float(fps), "spatio_temporal_guidance_blocks": [min(STG_BLOCK, layers - 1)]}
    name = f"{arch.name}/{args.layers}L" if arch.full and args.layers else arch.name
    shots = []
    for size in args.sizes:
        width, height, frames = TINY_SIZE if size == "64p" else (*sizes[size], long_frames)
        kwargs = {**prompt, **extra, "width": width, "height": height, "num_frames": frames,
                  "num_inference_steps": args.steps}
        shots.append((f"{width}x{height}", frames, kwargs))
    stock = [Row(name, label, frames, "stock", args.steps, frames / fps) for label, frames, _ in shots]
    outputs = []
    for row, (_, _, kwargs) in zip(stock, shots, strict=True):  # stock first: tune() changes the model for good
        frames, row.error = attempt(partial(measure, pipe, row, kwargs, args.seed, []))
        outputs.append(frames)
    tuned = Runtime(device=device, attention=args.attention, cache=args.cache, cache_threshold=args.threshold,
                    compile=args.compile)
    _, tune_error = attempt(partial(retune, pipe, tuned))
    decisions = [] if tune_error else count_reuse(pipe)
    rows = list(stock)
    for base, reference, (label, frames, kwargs) in zip(stock, outputs, shots, strict=True):
        row = Row(name, label, frames, "tuned", args.steps, frames / fps, error=tune_error)
        if not row.error:
            out, row.error = attempt(partial(measure, pipe, row, kwargs, args.seed, decisions))
            row.speedup = base.seconds / row.seconds
            if out is not None and reference is not None:
                row.psnr = psnr(out, reference)
        rows.append(row)
    del pipe
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return rows


def retune(pipe: Any, tuned: Runtime) -> None:
    runtime.tune(pipe, tuned)
    runtime.place(pipe, tuned)


def attempt(call: Callable[[], Any]) -> tuple[Any, str]:
    """`call()` and "", or None and what broke: one failing row does not end the run."""
    try:
        return call(), ""
    except torch.OutOfMemoryError:
        gc.collect()
        torch.cuda.empty_cache()
        return None, "out of memory"
    except Exception as error:  # any failure is a result here: the table says what broke
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        first = re.sub(r"<class '(?:\w+\.)*(\w+)'>", r"\1", first)  # the class name, not its module path
        return None, f"{type(error).__name__}: {first}"[:160]


def fmt(value: float | None, spec: str) -> str:
    if value is None or math.isnan(value):
        return "-"
    return "identical" if math.isinf(value) else format(value, spec)


def report(rows: list[Row], args: argparse.Namespace, device: str) -> None:
    title = (f"{', '.join(sorted({r.model for r in rows}))} on {device}, {args.steps} steps, "
             f"tuned: cache={args.cache}{f' {args.threshold:g}' if args.cache == 'first-block' else ''}, "
             f"attention={args.attention}, "
             f"compile={args.compile}")
    table = Table(title=title)
    for column in ("model", "size", "frames", "setting", "s/step", "s/gen s", "x stock", "reused", "peak GiB",
                   "PSNR dB", "error"):
        table.add_column(column, justify="left" if column in ("model", "setting", "error") else "right")
    for r in rows:
        reused = f"{r.reused}/{r.passes}" if r.passes else "-"
        table.add_row(r.model, r.size, str(r.frames), r.setting, fmt(r.denoise / r.steps, ".3f"),
                      fmt(r.seconds / r.clip_seconds, ".2f"), fmt(r.speedup, ".2f"), reused, fmt(r.peak_gib, ".1f"),
                      fmt(r.psnr, ".1f"), r.error)
    console.print(table)
    for model in dict.fromkeys(r.model for r in rows):
        console.print(verdict(model, [r for r in rows if r.model == model and r.setting == "tuned"]))


def verdict(model: str, tuned: list[Row]) -> str:
    goal = f"goal >= {GOAL_SPEEDUP:g}x at >= {GOAL_PSNR:g} dB"
    done = [r for r in tuned if not r.error and not math.isnan(r.speedup)]
    if len(done) < len(tuned):
        outcome = f"FAIL: the tuned run broke ({next((r.error for r in tuned if r.error), 'see the stock row')})"
    elif model not in ARCHS or not ARCHS[model].full:  # tiny, or cut to --layers
        outcome = "a smoke check: these timings are overhead, not the model's, so no verdict"
    else:
        ok = all(r.speedup >= GOAL_SPEEDUP and r.psnr >= GOAL_PSNR for r in done)
        outcome = f"{'PASS' if ok else 'FAIL'} ({goal})"
    parts = [f"{r.size}: {r.speedup:.2f}x, PSNR {fmt(r.psnr, '.1f')}" for r in done] or ["no tuned timing"]
    return f"{model}: {'; '.join(parts)} -> {outcome}"


def main(argv: list[str] | None = None) -> list[Row]:
    args = parse_args(argv)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    skipped = [m for m in args.models if ARCHS[m].full and device == "cpu" and not args.layers]
    if device == "cpu":
        console.print("no GPU: full-size runs need one" + (f", skipping {', '.join(skipped)}" if skipped else "")
                      + " (--models NAME --layers N runs a full-size model cut to N layers, as a smoke check)")
    console.print("text encoders left out: each row gets random prompt embeddings of the real shape (the encoder "
                  "runs once per clip, the same in both settings); weights are random, so the cache's reuse and "
                  "the PSNR are not the real models'")
    rows = [row for m in args.models if m not in skipped for row in run_model(ARCHS[m], args, device)]
    report(rows, args, device)
    if args.out:
        plain = [{k: v if not isinstance(v, float) or math.isfinite(v) else None if math.isnan(v) else str(v)
                  for k, v in asdict(r).items()} for r in rows]  # strict JSON: null for nan, "inf" for inf
        args.out.write_text(json.dumps(plain, indent=1))
    return rows


if __name__ == "__main__":
    main()
