"""Near-duplicate study items across every deck linted together.

Similarity measure: each item is reduced to the content stems of its question followed by its
answer (:func:`studyapp.lint.text.normalised`: lower-cased, no punctuation, markup, function
words or "according to the source" boilerplate, words cut to six letters), and two items are
compared with RapidFuzz's ``fuzz.token_sort_ratio``: the Indel (insertions and
deletions) similarity, 0-100, of the two word lists after sorting the words, so the same words
in another order still match. Items of the same card (cloze siblings, the two sides of a
reversed card) are never compared. A score of at least ``NEAR_DUPLICATE_SCORE`` (85) is a
near-duplicate; the later item (in the order the decks were given) is the one reported.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from studyapp.deckfile.reader import Card, Deck
from studyapp.lint.rules import NEAR_DUPLICATE_SCORE, items
from studyapp.lint.text import normalised


@dataclass(frozen=True, slots=True)
class _Entry:
    deck: Deck
    card: Card
    label: str
    question: str
    key: str


def _entries(decks: Sequence[Deck]) -> list[_Entry]:
    return [
        _Entry(deck, card, item.label, item.question, normalised(f"{item.question} {item.answer}"))
        for deck in decks
        for card in deck.cards
        for item in items(card)
    ]


def near_duplicates(
    decks: Sequence[Deck],
    threshold: int = NEAR_DUPLICATE_SCORE,
    known: frozenset[tuple[int, int]] = frozenset(),
) -> Iterator[tuple[Deck, Card, str]]:
    """(deck, card, message) for each item that nearly repeats an earlier item of another card;
    pairs in `known` ((id of the earlier card, id of the later)) are already reported."""
    entries = _entries(decks)
    keys = [e.key for e in entries]
    reported: set[tuple[int, int]] = set()
    for later, key in enumerate(keys):
        matches = process.extract(
            key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=threshold, limit=None
        )
        for _choice, score, earlier in sorted(matches, key=lambda m: m[2]):
            first, second = entries[earlier], entries[later]
            if earlier >= later or first.card is second.card:
                continue
            if (id(first.card), id(second.card)) in known:
                continue
            if (id(second.card), earlier) in reported:
                continue
            reported.add((id(second.card), earlier))
            yield (
                second.deck,
                second.card,
                f"{second.label} is {round(score)}% similar to {first.deck.id}/"
                f"{first.card.id} {first.label} ({first.question[:60]!r}); test each fact "
                "once, or from a genuinely different angle",
            )
