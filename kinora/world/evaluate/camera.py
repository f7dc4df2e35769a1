"""Camera motion: how far the picture slid in each frame (pans, tilts, follow shots), by block
phase correlation, or None when sliding does not explain the change (zooms)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kinora.world.evaluate.common import F64, U8


def _camera_shift(frames: U8) -> F64 | None:
    """How far the picture slid in each frame against the first (x, y px), when sliding explains the
    change (pans, tilts, follow shots); None otherwise (zooms). Each 64 px block is phase-correlated
    with the previous frame; the step is the median over textured blocks, so a moving object (or the
    followed one standing still) is outvoted by the background."""
    grey = frames[:, ::2, ::2].astype(np.float32).mean(axis=3)
    n, h, w = grey.shape
    b = 32
    nby, nbx = h // b, w // b
    if n < 2 or nby * nbx < 4:
        return None
    blocks = grey[:, : nby * b, : nbx * b].reshape(n, nby, b, nbx, b).transpose(0, 1, 3, 2, 4)
    blocks = blocks - blocks.mean(axis=(3, 4), keepdims=True)
    # Texture per direction: a smooth wall shows a slide along it as no slide at all, so each axis is
    # voted on only by blocks with edges across it (clearly above the grain of the smoothest blocks).
    grad = np.stack(
        [np.abs(np.diff(blocks, axis=4)).mean(axis=(3, 4)), np.abs(np.diff(blocks, axis=3)).mean(axis=(3, 4))]
    ).reshape(2, n, -1)
    textured = grad > 2.0 * np.percentile(grad, 20, axis=(1, 2))[:, None, None]
    spectra = np.fft.rfft2(blocks * np.outer(np.hanning(b), np.hanning(b)).astype(np.float32))
    centre = np.stack(np.meshgrid(np.arange(nbx), np.arange(nby)), -1).reshape(-1, 2) * b + b / 2.0
    steps = np.zeros((n, 2))
    voted = np.zeros((n, 2), dtype=bool)
    zoom = 1.0
    blocks_idx = np.arange(nby * nbx)
    for t in range(1, n):
        cross = spectra[t] * np.conj(spectra[t - 1])
        corr = np.fft.irfft2(cross / (np.abs(cross) + 1e-6), s=(b, b)).reshape(-1, b, b)
        py, px = np.unravel_index(corr.reshape(len(corr), -1).argmax(axis=1), (b, b))
        found = (
            _peaks(corr[blocks_idx, py, :], px),  # along x, in the peak's row
            _peaks(corr[blocks_idx, :, px], py),  # along y, in the peak's column
        )
        rates = []
        for axis in (0, 1):
            ok = textured[axis, t] & textured[axis, t - 1]
            if ok.sum() >= 3:
                steps[t, axis] = 2.0 * float(np.median(found[axis][ok]))
                voted[t, axis] = True
                rates.append(_spread_rate(centre[ok, axis], found[axis][ok]))
        zoom *= 1.0 + (float(np.mean(rates)) if rates else 0.0)
    if abs(zoom - 1.0) > 0.04:
        return None  # the picture grew or shrank: a zoom, which no slide undoes
    # An axis the picture has too little texture across to measure stays in image coordinates: right
    # for a steady pan along it (constant drift changes no acceleration and fakes no contact).
    steps[:, voted[1:].mean(axis=0) < 0.7] = 0.0
    shift = np.cumsum(steps, axis=0)
    # Sliding must line the picture up with itself half a second apart; a zoom would not.
    lag = min(12, n - 1)
    if lag < 4:
        return None
    errors = []
    for t in range(lag, n, max(1, (n - lag) // 8)):
        dx, dy = np.round((shift[t] - shift[t - lag]) / 2.0).astype(int)
        a = grey[t, max(0, dy) : h + min(0, dy), max(0, dx) : w + min(0, dx)]
        c = grey[t - lag, max(0, -dy) : h + min(0, -dy), max(0, -dx) : w + min(0, -dx)]
        if a.size < 0.3 * h * w:
            return None
        errors.append(float(np.median(np.abs(_block_means(a - c, 4)))))
    return shift if errors and float(np.median(errors)) <= 3.0 else None


def _spread_rate(where: F64, moves: F64) -> float:
    """How fast block motions grow with position (a zoom's signature; 0 for a slide): the slope of
    move against position, after dropping the votes far from the median (a moving object)."""
    keep = np.abs(moves - np.median(moves)) <= 1.5
    if keep.sum() < 3 or np.ptp(where[keep]) == 0:
        return 0.0
    return float(np.polyfit(where[keep], moves[keep], 1)[0])


def _block_means(img: npt.NDArray[np.float32], b: int) -> npt.NDArray[np.float32]:
    h, w = img.shape[0] // b, img.shape[1] // b
    return np.asarray(img[: h * b, : w * b].reshape(h, b, w, b).mean(axis=(1, 3)), dtype=np.float32)


def _peaks(rows: F64, at: npt.NDArray[np.intp]) -> F64:
    """Sub-sample peak positions around index `at` of each circular correlation row, as signed shifts."""
    n = rows.shape[1]
    k = np.arange(len(rows))
    a, b, c = rows[k, (at - 1) % n], rows[k, at], rows[k, (at + 1) % n]
    denom = a - 2 * b + c
    offset = np.where(np.abs(denom) > 1e-12, 0.5 * (a - c) / np.where(denom == 0, 1.0, denom), 0.0)
    pos = at + np.clip(offset, -0.5, 0.5)
    return np.asarray(np.where(pos > n / 2, pos - n, pos), dtype=np.float64)
