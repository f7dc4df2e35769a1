"""Cameo restrictions: parsing an owner's plain-language ban, and checking prompts against it by keyword and meaning.

The TABLE is the calibration set for the meaning layer's thresholds: every allowed row must stay below them and
every "meaning" row above. Accuracy over it: .venv/bin/pytest tests/cameos/test_restrictions.py -q -s -k accuracy

Run: .venv/bin/pytest tests/cameos/test_restrictions.py -q
"""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Literal

import pytest

from kinora.cameos import restrictions
from kinora.cameos.restrictions import MAX_LENGTH, MAX_RESTRICTIONS, Hit, Restriction, check, parse, parse_all

RESTRICTIONS = {
    "politics": "no political content",
    "swearing": "never make me say swear words",
    "alcohol": "nothing with alcohol",
    "smoking": "don't show me smoking",
    "romance": "no kissing or romance",
    "horror": "keep me out of horror",
    "violence": "no violence",
    "bikini": "never wearing a bikini",
    "ads": "no ads or products",
    "dance": "don't make me dance",
}

Outcome = Literal["keyword", "meaning", "allow"]

# (prompt, restriction, outcome). Blocked rows name the layer expected to catch them. Rows an honest reader could
# call either way were left out ("@ann carves a pumpkin" against horror, "@ann swims laps" against a bikini ban is
# kept because nothing in it says bikini).
TABLE: list[tuple[str, str, Outcome]] = [
    # politics
    ("@ann gives a speech at a campaign rally", "politics", "keyword"),
    ("@ann shakes hands with the prime minister", "politics", "keyword"),
    ("@ann waves a protest sign outside city hall", "politics", "keyword"),
    ("@ann casts a ballot at a polling station", "politics", "keyword"),
    ("@ann debates a senator on live TV", "politics", "keyword"),
    ("@ann argues with lawmakers about a new tax bill", "politics", "keyword"),
    ("@ann endorses a party for the upcoming midterms", "politics", "keyword"),
    ("@ann bakes a chocolate cake in a sunny kitchen", "politics", "allow"),
    ("@ann throws a birthday party for her dog", "politics", "allow"),
    ("@ann drives a rally car through the desert", "politics", "allow"),
    ("@ann votes for the best cake at a bake-off", "politics", "allow"),  # a benign idiom of "vote"
    ("@ann reads the weather forecast on the morning news", "politics", "allow"),
    # swearing: the restriction shares no word with "four-letter word" or "f-bomb"
    ("@ann yells a four-letter word", "swearing", "keyword"),
    ("@ann shouts 'fuck this' at her laptop", "swearing", "keyword"),
    ("@ann curses loudly at the referee", "swearing", "keyword"),
    ("@ann drops the f-bomb on stage", "swearing", "keyword"),
    ("@ann says a rude word that gets bleeped", "swearing", "keyword"),
    ("@ann says 'good morning' to her neighbours", "swearing", "allow"),
    ("@ann tells a joke at a comedy club", "swearing", "allow"),
    ("@ann swears an oath in a courtroom", "swearing", "allow"),
    ("@ann whispers a secret to her best friend", "swearing", "allow"),
    # alcohol
    ("@ann sips a glass of merlot", "alcohol", "keyword"),
    ("@ann clinks champagne glasses at a wedding", "alcohol", "keyword"),
    ("@ann is tipsy after happy hour", "alcohol", "keyword"),
    ("@ann sits in a pub watching football", "alcohol", "keyword"),
    ("@ann orders a pint at the local", "alcohol", "keyword"),
    ("@ann sips an old fashioned at a speakeasy", "alcohol", "keyword"),
    ("@ann stumbles home after too many drinks", "alcohol", "meaning"),
    ("@ann downs a glass of red at a vineyard tasting", "alcohol", "meaning"),
    ("@ann drinks a glass of milk", "alcohol", "allow"),
    ("@ann drinks orange juice, no alcohol", "alcohol", "allow"),  # the prompt's own negation
    ("@ann eats a chocolate bar on the bus", "alcohol", "allow"),
    ("@ann orders a latte at a busy cafe", "alcohol", "allow"),
    ("@ann sips hot cocoa by the fireplace", "alcohol", "allow"),
    # smoking
    ("@ann lights a cigarette on a balcony", "smoking", "keyword"),
    ("@ann vapes in a parked car", "smoking", "keyword"),
    ("@ann puffs on a cigar", "smoking", "keyword"),
    ("@ann takes a drag and exhales slowly", "smoking", "meaning"),
    ("@ann blows out birthday candles", "smoking", "allow"),
    ("@ann roasts marshmallows over a campfire", "smoking", "allow"),
    ("@ann blows bubbles in the garden", "smoking", "allow"),
    # romance
    ("@ann kisses her boyfriend under the moon", "romance", "keyword"),
    ("@ann is on a romantic candlelit date", "romance", "keyword"),
    ("@ann holds hands with her sweetheart on a bench", "romance", "keyword"),
    ("@ann gets down on one knee and proposes", "romance", "keyword"),
    ("@ann and a handsome stranger lock lips at midnight", "romance", "meaning"),
    ("@ann gazes lovingly into her partner's eyes over dinner", "romance", "meaning"),
    ("@ann hugs her grandmother at the airport", "romance", "allow"),
    ("@ann hugs her best friend goodbye at the station", "romance", "allow"),
    # horror
    ("@ann walks through a haunted house at night", "horror", "keyword"),
    ("@ann is chased by a zombie through a dark forest", "horror", "keyword"),
    ("@ann screams as a ghost appears in the mirror", "horror", "keyword"),
    ("@ann watches a sunrise over the mountains", "horror", "allow"),
    ("@ann watches a thunderstorm from her window", "horror", "allow"),
    # violence
    ("@ann punches a man in the face", "violence", "keyword"),
    ("@ann swings a sword at a knight", "violence", "keyword"),
    ("@ann gets into a brawl outside a nightclub", "violence", "keyword"),
    ("@ann gets beaten by a gang in an alley", "violence", "meaning"),
    ("@ann kicks a football across the park", "violence", "allow"),
    ("@ann beats the eggs for an omelette", "violence", "allow"),
    ("@ann plays chess with her grandfather", "violence", "allow"),
    # bikini
    ("@ann lounges at the beach in a two-piece swimsuit", "bikini", "keyword"),
    ("@ann poses by the pool in a bikini", "bikini", "keyword"),
    ("@ann sunbathes in a skimpy two piece", "bikini", "keyword"),
    ("@ann wears a winter coat in the snow", "bikini", "allow"),
    ("@ann swims laps in a pool", "bikini", "allow"),
    ("@ann wears a summer dress at a garden party", "bikini", "allow"),
    # ads
    ("@ann holds up a can of Coca-Cola and smiles at the camera", "ads", "keyword"),
    ("@ann stars in a TV commercial for shampoo", "ads", "keyword"),
    ("@ann reviews a new phone and tells viewers where to buy it", "ads", "keyword"),
    ("@ann says the drink is amazing, link in bio", "ads", "keyword"),
    ("@ann reads a book in a quiet library", "ads", "allow"),
    ("@ann paints a portrait of her cat", "ads", "allow"),
    # dance
    ("@ann does the tango in a ballroom", "dance", "keyword"),
    ("@ann breakdances on a street corner", "dance", "keyword"),
    ("@ann twirls across the stage in a ballet", "dance", "keyword"),
    ("@ann shows off her best moves at a wedding reception", "dance", "meaning"),
    ("@ann walks her dog in the park", "dance", "allow"),
    ("@ann sings karaoke with friends", "dance", "allow"),
    ("@ann plays the piano at a recital", "dance", "allow"),
    # a clear allow against every restriction
    *(("@ann juggles three red balls on a wooden floor", key, "allow") for key in RESTRICTIONS),
]

# Real paraphrases neither layer catches yet (MiniLM puts them nearer an everyday scene than the topic). Strict:
# a lexicon or model change that catches one fails here, so it moves into the TABLE.
KNOWN_MISSES = [
    ("@ann mutters something unprintable under her breath", "swearing"),
    ("@ann is stalked by a masked figure in an abandoned asylum", "horror"),
    ("@ann hides under the bed as something scratches at the door in the dark", "horror"),
    ("@ann knocks a man unconscious with a baseball bat", "violence"),
    ("@ann grooves to the music at a club", "dance"),
    ("@ann tells viewers to use her code for 20% off", "ads"),
]


@pytest.fixture(scope="module")
def parsed() -> dict[str, Restriction]:
    return {key: parse(text) for key, text in RESTRICTIONS.items()}


def _outcome(hit: Hit | None) -> Outcome:
    return "allow" if hit is None else hit.reason


@pytest.mark.parametrize(("prompt", "key", "expected"), TABLE)
def test_table_row(parsed: dict[str, Restriction], prompt: str, key: str, expected: Outcome) -> None:
    hit = check(prompt, [parsed[key]])
    assert _outcome(hit) == expected, f"{prompt!r} against {RESTRICTIONS[key]!r}: {hit}"


def test_table_accuracy(parsed: dict[str, Restriction]) -> None:
    wrong = [(prompt, key, expected, _outcome(check(prompt, [parsed[key]]))) for prompt, key, expected in TABLE
             if (_outcome(check(prompt, [parsed[key]])) == "allow") != (expected == "allow")]
    blocked = sum(expected != "allow" for _, _, expected in TABLE)
    by_meaning = sum(expected == "meaning" for _, _, expected in TABLE)
    accuracy = 1 - len(wrong) / len(TABLE)
    summary = (f"table accuracy {accuracy:.1%} over {len(TABLE)} rows ({blocked} blocked, {by_meaning} of them by "
               f"meaning; {len(TABLE) - blocked} allowed)")
    print(summary)
    assert len(TABLE) >= 40
    assert not wrong, f"{summary}; wrong: {wrong}"


@pytest.mark.xfail(strict=True, reason="a known miss: see KNOWN_MISSES")
@pytest.mark.parametrize(("prompt", "key"), KNOWN_MISSES)
def test_known_misses(parsed: dict[str, Restriction], prompt: str, key: str) -> None:
    assert check(prompt, [parsed[key]]) is not None


# --- parse ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "topic"), [
    ("no political content", "political content"),
    ("never make me say swear words", "say swear words"),
    ("nothing with alcohol", "alcohol"),
    ("don't show me smoking", "smoking"),
    ("no kissing or romance", "kissing or romance"),
    ("keep me out of horror", "horror"),
    ("never wearing a bikini", "wearing a bikini"),
    ("don't make me dance", "dance"),
    ("Please, do NOT put me in anything sexual!", "sexual"),
    ("I don't want to be shown drinking", "drinking"),
    ("never in a swimsuit", "swimsuit"),
    ("alcohol", "alcohol"),  # a bare topic in a list of restrictions means "no alcohol"
])
def test_parse_strips_the_scaffolding(text: str, topic: str) -> None:
    assert parse(text).topic == topic


def test_parse_keeps_the_text_and_picks_lexicon_entries() -> None:
    restriction = parse("  never make me   say swear words ")
    assert restriction.text == "never make me say swear words"
    assert restriction.entries == ("swearing and profanity",)
    assert {"swear", "f-word", "four-letter word", "curse"} <= set(restriction.terms)


def test_an_entry_is_picked_by_meaning_when_no_keyword_is_shared() -> None:
    # "look old" shares no word with the entry; its embedding is nearest "looking older or heavier".
    restriction = parse("don't make me look old")
    assert restriction.entries == ("looking older or heavier",)
    assert "old" not in restriction.terms  # alone it would block "an old castle"
    assert check("@ann tours an old castle", [restriction]) is None
    assert check("@ann with wrinkled skin and grey hair", [restriction]) is not None


def test_a_topic_nearer_an_everyday_label_picks_no_entry() -> None:
    # "parties" is nearer "parties and celebrations" than "politics and elections".
    assert parse("no parties").entries == ()


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_an_empty_restriction_names_the_value(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"restriction {text!r} is empty")):
        parse(text)


def test_a_long_restriction_names_the_value_and_the_limit() -> None:
    text = "no " + "x" * MAX_LENGTH
    with pytest.raises(ValueError, match=rf"'no xxx.*is {MAX_LENGTH + 3} characters; at most {MAX_LENGTH}"):
        parse(text)
    assert parse("no " + "x" * (MAX_LENGTH - 3)).topic == "x" * (MAX_LENGTH - 3)


@pytest.mark.parametrize("text", ["I like cats", "family friendly only", "keep it PG", "always wear glasses"])
def test_a_wish_is_rejected_not_turned_into_a_ban(text: str) -> None:
    # Forbidding "cats" would reverse what the owner meant; a clear error lets them rephrase.
    with pytest.raises(ValueError, match=re.escape(f"restriction {text!r} does not say what to forbid")):
        parse(text)


@pytest.mark.parametrize("text", ["never", "no", "don't make me do that"])
def test_a_ban_of_nothing_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"restriction {text!r} names nothing to forbid")):
        parse(text)


def test_parse_rejects_a_non_string() -> None:
    with pytest.raises(TypeError, match="restriction must be a string; got int"):
        parse(3)  # type: ignore[arg-type]


def test_parse_all_limits_the_count_and_repeats() -> None:
    assert MAX_RESTRICTIONS == 20
    assert len(parse_all([f"no topic{n}" for n in range(MAX_RESTRICTIONS)])) == MAX_RESTRICTIONS
    with pytest.raises(ValueError, match=f"restrictions has 21 entries; at most {MAX_RESTRICTIONS}"):
        parse_all([f"no topic{n}" for n in range(MAX_RESTRICTIONS + 1)])
    with pytest.raises(ValueError, match="'No alcohol' \\(number 2\\) repeats number 1"):
        parse_all(["no alcohol", "No alcohol"])


# --- check ---------------------------------------------------------------------------------------------------------


def test_a_hit_names_only_the_one_restriction(parsed: dict[str, Restriction]) -> None:
    every = list(parsed.values())
    hit = check("@ann sips a glass of merlot", every)
    assert hit is not None
    assert (hit.restriction.text, hit.index, hit.reason, hit.matched, hit.score) == (
        "nothing with alcohol", 2, "keyword", "merlot", 1.0)
    others = [r.text for r in every if r is not hit.restriction]
    assert not any(text in repr(hit) for text in others)


def test_the_index_is_the_restrictions_position(parsed: dict[str, Restriction]) -> None:
    order = [parsed["politics"], parsed["dance"], parsed["smoking"]]
    hit = check("@ann lights a cigarette", order)
    assert hit is not None and (hit.index, hit.restriction) == (2, parsed["smoking"])


def test_keywords_are_checked_for_every_restriction_before_meaning(parsed: dict[str, Restriction]) -> None:
    # Restriction 0 matches by meaning only, restriction 1 by keyword: the keyword hit is the more certain one.
    prompt = "@ann stumbles home after too many drinks, then lights a cigarette"
    hit = check(prompt, [parsed["alcohol"], parsed["smoking"]])
    assert hit is not None and (hit.index, hit.reason, hit.matched) == (1, "keyword", "cigarette")
    hit = check("@ann stumbles home after too many drinks", [parsed["alcohol"], parsed["smoking"]])
    assert hit is not None and (hit.index, hit.reason, hit.matched) == (0, "meaning", "too many drinks")
    assert hit.score == pytest.approx(0.53, abs=0.02)


def test_within_a_layer_the_first_restriction_wins(parsed: dict[str, Restriction]) -> None:
    prompt = "@ann smokes a cigar in a pub"
    hits = [check(prompt, order) for order in ([parsed["alcohol"], parsed["smoking"]],
                                               [parsed["dance"], parsed["smoking"], parsed["alcohol"]])]
    assert [(hit.index, hit.restriction.text) if hit else None for hit in hits] == [
        (0, "nothing with alcohol"), (1, "don't show me smoking")]


def test_no_restrictions_allow_everything() -> None:
    assert check("@ann drinks vodka", []) is None


def test_a_meaning_hit_names_the_clause(parsed: dict[str, Restriction]) -> None:
    hit = check("@ann waters the plants, then takes a drag and exhales slowly", [parsed["smoking"]])
    assert hit is not None and hit.reason == "meaning" and hit.matched in {"takes a drag", "exhales slowly"}
    assert restrictions.MEANING_THRESHOLD <= hit.score < 1


@pytest.mark.parametrize(("prompt", "blocked"), [
    ("@ann drinks orange juice, no alcohol", False),
    ("@ann drinks lemonade without any beer or wine", False),
    ("@ann is not drinking beer tonight", False),
    ("@ann drinks soda instead of wine", False),
    ("@ann drinks beer, no ice", True),  # the negation covers "ice" only
    ("@ann refuses vodka but orders a beer", True),  # "but" ends the scope of nothing; "vodka" is not negated
    ("@ann never drinks, but tonight she is at a pub", True),  # the scope ends at the clause boundary
    ("@ann at a party with no shortage of beer", True),  # a double negative negates nothing
    ("@ann can't stop drinking vodka", True),
    ("no worries, @ann just drinks vodka all night", True),
])
def test_negations_in_the_prompt(parsed: dict[str, Restriction], prompt: str, blocked: bool) -> None:
    assert (check(prompt, [parsed["alcohol"]]) is not None) == blocked


def test_a_benign_idiom_excuses_only_its_own_word() -> None:
    food = parse("no food")
    assert check("@ann eats a chocolate bar on the bus", [parse("nothing with alcohol")]) is None
    hit = check("@ann unwraps a chocolate bar", [food])
    assert hit is not None and hit.matched == "chocolate"


@pytest.mark.parametrize(("prompt", "matched"), [
    ("@ann drinks a b33r", "beer"),  # leetspeak is undone before matching
    ("@ann is DRUNK", "drunk"),
    ("@ann orders cocktails at the bar", "cocktails"),
])
def test_keywords_match_normalized_inflected_words(parsed: dict[str, Restriction], prompt: str, matched: str) -> None:
    hit = check(prompt, [parsed["alcohol"]])
    assert hit is not None and (hit.reason, hit.matched) == ("keyword", matched)


def test_a_mention_is_never_read_as_a_keyword(parsed: dict[str, Restriction]) -> None:
    assert check("@drunk_ann juggles three red balls", [parsed["alcohol"]]) is None


def test_the_topic_itself_blocks_without_a_lexicon_entry() -> None:
    clowns = parse("no clowns")
    assert clowns.terms == ("clowns", "clown")
    hit = check("@ann is chased by a clown", [clowns])
    assert hit is not None and (hit.reason, hit.matched) == ("keyword", "clown")


def test_a_transcript_is_checked_like_a_prompt(parsed: dict[str, Restriction]) -> None:
    hit = check("well, shit, that did not go to plan", [parsed["politics"], parsed["swearing"]])
    assert hit is not None and (hit.index, hit.matched) == (1, "shit")


def test_importing_the_module_loads_no_model() -> None:
    code = ("import sys; import kinora.cameos.restrictions; "
            "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


# Written after the thresholds were set and never tuned against: everyday scenes checked against all ten
# restrictions at once (500 pairs). The two the meaning layer blocks are its measured false positives.
EVERYDAY = [
    "@ann exhales slowly after a yoga session", "@ann waters tomato plants in the backyard",
    "@ann rides a bicycle along the river", "@ann builds a sandcastle with her nephew",
    "@ann folds laundry while listening to a podcast", "@ann feeds ducks at the pond",
    "@ann fixes a flat tire on her car", "@ann teaches a math class to teenagers",
    "@ann walks through a farmers market buying apples", "@ann takes a selfie in front of the Eiffel Tower",
    "@ann knits a scarf on a rainy afternoon", "@ann plays fetch with a golden retriever on the beach",
    "@ann climbs a rock wall at the gym", "@ann carries groceries up the stairs",
    "@ann sleeps on the couch with a cat on her chest", "@ann rows a boat across a calm lake",
    "@ann practices the violin in her bedroom", "@ann blows out the candles on her birthday cake",
    "@ann opens presents on Christmas morning", "@ann slides down a water slide at a theme park",
    "@ann skips stones across a lake at sunset", "@ann plants a tree with her classmates",
    "@ann pours tea for her grandmother", "@ann makes pancakes for breakfast", "@ann waits for the bus in the rain",
    "@ann high-fives her teammate after a goal", "@ann hikes up a snowy mountain trail",
    "@ann sits by a campfire telling stories", "@ann wears sunglasses and a sun hat at the beach",
    "@ann opens a bottle of sparkling water", "@ann sweeps the floor of a bakery",
    "@ann solves a crossword at the kitchen table", "@ann video-calls her parents from abroad",
    "@ann watches fireworks over the harbor", "@ann stretches before a morning run",
    "@ann laughs with friends at a picnic", "@ann paints her nails bright red",
    "@ann sorts vinyl records at a flea market", "@ann dresses up as a pirate for a costume party",
    "@ann rides a roller coaster and screams with joy", "@ann whistles while washing the dishes",
    "@ann cheers at her daughter's school play", "@ann jumps into a swimming pool", "@ann unboxes a package of books",
    "@ann shakes a snow globe", "@ann claps along at a concert", "@ann gives a presentation at work",
    "@ann wins a chess tournament", "@ann hugs her dog after a long trip", "@ann spins around in an office chair",
]


def test_everyday_prompts_rarely_block(parsed: dict[str, Restriction]) -> None:
    every = list(parsed.values())
    blocked = {prompt: hit.restriction.text for prompt in EVERYDAY if (hit := check(prompt, every)) is not None}
    print(f"everyday prompts blocked: {len(blocked)} of {len(EVERYDAY)} against {len(every)} restrictions")
    assert blocked == {"@ann exhales slowly after a yoga session": "don't show me smoking",
                       "@ann wears sunglasses and a sun hat at the beach": "never wearing a bikini"}
