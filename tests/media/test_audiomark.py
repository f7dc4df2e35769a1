"""Audio watermark: the exact payload comes back after AAC 64 kb/s (real PyAV round trips), resampling,
mono downmix, volume changes and trimming to 2 s, on world-engine soundtracks, sparse foley with silence and
music at normal (-20 dBFS) and loud (-12 dBFS) levels; unmarked audio never yields a detection."""

from __future__ import annotations

import io
from collections.abc import Callable

import av
import numpy as np
import numpy.typing as npt
import pytest
from scipy import signal

from kinora.media import audiomark
from kinora.world.generate import render_plan
from kinora.world.parse import parse_prompt

SR = 48_000
PAYLOAD = bytes.fromhex("0123456789abcdef")
Audio = npt.NDArray[np.float32]


def _foley(seed: int, seconds: float = 3.5) -> Audio:
    """Sparse impacts with silence between them, the hard case for a mark that rides on the host."""
    rng = np.random.default_rng(seed)
    x = np.zeros(round(seconds * SR))
    for start in rng.uniform(0, seconds - 0.3, 4):
        i, n = int(start * SR), int(0.25 * SR)
        x[i : i + n] += 0.5 * np.exp(-np.arange(n) / (0.03 * SR)) * rng.standard_normal(n)
    return np.stack([x, x], axis=1).astype(np.float32)


def _scene(seed: int, seconds: float = 3.5) -> Audio:
    """Foley over a stereo ambience bed and a held chord."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * SR)) / SR
    sos = signal.butter(2, [200, 3000], btype="bandpass", fs=SR, output="sos")
    bed: npt.NDArray[np.float64] = 0.02 * signal.sosfilt(sos, rng.standard_normal((len(t), 2)), axis=0)
    chord = 0.05 * np.sin(2 * np.pi * 220 * t) + 0.03 * np.sin(2 * np.pi * 330 * t)
    return (0.8 * _foley(seed, seconds) + bed + chord[:, None]).astype(np.float32)


def _music(seed: int, seconds: float = 3.5) -> Audio:
    """Harmonic notes with vibrato and tremolo over a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * SR)) / SR
    x = 0.01 * rng.standard_normal(len(t))
    for _ in range(6):
        f, a = rng.uniform(110, 880), rng.uniform(0.02, 0.1)
        tremolo = 1 + np.sin(2 * np.pi * rng.uniform(0.3, 2) * t)
        for h in range(1, 8):
            x += a / h * tremolo * np.sin(2 * np.pi * f * h * t * (1 + 0.002 * np.sin(2 * np.pi * 5 * t)))
    return np.stack([x, x], axis=1).astype(np.float32)


def _at_level(audio: Audio, rms_dbfs: float) -> Audio:
    x = audio.astype(np.float64)
    return np.asarray(np.clip(x * 10 ** (rms_dbfs / 20) / np.sqrt(np.mean(x**2)), -1, 1), dtype=np.float32)


def _world(prompt: str, seed: int, seconds: float = 3.5) -> Audio:
    """The product's own soundtrack: foley of impacts and rolling over ambience, from the world engine."""
    clip = render_plan(parse_prompt(prompt, seed=seed), seconds=seconds, width=80, height=64, fps=12, seed=seed)
    assert clip.audio is not None and clip.sample_rate == SR
    return clip.audio


def _aac(audio: Audio, rate: int = SR, bit_rate: int = 64_000) -> Audio:
    """Encode to AAC in MP4 with PyAV and decode again."""
    layout = "stereo" if audio.shape[1] == 2 else "mono"
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=rate)
        stream.bit_rate = bit_rate
        stream.layout = layout
        for i in range(0, len(audio), 1024):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(audio[i : i + 1024].T), format="fltp", layout=layout
            )
            frame.sample_rate = rate
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    buf.seek(0)
    with av.open(buf, "r") as src:
        decoded = [f.to_ndarray() for f in src.decode(audio=0)]
    return np.concatenate(decoded, axis=1).T.astype(np.float32)


def _resample(audio: Audio, rate: int) -> Audio:
    return signal.resample_poly(audio, rate // 1000 * 10, SR // 1000 * 10).astype(np.float32)  # type: ignore[no-any-return]


ATTACKS: dict[str, Callable[[Audio], tuple[Audio, int]]] = {
    "clean": lambda a: (a, SR),
    "aac64k": lambda a: (_aac(a), SR),
    "44k1_aac64k": lambda a: (_aac(_resample(a, 44_100), 44_100), 44_100),
    "16k": lambda a: (_resample(a, 16_000), 16_000),
    "mono_aac64k_louder": lambda a: (np.clip(_aac(a.mean(axis=1, keepdims=True)) * 1.1, -1, 1), SR),
    # 2.0 s off the 80 ms frame grid: less than a period of whole frames, so the edge frames must help
    "quieter_excerpt_2s": lambda a: (a[int(1.37 * SR) : int(3.37 * SR)] * 0.9, SR),
}
HOSTS: dict[str, Callable[[int], Audio]] = {
    "foley": _foley,
    "scene": _scene,
    "music": lambda seed: _at_level(_music(seed), -20.0),
    # loud enough that the host itself clips: FFmpeg's AAC coder then spends its bits on the loud bands
    "music_loud": lambda seed: _at_level(_music(seed), -12.0),
    "world_balls": lambda seed: _world("three red rubber balls bounce on a wooden floor", seed + 1),
    "world_dominoes": lambda seed: _world("a steel ball rolls down a ramp into a row of ten dominoes", seed + 1),
}


@pytest.fixture(scope="module")
def marked() -> dict[str, tuple[Audio, Audio]]:
    return {name: (make(1), audiomark.embed(make(1), SR, PAYLOAD)) for name, make in HOSTS.items()}


@pytest.mark.parametrize("host", sorted(HOSTS))
@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_payload_survives(marked: dict[str, tuple[Audio, Audio]], host: str, attack: str) -> None:
    audio, rate = ATTACKS[attack](marked[host][1])
    found = audiomark.detect(audio, rate)
    assert found.found and found.payload == PAYLOAD, found


def test_embed_keeps_shape_and_is_quiet(marked: dict[str, tuple[Audio, Audio]]) -> None:
    for original, out in marked.values():
        assert out.shape == original.shape and out.dtype == np.float32
        # measured on these hosts: foley 22.8, scene 32.8, music 25.2 (both levels), world 23.3-33.9 dB
        assert audiomark.snr_db(original, out) >= 17.0


def test_silence_carries_a_floor_far_below_the_host() -> None:
    silent = np.zeros((3 * SR, 2), dtype=np.float32)
    out = audiomark.embed(silent, SR, PAYLOAD)
    rms_dbfs = 10 * np.log10(np.mean(out.astype(np.float64) ** 2))
    assert audiomark.FLOOR_DBFS - 3 <= rms_dbfs <= audiomark.FLOOR_DBFS + 3
    assert audiomark.detect(_aac(out), SR).payload == PAYLOAD


def test_unmarked_audio_is_never_detected() -> None:
    for seed in range(40):
        host = (_foley, _scene, _music)[seed % 3](100 + seed, 3.0)
        assert not audiomark.detect(host, SR).found
    for seed, prompt in enumerate(["a row of twenty dominoes topples", "a tower of six wooden blocks collapses"]):
        world = _world(prompt, 50 + seed, 3.0)
        assert not audiomark.detect(world, SR).found
        assert not audiomark.detect(_aac(world), SR).found


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="payload"):
        audiomark.embed(_foley(0), SR, b"short")
    with pytest.raises(ValueError, match="audio"):
        audiomark.embed(np.zeros(100, dtype=np.float32), SR, PAYLOAD)
    with pytest.raises(ValueError, match="sample_rate"):
        audiomark.detect(_foley(0), 0)
