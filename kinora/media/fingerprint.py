"""Lookup fingerprints: find the generation a clip came from after it lost its C2PA manifest and watermark.

* `video_hashes`: KEYFRAMES_PER_S keyframes per second of video, WINDOWS_PER_KEYFRAME 64-bit hashes each.
  - A keyframe is the mean of KEYFRAME_AVERAGE frames around it, so a trimmed copy whose keyframes fall a
    frame or two away from the stored ones still hashes alike.
  - Letterbox and pillarbox bars (edge rows/columns that stay dark and flat in every keyframe) are cut off
    first, so a padded copy hashes its picture, not its padding.
  - Each keyframe is hashed in several windows: the whole picture, a centred window of CENTRE_SIDE per side
    (a crop to ~70 % of the area) and the four corner windows of CORNER_SIDE per side (corner crops). A
    cropped copy's whole picture then lines up with one of the source's windows; `video_similarity` takes
    the best plausible window pair per keyframe. Crops elsewhere (a few per cent off every window) do not
    match: these hashes change in ~12 of 64 bits when the picture moves 5 % of its height.
  - A window is shrunk to 32x32 in three channels (luma, red-green, blue-yellow); every row has its median
    taken off (a room's wall and floor are the same in every clip of it: what is left is what stands in
    it), the 2-D DCT taken, and the signs of the lowest-frequency coefficients kept: 36 of luma, 14 of each
    colour difference (the colour tells a red ball from a blue one where the shapes agree). Signs ignore
    brightness and contrast (a positive scale of all three channels); a horizontal flip negates exactly the
    coefficients of odd horizontal frequency, so a flipped copy's hash is the original XOR `FLIP_MASK` (the
    corner windows swap sides, and the window set is symmetric): `match` tries both, nothing else is stored.
* `audio_fingerprint`: one 32-bit word per 100 ms of sound: the signs of the change over time of the energy
  differences between 33 adjacent log-spaced bands (300-3000 Hz at 8 kHz). Differences of differences
  ignore volume and the frequency response of a codec; the band range survives AAC and telephone-grade audio.
* `match` scores a query against a stored reference in 0..1 (0 = unrelated, 1 = identical).

Storage (for the index, not built here): the hashes are plain 64-bit ints, in keyframe order, each keyframe's
WINDOWS_PER_KEYFRAME together (`video_similarity` relies on that order), and the audio words a uint32 array
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

HASH_SIDE = 32  # a window is shrunk to HASH_SIDE x HASH_SIDE before the DCT
WORK_SIDE = 160  # keyframes are shrunk to this square first: windows are cut from it at sub-pixel offsets
LUMA_BLOCK = 6  # luma bits: the 6x6 lowest DCT coefficients but DC (35), plus (6, 0)
CHROMA_ORDER = 4  # colour bits: coefficients with 0 < row + column <= 4 (14 per colour difference)
KEYFRAMES_PER_S = 2.0  # dense enough that a trimmed copy's keyframes land within 0.25 s of a stored one
KEYFRAME_AVERAGE = 3  # frames averaged into one keyframe (odd: centred on it)
CENTRE_SIDE = 0.84  # sqrt(0.7): a centred crop keeping 70 % of the area
CORNER_SIDE = 0.8  # corner crops of 80 % per side
BAR_MAX_LEVEL = 40.0  # a letterbox bar row/column is darker than this (of 255) on average...
BAR_MAX_STD = 6.0  # ...and flatter than this, in every keyframe
MIN_PICTURE = 0.2  # bars never take more than 1 - this of a side (a dark, flat clip is not all padding)
NEAR_BITS = 3.0  # a keyframe this close (Hamming) to a stored one scores 1...
FAR_BITS = 14.0  # ...and this far or more 0; between, linearly
AUDIO_RATE = 8_000
AUDIO_HOP_S = 0.1
AUDIO_WIN_S = 0.4  # windows overlap 4x so a query that starts between hops still lines up within 50 ms
AUDIO_BANDS = 33  # -> 32 band differences -> one uint32 per hop
AUDIO_LO_HZ, AUDIO_HI_HZ = 300.0, 3000.0


def _coefficient_positions() -> list[tuple[int, int, int]]:
    """(channel, row, column) of the 64 DCT coefficients whose signs make a hash; channel 0 luma, 1 red-green,
    2 blue-yellow."""
    luma = [(0, r, c) for r in range(LUMA_BLOCK) for c in range(LUMA_BLOCK) if (r, c) != (0, 0)]
    luma.append((0, LUMA_BLOCK, 0))
    low = [(r, c) for r in range(CHROMA_ORDER + 1) for c in range(CHROMA_ORDER + 1) if 0 < r + c <= CHROMA_ORDER]
    positions = luma + [(1, r, c) for r, c in low] + [(2, r, c) for r, c in low]
    if len(positions) != 64:
        raise AssertionError(f"a hash must have 64 bits; the coefficient layout gives {len(positions)}")
    return positions


_POSITIONS = _coefficient_positions()
_CHANNEL, _ROW, _COLUMN = (np.array(axis) for axis in zip(*_POSITIONS, strict=True))
_BIT_VALUES = np.uint64(1) << np.arange(64, dtype=np.uint64)
# bit i is set in the mask when coefficient i has an odd horizontal frequency (negated by a horizontal flip)
FLIP_MASK = sum(1 << i for i, (_, _, c) in enumerate(_POSITIONS) if c % 2 == 1)


def _windows() -> list[tuple[float, float, float, float]]:
    """(x0, y0, x1, y1) of the windows hashed per keyframe, as fractions of the picture; symmetric under a
    horizontal flip (the whole and centre map to themselves, left corners to right ones)."""
    margin = (1 - CENTRE_SIDE) / 2
    out = [(0.0, 0.0, 1.0, 1.0), (margin, margin, 1 - margin, 1 - margin)]
    far = 1 - CORNER_SIDE
    out += [(x, y, x + CORNER_SIDE, y + CORNER_SIDE) for y in (0.0, far) for x in (0.0, far)]
    return out


WINDOWS = _windows()
WINDOWS_PER_KEYFRAME = len(WINDOWS)
# the window each one becomes in a horizontally flipped picture (left and right corners swap)
MIRRORED = np.array([0, 1, 3, 2, 5, 4])


def _channels(rgb: npt.NDArray[np.float32]) -> list[npt.NDArray[np.float32]]:
    """(H, W, 3) float RGB -> luma, red-green and blue-yellow planes, each (H, W)."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    planes = [0.299 * r + 0.587 * g + 0.114 * b, r - g, b - (r + g) / 2]
    return [np.ascontiguousarray(p, dtype=np.float32) for p in planes]


def _hash_planes(planes: list[npt.NDArray[np.float32]], box: tuple[float, float, float, float]) -> int:
    """64-bit hash of the window `box` (x0, y0, x1, y1 in pixels of the planes)."""
    coeffs = np.empty((3, HASH_SIDE, HASH_SIDE))
    for i, plane in enumerate(planes):
        small = Image.fromarray(plane, mode="F").resize((HASH_SIDE, HASH_SIDE), Image.Resampling.BOX, box=box)
        pixels = np.asarray(small, dtype=np.float64)  # (32, 32)
        # taking each row's median off leaves what differs along the row: a room's wall and floor, shared by
        # every clip shot in it, mostly vanish; the objects in it do not
        coeffs[i] = fft.dctn(pixels - np.median(pixels, axis=1, keepdims=True), norm="ortho")
    bits = coeffs[_CHANNEL, _ROW, _COLUMN] > 0  # (64,)
    return int((bits.astype(np.uint64) * _BIT_VALUES).sum())


def _keyframe_hashes(rgb: npt.NDArray[np.float32]) -> list[int]:
    """One hash per window of WINDOWS of a (WORK_SIDE, WORK_SIDE, 3) float keyframe."""
    planes = _channels(rgb)
    side = float(WORK_SIDE)
    return [_hash_planes(planes, (x0 * side, y0 * side, x1 * side, y1 * side)) for x0, y0, x1, y1 in WINDOWS]


def _shrink(frame: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    small = Image.fromarray(np.ascontiguousarray(frame)).resize((WORK_SIDE, WORK_SIDE), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float32)


def frame_hash(frame: npt.NDArray[np.uint8]) -> int:
    """64-bit hash of one whole (H, W, 3) uint8 frame (no bars cut): the first hash of its keyframe."""
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"frame must be (H, W, 3); got shape {frame.shape}")
    planes = _channels(_shrink(frame))
    return _hash_planes(planes, (0.0, 0.0, float(WORK_SIDE), float(WORK_SIDE)))


def _edge_run(flat: npt.NDArray[np.bool_]) -> int:
    """How many leading entries of `flat` are True."""
    return int(np.argmin(flat)) if not flat.all() else len(flat)


def picture_box(frames: npt.NDArray[np.uint8]) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) pixel bounds of the picture inside letterbox/pillarbox bars of (N, H, W, 3)
    frames: edge rows and columns that are dark and flat in every one of them are bars."""
    grey = frames.astype(np.float32).mean(axis=3)  # (N, H, W)
    rows = (grey.mean(axis=2).max(axis=0) < BAR_MAX_LEVEL) & (grey.std(axis=2).max(axis=0) < BAR_MAX_STD)  # (H,)
    cols = (grey.mean(axis=1).max(axis=0) < BAR_MAX_LEVEL) & (grey.std(axis=1).max(axis=0) < BAR_MAX_STD)  # (W,)
    height, width = grey.shape[1:]
    top, bottom = _edge_run(rows), height - _edge_run(rows[::-1])
    left, right = _edge_run(cols), width - _edge_run(cols[::-1])
    if bottom - top < MIN_PICTURE * height:
        top, bottom = 0, height
    if right - left < MIN_PICTURE * width:
        left, right = 0, width
    return top, bottom, left, right


def keyframe_indices(n_frames: int, fps: float) -> npt.NDArray[np.int64]:
    """Indices of the keyframes: one mid-way through every 1/KEYFRAMES_PER_S seconds (at least one)."""
    step = fps / KEYFRAMES_PER_S
    picks = np.arange(step / 2, n_frames, step).astype(np.int64)
    if len(picks) == 0 and n_frames > 0:
        picks = np.array([n_frames // 2], dtype=np.int64)
    return picks


def video_hashes(frames: npt.NDArray[np.uint8], fps: float) -> list[int]:
    """WINDOWS_PER_KEYFRAME hashes per keyframe of (T, H, W, 3) uint8 video, keyframe after keyframe."""
    if frames.ndim != 4 or frames.shape[3] != 3:
        raise ValueError(f"frames must be (T, H, W, 3); got shape {frames.shape}")
    if fps <= 0:
        raise ValueError(f"fps must be positive; got {fps}")
    picks = keyframe_indices(len(frames), fps)
    if len(picks) == 0:
        return []
    top, bottom, left, right = picture_box(frames[picks])
    hashes: list[int] = []
    for pick in picks:
        lo = max(0, int(pick) - KEYFRAME_AVERAGE // 2)
        hi = min(len(frames), int(pick) + KEYFRAME_AVERAGE // 2 + 1)
        mean = np.mean([_shrink(frames[i, top:bottom, left:right]) for i in range(lo, hi)], axis=0)  # (160, 160, 3)
        hashes += _keyframe_hashes(mean)
    return hashes


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def keyframe_distances(query: list[int], reference: list[int]) -> npt.NDArray[np.float64]:
    """For each query keyframe, the smallest Hamming distance to a reference keyframe that could show the same
    picture: its whole picture against any reference window (a crop of the reference), any of its windows
    against a reference whole picture (the reference cropped out of a larger query), or window for same window
    (an uncropped copy; the second-best of those pairs counts, so one window that happens to show only the
    shared room does not decide). Flipped copies are compared with the mirrored windows XOR FLIP_MASK. Lists
    whose length is not a multiple of WINDOWS_PER_KEYFRAME count each hash as a whole picture."""
    if not query or not reference:
        return np.zeros(0)
    q_per = WINDOWS_PER_KEYFRAME if len(query) % WINDOWS_PER_KEYFRAME == 0 else 1
    r_per = WINDOWS_PER_KEYFRAME if len(reference) % WINDOWS_PER_KEYFRAME == 0 else 1
    ref = np.array(reference, dtype=np.uint64).reshape(-1, r_per)  # (R keyframes, windows)
    mirrored = ref[:, MIRRORED] if r_per == WINDOWS_PER_KEYFRAME else ref
    ref = np.concatenate([ref, mirrored ^ np.uint64(FLIP_MASK)])  # (2R, windows): as is, and flipped
    qry = np.array(query, dtype=np.uint64).reshape(-1, q_per)  # (Q keyframes, windows)
    whole_to_any = np.bitwise_count(qry[:, :1, None] ^ ref.reshape(1, 1, -1)).min(axis=(1, 2))  # (Q,)
    any_to_whole = np.bitwise_count(qry[:, :, None] ^ ref[None, None, :, 0]).min(axis=(1, 2))  # (Q,)
    best = np.minimum(whole_to_any, any_to_whole).astype(np.float64)
    if r_per == q_per == WINDOWS_PER_KEYFRAME:
        pairs = np.sort(np.bitwise_count(qry[:, None, :] ^ ref[None, :, :]), axis=2)  # (Q, 2R, windows)
        best = np.minimum(best, pairs[:, :, 1].min(axis=1).astype(np.float64))
    distances: npt.NDArray[np.float64] = best
    return distances


def video_similarity(query: list[int], reference: list[int]) -> float:
    """0..1: the mean over query keyframes of how close each comes to some reference keyframe (see
    `keyframe_distances`; 1 within NEAR_BITS, 0 from FAR_BITS on). Order-free across keyframes, so a trimmed
    or re-timed copy still matches; whole picture to any window, so a cropped one does too."""
    distances = keyframe_distances(query, reference)
    if len(distances) == 0:
        return 0.0
    scores = np.clip((FAR_BITS - distances) / (FAR_BITS - NEAR_BITS), 0.0, 1.0)
    return float(scores.mean())


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
    freqs, _, spec = signal.stft(
        mono, fs=AUDIO_RATE, window="hann", nperseg=win, noverlap=win - hop, boundary=None, padded=False
    )
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
