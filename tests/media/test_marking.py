"""The worker's marking step: the same payload in pictures and sound, under the instance's key."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kinora.engines.base import Clip
from kinora.media import audiomark, fingerprint, marking, watermark
from kinora.media.attacks import panning_scene, psnr
from kinora.media.certs import ensure_instance_certificate
from kinora.media.provenance import InstanceProvenance, Stamp, instance_id, payload

SR = 48_000


def _clip() -> Clip:
    rng = np.random.default_rng(3)
    frames = panning_scene(0, 36, 256, 320)  # (T, H, W, 3)
    t = np.arange(3 * SR) / SR
    hits = (rng.random(t.shape) < 2e-4).astype(np.float64)
    audio = 0.05 * np.sin(2 * np.pi * 220 * t) + np.convolve(hits, np.exp(-np.arange(2000) / 300), "same") * 0.3
    return Clip(frames, 12.0, np.stack([audio, audio], axis=1).astype(np.float32), SR)


def _instance(tmp_path: Path, key: int | None) -> InstanceProvenance:
    identity = ensure_instance_certificate(tmp_path / "ca", instance_name="Test")
    return InstanceProvenance("Test", instance_id(identity), identity, key)


def test_pictures_and_sound_carry_the_same_payload(tmp_path: Path) -> None:
    inst = _instance(tmp_path, None)
    data, clip = payload(inst.instance_id, 7), _clip()
    marked = marking.mark(clip, data, inst)
    assert psnr(clip.frames, marked.frames) >= 40.0
    assert marked.audio is not None and audiomark.snr_db(clip.audio, marked.audio) > 15.0  # type: ignore[arg-type]
    assert watermark.detect(marked.frames, keys=marking.keys(inst)).payload == data
    assert audiomark.detect(marked.audio, SR).payload == data


def test_a_private_key_hides_the_mark_from_other_instances(tmp_path: Path) -> None:
    inst = _instance(tmp_path, 0x1234_5678_9ABC)
    data = payload(inst.instance_id, 8)
    marked = marking.mark(_clip(), data, inst)
    assert marking.keys(inst) == (0x1234_5678_9ABC, watermark.PUBLIC_KEY)
    assert watermark.detect(marked.frames, keys=marking.keys(inst)).payload == data
    assert not watermark.detect(marked.frames).found  # the shared key alone cannot read it


def test_fingerprints_are_json_ready(tmp_path: Path) -> None:
    prints = marking.fingerprints(_clip())
    keyframes = 6  # 3 s, 2 a second
    assert len(prints["video"]) == keyframes * len(fingerprint.WINDOWS) and all(len(h) == 16 for h in prints["video"])
    assert len(bytes.fromhex(prints["audio"])) % 4 == 0 and prints["audio"]


def test_the_visible_label_names_instance_and_creator(tmp_path: Path) -> None:
    inst = _instance(tmp_path, None)
    stamp = Stamp(seq=3, handle="maker", generator={}, title="t")
    overlay = marking.visible_overlay(inst, stamp, n_frames=36, fps=12, width=320, height=256)
    frames = _clip().frames
    shown = overlay.apply(frames)
    changed = np.abs(shown.astype(np.int16) - frames.astype(np.int16)).max(axis=3) > 30  # (T, H, W)
    assert changed[0].any() and changed[-1].any()
    assert not np.array_equal(np.argwhere(changed[0]).min(0), np.argwhere(changed[-1]).min(0))  # it moved
