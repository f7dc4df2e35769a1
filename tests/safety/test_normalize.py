"""Evasions are undone and named; ordinary prompts pass through unchanged."""

from __future__ import annotations

import pytest

from kinora.safety.normalize import normalize


@pytest.mark.parametrize(("prompt", "text", "evasion"), [
    ("k1ll the guard", "kill the guard", "leetspeak"),
    ("pr0n v1deo", "pron video", "leetspeak"),
    ("$ex scene", "sex scene", "leetspeak"),
    ("k i l l him", "kill him", "spaced-out letters"),
    ("s.e.x tape", "sex tape", "spaced-out letters"),
    ("n-a-k-e-d woman", "naked woman", "spaced-out letters"),
    ("seeeexy", "sexy", "stretched letters"),
    ("s\u200be\u200bx", "sex", "invisible characters"),
    ("ｓｅｘ", "sex", "styled or full-width letters"),
    ("𝐤𝐢𝐥𝐥", "kill", "styled or full-width letters"),
    ("ѕех", "sex", "look-alike letters from other scripts"),  # Cyrillic s, e, x
    ("nаkеd", "naked", "look-alike letters from other scripts"),
    ("séx", "sex", None),
])
def test_evasions_are_undone_and_named(prompt: str, text: str, evasion: str | None) -> None:
    found = normalize(prompt)
    assert found.text == text
    if evasion is not None:
        assert evasion in found.evasions


@pytest.mark.parametrize("prompt", [
    "a shot of whiskey", "kill the lights", "7 red balls bounce on a wooden floor", "a 4k drone shot at 24fps",
    "the 90s mall in 3d", "an r2 unit rolls by", "1080p timelapse of a city at 5 pm", "a cat, a dog and a bird",
    "the a-team van drives off", "u.s. flag waving", "rock 'n' roll", "coffee: 2x espresso",
])
def test_ordinary_prompts_pass_through(prompt: str) -> None:
    found = normalize(prompt)
    assert found.text == prompt.lower()
    assert found.evasions == []


def test_bad_input_is_named() -> None:
    with pytest.raises(TypeError, match=r"prompt must be a string; got int"):
        normalize(3)  # type: ignore[arg-type]
