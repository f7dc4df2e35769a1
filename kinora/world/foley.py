"""Foley: the soundtrack of a simulated scene, synthesized from its physics events.

Three layers are mixed into one 48 kHz stereo track:

* impacts: modal synthesis. Each `Impact` rings both bodies as a sum of exponentially decaying
  sinusoids (the catalog's partials), plus a short filtered-noise click for the contact itself.
  The first sample of an impact is exactly sample ``round(t * sample_rate)``: partials start in
  cosine phase at full amplitude, the click's filter is causal and starts from rest, and the
  attack is a 0.5 ms ramp.
* contacts: rolling (band-passed low rumble, slightly periodic with the rotation) and sliding
  (higher band-passed scrape, with a stick-slip flutter), enveloped by the track's speeds.
* ambience: a quiet continuous bed chosen by the environment (room tone; wind and birds by day;
  crickets at night), normalized to a fixed RMS level.

Everything is drawn from random streams keyed by the seed (per impact also by the pair of bodies
and the onset sample; per track by the pair, its index and start), so the same inputs give a
bit-identical array (on one platform), and adding an event changes neither the ambience nor the
other events' sound (beyond the per-pair repeat cap). No BLAS and no threads are used. The final
soft limiter is memoryless, so it cannot move an onset.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import signal

from kinora.world.catalog import MATERIALS, Material
from kinora.world.events import TRACK_HZ, ContactTrack, Impact
from kinora.world.plan import Environment

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

SAMPLE_RATE = 48_000

# ---------------------------------------------------------------------------------------------
# Impacts
# ---------------------------------------------------------------------------------------------
PITCH_EXPONENT = 0.85  # partial f = base_hz * ratio * (0.1 / size) ** PITCH_EXPONENT
DECAY_SIZE_EXPONENT = 0.3  # bigger objects ring a little longer: decay * (size / 0.1) ** this
F_MIN = 25.0  # Hz, lowest partial
F_MAX = 18_000.0  # Hz, highest partial (also kept below 0.45 * sample_rate)
PARTIAL_ROLLOFF = 0.6  # amplitude of a partial ~ ratio ** -ROLLOFF (objects)
DETUNE_SIGMA = 0.006  # per-impact, per-partial random detuning (relative, ~10 cents)
AMP_JITTER = 0.2  # per-impact, per-partial amplitude jitter (where on the body it was struck)

# Statics ("floor", "prop0", ...) are big, damped surfaces: a lower, shorter, duller response.
STATIC_IDS = ("floor", "prop", "wall", "ground")
STATIC_MAX_SIZE = 1.0  # m, the size used for the pitch of a static (their sizes can be huge)
STATIC_PITCH = 0.8
STATIC_DECAY = 0.35
STATIC_ROLLOFF = 1.6
STATIC_WEIGHT = 0.6

DEFAULT_MATERIAL = "wood"

# Loudness: gain = REF_GAIN * (impulse / REF_IMPULSE) ** IMPULSE_EXP * (speed / REF_SPEED) ** SPEED_EXP
# The reference is a 0.2 m rubber ball dropped from 1 m onto a floor (6.9 kg in the simulator's
# extruded 2-D world, 4.43 m/s, restitution 0.82): it peaks around -10 dBFS.
REF_IMPULSE = 55.0  # N*s
REF_SPEED = 4.43  # m/s
REF_GAIN = 0.18
IMPULSE_EXP = 0.2  # compressed like a foley mix: small hard things (dominoes, marbles) must be heard
SPEED_EXP = 0.25
MAX_GAIN = 0.9  # gains are soft-saturated toward this
MIN_IMPULSE = 0.01  # N*s: quieter impacts are skipped
MIN_SPEED = 0.03  # m/s: resting jitter
REPEAT_WINDOW = 0.030  # s: a pair sounds at most once per window ...
REPEAT_LOUDER = 2.0  # ... unless the new impact is this much louder than the one that sounded

ATTACK_S = 0.0005  # attack ramp of every impact
CLICK_TAU_S = 0.0012  # decay of the contact click's noise burst
CLICK_GAIN = 2.0
TAIL_FLOOR = 1e-4  # a partial is rendered until it decays below this (-80 dBFS)
MAX_TAIL_S = 12.0
SLOW_PITCH_EXP = 0.3  # slow motion lowers pitch by slow_motion ** this, and stretches decays
_BLOCK = 512  # block length of the modal renderer

# ---------------------------------------------------------------------------------------------
# Contacts
# ---------------------------------------------------------------------------------------------
ROLL_GAIN = 0.065  # RMS per m/s of rolling, times sqrt(roughness)
SCRAPE_GAIN = 0.14  # RMS per m/s of sliding, times roughness
SPEED_SAT = 6.0  # m/s: speeds are soft-saturated above this
ROLL_BAND = (80.0, 400.0)  # Hz, centre of the rumble band (from the materials' base_hz)
SCRAPE_BAND = (800.0, 6000.0)  # Hz, centre of the scrape band
ROLL_CIRCUMFERENCE = 0.7  # m: the rumble's periodicity (tracks carry no size; a ~0.22 m ball)
ROLL_MOD_DEPTH = 0.3
CONTACT_FADE_S = 0.010

# ---------------------------------------------------------------------------------------------
# Ambience
# ---------------------------------------------------------------------------------------------
# A bed under the action, not over it: room tone sits near -46 dBFS, outdoors a little higher, so
# the click of a domino still stands out.
AMBIENCE_DBFS: dict[tuple[str, str], float] = {
    ("indoor", "morning"): -46.0,
    ("indoor", "day"): -45.0,
    ("indoor", "sunset"): -46.0,
    ("indoor", "evening"): -47.0,
    ("indoor", "night"): -47.0,
    ("outdoor", "morning"): -43.0,
    ("outdoor", "day"): -42.0,
    ("outdoor", "sunset"): -43.0,
    ("outdoor", "evening"): -44.0,
    ("outdoor", "night"): -44.0,
}


@dataclass(frozen=True)
class _OutdoorMix:
    wind: float  # weight of the (unit-RMS) wind
    birds: float  # bird phrases per second
    chorus: float  # weight of the distant cricket chorus (unit-RMS)
    crickets: int  # foreground crickets ...
    cricket_level: float  # ... and the weight of all of them together (unit-RMS)


OUTDOOR_MIX: dict[str, _OutdoorMix] = {
    "morning": _OutdoorMix(0.7, 0.8, 0.0, 0, 0.0),
    "day": _OutdoorMix(1.0, 0.45, 0.0, 0, 0.0),
    "sunset": _OutdoorMix(1.0, 0.15, 0.3, 0, 0.0),
    "evening": _OutdoorMix(0.6, 0.0, 0.7, 1, 0.35),
    "night": _OutdoorMix(0.35, 0.0, 0.9, 2, 0.4),
}
BIRD_LEVEL = 1.2  # chirp peak, relative to the (unit-RMS) wind
MAINS_HZ = 50.0
LIMIT_KNEE = 0.8  # the soft limiter is the identity below this


@dataclass(frozen=True)
class _Modes:
    freqs: F64
    taus: F64  # seconds
    amps: F64


def _material(name: str) -> Material:
    return MATERIALS.get(name, MATERIALS[DEFAULT_MATERIAL])


def _is_static(body: str) -> bool:
    return body.startswith(STATIC_IDS)


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed % (1 << 64), *key]))


def _pan_gains(pan: float) -> tuple[float, float]:
    theta = (min(max(pan, -1.0), 1.0) + 1.0) * math.pi / 4.0
    return math.cos(theta), math.sin(theta)


def _f_max(sample_rate: int) -> float:
    return min(F_MAX, 0.45 * sample_rate)


# How hard a surface is (catalog Material.hardness) decides how short the contact is, hence how bright
# the impact sounds: the contact low-passes the excitation at 600 + 14000 * hardness ** 1.5 Hz.
def _contact_cutoff(mat_a: str, mat_b: str, sample_rate: int) -> float:
    hard = min(_material(mat_a).hardness, _material(mat_b).hardness)
    return min(600.0 + 14_000.0 * math.pow(hard, 1.5), 0.45 * sample_rate)


def _body_modes(mat: Material, size: float, static: bool, pitch: float, stretch: float,
                cutoff: float, weight: float, sample_rate: int, rng: np.random.Generator) -> _Modes:
    if static:
        size = min(max(size, 0.1), STATIC_MAX_SIZE)
    size = min(max(size, 0.005), 3.0)
    ratios = np.asarray(mat.partials, dtype=np.float64)
    n = len(ratios)
    decays = np.resize(np.asarray(mat.decays, dtype=np.float64), n)
    freqs = mat.base_hz * ratios * (0.1 / size) ** PITCH_EXPONENT * pitch
    taus = decays * (size / 0.1) ** DECAY_SIZE_EXPONENT * stretch
    amps = ratios ** -(STATIC_ROLLOFF if static else PARTIAL_ROLLOFF)
    if static:
        freqs = freqs * STATIC_PITCH
        taus = taus * STATIC_DECAY
    amps = amps / amps.sum() * weight
    freqs = freqs * np.exp(rng.normal(0.0, DETUNE_SIGMA, n))
    amps = amps * (1.0 + AMP_JITTER * rng.uniform(-1.0, 1.0, n))
    amps = amps / (1.0 + (freqs / cutoff) ** 2)  # a soft contact does not excite the high modes
    # Keep the fundamental audible (clamped into range); drop overtones beyond the top.
    f_top = _f_max(sample_rate)
    freqs[0] = min(max(freqs[0], F_MIN), f_top)
    keep = (freqs >= F_MIN) & (freqs <= f_top)
    keep[0] = True
    return _Modes(freqs[keep], taus[keep], amps[keep])


def _render_modes(modes: _Modes, length: int, sample_rate: int) -> F32:
    """sum_p amp_p * exp(-n / (tau_p * sr)) * cos(2 pi f_p n / sr), n = 0 .. length - 1.

    Cosine phase: a blow sets the modes' velocity, so every partial starts at full amplitude (the
    attack ramp then shapes the first 0.5 ms) and even a low thud has its onset at the first sample.
    Computed in blocks: x[kB + j] = Re(a z^(kB) * z^j) with z = exp(-1/(tau sr) + i w), so one
    small float32 matrix product (blocks x 2P times 2P x B) renders every partial at once, with
    float64-exact phases and no per-sample transcendental functions."""
    k_blocks = -(-length // _BLOCK)
    s = -1.0 / (modes.taus * sample_rate) + 1j * (2.0 * np.pi * modes.freqs / sample_rate)
    base = np.exp(s[:, None] * np.arange(_BLOCK)[None, :])  # (P, B)
    mult = modes.amps[:, None] * np.exp(s[:, None] * (np.arange(k_blocks) * _BLOCK)[None, :])  # (P, K)
    left = np.concatenate([mult.real, -mult.imag]).T.astype(np.float32)  # (K, 2P)
    right = np.concatenate([base.real, base.imag]).astype(np.float32)  # (2P, B)
    # einsum's own loop, not BLAS: single-threaded and deterministic, and faster for this shape.
    out: F32 = np.einsum("kp,pb->kb", left, right).reshape(-1)[:length]
    return out


@functools.lru_cache(maxsize=256)
def _lowpass(cutoff: float, sample_rate: int) -> tuple[F64, F64]:
    """2nd-order Butterworth low-pass (b, a): causal, so the click starts at the onset sample."""
    b, a = signal.butter(2, min(cutoff, 0.45 * sample_rate) / (0.5 * sample_rate))
    return np.asarray(b, dtype=np.float64), np.asarray(a, dtype=np.float64)


def _attack(length: int, sample_rate: int) -> F32:
    n_att = max(1, round(ATTACK_S * sample_rate))
    ramp = np.sin(0.5 * np.pi * (np.arange(min(n_att, length)) + 1.0) / n_att) ** 2
    return ramp.astype(np.float32)


def _impact_gain(imp: Impact) -> float:
    g = REF_GAIN * (imp.impulse / REF_IMPULSE) ** IMPULSE_EXP * (imp.speed / REF_SPEED) ** SPEED_EXP
    return MAX_GAIN * math.tanh(g / MAX_GAIN)


def _audible(imp: Impact, seconds: float) -> bool:
    values = (imp.t, imp.impulse, imp.speed, imp.pan, imp.size_a, imp.size_b)
    if not all(math.isfinite(v) for v in values):
        return False
    return imp.impulse >= MIN_IMPULSE and imp.speed >= MIN_SPEED and 0.0 <= imp.t < seconds


@dataclass(frozen=True)
class _Strike:
    """What an impact rings with: its modes, the rest of its random stream (for the click), and how many
    samples it sounds for before every partial has decayed below TAIL_FLOOR."""

    modes: _Modes
    rng: np.random.Generator
    cutoff: float
    click: float  # the two bodies' click levels, averaged
    n_click: int
    tau_click: float  # seconds
    length: int


def _strike(imp: Impact, gain: float, key: int, seed: int, slow_motion: float, sample_rate: int) -> _Strike:
    pair = "\x00".join(sorted((imp.a, imp.b)))
    rng = _rng(seed, 0x1F0, zlib.crc32(pair.encode()), key)
    pitch = slow_motion**SLOW_PITCH_EXP
    stretch = 1.0 / slow_motion
    cutoff = _contact_cutoff(imp.material_a, imp.material_b, sample_rate)
    bodies = ((imp.a, imp.material_a, imp.size_a), (imp.b, imp.material_b, imp.size_b))
    parts = []
    clicks = []
    for body, mat_name, size in bodies:
        mat = _material(mat_name)
        static = _is_static(body)
        weight = STATIC_WEIGHT if static else 1.0
        parts.append(_body_modes(mat, size, static, pitch, stretch, cutoff, weight, sample_rate, rng))
        clicks.append(mat.click)
    modes = _Modes(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("freqs", "taus", "amps")))
    # Length: until every partial is below the floor (relative to full scale).
    peak = np.maximum(np.abs(modes.amps) * gain, TAIL_FLOOR)
    tail = float(np.max(modes.taus * np.log(peak / TAIL_FLOOR)))
    tau_click = CLICK_TAU_S / math.sqrt(slow_motion)
    n_click = max(1, round(6.0 * tau_click * sample_rate))
    length = max(round(min(tail, MAX_TAIL_S) * sample_rate), n_click)
    return _Strike(modes, rng, cutoff, 0.5 * (clicks[0] + clicks[1]), n_click, tau_click, length)


def _render_impact(imp: Impact, gain: float, s0: int, n_total: int, seed: int, slow_motion: float,
                   sample_rate: int) -> F32:
    """The impact's sound from its onset sample `s0` (also its random stream's key) up to `n_total`."""
    strike = _strike(imp, gain, s0, seed, slow_motion, sample_rate)
    length = min(strike.length, n_total - s0)
    if length <= 0:
        return np.zeros(0, dtype=np.float32)
    wave = _render_modes(strike.modes, length, sample_rate)
    # The contact click: a causally filtered noise burst, starting at the onset sample.
    n_click = min(strike.n_click, length)
    burst = strike.rng.standard_normal(n_click) * np.exp(-np.arange(n_click) / (strike.tau_click * sample_rate))
    b, a = _lowpass(strike.cutoff, sample_rate)
    click = signal.lfilter(b, a, burst)
    click_level = CLICK_GAIN * strike.click / max(float(np.max(np.abs(click))), 1e-9)
    wave[:n_click] += (click * click_level).astype(np.float32)
    att = _attack(length, sample_rate)
    wave[: len(att)] *= att
    wave *= np.float32(gain)
    return wave


def _sounded(impacts: Sequence[Impact], n_total: int, seconds: float,
             sample_rate: int) -> list[tuple[Impact, int, float]]:
    """(impact, onset sample, gain) of every impact that sounds, in time order: audible ones, less the
    repeats of a pair within REPEAT_WINDOW that are not much louder than the one that sounded."""
    order = sorted(range(len(impacts)), key=lambda i: (impacts[i].t, i))
    last: dict[tuple[str, str], tuple[float, float]] = {}  # pair -> (time, gain) of the last sounded
    out = []
    for i in order:
        imp = impacts[i]
        if not _audible(imp, seconds):
            continue
        s0 = round(imp.t * sample_rate)
        if s0 >= n_total:
            continue
        gain = _impact_gain(imp)
        pair = (min(imp.a, imp.b), max(imp.a, imp.b))
        prev = last.get(pair)
        if prev is not None and imp.t - prev[0] < REPEAT_WINDOW and gain < REPEAT_LOUDER * prev[1]:
            continue
        last[pair] = (imp.t, gain)
        out.append((imp, s0, gain))
    return out


def _impacts(impacts: Sequence[Impact], n_total: int, seconds: float, seed: int, slow_motion: float,
             sample_rate: int, left: F32, right: F32) -> None:
    for imp, s0, gain in _sounded(impacts, n_total, seconds, sample_rate):
        wave = _render_impact(imp, gain, s0, n_total, seed, slow_motion, sample_rate)
        gl, gr = _pan_gains(imp.pan)
        s1 = s0 + len(wave)
        left[s0:s1] += wave * np.float32(gl)
        right[s0:s1] += wave * np.float32(gr)


# ---------------------------------------------------------------------------------------------
# Ringing on across a seam
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ringing:
    """An impact of an earlier clip that still sounds when this clip starts (a struck steel ball rings
    for a second). It is rendered from the same random stream as in the clip it sounded in (that clip's
    seed, and its onset sample there as the key), so a continuation plays exactly the samples its
    source was cut off before."""

    impact: Impact
    gain: float
    seed: int  # the audio seed of the clip the impact sounded in
    key: int  # its onset sample in that clip
    onset: int  # its onset sample on this clip's clock: negative, before the clip starts
    slow_motion: float  # of the clip it sounded in: sets its pitch and decay

    def to_dict(self) -> dict[str, Any]:
        return {"impact": self.impact.to_dict(), "gain": self.gain, "seed": self.seed, "key": self.key,
                "onset": self.onset, "slow_motion": self.slow_motion}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ringing:
        return cls(impact=Impact(**data["impact"]), gain=float(data["gain"]), seed=int(data["seed"]),
                   key=int(data["key"]), onset=int(data["onset"]), slow_motion=float(data["slow_motion"]))

    def shifted(self, samples: int) -> Ringing:
        return dataclasses.replace(self, onset=self.onset - samples)

    def sounds_past(self, sample: int, sample_rate: int) -> bool:
        strike = _strike(self.impact, self.gain, self.key, self.seed, self.slow_motion, sample_rate)
        return self.onset + strike.length > sample


def ringing(impacts: Sequence[Impact], seconds: float, *, seed: int = 0, slow_motion: float = 1.0,
            carried: Sequence[Ringing] = (), sample_rate: int = SAMPLE_RATE) -> list[Ringing]:
    """The impacts (this clip's, and those `carried` into it) that still sound after its end, on the
    clock of the clip that would follow it."""
    n = max(round(seconds * sample_rate), 0) if math.isfinite(seconds) else 0
    slow = min(slow_motion, 1.0)
    ours = [Ringing(imp, gain, seed, s0, s0, slow) for imp, s0, gain in _sounded(impacts, n, n / sample_rate,
                                                                                 sample_rate)]
    return [r.shifted(n) for r in [*carried, *ours] if r.sounds_past(n, sample_rate)]


def _tails(tails: Sequence[Ringing], n_total: int, sample_rate: int, left: F32, right: F32) -> None:
    for tail in tails:
        wave = _render_impact(tail.impact, tail.gain, tail.key, tail.key - tail.onset + n_total, tail.seed,
                              tail.slow_motion, sample_rate)[-tail.onset:]
        gl, gr = _pan_gains(tail.impact.pan)
        left[: len(wave)] += wave * np.float32(gl)
        right[: len(wave)] += wave * np.float32(gr)


# ---------------------------------------------------------------------------------------------
# Contacts
# ---------------------------------------------------------------------------------------------
def _band_noise(rng: np.random.Generator, n: int, centre: float, width: float, sample_rate: int) -> F64:
    """White noise band-passed around `centre` (+- `width` as a ratio), about unit RMS."""
    nyq = 0.5 * sample_rate
    hi = min(centre * width, 0.45 * sample_rate)
    lo = min(max(centre / width, 20.0), hi / width)
    sos = signal.butter(2, [lo / nyq, hi / nyq], btype="bandpass", output="sos")
    noise = rng.standard_normal(n)
    out: F64 = np.asarray(signal.sosfilt(sos, noise), dtype=np.float64)
    return out / math.sqrt(2.0 * (hi - lo) / sample_rate)


def _fade(n: int, sample_rate: int) -> F64:
    w = np.ones(n)
    m = min(round(CONTACT_FADE_S * sample_rate), n // 2)
    if m > 0:
        ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(m) + 0.5) / m)
        w[:m] = ramp
        w[n - m:] = ramp[::-1]
    return w


def _contact(track: ContactTrack, index: int, n_total: int, seed: int, slow_motion: float,
             sample_rate: int, left: F32, right: F32) -> None:
    n = len(track.slip)
    if n == 0 or not math.isfinite(track.t0):
        return
    s0 = max(round(track.t0 * sample_rate), 0)
    s1 = min(round(track.t1 * sample_rate), n_total)
    if s1 - s0 < 2:
        return
    knots = np.arange(n, dtype=np.float64)
    x = (np.arange(s0, s1) / sample_rate - track.t0) * TRACK_HZ

    def env(values: list[float]) -> F64:
        v = np.zeros(n)  # a shorter list (e.g. no pan) is padded with zeros
        k = min(len(values), n)
        v[:k] = np.nan_to_num(np.asarray(values[:k], dtype=np.float64))
        return np.asarray(np.interp(x, knots, v), dtype=np.float64)

    slip = SPEED_SAT * np.tanh(np.abs(env(track.slip)) / SPEED_SAT)
    roll = SPEED_SAT * np.tanh(np.abs(env(track.roll)) / SPEED_SAT)
    pan = np.clip(env(track.pan), -1.0, 1.0)
    mat_a, mat_b = _material(track.material_a), _material(track.material_b)
    rough = 0.5 * (mat_a.roughness + mat_b.roughness)
    base = math.sqrt(mat_a.base_hz * mat_b.base_hz)
    pitch = slow_motion**SLOW_PITCH_EXP
    pair = "\x00".join(sorted((track.a, track.b)))
    rng = _rng(seed, 0xC0, zlib.crc32(pair.encode()), index, s0)
    m = s1 - s0
    out = np.zeros(m)
    if np.any(roll > 0):
        centre = min(max(0.3 * base, ROLL_BAND[0]), ROLL_BAND[1]) * pitch
        rumble = _band_noise(rng, m, centre, 1.6, sample_rate)
        phase = 2.0 * np.pi * np.cumsum(roll) / (sample_rate * ROLL_CIRCUMFERENCE)
        out += ROLL_GAIN * math.sqrt(rough) * roll * (1.0 + ROLL_MOD_DEPTH * np.sin(phase)) * rumble
    if np.any(slip > 0):
        centre = min(max(2.0 * base, SCRAPE_BAND[0]), SCRAPE_BAND[1]) * pitch
        scrape = _band_noise(rng, m, centre, 1.5, sample_rate)
        # Stick-slip flutter: a slow random amplitude modulation, deeper on rough materials.
        n_knots = max(2, math.ceil(m / sample_rate * 40.0) + 1)
        grid = np.linspace(0.0, n_knots - 1.0, m)
        flutter = np.interp(grid, np.arange(n_knots), rng.uniform(-1.0, 1.0, n_knots))
        out += SCRAPE_GAIN * rough * slip * np.clip(1.0 + rough * flutter, 0.0, None) * scrape
    out *= _fade(m, sample_rate)
    theta = (pan + 1.0) * np.pi / 4.0
    left[s0:s1] += (out * np.cos(theta)).astype(np.float32)
    right[s0:s1] += (out * np.sin(theta)).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# Ambience
# ---------------------------------------------------------------------------------------------
def _unit(x: F64) -> F64:
    rms = float(np.sqrt(np.mean(x * x))) if x.size else 0.0
    return x / rms if rms > 0 else x


def _stereo_noise(rng: np.random.Generator, n: int, correlation: float) -> tuple[F64, F64]:
    a = rng.standard_normal(n)
    b = rng.standard_normal(n)
    return a, correlation * a + math.sqrt(1.0 - correlation**2) * b


def _room_tone(rng: np.random.Generator, n: int, sample_rate: int, hum: bool) -> tuple[F64, F64]:
    nyq = 0.5 * sample_rate
    hp = signal.butter(2, 25.0 / nyq, btype="highpass", output="sos")
    lp = signal.butter(2, min(1500.0, 0.45 * sample_rate) / nyq, output="sos")
    chans = []
    for white in _stereo_noise(rng, n, 0.5):
        brown = signal.sosfilt(hp, signal.lfilter([1.0], [1.0, -0.995], white))
        hiss = signal.sosfilt(lp, white)
        rumble = _unit(np.asarray(brown, dtype=np.float64))
        chans.append(rumble + 0.3 * _unit(np.asarray(hiss, dtype=np.float64)))
    left, right = chans
    if hum:
        t = np.arange(n) / sample_rate
        phase = rng.uniform(0, 2 * np.pi)
        tone = sum(a * np.sin(2 * np.pi * MAINS_HZ * h * t + h * phase)
                   for h, a in ((1, 1.0), (2, 0.5), (3, 0.3), (4, 0.15)))
        tone = 0.25 * _unit(np.asarray(tone, dtype=np.float64))
        left, right = left + tone, right + tone
    return left, right


def _wind(rng: np.random.Generator, n: int, sample_rate: int) -> tuple[F64, F64]:
    nyq = 0.5 * sample_rate
    low = signal.butter(2, [30.0 / nyq, 400.0 / nyq], btype="bandpass", output="sos")
    top = min(1200.0, 0.45 * sample_rate)
    high = signal.butter(2, [250.0 / nyq, top / nyq], btype="bandpass", output="sos")
    seconds = n / sample_rate
    n_knots = max(2, math.ceil(seconds / 0.7) + 2)
    gust = np.interp(np.linspace(0.0, seconds / 0.7, n), np.arange(n_knots), rng.uniform(0.3, 1.0, n_knots))
    chans = []
    for white in _stereo_noise(rng, n, 0.6):
        body = _unit(np.asarray(signal.sosfilt(low, white), dtype=np.float64))
        whistle = _unit(np.asarray(signal.sosfilt(high, white), dtype=np.float64))
        chans.append(gust * body + 0.5 * gust**2 * whistle)
    k = 1.0 / _stereo_rms(chans[0], chans[1])
    return k * chans[0], k * chans[1]


def _birds(rng: np.random.Generator, n: int, sample_rate: int, rate: float) -> tuple[F64, F64]:
    left = np.zeros(n)
    right = np.zeros(n)
    seconds = n / sample_rate
    n_phrases = int(rng.poisson(rate * seconds))
    starts = np.sort(rng.uniform(0.0, seconds, n_phrases))
    f_top = 0.45 * sample_rate
    for start in starts:
        f0 = rng.uniform(2500.0, 5500.0)
        sweep = rng.uniform(0.6, 1.6)
        vib_hz, vib_depth = rng.uniform(20.0, 60.0), rng.uniform(0.0, 0.08)
        amp = rng.uniform(0.4, 1.0) * BIRD_LEVEL
        gl, gr = _pan_gains(float(rng.uniform(-0.8, 0.8)))
        t = float(start)
        for _ in range(int(rng.integers(2, 7))):
            dur = rng.uniform(0.04, 0.12)
            s0 = round(t * sample_rate)
            m = min(round(dur * sample_rate), n - s0)
            if m <= 0:
                break
            u = np.arange(m) / round(dur * sample_rate)
            tt = np.arange(m) / sample_rate
            f = np.minimum(f0 * sweep**u * (1.0 + vib_depth * np.sin(2 * np.pi * vib_hz * tt)), f_top)
            phase = 2.0 * np.pi * np.cumsum(f) / sample_rate
            chirp = amp * np.sin(np.pi * u) ** 2 * (np.sin(phase) + 0.15 * np.sin(2.0 * phase))
            left[s0:s0 + m] += gl * chirp
            right[s0:s0 + m] += gr * chirp
            t += dur + rng.uniform(0.04, 0.15)
    return left, right


def _stereo_rms(left: F64, right: F64) -> float:
    rms = math.sqrt(float(np.mean(left * left) + np.mean(right * right)) / 2.0) if left.size else 0.0
    return rms if rms > 0 else 1.0


def _crickets(rng: np.random.Generator, n: int, sample_rate: int, count: int) -> tuple[F64, F64]:
    """Foreground crickets: a high tone, pulsed (25-45 Hz) in short chirps repeated ~2 per second."""
    left = np.zeros(n)
    right = np.zeros(n)
    t = np.arange(n) / sample_rate
    for _ in range(count):
        fc = min(rng.uniform(3800.0, 5200.0), 0.45 * sample_rate)
        pulse_hz = rng.uniform(25.0, 45.0)
        pulses = int(rng.integers(4, 9))
        burst = pulses / pulse_hz
        period = burst + rng.uniform(0.06, 0.25)
        u = np.mod(t + rng.uniform(0.0, period), period)
        pulse = np.sin((np.pi * pulse_hz * np.minimum(u, burst)).astype(np.float32)) ** 2
        pulse *= np.minimum(0.25 + u * (0.75 * pulse_hz / 2.0), 1.0).astype(np.float32)  # chirps swell in
        carrier = np.sin((2.0 * np.pi * np.mod(fc * t, 1.0)).astype(np.float32))
        voice = rng.uniform(0.5, 1.0) * (pulse * carrier).astype(np.float64)
        gl, gr = _pan_gains(float(rng.uniform(-0.9, 0.9)))
        left += gl * voice
        right += gr * voice
    return left, right


def _chorus(rng: np.random.Generator, n: int, sample_rate: int) -> tuple[F64, F64]:
    """Distant crickets: narrow noise bands around 4-5 kHz, trilling, as a continuous bed (unit RMS)."""
    nyq = 0.5 * sample_rate
    t = np.arange(n) / sample_rate
    chans = [np.zeros(n), np.zeros(n)]
    noise = _stereo_noise(rng, n, 0.3)  # the voices' bands barely overlap: one noise serves them all
    for _ in range(4):
        fc = min(rng.uniform(3800.0, 5200.0), 0.4 * sample_rate)
        sos = signal.butter(2, [fc / 1.08 / nyq, fc * 1.08 / nyq], btype="bandpass", output="sos")
        phase = np.mod(rng.uniform(18.0, 30.0) * t + rng.uniform(0.0, 1.0), 1.0)
        trill = 0.7 + 0.3 * np.sin((2.0 * np.pi * phase).astype(np.float32)).astype(np.float64)
        for ch, white in zip(chans, noise, strict=True):
            ch += trill * _unit(np.asarray(signal.sosfilt(sos, white), dtype=np.float64))
    k = 1.0 / _stereo_rms(chans[0], chans[1])
    return k * chans[0], k * chans[1]


def _ambience(env: Environment, n: int, seed: int, sample_rate: int) -> tuple[F64, F64]:
    if n == 0:
        return np.zeros(0), np.zeros(0)
    tod = env.time_of_day
    preroll = round(0.25 * sample_rate)  # let the filters settle before the clip starts
    m = n + preroll
    if env.setting == "indoor":
        left, right = _room_tone(_rng(seed, 0xA0), m, sample_rate, hum=tod in ("evening", "night"))
    else:
        mix = OUTDOOR_MIX.get(tod, OUTDOOR_MIX["day"])
        wl, wr = _wind(_rng(seed, 0xA1), m, sample_rate)
        left, right = mix.wind * wl, mix.wind * wr
        if mix.birds > 0:
            bl, br = _birds(_rng(seed, 0xA2), m, sample_rate, mix.birds)
            left, right = left + bl, right + br
        if mix.chorus > 0:
            cl, cr = _chorus(_rng(seed, 0xA4), m, sample_rate)
            left, right = left + mix.chorus * cl, right + mix.chorus * cr
        if mix.crickets:
            cl, cr = _crickets(_rng(seed, 0xA3), m, sample_rate, mix.crickets)
            k = mix.cricket_level / _stereo_rms(cl, cr)
            left, right = left + k * cl, right + k * cr
    left, right = left[preroll:], right[preroll:]
    rms = math.sqrt(float(np.mean(left * left) + np.mean(right * right)) / 2.0)
    level = 10.0 ** (AMBIENCE_DBFS.get((env.setting, tod), -46.0) / 20.0)
    scale = level / rms if rms > 0 else 0.0
    return left * scale, right * scale


# ---------------------------------------------------------------------------------------------
# Mix
# ---------------------------------------------------------------------------------------------
def soft_limit(x: F32) -> F32:
    """Memoryless soft clipper: the identity up to LIMIT_KNEE, then a tanh knee toward 1."""
    over = np.abs(x) > LIMIT_KNEE
    if not np.any(over):
        return x
    room = 1.0 - LIMIT_KNEE
    y = np.sign(x) * (LIMIT_KNEE + room * np.tanh((np.abs(x) - LIMIT_KNEE) / room))
    out: F32 = np.where(over, y, x).astype(np.float32)
    return out


def synthesize(impacts: Sequence[Impact], contacts: Sequence[ContactTrack], env: Environment,
               seconds: float, *, seed: int = 0, slow_motion: float = 1.0,
               sample_rate: int = SAMPLE_RATE, tails: Sequence[Ringing] = ()) -> F32:
    """The scene's soundtrack: (round(seconds * sample_rate), 2) float32 in [-1, 1].

    `impacts` and `contacts` are on the video's clock; `slow_motion` (simulated seconds per video
    second, <= 1) stretches decays by 1 / slow_motion and lowers pitch by slow_motion ** 0.3. `tails`
    are impacts of an earlier clip still ringing when this one starts (see `ringing`)."""
    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be positive; got {sample_rate}")
    if not slow_motion > 0:
        raise ValueError(f"slow_motion must be positive; got {slow_motion}")
    n = max(round(seconds * sample_rate), 0) if math.isfinite(seconds) else 0
    slow = min(slow_motion, 1.0)
    amb_l, amb_r = _ambience(env, n, seed, sample_rate)
    left = amb_l.astype(np.float32)
    right = amb_r.astype(np.float32)
    for i, track in enumerate(contacts):
        _contact(track, i, n, seed, slow, sample_rate, left, right)
    _impacts(impacts, n, n / sample_rate, seed, slow, sample_rate, left, right)
    _tails(tails, n, sample_rate, left, right)
    return soft_limit(np.stack([left, right], axis=1))
