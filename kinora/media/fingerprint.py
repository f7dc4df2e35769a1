"""Lookup fingerprints: find the generation a clip came from after it lost its C2PA manifest and watermark.

* `video_hashes`: two 64-bit perceptual hashes per second of video. A keyframe is shrunk to 32x32 grey, its 2-D
  DCT taken, and the signs of the 64 lowest-frequency AC coefficients kept. Signs ignore brightness (DC only)
  and contrast (a positive scale); a small crop or resize barely moves the lowest frequencies. A horizontal
  flip negates exactly the coefficients of odd horizontal frequency, so a flipped copy's hash is the
  original XOR `FLIP_MASK`: `match` tries both, and nothing else needs storing.
* `audio_fingerprint`: one 32-bit word per 100 ms of sound: the signs of the change over time of the energy
  differences between 33 adjacent log-spaced bands (300-3000 Hz at 8 kHz). Differences of differences
  ignore volume and the frequency response of a codec; the band range survives AAC and telephone-grade audio.
* `match` scores a query against a stored reference in 0..1 (0 = unrelated, 1 = identical).

Storage (for the index, not built here): the hashes are plain 64-bit ints and the audio words a uint32 array
(`tobytes()`, 40 bytes per second). To index the video hashes, use multi-index hashing: split each hash into
four 16-bit chunks and keep one table per chunk (chunk value -> generation ids); a hash within Hamming distance
<= 3 of a stored one shares at least one chunk exactly (pigeonhole), so four exact lookups give the candidates,
which are then scored with `match`. Flipped queries are looked up as `h ^ FLIP_MASK` too. Audio words can be
indexed the same way (the 32-bit words themselves, or 16-bit halves) and verified by `audio_similarity`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image
from scipy import fft, signal

HASH_SIDE = 32  # frame shrunk to HASH_SIDE x HASH_SIDE before the DCT
HASH_BLOCK = 8  # 8x8 lowest DCT coefficients -> 64 bits (DC swapped for (8, 0))
KEYFRAMES_PER_S = 2.0  # dense enough that a trimmed copy's keyframes land within 0.25 s of a stored one
AUDIO_RATE = 8_000
AUDIO_HOP_S = 0.1
AUDIO_WIN_S = 0.4  # windows overlap 4x so a query that starts between hops still lines up within 50 ms
AUDIO_BANDS = 33  # -> 32 band differences -> one uint32 per hop
AUDIO_LO_HZ, AUDIO_HI_HZ = 300.0, 3000.0
UNRELATED_BITS = 32  # Hamming distance of two unrelated 64-bit hashes, on average


def _coefficient_positions() -> list[tuple[int, int]]:
    pos = [(r, c) for r in range(HASH_BLOCK) for c in range(HASH_BLOCK) if (r, c) != (0, 0)]
    return pos + [(HASH_BLOCK, 0)]  # 64 AC coefficients


_POSITIONS = _coefficient_positions()
# bit i is set in the mask when coefficient i has an odd horizontal frequency (negated by a horizontal flip)
FLIP_MASK = sum(1 << i for i, (_, c) in enumerate(_POSITIONS) if c % 2 == 1)


def frame_hash(frame: npt.NDArray[np.uint8]) -> int:
    """64-bit DCT-sign hash of one (H, W, 3) uint8 frame."""
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"frame must be (H, W, 3); got shape {frame.shape}")
    grey = Image.fromarray(frame).convert("L").resize((HASH_SIDE, HASH_SIDE), Image.Resampling.BOX)
    pixels = np.asarray(grey, dtype=np.float64)  # (32, 32)
    coeffs = fft.dctn(pixels - pixels.mean(), norm="ortho")  # (32, 32)
    bits = [coeffs[r, c] > 0 for r, c in _POSITIONS]
    return sum(1 << i for i, bit in enumerate(bits) if bit)


def video_hashes(frames: npt.NDArray[np.uint8], fps: float) -> list[int]:
    """One hash per 1/KEYFRAMES_PER_S seconds of (T, H, W, 3) uint8 video, taken mid-interval."""
    if frames.ndim != 4 or frames.shape[3] != 3:
        raise ValueError(f"frames must be (T, H, W, 3); got shape {frames.shape}")
    if fps <= 0:
        raise ValueError(f"fps must be positive; got {fps}")
    step = fps / KEYFRAMES_PER_S
    picks = np.arange(step / 2, len(frames), step).astype(int)
    if len(picks) == 0 and len(frames) > 0:
        picks = np.array([len(frames) // 2])
    return [frame_hash(frames[i]) for i in picks]


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def video_similarity(query: list[int], reference: list[int]) -> float:
    """0..1: for each query hash the nearest reference hash (either orientation), averaged. Order-free, so a
    trimmed or re-timed copy still matches; 0 at the distance of unrelated hashes, 1 when identical."""
    if not query or not reference:
        return 0.0
    best = [min(min(hamming(q, r), hamming(q ^ FLIP_MASK, r)) for r in reference) for q in query]
    return float(np.clip(1.0 - np.mean(best) / UNRELATED_BITS, 0.0, 1.0))


def audio_fingerprint(audio: npt.NDArray[np.float32], sample_rate: int) -> npt.NDArray[np.uint32]:
    """(S, C) or (S,) float audio -> one uint32 per AUDIO_HOP_S seconds."""
    if audio.ndim not in (1, 2):
        raise ValueError(f"audio must be (S,) or (S, C); got shape {audio.shape}")
    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be positive; got {sample_rate}")
    mono = audio.astype(np.float64) if audio.ndim == 1 else audio.astype(np.float64).mean(axis=1)
    mono = signal.resample_poly(mono, AUDIO_RATE, sample_rate)
    win, hop = round(AUDIO_WIN_S * AUDIO_RATE), round(AUDIO_HOP_S * AUDIO_RATE)
    if len(mono) < win + hop:
        return np.zeros(0, dtype=np.uint32)
    freqs, _, spec = signal.stft(mono, fs=AUDIO_RATE, window="hann", nperseg=win, noverlap=win - hop,
                                 boundary=None, padded=False)
    edges = np.geomspace(AUDIO_LO_HZ, AUDIO_HI_HZ, AUDIO_BANDS + 1)
    band = np.searchsorted(edges, freqs) - 1  # (F,)
    inside = (band >= 0) & (band < AUDIO_BANDS)
    energy = np.zeros((AUDIO_BANDS, spec.shape[1]))
    np.add.at(energy, band[inside], np.abs(spec[inside]) ** 2)
    log_e = np.log(energy + 1e-10)  # (33, N)
    across = log_e[:-1] - log_e[1:]  # (32, N): spectral slope, volume-free
    bits = (across[:, 1:] - across[:, :-1]) > 0  # (32, N-1): its change over time
    weights = (1 << np.arange(32, dtype=np.uint64))[:, None]
    words: npt.NDArray[np.uint32] = (bits.astype(np.uint64) * weights).sum(axis=0).astype(np.uint32)
    return words


def audio_similarity(query: npt.NDArray[np.uint32], reference: npt.NDArray[np.uint32]) -> float:
    """0..1 from the best bit error rate over every alignment of the query inside the reference (or the
    reference inside the query): 0 at the 50 % error rate of unrelated audio, 1 when identical."""
    short, long_ = (query, reference) if len(query) <= len(reference) else (reference, query)
    if len(short) == 0:
        return 0.0
    bits_short = np.unpackbits(short.astype(">u4").view(np.uint8)).reshape(len(short), 32)
    bits_long = np.unpackbits(long_.astype(">u4").view(np.uint8)).reshape(len(long_), 32)
    windows = np.lib.stride_tricks.sliding_window_view(bits_long, (len(short), 32))[:, 0]  # (L-S+1, S, 32)
    errors = (windows != bits_short[None]).mean(axis=(1, 2))
    return float(np.clip(1.0 - 2.0 * errors.min(), 0.0, 1.0))


def match(
    query_video: list[int],
    reference_video: list[int],
    query_audio: npt.NDArray[np.uint32] | None = None,
    reference_audio: npt.NDArray[np.uint32] | None = None,
) -> float:
    """Overall similarity 0..1 of a query clip to a stored generation: the video score, or the better of video
    and audio when both have sound (a re-cut with new music still matches on pictures, a re-filmed screen
    on sound)."""
    score = video_similarity(query_video, reference_video)
    if query_audio is not None and reference_audio is not None and len(query_audio) and len(reference_audio):
        score = max(score, audio_similarity(query_audio, reference_audio))
    return score
