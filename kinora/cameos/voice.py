"""Voice embedding for cameos: Resemblyzer's pretrained GE2E speaker encoder (Apache-2.0; `resemblyzer/pretrained.pt`,
17 MB, ships in the resemblyzer 0.1.4 wheel) run by our own code.

The resemblyzer package itself imports librosa and webrtcvad, which Kinora does not install, so it is never
imported: its weights file is found with importlib's find_spec (which does not run the package) and this module
re-implements what resemblyzer does (hparams.py, audio.py, voice_encoder.py of 0.1.4):
* audio at 16 kHz, raised to -30 dBFS when quieter (never lowered), silences longer than ~0.2 s cut out
  (resemblyzer uses webrtcvad; we use speech.speech_mask, band energy);
* a 40-band power mel spectrogram: 25 ms Hann window (n_fft 400), 10 ms hop, centred frames with zero padding,
  Slaney mel filterbank from 0 to 8 kHz with Slaney area normalisation (librosa's defaults), no log;
* partial utterances of 160 frames (1.6 s) every 77 frames (1.3 partials a second), the last one kept when it is
  at least 75 % audio; each partial goes through a 3-layer LSTM (40 -> 256), Linear 256 -> 256 and ReLU on the
  last layer's final hidden state and is L2-normalised; the utterance embedding is their normalised mean.

torch is imported only inside the functions that run the network, so the web process never loads it.

Measured against the real resemblyzer 0.1.4 package, run with librosa 0.11.0 and webrtcvad-wheels in a separate
venv:
* Same preprocessed audio: the mel spectrograms differ by at most 1e-7 of their peak, and the embeddings by at
  most 7e-8 (cosine 1.000000). tests/cameos/test_voice.py checks against its golden values.
* Whole pipeline, where only the voice activity detection differs: cosine 0.988 on average and 0.939 at worst,
  over 24 espeak-ng clips. Where the two detectors keep different lengths, the number of 1.6 s partials can
  change.

Six espeak-ng voices (en-us, en-us+f2, en-gb-x-rp, en-us+m3, en-us+f4, en-029) read four texts each, at 160 wpm.
Four of the voices are variants of en-us.
* The same voice reading different texts: cosine mean 0.893, minimum 0.847. Resemblyzer gives 0.897 and 0.827.
* Different voices: cosine mean 0.727, maximum 0.956. Resemblyzer gives 0.731 and 0.960.

On the fixture digits, each voice reading 3 different challenges: the same voice scores a minimum of 0.862, and
en-us against en-us+f2 a maximum of 0.755. An embedding of a 4 s clip takes about 0.1 s (warm, one core).
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from kinora.cameos.speech import FRAME, SAMPLE_RATE, Audio, keep_speech, speech_mask, to_16k

if TYPE_CHECKING:
    import torch

N_FFT = 400  # 25 ms at 16 kHz
HOP = 160  # 10 ms
N_MELS = 40
PARTIAL_FRAMES = 160  # 1.6 s of mel frames per partial utterance
PARTIALS_PER_S = 1.3  # resemblyzer's default rate: a partial starts every 77 frames
MIN_COVERAGE = 0.75  # the last partial counts when at least this much of it is audio
TARGET_DBFS = -30.0  # quieter clips are raised to this level; louder ones are left as they are
KEEP_S = 0.09  # resemblyzer dilates its voice mask by 3 windows of 30 ms
MIN_SPEECH_S = 1.0  # below this the embedding is dominated by a couple of words
HIDDEN = 256
LAYERS = 3


def default_weights() -> Path:
    """`pretrained.pt` inside the installed resemblyzer package, found without importing it."""
    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the voice encoder's weights come from the resemblyzer package: "
                           "pip install --no-deps resemblyzer==0.1.4 (or set KINORA_VOICE_ENCODER to a pretrained.pt)")
    return Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"


# ##### Frontend: numpy/scipy re-implementation of resemblyzer.audio + librosa's melspectrogram defaults


def _hz_to_mel(hz: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Slaney's mel scale: linear (3 mels per 200 Hz) below 1 kHz, logarithmic above."""
    linear = hz / (200.0 / 3)
    log = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(hz >= 1000.0, log, linear)


def _mel_to_hz(mel: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    linear = mel * (200.0 / 3)
    log = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0))
    return np.where(mel >= 15.0, log, linear)


@cache
def mel_filterbank() -> npt.NDArray[np.float64]:
    """(40, 201) triangular filters over the rfft bins of a 400-point frame, each of unit area in Hz (Slaney)."""
    edges = _mel_to_hz(np.linspace(0.0, _hz_to_mel(np.array(SAMPLE_RATE / 2.0)), N_MELS + 2))  # (42,) Hz
    bins = np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE)  # (201,) Hz
    width = np.diff(edges)  # (41,)
    ramps = edges[:, None] - bins[None, :]  # (42, 201)
    rising = -ramps[:-2] / width[:-1, None]  # (40, 201)
    falling = ramps[2:] / width[1:, None]  # (40, 201)
    filters = np.maximum(0.0, np.minimum(rising, falling))
    return filters * (2.0 / (edges[2:] - edges[:-2]))[:, None]


@cache
def _window() -> npt.NDArray[np.float64]:
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)  # (400,) periodic Hann, as scipy/librosa


def mel_spectrogram(wav: Audio) -> npt.NDArray[np.float32]:
    """(T, 40) power mel spectrogram of 16 kHz audio, T = 1 + S // 160 (centred frames, zero padded)."""
    padded = np.pad(wav.astype(np.float64), N_FFT // 2)  # (S + 400,)
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP]  # (T, 400)
    power = np.abs(np.fft.rfft(frames * _window(), axis=1)) ** 2  # (T, 201)
    mel: npt.NDArray[np.float32] = (power @ mel_filterbank().T).astype(np.float32)  # (T, 40)
    return mel


def _normalize_volume(wav: Audio) -> Audio:
    rms_db = 20 * float(np.log10(max(float(np.sqrt(np.mean(wav.astype(np.float64) ** 2))), 1e-10)))
    if rms_db >= TARGET_DBFS:
        return wav
    raised: Audio = (wav * 10 ** ((TARGET_DBFS - rms_db) / 20)).astype(np.float32)
    return raised


def partial_slices(n_samples: int) -> list[slice]:
    """Mel-frame ranges of the partial utterances covering `n_samples` of audio (resemblyzer's
    compute_partial_slices with rate 1.3 and min_coverage 0.75); the last may reach past the audio."""
    n_frames = int(np.ceil((n_samples + 1) / HOP))
    step = round(SAMPLE_RATE / PARTIALS_PER_S / HOP)  # 77 frames
    starts = list(range(0, max(1, n_frames - PARTIAL_FRAMES + step + 1), step))
    coverage = (n_samples - starts[-1] * HOP) / (PARTIAL_FRAMES * HOP)
    if coverage < MIN_COVERAGE and len(starts) > 1:
        starts.pop()
    return [slice(s, s + PARTIAL_FRAMES) for s in starts]


def preprocess(audio: Audio, sample_rate: int) -> Audio:
    """16 kHz audio as the encoder wants it: raised to -30 dBFS when quieter, long silences cut out. Raises
    ValueError when it holds less than MIN_SPEECH_S of speech."""
    audio16 = to_16k(audio, sample_rate)
    mask = speech_mask(audio16)  # (F,) 20 ms frames
    seconds = float(mask.sum()) * FRAME / SAMPLE_RATE
    if seconds < MIN_SPEECH_S:
        raise ValueError(f"audio must hold at least {MIN_SPEECH_S:.1f} s of speech for a voice embedding; "
                         f"got {seconds:.2f} s of speech in {len(audio16) / SAMPLE_RATE:.2f} s")
    return keep_speech(_normalize_volume(audio16), mask, KEEP_S)


# ##### Encoder: 3-layer LSTM + Linear + ReLU, resemblyzer's weights


@dataclass(frozen=True)
class Encoder:
    lstm: torch.nn.LSTM  # 40 -> 256, 3 layers, batch first
    linear: torch.nn.Linear  # 256 -> 256

    def embed_partials(self, mels: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """(P, 160, 40) mel partials -> (P, 256) unit embeddings (non-negative: ReLU before normalising)."""
        import torch

        with torch.inference_mode():
            _, (hidden, _) = self.lstm(torch.from_numpy(mels))  # hidden: (3, P, 256)
            raw = torch.relu(self.linear(hidden[-1]))  # (P, 256)
            embeds = raw / torch.linalg.vector_norm(raw, dim=1, keepdim=True)
        out: npt.NDArray[np.float32] = embeds.numpy()
        return out


_encoders: dict[Path, Encoder] = {}
_lock = threading.Lock()


def encoder(weights: Path | None = None) -> Encoder:
    """The encoder for this weights file (default: resemblyzer's), loaded on first use and shared by the process."""
    path = (weights or default_weights()).resolve()
    with _lock:
        if path not in _encoders:
            _encoders[path] = _load(path)
        return _encoders[path]


def _load(path: Path) -> Encoder:
    import torch

    if not path.is_file():
        raise ValueError(f"weights must be resemblyzer's pretrained.pt; {str(path)!r} is not a file")
    state = torch.load(path, map_location="cpu", weights_only=True)["model_state"]
    lstm = torch.nn.LSTM(N_MELS, HIDDEN, LAYERS, batch_first=True)
    linear = torch.nn.Linear(HIDDEN, HIDDEN)
    # the checkpoint also holds GE2E's training-only similarity_weight/bias, which inference does not use
    lstm.load_state_dict({k.removeprefix("lstm."): v for k, v in state.items() if k.startswith("lstm.")})
    linear.load_state_dict({k.removeprefix("linear."): v for k, v in state.items() if k.startswith("linear.")})
    return Encoder(lstm.eval(), linear.eval())


def embed_preprocessed(wav: Audio, weights: Path | None = None) -> npt.NDArray[np.float32]:
    """(256,) unit embedding of already preprocessed 16 kHz audio (resemblyzer's embed_utterance)."""
    slices = partial_slices(len(wav))
    wav = np.pad(wav, (0, max(0, slices[-1].stop * HOP - len(wav))))  # zeros up to the last partial's end
    mel = mel_spectrogram(wav)  # (T, 40)
    mels = np.stack([mel[s] for s in slices])  # (P, 160, 40)
    mean = encoder(weights).embed_partials(mels).mean(axis=0)  # (256,)
    embedding: npt.NDArray[np.float32] = (mean / np.linalg.norm(mean)).astype(np.float32)
    return embedding


def voice_embedding(audio: Audio, sample_rate: int, *, weights: Path | None = None) -> npt.NDArray[np.float32]:
    """(256,) unit float32 speaker embedding of mono float `audio` at any `sample_rate`; the cosine (dot product)
    of two embeddings says how alike the voices are. ValueError with under 1 s of speech."""
    return embed_preprocessed(preprocess(audio, sample_rate), weights)
