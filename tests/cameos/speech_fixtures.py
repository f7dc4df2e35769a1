"""Spoken digits for tests and benchmarks: espeak-ng recordings of each digit word (data/digits/<voice>/<word>.wav,
made as data/README.md says), joined with natural gaps over a little noise. No espeak-ng needed at test time."""

from __future__ import annotations

from functools import cache
from math import gcd
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import signal
from scipy.io import wavfile

DATA = Path(__file__).parent / "data" / "digits"
VOICES = ("en-us", "en-us+f2")  # espeak-ng's default American male, and its female variant f2
WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
RATE = 16_000  # the recordings' sample rate
GAP_S = (0.15, 0.3)  # pause between two digits, drawn uniformly
EDGE_S = 0.4  # silence before the first digit and after the last
NOISE = 2e-3  # RMS of the background noise (-54 dBFS; the recordings peak near -6 dBFS)


@cache
def recording(voice: str, digit: str) -> npt.NDArray[np.float32]:
    """(S,) float32 at 16 kHz: `voice` saying the word for `digit`."""
    if voice not in VOICES:
        raise ValueError(f"voice must be one of {VOICES}; got {voice!r}")
    rate, pcm = wavfile.read(DATA / voice / f"{WORDS[int(digit)]}.wav")
    assert rate == RATE and pcm.dtype == np.int16, f"{voice}/{digit}: {rate} Hz {pcm.dtype}, expected 16 kHz int16"
    audio: npt.NDArray[np.float32] = (pcm / 32768.0).astype(np.float32)
    return audio


def spoken_digits(digits: str, sample_rate: int = RATE, voice: str = VOICES[0], seed: int = 0
                  ) -> npt.NDArray[np.float32]:
    """(S,) float32 mono at `sample_rate`: `voice` reading `digits` one by one. The gaps and the noise depend on
    `seed` and on the digits themselves, so different challenges are not copies of one rhythm."""
    if not digits.isdigit():
        raise ValueError(f"digits must be a string of 0-9; got {digits!r}")
    rng = np.random.default_rng([seed, *map(int, digits)])
    edge = np.zeros(round(EDGE_S * RATE), np.float32)
    parts = [edge]
    for i, digit in enumerate(digits):
        if i:
            parts.append(np.zeros(round(rng.uniform(*GAP_S) * RATE), np.float32))
        parts.append(recording(voice, digit))
    parts.append(edge)
    audio = np.concatenate(parts)  # (S,) at 16 kHz
    audio = audio + NOISE * rng.standard_normal(len(audio)).astype(np.float32)
    if sample_rate != RATE:
        g = gcd(sample_rate, RATE)
        audio = signal.resample_poly(audio, sample_rate // g, RATE // g)
    return audio.astype(np.float32)
