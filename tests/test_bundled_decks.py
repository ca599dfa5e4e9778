"""The bundled decks: structure a tutor can rely on."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from studyapp.cardtext import faces
from studyapp.deckfile import load_decks
from studyapp.locations import bundled_decks_dir

MECHANISMS = ["endplate-dysfunction", "sea", "gate-control", "descending-inhibition"]
TAG_RE = re.compile(r"^[a-z]+(::[a-z0-9-]+)+$")
TOP_LEVEL_TAGS = {"foundations", "ltr", "mechanism", "clinical", "evidence"}


@pytest.fixture(scope="module")
def decks():
    return load_decks([bundled_decks_dir()])


@pytest.fixture(scope="module")
def cards(decks):
    return [card for deck in decks for card in deck.cards]


def test_enough_cards_of_every_type(cards):
    assert len(cards) >= 60
    types = Counter(card.type for card in cards)
    assert all(types[t] >= 5 for t in ("basic", "reversed", "cloze")), types


def test_every_card_is_sourced_and_explained(cards):
    assert [c.id for c in cards if not c.source] == []
    assert [c.id for c in cards if not c.extra] == []


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_each_core_mechanism_has_eight_cards(cards, mechanism):
    tagged = [c for c in cards if f"mechanism::{mechanism}" in c.tags]
    assert len(tagged) >= 8


def test_tags_are_hierarchical_and_consistent(cards):
    for card in cards:
        assert card.tags, card.id
        for tag in card.tags:
            assert TAG_RE.match(tag), (card.id, tag)
            assert tag.split("::")[0] in TOP_LEVEL_TAGS, (card.id, tag)


def test_no_two_study_items_ask_the_same_question(cards):
    questions = Counter()
    for card in cards:
        for ord_ in card.ords:
            questions[
                faces(card.type, ord_, card.front, card.back, card.text).question.casefold()
            ] += 1
    assert [q for q, n in questions.items() if n > 1] == []


def test_ids_are_stable_slugs(decks):
    for deck in decks:
        assert re.match(r"^[a-z0-9-]+$", deck.id)
        assert deck.name.startswith("Trigger Points::")
        for card in deck.cards:
            assert re.match(r"^[a-z0-9-]+$", card.id), card.id


@pytest.mark.parametrize(
    "conflict",
    [
        r"2017.*2009",  # Tough et al. year
        r"2008.*2015",  # Shah et al. year
        r"cervicogenic headache.*upper trapezius",  # Fernández-de-las-Peñas population
        r"Dommerholt.*not in the source's reference list|missing from its reference list",
        r"meta-analysis.*systematic review",  # Cummings & White design
    ],
)
def test_each_source_contradiction_is_flagged(cards, conflict):
    flagged = [
        c for c in cards if "evidence::source-conflict" in c.tags or "Source conflict" in c.extra
    ]
    text = [" ".join((c.front, c.back, c.text, c.extra)) for c in flagged]
    assert any(re.search(conflict, t, re.S) for t in text), conflict


def test_readme_lists_decks_with_counts(decks):
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for deck in decks:
        items = sum(len(card.ords) for card in deck.cards)
        row = f"| {deck.name} | `{deck.id}` | {len(deck.cards)} | {items} |"
        assert row in readme, row
