"""Spoken digits: did the verification clip say the challenge? Offline with PocketSphinx (default), or with a
local faster-whisper model when the operator provides one (`Settings.speech_model`).

PocketSphinx (the en-us model ships in its wheel) is weak at free recognition, so it is never asked "what was
said?". It is asked, once per digit, "given that the other digits are the challenge, which digit fits this
slot?": a JSGF grammar holds the challenge word for word except one slot, which may be any digit word, and the
expected digit carries a prior SLOT_BIAS times that of each other digit. The slot's expected digit stands unless
another digit fits the audio far better (about 90 nats of acoustic log-likelihood; one wrong digit word costs
roughly 40-200). A slot whose decode cannot fit the challenge at all (the search reaches no final state, which
happens often when the speaker said other digits) counts as a miss. The clip passes when at most MAX_MISSES slots
miss. The same rule (digits that agree, in order) applies to Whisper's transcript.

Why this shape (espeak-ng voices reading 6-digit challenges: a pessimistic stand-in for people). Development
set: 204 utterances, 14 voices, 130-170 wpm:
* Free recognition with the default LM is useless. Even one grammar of 6 free digit slots is weak: its search
  keeps paths that score hundreds of nats below a forced alignment of the challenge. On 108 of those utterances
  it was exact for 56 %, 73 % had at least 5 of 6 digits right, and "seven" was often heard as "one" or "two".
* Digital silence wrecks PocketSphinx's features: runs of exact zeros, such as espeak's pauses or a muted start.
  With a -60 dBFS dither on every sample, the free grammar's exact rate rose from 19 % to 56 %. Long silences are
  cut out, the speech is brought to -20 dBFS and dithered at -50 dBFS (-60 and -40 did no better).
* Deciding one slot at a time, with the rest fixed to the challenge, accepted 200 of the 204 genuine utterances,
  1 of 204 "near" impostors (the challenge with 2 digits changed) and 1 of 204 that said random digits. That
  one said 148237 against the challenge 643823: the search shifted the shared run "8 2 3" by one slot and
  accepted 5 of the 6 digits. A prior of 1e3 or 1e9 instead of 1e6 made little difference, and neither did
  requiring a minimum duration for each word.
* PocketSphinx's Python API gives segment and hypothesis scores as linear probabilities, which underflow. So the
  decision uses only which word each slot's search picks, never a score threshold.

Held out (20 voices, 5 speeds, with and without commas between the digits, 200 utterances of each kind):
* genuine accepted: 189 (94.5 %);
* near impostors accepted: 4 (2 %);
* random digits accepted: 0.

On the recorded fixture digits (tests/cameos/data/README.md): 300 of 300 genuine, 4 of 300 near and 0 of 300
random. A check of a 4 s reading takes about 0.4 s on one core, for its six decodes.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import threading
from dataclasses import dataclass
from functools import cache
from math import gcd
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt
from scipy import ndimage, signal

if TYPE_CHECKING:
    from kinora.config import Settings

Audio = npt.NDArray[np.float32]  # (S,) mono, [-1, 1]

SAMPLE_RATE = 16_000  # both engines' models are trained on 16 kHz audio
FRAME = SAMPLE_RATE // 50  # 20 ms energy frames for voice activity
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
MIN_DIGITS, MAX_DIGITS = 4, 12  # with MAX_MISSES = 1, shorter challenges would be too easy to pass
MAX_MISSES = 1  # digits that may disagree: 5 of 6 must match in order
SLOT_BIAS = 1e6  # prior weight of a slot's expected digit against each other digit (x lw 6.5: ~90 nats)
MIN_SPEECH_S = 0.2  # less voice activity than this: nothing to decode, heard ''
KEEP_S = 0.25  # speech context kept around voiced frames: weak consonants (f, s, th) sit under the threshold
DITHER = 3e-3  # -50 dBFS noise on every sample (30 dB under the speech): PocketSphinx breaks on exact zeros
SPEECH_RMS = 0.1  # -20 dBFS: the level voiced frames are brought to before dithering
PAD_S = 0.3  # silence added at both ends so the first and last words have context

# Whisper's transcript: number words, and "oh" for zero. Homophones ("to", "for") are not digits: "I'm going
# to read" must not add a 2.
UNITS = {w: i for i, w in enumerate(DIGIT_WORDS)} | {"oh": 0, "o": 0}
TEENS = {w: 10 + i for i, w in enumerate(("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
                                          "seventeen", "eighteen", "nineteen"))}
TENS = {w: 10 * (i + 2) for i, w in enumerate(("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
                                               "ninety"))}
REPEATS = {"double": 2, "triple": 3}
FILLERS = {"and", "a"}  # "four hundred and seventeen", "a hundred": part of a number, not a break
WHISPER_FILES = ("model.bin", "config.json", "tokenizer.json")  # without tokenizer.json it downloads one
WHISPER_PROMPT = "Digits read aloud one by one: 4 1 7 2 9 3. 0 5 8 6."


@dataclass(frozen=True)
class DigitCheck:
    expected: str  # the challenge, e.g. "417293"
    heard: str  # digits recognized, in order; '' if nothing
    matched: int  # digits of `expected` that agree, in order
    passed: bool
    engine: str  # the verifier's name


class DigitVerifier(Protocol):
    name: str

    def check(self, audio: Audio, sample_rate: int, expected: str) -> DigitCheck:
        """Whether mono (S,) float32 `audio` in [-1, 1] at any `sample_rate` says the digits of `expected`."""
        ...


def verifier(settings: Settings) -> DigitVerifier:
    """Whisper when the operator gave a model folder, else PocketSphinx (offline, in its wheel)."""
    if settings.speech_model is not None:
        return WhisperDigits(settings.speech_model)
    return PocketSphinxDigits()


# ##### Shared: input checks, resampling, voice activity, the accept rule


def _check_expected(expected: object) -> str:
    if not isinstance(expected, str) or not re.fullmatch(rf"[0-9]{{{MIN_DIGITS},{MAX_DIGITS}}}", expected):
        raise ValueError(f"expected must be {MIN_DIGITS}-{MAX_DIGITS} digits; got {expected!r}")
    return expected


def to_16k(audio: object, sample_rate: int) -> Audio:
    """Mono `audio` resampled to 16 kHz float32 (polyphase, scipy)."""
    if not isinstance(audio, np.ndarray) or audio.ndim != 1 or not np.issubdtype(audio.dtype, np.floating):
        raise ValueError(f"audio must be a mono (S,) float array; got {_describe(audio)}")
    if not isinstance(sample_rate, int) or sample_rate < 8000:
        raise ValueError(f"sample_rate must be an integer of at least 8000 Hz; got {sample_rate!r}")
    x: Audio = np.nan_to_num(audio.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    if sample_rate == SAMPLE_RATE:
        return x
    g = gcd(sample_rate, SAMPLE_RATE)
    resampled: Audio = signal.resample_poly(x, SAMPLE_RATE // g, sample_rate // g).astype(np.float32)
    return resampled


def _describe(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    return type(value).__name__


@cache
def _speech_band() -> npt.NDArray[np.float64]:
    # 100-4000 Hz: where voices carry their energy; hum, rumble and hiss outside it do not count as speech
    sos: npt.NDArray[np.float64] = signal.butter(4, [100, 4000], btype="bandpass", fs=SAMPLE_RATE, output="sos")
    return sos


def speech_mask(audio16: Audio) -> npt.NDArray[np.bool_]:
    """(F,) voice activity per 20 ms frame of 16 kHz audio, from band energy: louder than the clip's own noise
    floor (its 10th-percentile frame that is not digital silence) by 12 dB, within 40 dB of its loud frames and
    above -55 dBFS. Blips under 60 ms (clicks) are dropped and gaps under 100 ms (stop consonants) bridged. A clip
    needs some non-speech (a pause, the moment before reading) for the floor to mean anything."""
    n = len(audio16) // FRAME
    if n == 0:
        return np.zeros(0, dtype=bool)
    band = signal.sosfilt(_speech_band(), audio16)[: n * FRAME].reshape(n, FRAME)  # (F, FRAME)
    level = 10 * np.log10(np.mean(band**2, axis=1) + 1e-12)  # (F,) dBFS
    # the noise floor of the recording itself: stretches of digital silence (a muted start, padding) are not it
    audible = level[level > -100]
    floor = float(np.percentile(audible, 10)) if audible.size else -120.0
    threshold = max(floor + 12, float(np.percentile(level, 99)) - 40, -55.0)
    voiced = level > threshold
    voiced = ndimage.binary_closing(np.pad(voiced, 5), structure=np.ones(5, bool))[5:-5]
    mask: npt.NDArray[np.bool_] = ndimage.binary_opening(voiced, structure=np.ones(3, bool))
    return mask


def speech_seconds(audio: Audio, sample_rate: int) -> float:
    """Seconds of voice activity (band energy, see speech_mask) in mono float `audio` at `sample_rate`."""
    return float(speech_mask(to_16k(audio, sample_rate)).sum()) * FRAME / SAMPLE_RATE


def keep_speech(audio16: Audio, mask: npt.NDArray[np.bool_], keep_s: float) -> Audio:
    """The voiced frames with `keep_s` of context either side; longer silences shrink to 2 * keep_s."""
    keep = ndimage.binary_dilation(mask, iterations=max(1, round(keep_s * SAMPLE_RATE / FRAME)))
    samples = np.repeat(keep, FRAME)  # (F * FRAME,)
    samples = np.pad(samples, (0, len(audio16) - len(samples)), constant_values=bool(keep[-1]))
    kept: Audio = audio16[samples]
    return kept


def agreement(heard: str, expected: str) -> int:
    """Digits of `expected` that `heard` reproduces in order: len(expected) minus the edit distance."""
    row = list(range(len(expected) + 1))
    for i, h in enumerate(heard, 1):
        diagonal, row[0] = row[0], i
        for j, e in enumerate(expected, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (h != e))
    return max(0, len(expected) - row[-1])


def accepts(matched: int, expected: str) -> bool:
    """The accept rule shared by both engines: at most MAX_MISSES digits of the challenge disagree."""
    return len(expected) - matched <= MAX_MISSES


def _nothing_heard(expected: str, engine: str) -> DigitCheck:
    return DigitCheck(expected=expected, heard="", matched=0, passed=False, engine=engine)


# ##### PocketSphinx: one free slot at a time


_decoder: Any = None  # one per process: building it (model files, dictionary) costs ~0.1 s
_decoder_lock = threading.Lock()  # a Decoder holds one utterance at a time


def _pocketsphinx() -> Any:
    """The process's Decoder, built on first use; call with _decoder_lock held."""
    global _decoder
    if _decoder is None:
        # untyped C extension, imported here so that importing this module stays light
        pocketsphinx: Any = importlib.import_module("pocketsphinx")
        # lm=None: no 27 MB n-gram model, the grammars below are the only searches
        _decoder = pocketsphinx.Decoder(pocketsphinx.Config(loglevel="FATAL", lm=None))
    return _decoder


def slot_grammar(expected: str, slot: int) -> str:
    """JSGF for `expected` word for word, except `slot`, which may be any digit word (the expected one weighted
    SLOT_BIAS times each other)."""
    words = []
    for i, digit in enumerate(expected):
        if i != slot:
            words.append(DIGIT_WORDS[int(digit)])
            continue
        favoured = ["zero", "oh"] if digit == "0" else [DIGIT_WORDS[int(digit)]]
        others = [w for w in (*DIGIT_WORDS, "oh") if w not in favoured]
        choices = [f"/{SLOT_BIAS / len(favoured):.1f}/ {w}" for w in favoured] + [f"/1/ {w}" for w in others]
        words.append(f"( {' | '.join(choices)} )")
    return f"#JSGF V1.0;\ngrammar challenge;\npublic <digits> = {' '.join(words)};\n"


def _ps_input(audio16: Audio, mask: npt.NDArray[np.bool_]) -> bytes:
    """16-bit PCM for the decoder: speech with context, at -20 dBFS, padded and dithered (seeded: a clip always
    gets the same verdict)."""
    speech = keep_speech(audio16, mask, KEEP_S)
    voiced = audio16[: len(mask) * FRAME][np.repeat(mask, FRAME)]  # (V,)
    level = float(np.sqrt(np.mean(voiced**2)))
    pad = np.zeros(round(PAD_S * SAMPLE_RATE), np.float32)
    x = np.concatenate([pad, speech * (SPEECH_RMS / max(level, 1e-6)), pad])  # (S',)
    x = x + DITHER * np.random.default_rng(0).standard_normal(len(x))
    pcm: bytes = (np.clip(x, -1, 1) * 32767).astype("<i2").tobytes()
    return pcm


def _decode_slot(decoder: Any, pcm: bytes, expected: str, slot: int) -> str | None:
    """The digit the decoder puts in `slot`, or None when it cannot fit the challenge around it."""
    decoder.add_jsgf_string("slot", slot_grammar(expected, slot))
    decoder.activate_search("slot")
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    spoken = [w.split("(")[0] for w in hyp.hypstr.split()] if hyp is not None else []
    digits = [str(UNITS[w]) for w in spoken if w in UNITS]
    # a hypothesis short of the whole challenge is the best partial path: the search reached no final state
    return digits[slot] if len(digits) == len(expected) else None


class PocketSphinxDigits:
    """The offline default: PocketSphinx's en-us model (in its wheel), one grammar-constrained decode per digit
    (~50 ms each for a 3 s reading on one core)."""

    name = "pocketsphinx"

    def check(self, audio: Audio, sample_rate: int, expected: str) -> DigitCheck:
        expected = _check_expected(expected)
        audio16 = to_16k(audio, sample_rate)
        mask = speech_mask(audio16)
        if mask.sum() * FRAME < MIN_SPEECH_S * SAMPLE_RATE:
            return _nothing_heard(expected, self.name)
        pcm = _ps_input(audio16, mask)
        with _decoder_lock:
            decoder = _pocketsphinx()
            slots = [_decode_slot(decoder, pcm, expected, i) for i in range(len(expected))]
        matched = sum(d == e for d, e in zip(slots, expected, strict=True))
        heard = "".join(d for d in slots if d is not None)  # a slot the decoder could not fit is left out
        return DigitCheck(expected=expected, heard=heard, matched=matched, passed=accepts(matched, expected),
                          engine=self.name)


# ##### Whisper: transcribe, then read the digits out of the text


def digits_from_text(text: str) -> str:
    """The digits a transcript says: "four one seven", "417", "4, 1, 7", "four hundred seventeen" -> "417";
    "oh" -> 0; "double seven" -> "77"; "nineteen eighty-four" -> "1984"; other words are ignored."""
    out: list[str] = []
    number = _Number(out)
    repeat = 1
    for token in re.findall(r"[0-9]+|[a-z]+", text.lower()):
        if token in REPEATS:
            number.flush()
            repeat = REPEATS[token]
            continue
        if token.isdigit() or (repeat > 1 and token in UNITS):
            number.flush()
            first = token[0] if token.isdigit() else str(UNITS[token])
            out.append(first * repeat + (token[1:] if token.isdigit() else ""))
        elif token in UNITS:
            number.unit(UNITS[token])
        elif token in TEENS:
            number.teen(TEENS[token])
        elif token in TENS:
            number.tens(TENS[token])
        elif token in ("hundred", "thousand"):
            number.scale(100 if token == "hundred" else 1000)
        elif token not in FILLERS:
            number.flush()
        repeat = 1
    number.flush()
    return "".join(out)


class _Number:
    """A spoken number being read word by word ("four hundred seventeen"); `open` is how many of its lower places
    may still be filled: 1 after a tens word (a unit), 2 after "hundred" (tens and unit), 3 after "thousand"."""

    def __init__(self, out: list[str]) -> None:
        self.out = out
        self.value: int | None = None  # below-thousand part; None: no number in progress
        self.thousands = 0
        self.open = 0

    def flush(self) -> None:
        if self.value is not None:
            self.out.append(str(self.thousands + self.value))
        self.value, self.thousands, self.open = None, 0, 0

    def _add(self, amount: int, needs: int, leaves: int) -> None:
        if self.value is None or self.open < needs:
            self.flush()
            self.value = 0
        self.value += amount
        self.open = leaves

    def unit(self, digit: int) -> None:
        self._add(digit, needs=1, leaves=0)

    def teen(self, value: int) -> None:
        self._add(value, needs=2, leaves=0)

    def tens(self, value: int) -> None:
        self._add(value, needs=2, leaves=1)

    def scale(self, factor: int) -> None:
        if factor == 100 and self.value is not None and 0 < self.value < 100:
            self.value *= 100  # "four hundred", "nineteen hundred"
        elif factor == 1000 and self.value is not None and self.thousands == 0 and self.value > 0:
            self.thousands, self.value = self.value * 1000, 0  # "two thousand"
        else:
            self.flush()  # "hundred" alone, or a second "thousand": starts a number of its own
            self.value = 0 if factor == 1000 else factor
            self.thousands = factor if factor == 1000 else 0
        self.open = 2 if factor == 100 else 3


class WhisperDigits:
    """A local faster-whisper model folder (CTranslate2 format: model.bin, config.json, tokenizer.json, vocabulary),
    never downloaded. Transcribes in English with a prompt of digits, then reads the digits out of the text
    (digits_from_text) under the same accept rule as PocketSphinx.

    Not exercised by the test suite: faster-whisper and model weights are not part of Kinora's setup, so only
    the folder checks and digits_from_text are tested."""

    name = "whisper"

    def __init__(self, model_dir: Path, *, device: str = "cpu", compute_type: str = "int8") -> None:
        missing = [f for f in WHISPER_FILES if not (model_dir / f).is_file()]
        if not any((model_dir / f).is_file() for f in ("vocabulary.json", "vocabulary.txt")):
            missing.append("vocabulary.json (or vocabulary.txt)")
        if missing:
            raise ValueError(f"speech_model must be a faster-whisper model folder; {str(model_dir)!r} lacks "
                             f"{', '.join(missing)}")
        self.model_dir, self.device, self.compute_type = model_dir, device, compute_type
        self._model: Any = None
        self._lock = threading.Lock()

    def _whisper(self) -> Any:
        with self._lock:
            if self._model is None:
                if importlib.util.find_spec("faster_whisper") is None:
                    raise RuntimeError("speech_model needs the faster-whisper package: pip install faster-whisper")
                faster_whisper: Any = importlib.import_module("faster_whisper")
                # a folder path is used as-is; local_files_only also stops any hub lookup
                self._model = faster_whisper.WhisperModel(str(self.model_dir), device=self.device,
                                                          compute_type=self.compute_type, local_files_only=True)
            return self._model

    def transcribe(self, audio16: Audio) -> str:
        """The text of 16 kHz mono float32 audio (English, beam 5, digits in the prompt)."""
        segments, _info = self._whisper().transcribe(
            audio16, language="en", beam_size=5, initial_prompt=WHISPER_PROMPT, condition_on_previous_text=False,
            without_timestamps=True, vad_filter=False)
        return " ".join(segment.text for segment in segments)

    def check(self, audio: Audio, sample_rate: int, expected: str) -> DigitCheck:
        expected = _check_expected(expected)
        audio16 = to_16k(audio, sample_rate)
        if speech_mask(audio16).sum() * FRAME < MIN_SPEECH_S * SAMPLE_RATE:
            return _nothing_heard(expected, self.name)
        heard = digits_from_text(self.transcribe(audio16))
        matched = agreement(heard, expected)
        return DigitCheck(expected=expected, heard=heard, matched=matched, passed=accepts(matched, expected),
                          engine=self.name)
