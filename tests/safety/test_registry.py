"""The public-figure and rights registry: shipped lists load, names match as whole normalized words, the longest
name wins, and an instance's own entries add to or override the shipped ones.

Run: .venv/bin/pytest tests/safety/test_registry.py -q
"""

from __future__ import annotations

import pytest

from kinora.safety import registry
from kinora.safety.normalize import normalize
from kinora.safety.policy import Entry


def find(prompt: str, own: tuple[Entry, ...] = ()) -> tuple[str, str] | None:
    found = registry.matcher(registry.merged(own)).find(normalize(prompt).text)
    return None if found is None else (found[0].name, found[1])


def test_shipped_lists_load() -> None:
    entries = registry.shipped()
    figures = [e for e in entries if e.kind == "public_figure"]
    rights = [e for e in entries if e.kind == "rights"]
    assert len(figures) >= 400
    assert len(rights) >= 250
    assert not any(e.allowed for e in entries)  # every rights holder opted out by default
    assert all(e.holder for e in rights)


@pytest.mark.parametrize(("prompt", "name", "words"), [
    ("drake sings on a rooftop", "Drake", "drake"),
    ("Taylor Swift on stage", "Taylor Swift", "taylor swift"),
    ("T-Swift waves at fans", "Taylor Swift", "t-swift"),  # an alias
    ("Beyoncé dancing", "Beyoncé", "beyonce"),  # accents
    ("Beyonce dancing", "Beyoncé", "beyonce"),
    ("ｍｉｃｋｅｙ ｍｏｕｓｅ waves", "Mickey Mouse", "mickey mouse"),  # full-width
    ("m i c k e y mouse waves", "Mickey Mouse", "mickey mouse"),  # spaced letters
    ("Beyonce Knowles at the Grammys", "Beyoncé", "beyonce knowles"),  # the longest name wins
    ("homer simpson eats a donut", "Homer Simpson", "homer simpson"),
])
def test_names_match_normalized(prompt: str, name: str, words: str) -> None:
    assert find(prompt) == (name, words)


@pytest.mark.parametrize("prompt", [
    "drakes swim in a pond",  # a plural is another word: "drake" is not named
    "she walked taylor swiftly home",
    "a pikachus costume",
    "a homer run",  # "Homer" alone is no entry
    "a red ball bounces down the stairs",
])
def test_only_whole_words_match(prompt: str) -> None:
    assert find(prompt) is None


def test_check_names_the_entry_and_the_words() -> None:
    verdict = registry.check("a video of pikachu dancing", registry.merged(()))
    assert (verdict.outcome, verdict.category, verdict.layer) == ("block", "rights", "registry")
    assert verdict.reason == "names 'Pikachu' (rights-protected work of The Pokémon Company) as 'pikachu'"
    assert verdict.versions["registry"].startswith("registry-")
    figure = registry.check("drake sings", registry.merged(()))
    assert figure.category == "public_figure"
    assert "(public figure)" in figure.reason


def test_merged_overrides_by_kind_and_name() -> None:
    shipped = len(registry.shipped())
    opt_in = Entry("rights", "PIKACHU", allowed=True, holder="The Pokémon Company")  # key() ignores case
    new = Entry("public_figure", "Jane Q. Localmayor", aliases=("Mayor Jane",))
    merged = registry.merged([opt_in, new])
    assert len(merged) == shipped + 1
    assert opt_in in merged and new in merged
    assert find("pikachu dancing", (opt_in, new)) is None
    assert find("mayor jane cuts a ribbon", (opt_in, new)) == ("Jane Q. Localmayor", "mayor jane")
    # Same name, other kind: both stay.
    assert len(registry.merged([Entry("public_figure", "Pikachu")])) == shipped + 1


def test_an_allowed_name_does_not_hide_a_blocked_one() -> None:
    opt_in = Entry("rights", "Pikachu", allowed=True)
    assert find("pikachu and mickey mouse", (opt_in,)) == ("Mickey Mouse", "mickey mouse")


def test_matcher_version_changes_with_the_entries() -> None:
    base = registry.matcher(registry.merged(()))
    more = registry.matcher(registry.merged([Entry("public_figure", "Jane Q. Localmayor")]))
    assert base.version != more.version
    assert registry.matcher(()).find("anything at all") is None


@pytest.mark.parametrize(("name", "expected"), [
    ("Beyoncé", "beyonce"), ("  Taylor   SWIFT ", "taylor swift"), ("Ｍｉｃｋｅｙ Ｍｏｕｓｅ", "mickey mouse"),
    ("\u041c\u0456\u0441\u043a\u0435\u0443", "mickey"),  # Cyrillic look-alikes
])
def test_key(name: str, expected: str) -> None:
    assert registry.key(name) == expected
