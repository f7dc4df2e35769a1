"""Voice embedding: Resemblyzer's GE2E encoder run by our own frontend and LSTM; the golden slice is the real
resemblyzer 0.1.4 package's output on the same audio. The same recorded voice reading other digits stays closer
than the other voice; under a second of speech is refused.

Run: .venv/bin/pytest tests/cameos/test_voice.py -q
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kinora.cameos import voice
from tests.cameos.speech_fixtures import VOICES, spoken_digits

# resemblyzer.VoiceEncoder("cpu").embed_utterance(spoken_digits("418093")) with librosa 0.11.0: its six largest
# entries (the same audio through embed_preprocessed must give them to float32 precision)
GOLDEN = {160: 0.23725, 145: 0.19541, 125: 0.18866, 187: 0.18286, 151: 0.18268, 67: 0.18049, 0: 0.17272, 1: 0.0}


def test_matches_resemblyzer_on_the_same_audio() -> None:
    embedding = voice.embed_preprocessed(spoken_digits("418093"))
    np.testing.assert_allclose([embedding[i] for i in GOLDEN], list(GOLDEN.values()), atol=2e-4)


def test_embedding_is_a_deterministic_unit_vector() -> None:
    first = voice.voice_embedding(spoken_digits("418093"), 16000)
    assert first.shape == (256,) and first.dtype == np.float32
    assert np.linalg.norm(first) == pytest.approx(1.0, abs=1e-5) and first.min() >= 0  # ReLU before normalising
    np.testing.assert_array_equal(first, voice.voice_embedding(spoken_digits("418093"), 16000))


def test_same_voice_is_closer_than_another_voice() -> None:
    a, b = VOICES
    anchor = voice.voice_embedding(spoken_digits("418093", voice=a), 16000)
    same = float(anchor @ voice.voice_embedding(spoken_digits("725561", voice=a, seed=1), 16000))
    other = float(anchor @ voice.voice_embedding(spoken_digits("418093", voice=b), 16000))
    assert same > 0.85 and same > other + 0.1, (same, other)


def test_sample_rate_does_not_change_the_voice() -> None:
    at_16k = voice.voice_embedding(spoken_digits("260817"), 16000)
    at_48k = voice.voice_embedding(spoken_digits("260817", sample_rate=48000), 48000)
    assert float(at_16k @ at_48k) > 0.99


@pytest.mark.parametrize(("audio", "seconds"), [(np.zeros(5 * 16000, np.float32), "0.00"),
                                                (spoken_digits("7"), r"0\.[3-5]\d")])
def test_under_a_second_of_speech_is_refused(audio: np.ndarray, seconds: str) -> None:
    with pytest.raises(ValueError, match=f"at least 1.0 s of speech for a voice embedding; got {seconds} s of speech"):
        voice.voice_embedding(audio, 16000)


@pytest.mark.parametrize(("seconds", "partials"), [(0.5, 1), (1.92, 1), (1.98, 2), (2.5, 2), (4.0, 4)])
def test_partials_follow_resemblyzer(seconds: float, partials: int) -> None:
    slices = voice.partial_slices(round(seconds * 16000))
    assert len(slices) == partials
    assert [s.start for s in slices] == [77 * i for i in range(partials)] and slices[0].stop == 160


def test_mel_filterbank_is_librosas() -> None:
    # librosa.filters.mel(sr=16000, n_fft=400, n_mels=40): peak bin and height of filters 0, 10, 20 and 39
    bank = voice.mel_filterbank()
    assert bank.shape == (40, 201)
    assert bank.argmax(axis=1)[[0, 10, 20, 39]].tolist() == [2, 20, 44, 185]
    np.testing.assert_allclose(bank.max(axis=1)[[0, 10, 20, 39]], [0.0124045, 0.0118795, 0.0071919, 0.0017249],
                               rtol=1e-4)


def test_weights_must_exist(tmp_path: Path) -> None:
    missing = tmp_path / "pretrained.pt"
    with pytest.raises(ValueError, match=f"weights must be resemblyzer's pretrained.pt; {str(missing)!r} is not"):
        voice.voice_embedding(spoken_digits("418093"), 16000, weights=missing)


def test_importing_loads_neither_torch_nor_pocketsphinx() -> None:
    code = ("import sys, kinora.cameos.voice, kinora.cameos.speech; "
            "print(sorted({'torch', 'pocketsphinx', 'resemblyzer'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
