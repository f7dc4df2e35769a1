"""One generation's provenance, applied in the worker: invisible marks on the master, the moving visible
label, the C2PA signature (always the last change to a file) and the lookup fingerprints."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kinora.engines.base import Clip
from kinora.media import audiomark, c2pa, fingerprint, visible, watermark
from kinora.media.provenance import SOFT_BINDING_ALG, InstanceProvenance, Stamp


def keys(inst: InstanceProvenance) -> tuple[int, ...]:
    """The watermark keys this instance reads: its own first, then the one all instances share."""
    return (watermark.PUBLIC_KEY,) if inst.watermark_key is None else (inst.watermark_key, watermark.PUBLIC_KEY)


def mark(clip: Clip, data: bytes, inst: InstanceProvenance) -> Clip:
    """`clip` with `data` invisibly marked into its pictures and its soundtrack (a new Clip)."""
    frames = watermark.embed(clip.frames, data, key=keys(inst)[0])
    audio = clip.audio
    if audio is not None and clip.sample_rate >= audiomark.MIN_SAMPLE_RATE:
        audio = audiomark.embed(audio, clip.sample_rate, data)
    return replace(clip, frames=frames, audio=audio)


def visible_overlay(inst: InstanceProvenance, stamp: Stamp, *, n_frames: int, fps: float, width: int,
                    height: int) -> visible.Overlay:
    return visible.Overlay(visible.label_text(inst.name, stamp.handle), n_frames=n_frames, fps=fps, width=width,
                           height=height, seed=stamp.seq)


def sign(path: Path, inst: InstanceProvenance, stamp: Stamp, data: bytes) -> None:
    """Sign the MP4 at `path` in place: the last step, after which its bytes must not change."""
    c2pa.sign_mp4(path, path, identity=inst.identity, generator=stamp.generator, title=stamp.title,
                  soft_binding={"alg": SOFT_BINDING_ALG, "value": data.hex()}, tsa_url=inst.tsa_url)


def fingerprints(clip: Clip) -> dict[str, Any]:
    """The lookup fingerprints of a clip, as JSON-ready values: hashes as hex strings (64-bit ints do not
    survive every JSON reader) and the audio words as one hex string."""
    audio: npt.NDArray[np.uint32] = np.zeros(0, np.uint32)
    if clip.audio is not None:
        audio = fingerprint.audio_fingerprint(clip.audio, clip.sample_rate)
    return {"video": [f"{h:016x}" for h in fingerprint.video_hashes(clip.frames, clip.fps)],
            "audio": audio.astype(">u4").tobytes().hex()}
