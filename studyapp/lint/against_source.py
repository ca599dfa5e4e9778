"""Answers held against the source text a deck was written from (`studyapp lint --source`).

An answer is *off the source* when more than half of its content stems
(:func:`studyapp.lint.text.stems`) never occur in the source: it teaches something the source
does not say. Outside material belongs in `extra`, after "Outside the source (...):"; an
answer that is outside material on purpose says so in its own text ("outside the source"),
or the card switches the rule off with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from studyapp.deckfile.reader import Card, Deck
from studyapp.lint.rules import items
from studyapp.lint.text import stems

# More than this share of an answer's content stems absent from the source: reported.
OFF_SOURCE_SHARE = 1 / 2
# Answers about the source itself ("None", "Neither") use words a source need not contain.
_ABOUT_THE_SOURCE = frozenset(["none", "neithe", "nothin", "yes"])
_MARKED_RE = re.compile(r"outside the source", re.IGNORECASE)


def off_source(card: Card, source_stems: frozenset[str]) -> Iterator[tuple[str, str]]:
    """(rule, message) for each item of `card` whose answer is mostly absent from the source."""
    for item in items(card):
        if _MARKED_RE.search(item.answer):
            continue
        mine = stems(item.answer) - _ABOUT_THE_SOURCE
        absent = sorted(mine - source_stems)
        if mine and len(absent) / len(mine) > OFF_SOURCE_SHARE:
            shown = " ".join(item.answer.split())
            shown = shown if len(shown) <= 50 else shown[:49] + "…"
            yield (
                "off-source",
                f"{item.label}: {len(absent)} of {len(mine)} content words of '{shown}' are not "
                f"in the source ({', '.join(absent[:4])}): teach what the source says, or put "
                "outside material in `extra`, marked 'Outside the source (...):'",
            )


def off_source_findings(decks: Sequence[Deck], source: str) -> Iterator[tuple[Deck, Card, str]]:
    """(deck, card, message) for every off-source answer in `decks`."""
    source_stems = frozenset(stems(source))
    for deck in decks:
        for card in deck.cards:
            for _rule, message in off_source(card, source_stems):
                yield deck, card, message
