"""Spoken-digit check: the challenge read by the recorded espeak-ng voices passes at 16, 22.05 and 48 kHz; random
digits and the challenge with two digits changed fail; silence is "nothing heard"; Whisper transcripts are read
as digits; verifier(settings) picks the engine.

Run: .venv/bin/pytest tests/cameos/test_speech.py -q
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np
import pytest

from kinora.cameos import speech
from kinora.cameos.speech import DigitCheck, PocketSphinxDigits, WhisperDigits, digits_from_text
from kinora.config import Settings
from tests.cameos.speech_fixtures import VOICES, recording, spoken_digits

VERIFIER = PocketSphinxDigits()


@pytest.mark.parametrize(("voice", "challenge"), [(VOICES[0], "418093"), (VOICES[1], "725561")])
def test_the_challenge_passes(voice: str, challenge: str) -> None:
    check = VERIFIER.check(spoken_digits(challenge, voice=voice), 16000, challenge)
    assert check == DigitCheck(challenge, challenge, 6, True, "pocketsphinx")


@pytest.mark.parametrize("voice", VOICES)
@pytest.mark.parametrize(("said", "challenge"), [("390274", "418093"),  # other digits
                                                 ("418693", "413092")])  # two of six changed
def test_other_digits_fail(voice: str, said: str, challenge: str) -> None:
    check = VERIFIER.check(spoken_digits(said, voice=voice), 16000, challenge)
    assert not check.passed and check.matched <= 4, check


@pytest.mark.parametrize("rate", [48000, 22050])
def test_any_sample_rate(rate: int) -> None:
    check = VERIFIER.check(spoken_digits("260817", sample_rate=rate, voice=VOICES[1]), rate, "260817")
    assert check.passed and check.heard == "260817", check


def test_concurrent_checks_share_one_decoder() -> None:
    challenges = ["531790", "864203"]
    results: dict[str, DigitCheck] = {}
    threads = [threading.Thread(target=lambda c=c: results.update({c: VERIFIER.check(spoken_digits(c), 16000, c)}))
               for c in challenges]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(results[c].passed and results[c].heard == c for c in challenges), results


@pytest.mark.parametrize("audio", [np.zeros(3 * 16000, np.float32),
                                   1e-3 * np.random.default_rng(1).standard_normal(3 * 16000).astype(np.float32)],
                         ids=["digital silence", "room noise"])
def test_silence_is_nothing_heard(audio: np.ndarray) -> None:
    assert speech.speech_seconds(audio, 16000) == 0.0
    assert VERIFIER.check(audio, 16000, "418093") == DigitCheck("418093", "", 0, False, "pocketsphinx")


def test_speech_seconds_counts_the_words() -> None:
    said = "418093"
    words = sum(len(recording(VOICES[0], d)) for d in said) / 16000  # the recordings are trimmed words
    padded = np.concatenate([np.zeros(5 * 16000, np.float32), spoken_digits(said), np.zeros(4 * 16000, np.float32)])
    assert 0.8 * words < speech.speech_seconds(padded, 16000) < 1.1 * words
    assert speech.speech_seconds(spoken_digits(said, sample_rate=44100), 44100) == pytest.approx(
        speech.speech_seconds(spoken_digits(said), 16000), abs=0.1)


@pytest.mark.parametrize("expected", ["12ab56", "123", "1234567890123", 418093])
def test_expected_must_be_digits(expected: object) -> None:
    with pytest.raises(ValueError, match=f"expected must be 4-12 digits; got {expected!r}"):
        VERIFIER.check(spoken_digits("418093"), 16000, expected)  # type: ignore[arg-type]


def test_audio_must_be_mono() -> None:
    stereo = np.zeros((16000, 2), np.float32)
    with pytest.raises(ValueError, match=r"audio must be a mono \(S,\) float array; got array of shape \(16000, 2\)"):
        VERIFIER.check(stereo, 16000, "418093")
    with pytest.raises(ValueError, match="sample_rate must be an integer of at least 8000 Hz; got 4000"):
        VERIFIER.check(np.zeros(4000, np.float32), 4000, "418093")


def test_slot_grammar_fixes_all_but_one_digit() -> None:
    grammar = speech.slot_grammar("4107", 2)
    assert "= four one ( /500000.0/ zero | /500000.0/ oh | /1/ one |" in grammar
    assert grammar.rstrip().endswith("| /1/ nine ) seven;")


@pytest.mark.parametrize(("text", "digits"), [
    ("four one seven two nine three", "417293"),
    ("Four, one, seven, two, nine, three.", "417293"),
    ("417 293", "417293"),
    ("4-1-7-2-9-3", "417293"),
    ("four hundred seventeen, two ninety-three", "417293"),
    ("four hundred and seventeen", "417"),
    ("oh four double seven", "0477"),
    ("double 7 triple three", "77333"),
    ("nineteen eighty-four", "1984"),
    ("forty one seventy", "4170"),
    ("two thousand and five", "2005"),
    ("two thousand four hundred six", "2406"),
    ("a hundred", "100"),
    ("The digits are 4 1 7, I think.", "417"),
    ("I'm going to read them for you", ""),
    ("", ""),
])
def test_whisper_text_becomes_digits(text: str, digits: str) -> None:
    assert digits_from_text(text) == digits


@pytest.mark.parametrize(("heard", "matched", "passed"), [
    ("417293", 6, True), ("417993", 5, True), ("41793", 5, True), ("4172293", 5, True), ("417833", 4, False),
    ("", 0, False), ("172934", 4, False),
])
def test_accept_rule(heard: str, matched: int, passed: bool) -> None:
    assert speech.agreement(heard, "417293") == matched
    assert speech.accepts(matched, "417293") is passed


def _whisper_folder(folder: Path) -> Path:
    """A folder with the files a CTranslate2 Whisper model has (empty: only their presence is checked)."""
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.json"):
        (folder / name).write_bytes(b"")
    return folder


def test_verifier_follows_settings(tmp_path: Path) -> None:
    assert isinstance(speech.verifier(Settings(speech_model=None)), PocketSphinxDigits)
    chosen = speech.verifier(Settings(speech_model=_whisper_folder(tmp_path)))
    assert isinstance(chosen, WhisperDigits) and chosen.model_dir == tmp_path and chosen.name == "whisper"


def test_whisper_folder_must_hold_a_model(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ValueError, match=r"lacks model.bin, tokenizer.json, vocabulary.json \(or vocabulary.txt\)"):
        WhisperDigits(tmp_path)


@pytest.mark.skipif(importlib.util.find_spec("faster_whisper") is not None, reason="faster-whisper is installed")
def test_whisper_names_the_missing_package(tmp_path: Path) -> None:
    whisper = WhisperDigits(_whisper_folder(tmp_path))
    with pytest.raises(RuntimeError, match="pip install faster-whisper"):
        whisper.check(spoken_digits("418093"), 16000, "418093")
    # silence never reaches the model
    assert whisper.check(np.zeros(16000, np.float32), 16000, "418093") == DigitCheck("418093", "", 0, False, "whisper")
