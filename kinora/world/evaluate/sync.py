"""Audio/video sync: impact onsets in the soundtrack, each visible contact paired with the nearest
onset within the sync window, and scored by the offset."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import signal

from kinora.media.probe import DecodedMedia
from kinora.world.evaluate.common import F64, SYNC_BAD, SYNC_GOOD, SYNC_WINDOW
from kinora.world.evaluate.report import ContactPair, SyncReport


def audio_onsets(audio: npt.NDArray[np.float32], sample_rate: int, start: float = 0.0) -> list[float]:
    """Onset times (s) of impact-like sounds. Spectral flux (how much new spectrum appears, in dB per
    frequency against the average of the preceding 3-10 ms) finds hits over room tone or rolling noise
    and on top of a still-ringing hit; a soft thud, which lifts few frequencies, passes when the
    broadband level jumps as well. Both are measured against the clip's own flicker (median and 90th
    percentile). Each hit is then placed at the first sample whose amplitude climbs 20% of the way
    from the level just before to the hit's peak."""
    if audio.size == 0:
        return []
    mono = audio.astype(np.float64).mean(axis=1) if audio.ndim == 2 else audio.astype(np.float64)
    x = signal.sosfilt(signal.butter(2, 60.0, "highpass", fs=sample_rate, output="sos"), mono)
    hop = max(1, sample_rate // 1000)
    win = 1 << max(4, round(math.log2(0.0053 * sample_rate)))  # ~5 ms: 256 samples at 48 kHz
    if len(x) < win + 12 * hop:
        return []
    frames = np.lib.stride_tricks.sliding_window_view(x, win)[::hop] * np.hanning(win)
    level = 20.0 * np.log10(np.abs(np.fft.rfft(frames, axis=1)) + 1e-9)
    level = np.maximum(level, float(np.percentile(level, 99.9)) - 70.0)  # ignore the faint
    # The 90th percentile over frequency of each bin's rise: a hit lifts a good share of the spectrum
    # (a click) or a few bins a lot (a ringing partial), noise only flickers here and there.
    flux = _flicker_units(np.percentile(np.maximum(0.0, level - _recent_mean(level)), 90, axis=1))
    power = (frames**2).sum(axis=1)
    recent = _recent_mean(power)
    jump = _flicker_units(10.0 * np.log10((power + 1e-20) / (recent + 1e-20)))
    # A sound that stops abruptly also brings new (broadband) spectrum; a hit brings some energy
    # too, if little next to a loud rumble. The first 25 ms have no past to compare with.
    louder = (power > 1.05 * recent) & (power > 2.0 * float(np.percentile(power, 20)))  # 3 dB over the hush
    louder[:25] = False
    hits = louder & ((flux > 3.0) | ((flux + jump > 5.0) & (flux > 1.5)))
    onsets: list[float] = []
    last = -math.inf
    for n in np.flatnonzero(hits):
        if n - last < 20:  # one hit (and its ringing) at a time: 20 ms
            continue
        last = float(n)
        onsets.append(start + _onset_sample(x, int(n) * hop, win) / sample_rate)
    return onsets


def _flicker_units(values: F64) -> F64:
    """Values relative to their median, in units of the typical excursion (90th percentile above the
    median), so that thresholds adapt to how busy a soundtrack is."""
    middle = float(np.median(values))
    spread = max(float(np.percentile(values, 90)) - middle, 0.5)
    return np.asarray((values - middle) / spread, dtype=np.float64)


def _recent_mean(values: F64, first: int = 3, last: int = 10) -> F64:
    """Per row, the mean of rows `first`..`last` before it (the row just before may hold the hit)."""
    pad = ((last, 0),) + ((0, 0),) * (values.ndim - 1)
    padded = np.pad(values, pad, mode="edge")
    n = len(values)
    rows = [padded[last - k : last - k + n] for k in range(first, last + 1)]
    return np.asarray(np.mean(rows, axis=0), dtype=np.float64)


def _onset_sample(x: F64, at: int, win: int) -> int:
    """The first sample of a hit caught by the spectral frame starting at `at`: it lies within a frame
    or so of there, and the level before that is the floor it has to climb from."""
    before = np.abs(x[max(0, at - 3 * win) : max(0, at - win)])
    floor = float(before.max()) if before.size else 0.0
    lo, hi = max(0, at - win), min(len(x), at + 3 * win)
    seg = np.abs(x[lo:hi])
    peak_at = int(np.argmax(seg))
    threshold = floor + 0.2 * max(0.0, float(seg[peak_at]) - floor)
    above = np.flatnonzero(seg[: peak_at + 1] >= threshold)
    return lo + int(above[0]) if above.size else lo + peak_at


def _sync(media: DecodedMedia, contacts: list[tuple[str, float]]) -> SyncReport:
    if media.audio is None:
        return SyncReport(score=None, reason="no audio stream")
    onsets = audio_onsets(media.audio, media.sample_rate, media.audio_start)
    report = SyncReport(score=None, contacts=len(contacts), onsets=[round(t, 5) for t in onsets])
    if not contacts:
        report.reason = "no visible contact in a shot with a still or sliding camera"
        return report
    on = np.array(onsets)
    used: set[int] = set()
    scores: list[float] = []
    offsets: list[float] = []
    for name, t in contacts:
        pair = ContactPair(object=name, video_t=round(t, 5), audio_t=None, offset_ms=None)
        if on.size:
            j = int(np.argmin(np.abs(on - t)))
            if abs(on[j] - t) <= SYNC_WINDOW:
                off = float(on[j] - t)
                pair.audio_t, pair.offset_ms = round(float(on[j]), 5), round(1000 * off, 2)
                used.add(j)
                offsets.append(abs(off))
                scores.append(float(np.clip(1 - (abs(off) - SYNC_GOOD) / (SYNC_BAD - SYNC_GOOD), 0, 1)))
                report.pairs.append(pair)
                continue
        scores.append(0.0)
        report.pairs.append(pair)
    report.matched_fraction = round(len(offsets) / len(contacts), 4)
    report.unmatched_onsets = len(onsets) - len(used)
    if offsets:
        report.median_abs_ms = round(1000 * float(np.median(offsets)), 2)
        report.worst_abs_ms = round(1000 * max(offsets), 2)
    else:
        report.reason = "no visible contact has a sound within 150 ms"
    report.score = round(float(np.mean(scores)), 4)
    return report
