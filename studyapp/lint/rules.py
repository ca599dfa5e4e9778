"""The card-quality rules of `studyapp lint`, one function per rule, over one card at a time.

Each rule yields ``(rule, message)`` pairs; the rule's severity comes from :data:`RULES`.
Near-duplicates need every deck at once and live in :mod:`studyapp.lint.duplicates`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from studyapp.cardtext import cloze_deletion, cloze_question, deletion_numbers, deletions
from studyapp.deckfile.reader import Card
from studyapp.lint.text import plain, shared_share, words

Severity = Literal["error", "warning"]

CONFLICT_TAG = "evidence::source-conflict"
# An answer is given away when this share of its content words (asides in brackets left out)
# is already in the question; the front of a reversed card, usually a short term, at 1/2.
GIVEAWAY_SHARE = 2 / 3
REVERSE_GIVEAWAY_SHARE = 1 / 2
MAX_ANSWER_WORDS = 25
MAX_DELETION_WORDS = 10
# A cloze set: this many deletions in a row separated only by list punctuation.
CLOZE_SET_RUN = 3
NEAR_DUPLICATE_SCORE = 85


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    severity: Severity
    summary: str


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule(
            "answer-in-question",
            "error",
            "the question (or, for a reversed card, the other side) already contains the answer",
        ),
        Rule("cloze-set", "error", "a list learnt as one cloze card: many deletions in one list"),
        Rule("cloze-inferable", "error", "a deletion can be read off the rest of the text"),
        Rule("near-duplicate", "warning", "two study items across the decks ask nearly the same"),
        Rule("identifier-answer", "error", "a DOI, URL, ISBN or PMID as the answer to recall"),
        Rule("yes-no-question", "warning", "a question answered by yes or no"),
        Rule("list-answer", "warning", "a basic card's answer that is a bulleted list"),
        Rule(
            "long-answer",
            "warning",
            f"an answer over {MAX_ANSWER_WORDS} words, or a deletion over {MAX_DELETION_WORDS}",
        ),
        Rule(
            "missing-source", "warning", "no `source`: where in the source document it comes from"
        ),
        Rule(
            "untagged-conflict",
            "error",
            f"mentions a conflict or contradiction without the tag {CONFLICT_TAG}",
        ),
        Rule(
            "off-source",
            "error",
            "with --source: an answer mostly made of words the source never uses",
        ),
        Rule(
            "mirror-image",
            "warning",
            "two cards whose questions and answers swap each other's key terms",
        ),
        Rule(
            "anki-template",
            "warning",
            "a template of a note type from Anki that Anki itself shows as an error",
        ),
        Rule(
            "lint-ignore",
            "error",
            "a suppression naming no known rule or giving no reason (unused: a warning)",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Item:
    """One study item of a card: which side or deletion, what it asks, what it expects."""

    label: str
    question: str
    answer: str


def items(card: Card) -> list[Item]:
    if card.content.type == "cloze":
        return [
            Item(
                f"c{n}", cloze_question(card.content.text, n), cloze_deletion(card.content.text, n)
            )
            for n in deletion_numbers(card.content.text)
        ]
    result = [Item("front", card.content.front, card.content.back)]
    if card.content.type == "reversed":
        result.append(Item("reverse", card.content.back, card.content.front))
    return result


Finder = Callable[[Card], Iterator[tuple[str, str]]]


def _quote(text: str, limit: int = 50) -> str:
    text = " ".join(plain(text).split())
    return f"'{text if len(text) <= limit else text[: limit - 1] + '…'}'"


_PAREN_RE = re.compile(r"\([^()]*\)")


def answer_in_question(card: Card) -> Iterator[tuple[str, str]]:
    if card.content.type == "cloze":
        return
    for item in items(card):
        answer = (
            _PAREN_RE.sub(" ", item.answer)
            if words(_PAREN_RE.sub(" ", item.answer))
            else item.answer
        )
        share = shared_share(answer, item.question)
        limit = REVERSE_GIVEAWAY_SHARE if item.label == "reverse" else GIVEAWAY_SHARE
        if share >= limit:
            where = (
                "the reverse side shows the front"
                if item.label == "reverse"
                else "the question gives the answer away"
            )
            yield (
                "answer-in-question",
                f"{where}: {share:.0%} of the words of {_quote(item.answer)} "
                f"are in {_quote(item.question)}",
            )


_LIST_GLUE_RE = re.compile(r"[,;\n]|\b(?:and|or)\b|&")


def _in_list(gap: str) -> bool:
    """True when the text between two deletions is list punctuation (plus at most 3 words)."""
    return bool(_LIST_GLUE_RE.search(gap)) and len(words(gap)) <= 3 and "." not in gap.strip()


def cloze_set(card: Card) -> Iterator[tuple[str, str]]:
    if card.content.type != "cloze":
        return
    spans = deletions(card.content.text)
    run = best = 1 if spans else 0
    for before, after in itertools.pairwise(spans):
        run = run + 1 if _in_list(card.content.text[before.end : after.start]) else 1
        best = max(best, run)
    if best >= CLOZE_SET_RUN:
        yield (
            "cloze-set",
            f"{best} deletions in one list: a set is hard to recall as a whole; "
            "make one card per element, or ask about the list another way",
        )


def cloze_inferable(card: Card) -> Iterator[tuple[str, str]]:
    if card.content.type != "cloze":
        return
    for number in deletion_numbers(card.content.text):
        hidden = cloze_question(card.content.text, number)
        share = shared_share(cloze_deletion(card.content.text, number), hidden)
        if share >= GIVEAWAY_SHARE:
            yield (
                "cloze-inferable",
                f"c{number} {_quote(cloze_deletion(card.content.text, number))} can be read off the "
                f"rest of the text ({share:.0%} of its words appear there)",
            )


_IDENTIFIER_RE = re.compile(
    r"\b10\.\d{4,9}/\S+|\bdoi:|https?://|\bwww\.|\bISBN\b|\bPMID\b|\barXiv:", re.IGNORECASE
)


def identifier_answer(card: Card) -> Iterator[tuple[str, str]]:
    for item in items(card):
        found = _IDENTIFIER_RE.search(item.answer)
        if found:
            yield (
                "identifier-answer",
                f"{item.label}: the answer {_quote(item.answer)} is an identifier to "
                "memorise; put it in `extra` and ask about the finding instead",
            )


_AUXILIARY = frozenset(
    [
        "am",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "do",
        "does",
        "did",
        "can",
        "could",
        "will",
        "would",
        "shall",
        "should",
        "may",
        "might",
        "must",
        "has",
        "have",
        "had",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "don't",
        "doesn't",
        "didn't",
        "can't",
        "couldn't",
        "won't",
        "wouldn't",
        "shouldn't",
        "hasn't",
        "haven't",
    ]
)


def yes_no_question(card: Card) -> Iterator[tuple[str, str]]:
    for item in items(card):
        # The asking sentence: the last one, after any lead-in ("The source says X. Does ...?").
        question = re.split(r"(?<=[.!?:])\s+", plain(item.question).strip())[-1]
        first = question.split(maxsplit=1)[0].lower() if question else ""
        if (
            card.content.type != "cloze"
            and question.endswith("?")
            and first in _AUXILIARY
            and not re.search(r"\bor\b", question)
        ):
            yield (
                "yes-no-question",
                f"{item.label}: {_quote(question)} can be answered yes or no; "
                "ask for the fact itself (what, which, how ...)",
            )


def long_answer(card: Card) -> Iterator[tuple[str, str]]:
    limit = MAX_DELETION_WORDS if card.content.type == "cloze" else MAX_ANSWER_WORDS
    for item in items(card):
        count = len(words(item.answer))
        if count > limit:
            yield (
                "long-answer",
                f"{item.label}: the answer has {count} words (over {limit}); "
                "one fact per item, the explanation goes in `extra`",
            )


# A Markdown list item: "- ", "* ", "+ ", "• " or "1." / "1)" at the start of a line.
_LIST_ITEM_RE = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+\S", re.MULTILINE)


def list_answer(card: Card) -> Iterator[tuple[str, str]]:
    """The basic card's cloze-set: a list recalled as one answer."""
    if card.content.type == "basic" and len(_LIST_ITEM_RE.findall(card.content.back)) >= 2:
        yield (
            "list-answer",
            "the answer is a list: a set is hard to recall as a whole; make one card per "
            "element, or ask about the list another way",
        )


def missing_source(card: Card) -> Iterator[tuple[str, str]]:
    # A note card has no `source` of its own: its note type's fields are all it has.
    if not card.content.source.strip() and card.content.note_type is None:
        yield ("missing-source", "no `source`: say where in the source document this comes from")


_CONFLICT_RE = re.compile(
    r"\b(conflict\w*|contradict\w*|inconsisten\w*|mismatch\w*|disagree\w*)\b", re.IGNORECASE
)


def untagged_conflict(card: Card) -> Iterator[tuple[str, str]]:
    if CONFLICT_TAG in card.content.tags:
        return
    for field in ("front", "back", "text", "extra"):
        found = _CONFLICT_RE.search(getattr(card.content, field))
        if found:
            yield (
                "untagged-conflict",
                f"`{field}` mentions a {found.group(1).lower()} but the card lacks the tag "
                f"{CONFLICT_TAG}",
            )
            return


CARD_RULES: tuple[Finder, ...] = (
    answer_in_question,
    cloze_set,
    cloze_inferable,
    identifier_answer,
    yes_no_question,
    list_answer,
    long_answer,
    missing_source,
    untagged_conflict,
)
