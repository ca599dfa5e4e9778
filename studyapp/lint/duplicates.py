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

import bisect
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


def _similar_pairs(
    keys: Sequence[str], threshold: int
) -> list[tuple[int, list[tuple[int, float]]]]:
    """(later, [(earlier, score), ...]) for every pair of keys whose token_sort_ratio is at
    least `threshold`, in index order.

    token_sort_ratio is `ratio` of the words sorted: sorted once here, not once per pair.
    `ratio` is at most 2·min(len)/(len₁+len₂) (an Indel distance is at least the length
    difference), so each key meets only keys of a length that can reach the threshold:
    with the keys in length order, a contiguous slice, compared in C by RapidFuzz.
    """
    words = [" ".join(sorted(key.split())) for key in keys]
    order = sorted(range(len(words)), key=lambda i: len(words[i]))
    lengths = [len(words[i]) for i in order]
    by_length = [words[i] for i in order]
    found: dict[int, list[tuple[int, float]]] = {}
    for position, index in enumerate(order):
        # Shorter (or equal) keys only: each pair is compared once, from its longer key.
        # 200·len₁ ≥ threshold·(len₁+len₂), in integers (no rounding at the boundary).
        shortest = -(-lengths[position] * threshold // (200 - threshold))
        start = bisect.bisect_left(lengths, shortest, 0, position)
        matches = process.extract(
            by_length[position],
            by_length[start:position],
            scorer=fuzz.ratio,
            score_cutoff=threshold,
            limit=None,
        )
        for _choice, score, offset in matches:
            other = order[start + offset]
            earlier, later = min(index, other), max(index, other)
            found.setdefault(later, []).append((earlier, score))
    return [(later, sorted(found[later])) for later in sorted(found)]


def near_duplicates(
    decks: Sequence[Deck],
    threshold: int = NEAR_DUPLICATE_SCORE,
    known: frozenset[tuple[int, int]] = frozenset(),
) -> Iterator[tuple[Deck, Card, str]]:
    """(deck, card, message) for each item that nearly repeats an earlier item of another card;
    pairs in `known` ((id of the earlier card, id of the later)) are already reported."""
    entries = _entries(decks)
    reported: set[tuple[int, int]] = set()
    for later, matches in _similar_pairs([e.key for e in entries], threshold):
        for earlier, score in matches:
            first, second = entries[earlier], entries[later]
            if first.card is second.card:
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
