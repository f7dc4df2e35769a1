"""Lookup fingerprint benchmark: do attacked copies score above every different clip, and does the index find them?

Run: .venv/bin/python benchmarks/fingerprint.py [--quick] [--seeds 2] [--scenes 3]

Clips are world-engine renders (640x352, 4 s at 12 fps; balls, blocks, dominoes, marbles, ramps, several seeds:
many share the same room, the hard case) and synthetic panning shots. Every attack is applied to every clip and
the copy's `video_similarity` to its own source is compared with the best similarity the copy reaches against
any clip of a different prompt (clips of the same prompt with another seed really are near-duplicates: they
are reported apart). The threshold is the best score of one whole clip against another prompt's plus MARGIN;
"copies >= thr" and "others >= thr" are the shares of copies scoring above it against their source and
against their best other-prompt clip. "index" is the share of copies that the 4 x 16-bit chunk lookup of
kinora/app/provenance/lookup.py finds (some query hash, as is or XOR FLIP_MASK, shares a chunk with a source
hash), "kf chunk" the share of the copy's keyframes that have such a hash, and "others in index" the share of
other-prompt clips that the same lookup turns up as candidates (to be ruled out by `match`). The audio rows compare
soundtracks after an AAC round trip with their source and with the other clips' soundtracks.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from rich.console import Console
from rich.table import Table

from kinora.engines.base import Clip
from kinora.media import fingerprint as fp
from kinora.media.attacks import Frames, blur, crop, flip, gain, h264, letterbox, panning_scene, resize
from kinora.media.encode import write_mp4
from kinora.media.probe import read_video
from kinora.world.generate import render_plan
from kinora.world.parse import parse_prompt

FPS = 12
WIDTH, HEIGHT, SECONDS = 640, 352, 4
PROMPTS = [
    "a red ball bounces on a wooden floor",
    "two red balls bounce on a wooden floor",
    "three red rubber balls bounce on a wooden floor",
    "a tower of six wooden blocks collapses",
    "a row of ten dominoes topples",
    "five glass marbles roll down a ramp",
    "a steel ball rolls down a ramp into a row of ten dominoes",
    "a blue ball rolls down a ramp",
]
MARGIN = 0.05  # the recommended threshold sits this far above the best score of one whole clip against another


@dataclass(frozen=True)
class Source:
    name: str
    group: str  # clips of one group are near-duplicates (one prompt, other seeds)
    frames: Frames
    audio: npt.NDArray[np.float32] | None
    sample_rate: int


def corner_crop(frames: Frames, corner: str, side: float = 0.8) -> Frames:
    """Keep `side` of each dimension at one corner ("tl", "tr", "bl", "br")."""
    h, w = frames.shape[1:3]
    ch, cw = round(h * side / 2) * 2, round(w * side / 2) * 2
    y = 0 if corner[0] == "t" else h - ch
    x = 0 if corner[1] == "l" else w - cw
    return frames[:, y : y + ch, x : x + cw]


def centred_crop(frames: Frames, area: float = 0.7) -> Frames:
    h, w = frames.shape[1:3]
    ch, cw = round(h * np.sqrt(area) / 2) * 2, round(w * np.sqrt(area) / 2) * 2
    y, x = (h - ch) // 2, (w - cw) // 2
    return frames[:, y : y + ch, x : x + cw]


def pillarbox(frames: Frames) -> Frames:
    """Padded left and right into a 1.3x wider black canvas, then scaled to 0.75x."""
    t, h, w, _ = frames.shape
    canvas = np.zeros((t, h, round(w * 1.3 / 2) * 2, 3), dtype=np.uint8)
    left = (canvas.shape[2] - w) // 2
    canvas[:, :, left : left + w] = frames
    return resize(canvas, 0.75)


def attacks(folder: Path, quick: bool) -> dict[str, Callable[[Frames], Frames]]:
    def enc(crf: int) -> Callable[[Frames], Frames]:
        return lambda f: h264(f, fps=FPS, crf=crf, folder=folder)

    table: dict[str, Callable[[Frames], Frames]] = {
        "H.264 CRF 28": enc(28),
        "H.264 CRF 32": enc(32),
        "resize 0.5x": lambda f: resize(f, 0.5),
        "crop 70% area (attacks.crop)": crop,
        "centred crop 70% area": centred_crop,
        "corner crop 80% TL": lambda f: corner_crop(f, "tl"),
        "corner crop 80% BR": lambda f: corner_crop(f, "br"),
        "flip": lambda f: np.ascontiguousarray(flip(f)),
        "letterbox 4:3": letterbox,
        "pillarbox": pillarbox,
        "trim 2 s (frames 7-30)": lambda f: f[7 : 7 + 2 * FPS],
        "trim 2 s (frames 19-42)": lambda f: f[19 : 19 + 2 * FPS],
        "brightness x1.2": lambda f: gain(f, 1.2, 0),
        "brightness x0.8": lambda f: gain(f, 0.8, 0),
        "contrast x1.2": lambda f: gain(f, 1.2, 128),
        "contrast x0.8": lambda f: gain(f, 0.8, 128),
        "blur sigma 1.5": lambda f: blur(f, 1.5),
        "crop+flip+CRF 28": lambda f: h264(np.ascontiguousarray(flip(crop(f))), fps=FPS, crf=28, folder=folder),
        "centred crop+flip+CRF 28": lambda f: h264(
            np.ascontiguousarray(flip(centred_crop(f))), fps=FPS, crf=28, folder=folder
        ),
    }
    if quick:
        keep = (
            "H.264 CRF 28",
            "crop 70% area (attacks.crop)",
            "centred crop 70% area",
            "corner crop 80% TL",
            "flip",
            "letterbox 4:3",
            "trim 2 s (frames 7-30)",
            "brightness x1.2",
            "crop+flip+CRF 28",
            "centred crop+flip+CRF 28",
        )
        table = {k: table[k] for k in keep}
    return table


def sources(seeds: int, scenes: int, prompts: list[str]) -> list[Source]:
    out = []
    for p, prompt in enumerate(prompts):
        for seed in range(1, seeds + 1):
            clip = render_plan(
                parse_prompt(prompt, seed=seed), seconds=SECONDS, width=WIDTH, height=HEIGHT, fps=FPS, seed=seed
            )
            out.append(Source(f"{prompt} #{seed}", f"w{p}", clip.frames, clip.audio, clip.sample_rate))
    for s in range(scenes):
        frames = panning_scene(100 + s, SECONDS * FPS, HEIGHT, WIDTH)
        out.append(Source(f"panning scene {s}", f"pan{s}", frames, None, 0))
    return out


def _chunks(h: int) -> set[tuple[int, int]]:
    return {(part, (h >> (16 * part)) & 0xFFFF) for part in range(4)}


def chunk_hits(query: list[int], reference: list[int]) -> tuple[bool, float]:
    """(found by the index at all, share of the query's keyframes with a hash sharing a chunk)."""
    stored = set().union(*(_chunks(h) for h in reference)) if reference else set()
    hit = [bool((_chunks(h) | _chunks(h ^ fp.FLIP_MASK)) & stored) for h in query]
    per = fp.WINDOWS_PER_KEYFRAME if len(hit) % fp.WINDOWS_PER_KEYFRAME == 0 else 1
    keyframes = np.asarray(np.array(hit, dtype=bool).reshape(-1, per).any(axis=1))  # (keyframes,)
    return bool(keyframes.any()), float(keyframes.mean()) if keyframes.size else 0.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 prompts x 1 seed, 1 panning scene, 8 attacks")
    parser.add_argument("--seeds", type=int, help="seeds per prompt (2; quick 1)")
    parser.add_argument("--scenes", type=int, help="panning scenes (3; quick 1)")
    args = parser.parse_args(argv)
    seeds = args.seeds if args.seeds is not None else (1 if args.quick else 2)
    scenes = args.scenes if args.scenes is not None else (1 if args.quick else 3)
    if seeds < 1 or scenes < 0:
        parser.error(f"--seeds must be >= 1 and --scenes >= 0; got {seeds} and {scenes}")
    console = Console(width=160)
    clips = sources(seeds, scenes, PROMPTS[:4] if args.quick else PROMPTS)
    start = time.perf_counter()
    stored = [fp.video_hashes(c.frames, FPS) for c in clips]
    took = time.perf_counter() - start
    n_frames = sum(len(c.frames) for c in clips)
    console.print(
        f"{len(clips)} clips, {n_frames / took:.0f} frames/s hashed, "
        f"{np.mean([len(s) for s in stored]) / SECONDS:.1f} hashes per second of video"
    )

    def best_other(query: list[int], group: str) -> float:
        return max(fp.video_similarity(query, s) for s, c in zip(stored, clips, strict=True) if c.group != group)

    clean_other = [best_other(s, c.group) for s, c in zip(stored, clips, strict=True)]
    same_prompt = [
        fp.video_similarity(stored[i], stored[i + 1])
        for i in range(len(clips) - 1)
        if clips[i].group == clips[i + 1].group
    ]
    rows: list[tuple[str, list[float], list[float], float, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, attack in attacks(Path(tmp), args.quick).items():
            own, other, found, share, stray = [], [], [], [], []
            for c, s in zip(clips, stored, strict=True):
                query = fp.video_hashes(attack(c.frames), FPS)
                own.append(fp.video_similarity(query, s))
                other.append(best_other(query, c.group))
                hit, part = chunk_hits(query, s)
                found.append(hit)
                share.append(part)
                stray += [chunk_hits(query, t)[0] for t, d in zip(stored, clips, strict=True) if d.group != c.group]
            rows.append((name, own, other, float(np.mean(found)), float(np.mean(share)), float(np.mean(stray))))
        audio_own, audio_other = audio_rows(clips, Path(tmp))
    threshold = min(1.0, max(clean_other) + MARGIN)
    table = Table(title=f"Copies vs their source (video_similarity), {len(clips)} clips, threshold {threshold:.2f}")
    columns = (
        "attack",
        "copy mean",
        "copy min",
        "copies >= thr",
        "max other clip",
        "others >= thr",
        "index found",
        "kf chunk",
        "others in index",
    )
    for col in columns:
        table.add_column(col, justify="left" if col == "attack" else "right")
    above = np.mean(np.array(clean_other) >= threshold)
    table.add_row("(none: clip vs others)", "1.000", "1.000", "", f"{max(clean_other):.3f}", f"{above:.0%}", "", "", "")
    for name, own, other, found_share, kf_share, stray_share in rows:
        copies_above = np.mean(np.array(own) >= threshold)
        others_above = np.mean(np.array(other) >= threshold)
        style = "[green]" if copies_above == 1 and others_above == 0 else "[red]"
        table.add_row(
            f"{style}{name}",
            f"{np.mean(own):.3f}",
            f"{min(own):.3f}",
            f"{copies_above:.0%}",
            f"{max(other):.3f}",
            f"{others_above:.0%}",
            f"{found_share:.0%}",
            f"{kf_share:.0%}",
            f"{stray_share:.0%}",
        )
    console.print(table)
    if same_prompt:
        console.print(f"same prompt, other seed (near-duplicates): {min(same_prompt):.3f}..{max(same_prompt):.3f}")
    if audio_own:
        console.print(
            f"audio after AAC vs own source: mean {np.mean(audio_own):.3f} min {min(audio_own):.3f}; "
            f"vs other prompts' soundtracks: max {max(audio_other):.3f}"
        )
    console.print(
        f"recommended match threshold (lookup.MIN_SCORE): {threshold:.2f} "
        f"(best score of a whole clip against another prompt's {max(clean_other):.3f} + {MARGIN})"
    )


def audio_rows(clips: list[Source], folder: Path) -> tuple[list[float], list[float]]:
    """AAC round trip of each soundtrack vs its source, and the best score against other prompts' sources."""
    voiced = [c for c in clips if c.audio is not None]
    prints = [fp.audio_fingerprint(c.audio, c.sample_rate) for c in voiced if c.audio is not None]
    own, other = [], []
    for i, c in enumerate(voiced):
        path = write_mp4(Clip(c.frames[:2], FPS, c.audio, c.sample_rate), folder / f"audio{i}.mp4")
        decoded = read_video(path)
        if decoded.audio is None:
            continue
        query = fp.audio_fingerprint(decoded.audio, decoded.sample_rate)
        own.append(fp.audio_similarity(query, prints[i]))
        other.append(
            max(fp.audio_similarity(query, p) for p, d in zip(prints, voiced, strict=True) if d.group != c.group)
        )
    return own, other


if __name__ == "__main__":
    main()
