"""Mirror-image cards: two cards whose questions and answers swap each other's key terms.

Card A asks about X and answers Y; card B asks about Y and answers X ("What did Tough et al.
find?" / "Which review found ...?"). Each half teaches the other's answer, and the pair
invites mix-ups between neighbouring facts. Two items of different cards mirror each other
when at least ``MIRROR_SHARE`` of each one's answer stems are in the other's question; a
reversed card is the one way to ask both directions on purpose. The later card is reported,
and a mirrored pair is not reported again as a near-duplicate (its words are the same).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from studyapp.deckfile.reader import Card, Deck
from studyapp.lint.rules import items
from studyapp.lint.text import stems

MIRROR_SHARE = 2 / 3


def _covered(answer: set[str], question: set[str]) -> bool:
    return bool(answer) and len(answer & question) / len(answer) >= MIRROR_SHARE


@dataclass(frozen=True, slots=True)
class Mirror:
    """A later card (`deck`, `card`) whose item mirrors an item of an earlier card."""

    deck: Deck
    card: Card
    earlier: Card
    message: str


def mirror_images(decks: Sequence[Deck]) -> Iterator[Mirror]:
    """Each card that mirrors an earlier card of any deck given (the pair reported once)."""
    entries = [
        (deck, card, item.label, stems(item.question), stems(item.answer))
        for deck in decks
        for card in deck.cards
        if card.content.type != "cloze"
        for item in items(card)
    ]
    reported: set[tuple[int, int]] = set()
    # Stem -> the earlier items whose question has it: a mirror's question holds most of
    # this item's answer, so only items sharing an answer stem are compared (not all pairs).
    asking: dict[str, list[int]] = {}
    for later, (deck, card, label, question, answer) in enumerate(entries):
        hits = Counter(earlier for word in answer for earlier in asking.get(word, ()))
        candidates = sorted(e for e, n in hits.items() if n >= MIRROR_SHARE * len(answer))
        for word in question:
            asking.setdefault(word, []).append(later)
        for earlier in candidates:
            first_deck, first, first_label, first_question, first_answer = entries[earlier]
            pair = (id(first), id(card))
            if first is card or pair in reported:
                continue
            if _covered(answer, first_question) and _covered(first_answer, question):
                reported.add(pair)
                yield Mirror(
                    deck,
                    card,
                    first,
                    f"{label} mirrors {first_deck.id}/{first.id} {first_label}: each asks for "
                    "the other's answer; keep one direction (or make one reversed card)",
                )
