"""The bundled decks held to their source: every claim taught, each fact once, nothing added.

`claims.toml` beside this file lists each claim of the source (a verbatim piece of it, under
its heading) and the cards whose answers teach it. The source itself is kept beside the
repository (../shared/source/trigger-point-therapy.txt, found from any checkout below it, or
named by $STUDYAPP_TP_SOURCE); the tests that read it are skipped where it is absent.
"""

from __future__ import annotations

import itertools
import os
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from studyapp.deckfile.reader import Card, load_decks
from studyapp.lint import lint_decks
from studyapp.lint.rules import NEAR_DUPLICATE_SCORE, items
from studyapp.lint.text import normalised, stems
from studyapp.locations import bundled_decks_dir

HERE = Path(__file__).parent
SOURCE_NAME = Path("shared", "source", "trigger-point-therapy.txt")
# The source's headings, in its order: every one is taught.
SECTIONS = (
    "What is a Trigger Point?",
    "What Happens When You Press On It?",
    "Why It Helps",
    "Who It's For",
    "Does It Hurt?",
    "If you're after a more scientific version",
    "The Localised Twitch Response (LTR)",
    "Proposed Mechanisms of Action",
    "Clinical Evidence",
    "When to Use Trigger Point Therapy",
    "References",
)
# A fact is taught once; a second or third card only for a new angle (hedge, conflict, use).
MOST_CARDS_PER_CLAIM = 3


@dataclass(frozen=True)
class Claim:
    section: str
    says: str
    taught_by: tuple[str, ...]


def _load() -> tuple[list[Claim], list[tuple[str, tuple[str, ...]]]]:
    data = tomllib.loads((HERE / "claims.toml").read_text(encoding="utf-8"))
    claims = [Claim(c["section"], c["says"], tuple(c["taught_by"])) for c in data["claims"]]
    notes = [(n["about"], tuple(n["taught_by"])) for n in data["notes"]]
    return claims, notes


CLAIMS, NOTES = _load()
DECKS = load_decks([bundled_decks_dir()])
CARDS: dict[str, Card] = {f"{d.id}/{c.id}": c for d in DECKS for c in d.cards}


def _straight(text: str) -> str:
    """Curly quotes made straight and whitespace collapsed, as the claim list writes them."""
    table = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
    return " ".join(text.translate(table).split())


def _source_text() -> str | None:
    named = os.environ.get("STUDYAPP_TP_SOURCE")
    candidates = [Path(named)] if named else []
    candidates += [folder / SOURCE_NAME for folder in HERE.resolve().parents]
    for path in candidates:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None


@pytest.fixture(scope="module")
def source() -> str:
    text = _source_text()
    if text is None:
        pytest.skip(f"the source text ({SOURCE_NAME}) is not beside this checkout")
    return text


# --- the claim list itself ------------------------------------------------------------------


def test_claim_list_names_real_cards_and_real_sections() -> None:
    listed = [card for claim in CLAIMS for card in claim.taught_by]
    listed += [card for _about, cards in NOTES for card in cards]
    assert sorted(set(listed) - set(CARDS)) == []
    assert {claim.section for claim in CLAIMS} == set(SECTIONS)
    assert [c.says for c in CLAIMS if not c.taught_by] == []
    assert [s for s, n in Counter(c.says for c in CLAIMS).items() if n > 1] == []


def test_every_card_teaches_a_listed_claim_or_note() -> None:
    listed = {card for claim in CLAIMS for card in claim.taught_by}
    listed |= {card for _about, cards in NOTES for card in cards}
    assert sorted(set(CARDS) - listed) == []


def test_every_claim_is_quoted_from_the_source(source: str) -> None:
    text = _straight(source)
    assert [c.says for c in CLAIMS if _straight(c.says) not in text] == []
    assert [s for s in SECTIONS if s not in text] == []


# --- the decks against the list --------------------------------------------------------------


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.says[:40])
def test_each_claim_is_taught_in_an_answer_by_every_card_listed(claim: Claim) -> None:
    """A card listed for a claim answers with the claim's own words, not only asks with them."""
    said = stems(claim.says)
    for name in claim.taught_by:
        answers = [item.answer for item in items(CARDS[name])]
        assert any(stems(answer) & said for answer in answers), (name, answers)


def test_each_fact_is_taught_once_or_from_few_angles() -> None:
    crowded = {c.says: c.taught_by for c in CLAIMS if len(c.taught_by) > MOST_CARDS_PER_CLAIM}
    assert crowded == {}


def test_sections_are_taught_in_proportion_to_what_they_say() -> None:
    """Each heading gets between one and three study items per claim: no padding, no gaps."""
    for section in SECTIONS:
        claims = [c for c in CLAIMS if c.section == section]
        cards = {name for c in claims for name in c.taught_by}
        study_items = sum(len(CARDS[name].content.ords) for name in cards)
        assert len(claims) <= study_items <= MOST_CARDS_PER_CLAIM * len(claims), section


def test_no_two_cards_have_near_duplicate_items() -> None:
    """Every pair of items of two different cards stays below the lint's near-duplicate
    threshold, with no `lint_ignore` to excuse one (siblings of one card share their text by
    design: a cloze card's deletions, a reversed card's two sides)."""
    keyed = [
        (name, item.label, normalised(f"{item.question} {item.answer}"))
        for name, card in CARDS.items()
        for item in items(card)
    ]
    close = [
        (f"{a} {label_a}", f"{b} {label_b}", round(score))
        for (a, label_a, key_a), (b, label_b, key_b) in itertools.combinations(keyed, 2)
        if a != b and (score := fuzz.token_sort_ratio(key_a, key_b)) >= NEAR_DUPLICATE_SCORE
    ]
    assert close == []


def test_answers_stay_within_the_claim_list() -> None:
    """No outside material in an answer: every answer is held (by `off-source`) to the
    listed claims alone, which are pieces of the source."""
    claimed = " ".join(c.says for c in CLAIMS)
    assert [str(f) for f in lint_decks(DECKS, claimed)] == []


def test_answers_stay_within_the_source(source: str) -> None:
    assert [str(f) for f in lint_decks(DECKS, source)] == []
