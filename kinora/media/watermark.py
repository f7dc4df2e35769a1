"""Invisible video watermark: a keyed, tiled spread-spectrum pattern in luma, carrying 64 bits plus a CRC-32.

Why this design (see provenance-safety.md §1.3, where block-DCT marks fail on crops and flips):
* The mark is one small square tile (32x32 cells of `cell` pixels) repeated over the whole frame and over
  every frame, so any crop still holds whole periods, and trimming or a new frame rate changes nothing.
* Detection whitens a high-passed luma residual, averages it over frames (the static mark adds up, moving
  content does not), finds the tile period from the residual's autocorrelation (so resizes and
  letterboxes that rescale are undone), folds the residual into one tile, and finds the tile's cyclic
  shift by FFT correlation with a keyed sync pattern, trying both horizontal orientations (flips).
* H.264 carries the mark along with moving content in predicted frames, so when the plain average does
  not decode, each frame's tile is shifted onto the sync pattern on its own and the tiles are summed,
  weighted by how clearly each frame shows the mark.
* A quarter of the cells carry the sync chips; the rest carry the 204 bits of a rate-1/2, constraint-7
  convolutional code of 64 payload bits + CRC-32 (3-4 cells a coded bit in every tile), decoded by
  soft-decision Viterbi. A clip decodes as found only when the CRC matches, so an unmarked clip is
  reported found with probability at most `FALSE_POSITIVE_RATE` (8 CRC checks at 2**-32 each) per key tried.
* A key (an int below 2**63) seeds the chips and which cells carry which bit. Every instance uses
  `PUBLIC_KEY` unless told otherwise, so any instance reads any other's marks; a mark made with a private
  key is found only by a `detect` that is given that key. `detect` tries several keys for little more
  than the cost of one: the residual, its period and the folded tiles are shared, and only the sync and
  decoding run per key. Layouts are built per key on first use and cached.
* Cells are 4 px or more and smoothed, so the mark is mid-frequency (it survives H.264 at CRF 32 and a
  0.5x resize). Its strength follows fine detail, not shading: flat and smoothly shaded areas (lit walls,
  floors, skies) get `_FLAT_STRENGTH` luma levels RMS, which changes no pixel by more than 2 levels;
  areas that stay busy all around for a few frames get up to `_MAX_STRENGTH`. The amplitude is set per
  block of 2x2 cells, smoothed over neighbouring blocks and frames and interpolated bilinearly between
  block centres, so it has no block edges and does not flicker; the clip's overall RMS is capped at
  `_TARGET_RMS` (PSNR >= 40 dB).
* Embedding speed: texture is measured on every other frame and each computed change serves two frames
  (the amplitude is a 5-frame average anyway), and frames are marked on all cores. benchmarks/watermark.py
  measures it against the encode.
"""

from __future__ import annotations

import functools
import os
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from kinora.media.probe import video_windows

PAYLOAD_BYTES = 8
# "KINO": the default key that seeds the chips. Every instance embeds and reads with it unless configured
# otherwise, so any Kinora instance can read any other's marks; a private key hides marks from the rest.
PUBLIC_KEY = 0x4B494E4F
_THREADS = min(8, os.cpu_count() or 1)  # for embedding: frames are independent once the amplitudes are known
_FRAMES_PER_STEP = 2  # consecutive frames that share one computed change
_KEY_LIMIT = 2**63
_CELLS = 32  # tile side in cells
_REF_CELL = 4  # detection resamples the residual so one cell is this many pixels
_REF_TILE = _CELLS * _REF_CELL
_INFO_BITS = PAYLOAD_BYTES * 8 + 32  # payload + CRC-32
_MEMORY = 6  # convolutional code: constraint length 7, generators 171 and 133 (octal), rate 1/2
_GENERATORS = (0o171, 0o133)
_CODED_BITS = 2 * (_INFO_BITS + _MEMORY)  # tail-terminated: 204
_FLAT_STRENGTH = 1.5  # luma levels of mark (RMS) in flat areas
_ACTIVITY_SAMPLES = 4  # activity is measured on n x n luma samples a block, each minus its 3x3 neighbours' mean
_DETAIL_KNEE = 1.5  # RMS detail, in luma levels, below which an area counts as flat (faint noise, dither)
_TEXTURE_GAIN = 0.9  # extra strength per level of RMS detail above the knee
_MAX_STRENGTH = 6.0
_MASK_SPAN = (5, 5, 5)  # (frames, blocks, blocks) that must all be busy for a block's mark to grow
_MASK_SMOOTH = (5, 3, 3)  # (frames, blocks, blocks) the amplitude is averaged over
_SMOOTH = 0.33  # pattern smoothing, in cells: softer is less visible and survives compression better
_TARGET_RMS = 2.4  # cap on the mark's RMS over a clip: 20*log10(255/2.42) = 40.4 dB PSNR with the rounding
_MIN_SYNC_SCORE = 4.0  # sync peak, in standard deviations of the correlation surface, to try decoding
_MIN_FRAME_SCORE = 4.0  # a single frame's sync score must pass this to count in the frame-aligned decode
_TREND_LAGS = 17  # window of the moving average that the sharpest autocorrelation peaks stand out from
_MAX_ATTEMPTS = 4  # candidates decoded per detection, twice each (averaged and frame-aligned)
# Each CRC check is a 2**-32 chance of a false match: bound per key tried on an unmarked clip (~1.9e-9).
FALSE_POSITIVE_RATE = 2 * _MAX_ATTEMPTS * 2.0**-32


@dataclass(frozen=True)
class Detection:
    found: bool
    payload: bytes | None
    score: float  # sync peak in standard deviations of the correlation surface; ~3-4 on unmarked video
    bit_errors_corrected: int  # coded bits (of 204) whose sign the Viterbi decoder overruled
    flipped: bool = False
    scale: tuple[float, float] = (1.0, 1.0)  # detected (y, x) size of the tile relative to the embedded one
    # What the best-synchronised decode read, even when its CRC failed: only for measuring bit accuracy.
    decoded: bytes | None = None
    key: int | None = None  # the key whose mark was found; None when nothing was


@dataclass(frozen=True)
class _Layout:
    chips: npt.NDArray[np.float32]  # (C, C) keyed +-1 sign of every cell
    role: npt.NDArray[np.int64]  # (C, C) -1 for a sync cell, else the coded-bit index it carries


def _check_key(key: object, name: str = "key") -> int:
    if isinstance(key, bool) or not isinstance(key, int | np.integer) or not 0 <= int(key) < _KEY_LIMIT:
        raise ValueError(f"{name} must be an int in [0, 2**63); got {key!r}")
    return int(key)


@functools.lru_cache(maxsize=32)
def _layout(key: int) -> _Layout:
    """The keyed cell signs and roles; cached, since a detection asks for them many times per key."""
    rng = np.random.default_rng(key)
    chips = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(_CELLS, _CELLS))
    n = _CELLS * _CELLS
    data_cells = n * 3 // 4
    role = np.full(n, -1, dtype=np.int64)
    # Scatter each bit's cells over the tile so a local defect (a logo, a bar) costs every bit a little.
    role[rng.permutation(n)[:data_cells]] = np.arange(data_cells) % _CODED_BITS
    grid = role.reshape(_CELLS, _CELLS)
    for shared in (chips, grid):  # handed out by the cache to every caller
        shared.flags.writeable = False
    return _Layout(chips, grid)


def _smooth_tile(cell_values: npt.NDArray[np.float32], cell: int) -> npt.NDArray[np.float32]:
    """Cell grid (C, C) -> pixel tile (C*cell, C*cell), smoothed with wrap-around so it tiles seamlessly and
    keeps little energy above the frequencies that H.264 and downscaling remove."""
    tile = np.kron(cell_values, np.ones((cell, cell), dtype=np.float32))
    return np.asarray(ndimage.gaussian_filter(tile, sigma=cell * _SMOOTH, mode="wrap"), dtype=np.float32)


def _info_bits(payload: bytes) -> npt.NDArray[np.uint8]:
    """payload -> (96,) 0/1: the payload bits then its CRC-32."""
    crc = zlib.crc32(payload).to_bytes(4, "big")
    return np.unpackbits(np.frombuffer(payload + crc, dtype=np.uint8))


def _parity(x: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """XOR of the bits of each value below 256 (the 7-bit shift register AND a generator)."""
    x = x ^ (x >> 4)
    x = x ^ (x >> 2)
    return (x ^ (x >> 1)) & 1


# Trellis: state = the last 6 input bits; input b enters at the top (register = b << 6 | state).
_REGISTERS = np.arange(2 * 64, dtype=np.int64).reshape(2, 64)  # (b, state) -> 7-bit register
_OUTPUTS = np.stack([_parity(_REGISTERS & g) for g in _GENERATORS], axis=-1) * 2 - 1  # (2, 64, 2) +-1


def _convolve(bits: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """Info bits (N,) 0/1 -> coded bits (2 * (N + 6),) +-1, the encoder flushed back to state 0."""
    state, out = 0, []
    for b in np.concatenate([bits, np.zeros(_MEMORY, dtype=np.uint8)]):
        out.append(_OUTPUTS[int(b), state])
        state = (int(b) << _MEMORY | state) >> 1
    return np.concatenate(out).astype(np.float32)


def _viterbi(soft: npt.NDArray[np.float64]) -> npt.NDArray[np.uint8]:
    """Soft-decision Viterbi: coded soft values (2 * (N + 6),), positive meaning +1 -> info bits (N,)."""
    steps = len(soft) // 2
    ns = np.arange(64)
    bit_in = ns >> (_MEMORY - 1)  # the input that leads into each next state
    prev = np.stack([(ns & 31) << 1, ((ns & 31) << 1) | 1])  # (2, 64) its two predecessor states
    metric = np.full(64, -np.inf)
    metric[0] = 0.0
    choices = np.empty((steps, 64), dtype=np.int64)
    for t in range(steps):
        branch = _OUTPUTS[bit_in[None, :], prev] @ soft[2 * t : 2 * t + 2]  # (2, 64)
        cand = metric[prev] + branch
        choices[t] = np.argmax(cand, axis=0)
        metric = cand[choices[t], ns]
    state, bits = 0, np.empty(steps, dtype=np.uint8)  # the tail brings the encoder back to state 0
    for t in range(steps - 1, -1, -1):
        bits[t] = state >> (_MEMORY - 1)
        state = int(prev[choices[t, state], state])
    return bits[: steps - _MEMORY]


def _mark_tile(payload: bytes, cell: int, key: int) -> npt.NDArray[np.float32]:
    """The unit-RMS pixel tile (C*cell, C*cell) for `payload`: sync cells keep their chip, data cells
    carry chip times coded bit."""
    layout = _layout(key)
    signs = np.where(layout.role < 0, 1.0, _convolve(_info_bits(payload))[np.maximum(layout.role, 0)])
    tile = _smooth_tile((layout.chips * signs).astype(np.float32), cell)
    return np.asarray(tile / np.sqrt(np.mean(tile**2)), dtype=np.float32)


def _cell_size(height: int, width: int) -> int:
    # 4 px cells up to 360 lines, 8 px at 720: the mark scales with the frame, so it stays mid-frequency and
    # still has 4 px cells after a 720p clip is halved and re-encoded (2 px cells do not survive CRF 32).
    return max(_REF_CELL, round(min(height, width) / 90))


def _luma(frames: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    rgb = frames.astype(np.float32)
    return np.asarray(0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2], dtype=np.float32)


def _strength(frames: npt.NDArray[np.uint8], block: int) -> npt.NDArray[np.float32]:
    """Mark amplitude at the centre of every `block`-sized block (T, ceil(H/block), ceil(W/block)).

    Only fine detail hides the mark, so activity is the RMS of the luma minus its local mean: shading,
    gradients and smooth blobs count as flat. A block's mark grows only when the blocks around it are busy
    for several frames too (a minimum filter over space and time), so object outlines moving over flat
    walls do not drag a halo of stronger mark with them, and the result is averaged over space and time,
    so the amplitude never jumps between neighbouring blocks or between frames of a still area. Sampling
    the luma sparsely keeps the variance of fine texture (aliased, but still there) at a fraction of the
    cost, while smooth shading stays smooth."""
    t, h, w, _ = frames.shape
    hb, wb = -(-h // block), -(-w // block)
    n = _ACTIVITY_SAMPLES
    # n evenly spaced sample rows and columns in every block; where the last block runs past the frame, its
    # samples repeat the edge pixels.
    rows = np.minimum(np.arange(hb * n) * block // n, h - 1)
    cols = np.minimum(np.arange(wb * n) * block // n, w - 1)
    measured = range(0, t, _FRAMES_PER_STEP)  # texture changes slowly: every other frame measures it
    activity = np.empty((len(measured), hb, wb), dtype=np.float32)
    for k, i in enumerate(measured):  # frame by frame: the temporaries stay in cache
        luma = _luma(frames[i][rows][:, cols])  # (hb * n, wb * n)
        detail = luma - ndimage.uniform_filter(luma, size=3, mode="nearest")
        # (hb * n, wb * n) -> (hb, n, wb, n) -> mean over each block's n x n samples -> (hb, wb)
        activity[k] = np.sqrt((detail * detail).reshape(hb, n, wb, n).mean(axis=(1, 3)))
    activity = np.repeat(activity, _FRAMES_PER_STEP, axis=0)[:t]  # (T, hb, wb)
    activity = ndimage.minimum_filter(activity, size=_MASK_SPAN, mode="nearest")
    activity = ndimage.uniform_filter(activity, size=_MASK_SMOOTH, mode="nearest")
    amp = np.clip(_FLAT_STRENGTH + _TEXTURE_GAIN * (activity - _DETAIL_KNEE), _FLAT_STRENGTH, _MAX_STRENGTH)
    # The pattern has unit RMS and is independent of the texture, so this caps the mark's RMS.
    rms = float(np.sqrt(np.mean(amp**2)))
    return np.asarray(amp * min(1.0, _TARGET_RMS / rms), dtype=np.float32)


def _interpolation(pixels: int, blocks: int, block: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]:
    """Linear interpolation between block centres along one axis: each pixel's lower block index (pixels,)
    and the weight of the block after it (pixels,); past the outer centres the edge value is held."""
    pos = np.clip((np.arange(pixels) + 0.5) / block - 0.5, 0.0, blocks - 1.0)
    low = np.minimum(pos.astype(np.intp), max(blocks - 2, 0))
    return low, (pos - low).astype(np.float32)


def embed(frames: npt.NDArray[np.uint8], payload: bytes, *, key: int = PUBLIC_KEY) -> npt.NDArray[np.uint8]:
    """Return `frames` (T, H, W, 3) uint8 with the 8-byte `payload` invisibly marked into every frame, under
    `key` (only `detect` given the same key finds it)."""
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be (T, H, W, 3) uint8; got {frames.shape} {frames.dtype}")
    if len(payload) != PAYLOAD_BYTES:
        raise ValueError(f"payload must be {PAYLOAD_BYTES} bytes; got {len(payload)}")
    key = _check_key(key)
    t, h, w, _ = frames.shape
    cell = _cell_size(h, w)
    block = 2 * cell
    amp = _strength(frames, block)  # (T, hb, wb)
    _, hb, wb = amp.shape
    tile = _mark_tile(payload, cell, key)
    pattern = np.tile(tile, (-(-h // tile.shape[0]), -(-w // tile.shape[1])))[:h, :w]  # (H, W)
    # Bilinear amplitude times pattern, split as a[y0] * pattern + (a[y0 + 1] - a[y0]) * (wy * pattern):
    # the per-frame work is then two row gathers, two products and a sum.
    y0, wy = _interpolation(h, hb, block)
    x0, wx = _interpolation(w, wb, block)
    x1 = np.minimum(x0 + 1, wb - 1)
    weighted = wy[:, None] * pattern  # (H, W)
    out = np.empty_like(frames)

    def mark(i: int) -> None:  # frame by frame: the temporaries stay in cache, and memory does not grow with T
        # One change serves a pair of frames: the amplitude is already averaged over 5 frames, so the second
        # frame's own would differ by a fraction of a level, and computing it is half the embedding time.
        a = amp[i : i + _FRAMES_PER_STEP].mean(axis=0)  # (hb, wb)
        rows = a[:, x0] * (1.0 - wx) + a[:, x1] * wx  # (hb, W): amplitude along x
        rises = np.diff(rows, axis=0, append=rows[-1:])  # (hb, W): change to the next block centre down
        delta = rows[y0] * pattern  # (H, W)
        delta += rises[y0] * weighted
        step = np.rint(delta, out=delta)
        for j in range(i, min(i + _FRAMES_PER_STEP, t)):
            _add_luma(frames[j], step, out[j])

    # numpy releases the GIL in each of these whole-frame operations, so frames mark in parallel on every core
    # (the encoder that follows uses them all too).
    with ThreadPoolExecutor(max_workers=_THREADS) as pool:
        list(pool.map(mark, range(0, t, _FRAMES_PER_STEP)))
    return out


def _add_luma(frame: npt.NDArray[np.uint8], step: npt.NDArray[np.float32], out: npt.NDArray[np.uint8]) -> None:
    """out = clip(frame + step) on R, G and B alike (so only luma moves), `step` (H, W) whole numbers."""
    change = step.astype(np.int16)
    pixels = frame.astype(np.int16)
    for c in range(3):  # one channel at a time: broadcasting `change` over a length-3 axis is far slower
        pixels[..., c] += change
    np.clip(pixels, 0, 255, out=pixels)
    out[...] = pixels


def _residuals(frames: npt.NDArray[np.uint8], max_frames: int) -> npt.NDArray[np.float32]:
    """Whitened high-passed luma of up to `max_frames` evenly spaced frames (N, H, W).

    Each residual is divided by its local standard deviation: the mark's amplitude and the content's
    noise both grow with texture, so equal weights would let busy areas drown the rest."""
    step = max(1, -(-len(frames) // max_frames))
    picked = frames[::step]
    out = np.empty(picked.shape[:3], dtype=np.float32)
    for i, frame in enumerate(picked):
        y = _luma(frame[None])[0]
        r = y - ndimage.gaussian_filter(y, sigma=3.0)
        local = np.sqrt(np.maximum(ndimage.uniform_filter(r * r, size=15), 0.0)) + 1.0
        out[i] = np.clip(r / local, -3.0, 3.0)  # the clip keeps edges (bars, cuts) from dominating
    return out


class _Folds:
    """Folded tiles of the averaged residual and of each frame's residual, memoised by (flipped, scale):
    folding resamples whole frames, so it is done once however many keys are tried."""

    def __init__(self, residuals: npt.NDArray[np.float32], mean: npt.NDArray[np.float32]) -> None:
        self.residuals, self.mean = residuals, mean
        self._mean: dict[tuple[bool, tuple[float, float]], npt.NDArray[np.float32]] = {}
        self._frames: dict[tuple[bool, tuple[float, float]], list[npt.NDArray[np.float32]]] = {}

    def mean_tile(self, flipped: bool, scale: tuple[float, float]) -> npt.NDArray[np.float32]:
        if (flipped, scale) not in self._mean:
            self._mean[flipped, scale] = _fold(self.mean[:, ::-1] if flipped else self.mean, *scale)
        return self._mean[flipped, scale]

    def frame_tiles(self, flipped: bool, scale: tuple[float, float]) -> list[npt.NDArray[np.float32]]:
        if (flipped, scale) not in self._frames:
            self._frames[flipped, scale] = [_fold(r[:, ::-1] if flipped else r, *scale) for r in self.residuals]
        return self._frames[flipped, scale]


def _aligned_tile(folds: _Folds, flipped: bool, scale: tuple[float, float], key: int) -> npt.NDArray[np.float32]:
    """Fold every frame on its own, shift each tile onto the sync pattern and sum them weighted by their
    sync score. Compression carries the mark along with moving content in predicted frames, so the
    frames' marks need not line up; frames without a clear mark get no weight."""
    acc = np.zeros((_REF_TILE, _REF_TILE), dtype=np.float32)
    for tile in folds.frame_tiles(flipped, scale):
        score, (dy, dx) = _sync(tile, key)
        if score > _MIN_FRAME_SCORE:
            acc += (score - _MIN_FRAME_SCORE) ** 2 * np.roll(tile, (-dy, -dx), axis=(0, 1)) / (tile.std() + 1e-6)
    return acc


def _period_candidates(acf_line: npt.NDArray[np.float64], lo: int, hi: int, k: int) -> list[float]:
    """The `k` strongest local maxima of an autocorrelation line in lags [lo, hi], refined to sub-pixel."""
    hi = min(hi, len(acf_line) - 2)
    if hi <= lo:
        return []
    seg = acf_line[lo : hi + 1]
    peaks = [i for i in range(1, len(seg) - 1) if seg[i] >= seg[i - 1] and seg[i] >= seg[i + 1]]
    peaks.sort(key=lambda i: -seg[i])
    out = []
    for i in peaks[:k]:
        a, b, c = seg[i - 1], seg[i], seg[i + 1]
        denom = a - 2 * b + c
        frac = 0.5 * (a - c) / denom if denom != 0 else 0.0
        out.append(lo + i + float(frac))
    return out


def _fold(res: npt.NDArray[np.float32], scale_y: float, scale_x: float) -> npt.NDArray[np.float32]:
    """Resample the residual so the tile is `_REF_TILE` px, then sum all periods into one tile (P, P)."""
    zoomed = ndimage.zoom(res, (1 / scale_y, 1 / scale_x), order=1)
    p = _REF_TILE
    h, w = zoomed.shape
    padded = np.zeros((-(-h // p) * p, -(-w // p) * p), dtype=np.float32)
    padded[:h, :w] = zoomed
    return np.asarray(
        padded.reshape(padded.shape[0] // p, p, padded.shape[1] // p, p).sum(axis=(0, 2)), dtype=np.float32
    )


@functools.lru_cache(maxsize=32)
def _sync_fft(key: int) -> npt.NDArray[np.complex128]:
    """Conjugate spectrum of the key's sync pattern at the reference cell size (P, P // 2 + 1)."""
    layout = _layout(key)
    sync_tile = _smooth_tile(np.where(layout.role < 0, layout.chips, 0.0).astype(np.float32), _REF_CELL)
    spectrum = np.conj(np.fft.rfft2(sync_tile))
    spectrum.flags.writeable = False
    return spectrum


def _sync(tile: npt.NDArray[np.float32], key: int) -> tuple[float, tuple[int, int]]:
    """Score (peak z-score) and cyclic shift (dy, dx) of the key's sync pattern in a folded tile."""
    corr = np.fft.irfft2(np.fft.rfft2(tile) * _sync_fft(key), s=tile.shape)
    idx = int(np.argmax(corr))
    dy, dx = divmod(idx, tile.shape[1])
    return float((corr.flat[idx] - corr.mean()) / (corr.std() + 1e-12)), (dy, dx)


def _cells(tile: npt.NDArray[np.float32], shift: tuple[int, int], layout: _Layout) -> npt.NDArray[np.float64]:
    """Each cell's summed residual times its chip (C, C): positive where the cell carries a +1."""
    # Smoothing with the embedding's kernel first makes the cell sums a matched filter.
    aligned = ndimage.gaussian_filter(
        np.roll(tile, (-shift[0], -shift[1]), axis=(0, 1)), _REF_CELL * _SMOOTH, mode="wrap"
    )
    sums = aligned.reshape(_CELLS, _REF_CELL, _CELLS, _REF_CELL).sum(axis=(1, 3), dtype=np.float64)
    return np.asarray(sums * layout.chips, dtype=np.float64)


def _soft_bits(cells: npt.NDArray[np.float64], layout: _Layout) -> npt.NDArray[np.float64]:
    """Soft value of every coded bit (204,): the sum of its cells."""
    data = layout.role >= 0
    return np.bincount(layout.role[data], weights=cells[data], minlength=_CODED_BITS).astype(np.float64)


def _decode(tile: npt.NDArray[np.float32], shift: tuple[int, int], key: int) -> tuple[bytes, bool, int]:
    """The decoded payload, whether its CRC matches, and the coded bits the Viterbi decoder overruled."""
    soft = _soft_bits(_cells(tile, shift, _layout(key)), _layout(key))
    bits = _viterbi(soft)
    raw = np.packbits(bits).tobytes()
    payload, crc = raw[:PAYLOAD_BYTES], raw[PAYLOAD_BYTES:]
    errors = int(np.sum(np.sign(soft) != _convolve(bits)))
    return payload, zlib.crc32(payload).to_bytes(4, "big") == crc, errors


def detect(frames: npt.NDArray[np.uint8], *, max_frames: int = 48, keys: Sequence[int] = (PUBLIC_KEY,)) -> Detection:
    """Look for the mark in `frames` (T, H, W, 3) uint8, any size, flipped or not, under each of `keys` in
    turn; the result names the key that decoded. Each key tried adds `FALSE_POSITIVE_RATE` to the chance
    that an unmarked clip is reported found."""
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
        raise ValueError(f"frames must be (T, H, W, 3) with T >= 1; got {frames.shape}")
    if max_frames < 1:
        raise ValueError(f"max_frames must be at least 1; got {max_frames}")
    if isinstance(keys, int | str | bytes) or len(keys) == 0:
        raise ValueError(f"keys must be a non-empty sequence of keys; got {keys!r}")
    checked = list(dict.fromkeys(_check_key(k, "keys") for k in keys))  # in order, without repeats
    # Everything up to the folded tiles depends only on the frames, so it is shared by all keys.
    residuals = _residuals(frames, max_frames)  # (N, H, W)
    res = residuals.mean(axis=0)
    res -= res.mean()
    spec = np.abs(np.fft.rfft2(res)) ** 2
    acf = np.fft.irfft2(spec, s=res.shape)  # (H, W) circular autocorrelation
    # Periods from 0.3x to 4.5x the reference tile (1080p's 12 px cells), two whole periods in the frame.
    lo, hi = int(_REF_TILE * 0.3), int(_REF_TILE * 4.5)
    acf_y, acf_x = acf[:, :3].sum(axis=1), acf[:3, :].sum(axis=0)
    hi_y, hi_x = min(hi, res.shape[0] // 2), min(hi, res.shape[1] // 2)
    ys, xs = _period_candidates(acf_y, lo, hi_y, 5), _period_candidates(acf_x, lo, hi_x, 5)
    # Where the mark is faint (flat renders) and H.264 adds its own block structure, content and codec
    # peaks at short lags can outrank the tile period; it still stands out as the sharpest peak against
    # the autocorrelation's slow trend, so the sharpest peaks are tried too.
    sharp = [
        p
        for line, top in ((acf_y, hi_y), (acf_x, hi_x))
        for p in _period_candidates(line - ndimage.uniform_filter1d(line, _TREND_LAGS, mode="nearest"), lo, top, 3)
    ]
    # Content with its own repeats (floor boards, tiles) can outrank the mark's period on one axis, and most
    # edits keep pixels square, so each period found on either axis is also tried on both.
    pairs = {(py, px) for py in ys[:3] for px in xs[:3]} | {(p, p) for p in ys + xs + sharp}
    folds = _Folds(residuals, res)
    best: Detection | None = None
    for key in checked:
        found = _detect_key(folds, sorted(pairs), key)
        if found.found:
            return found
        if best is None or found.score > best.score:
            best = found
    assert best is not None  # `checked` is not empty
    return best


def _detect_key(
    folds: _Folds,
    pairs: list[tuple[float, float]],
    key: int,
) -> Detection:
    """Sync and decode under one key, from the folds shared by all keys."""
    candidates: list[tuple[float, tuple[int, int], npt.NDArray[np.float32], bool, tuple[float, float]]] = []
    for flipped in (False, True):
        for py, px in pairs:
            scale = (py / _REF_TILE, px / _REF_TILE)
            tile = folds.mean_tile(flipped, scale)
            score, shift = _sync(tile, key)
            candidates.append((score, shift, tile, flipped, scale))
    candidates.sort(key=lambda c: -c[0])
    best = Detection(False, None, candidates[0][0] if candidates else 0.0, 0)
    for score, shift, tile, flipped, scale in candidates[:_MAX_ATTEMPTS]:
        if score < _MIN_SYNC_SCORE:
            break
        score, shift, tile, scale = _refine(folds, flipped, score, shift, tile, scale, key)
        payload, ok, errors = _decode(tile, shift, key)
        if ok:
            return Detection(True, payload, score, errors, flipped, scale, payload, key)
        if len(folds.residuals) > 1:
            aligned = _aligned_tile(folds, flipped, scale, key)
            payload, ok, errors = _decode(aligned, (0, 0), key)
            if ok:
                return Detection(True, payload, _sync(aligned, key)[0], errors, flipped, scale, payload, key)
        if best.decoded is None:
            best = Detection(False, None, score, 0, flipped, scale, payload)
    if best.decoded is None and candidates:
        # Nothing synchronised well enough to try: still read the best candidate, for bit-accuracy figures.
        score, shift, tile, flipped, scale = candidates[0]
        best = Detection(False, None, score, 0, flipped, scale, _decode(tile, shift, key)[0])
    return best


def _refine(
    folds: _Folds,
    flipped: bool,
    score: float,
    shift: tuple[int, int],
    tile: npt.NDArray[np.float32],
    scale: tuple[float, float],
    key: int,
) -> tuple[float, tuple[int, int], npt.NDArray[np.float32], tuple[float, float]]:
    """Hill-climb the (y, x) scale on how coherently the folded tile holds the mark: a period estimate off
    by 0.5% already drifts the far tiles by a cell, so the autocorrelation peak alone is not precise."""
    fit = _coherence(tile, shift, key)
    step, rounds = 0.004, 0
    while step > 0.0005 and rounds < 50:  # each round improves the fit or halves the step; 50 bounds drift
        rounds += 1
        improved = False
        for dy, dx in ((step, 0.0), (-step, 0.0), (0.0, step), (0.0, -step), (step, step), (-step, -step)):
            trial = (scale[0] * (1 + dy), scale[1] * (1 + dx))
            t = folds.mean_tile(flipped, trial)
            s, sh = _sync(t, key)
            f = _coherence(t, sh, key)
            if f > fit:
                fit, score, shift, tile, scale, improved = f, s, sh, t, trial, True
        if not improved:
            step /= 2
    return score, shift, tile, scale


def _coherence(tile: npt.NDArray[np.float32], shift: tuple[int, int], key: int) -> float:
    """Sum of |soft bit| plus the sync cells' agreement, relative to the tile's energy: it grows as the
    cells line up, whatever the payload."""
    layout = _layout(key)
    cells = _cells(tile, shift, layout)
    soft = _soft_bits(cells, layout)
    return float((np.abs(soft).sum() + cells[layout.role < 0].sum()) / (np.sqrt(np.sum(tile**2)) + 1e-12))


def detect_file(
    path: str | Path, *, seconds: float = 4.0, max_frames: int = 48, keys: Sequence[int] = (PUBLIC_KEY,)
) -> Detection:
    """Detect the mark in the first `seconds` of the video at `path`, under each of `keys`."""
    if seconds <= 0:
        raise ValueError(f"seconds must be positive; got {seconds}")
    window = next(video_windows(path, seconds=seconds, max_seconds=seconds), None)  # decodes only those seconds
    if window is None:
        raise ValueError(f"{path}: the video stream holds no decodable frames")
    return detect(window[0], max_frames=max_frames, keys=keys)
