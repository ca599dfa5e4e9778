"""`studyapp lint`: card-quality checks for tutors, beyond `studyapp check`'s validity.

:func:`lint_paths` validates the deck files first (invalid files are reported as
:class:`~studyapp.deckfile.reader.Problem` lines and not linted), then runs every rule of
:data:`RULES` on every card, near-duplicate and mirror-image detection across all decks
given, and, given the source text the decks were written from, holds every answer to it.

A card switches a rule off for itself with a reason::

    lint_ignore = [{rule = "yes-no-question", reason = "the yes/no is the point here"}]

An entry naming no known rule, or giving no reason, is itself an error (rule
``lint-ignore``); an entry that suppresses nothing is a warning.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from studyapp.cardtext import note_faces
from studyapp.deckfile.fields import quoted
from studyapp.deckfile.notetypes import template_findings
from studyapp.deckfile.reader import Card, Deck, Problem, check_paths
from studyapp.lint.against_source import off_source_findings
from studyapp.lint.duplicates import near_duplicates
from studyapp.lint.mirrors import mirror_images
from studyapp.lint.rules import CARD_RULES, RULES, Rule, Severity

__all__ = ["RULES", "Finding", "LintReport", "Rule", "Severity", "lint_decks", "lint_paths"]


@dataclass(frozen=True, slots=True)
class Finding:
    path: Path
    line: int | None
    card_id: str
    rule: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.card_id}: {self.rule}: {self.severity}: {self.message}"

    def to_json(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "line": self.line,
            "card": self.card_id,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass
class LintReport:
    decks: list[Deck] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def count(self, severity: Severity) -> int:
        return sum(f.severity == severity for f in self.findings)

    @property
    def failed(self) -> bool:
        """Invalid input or at least one error (warnings alone pass)."""
        return bool(self.problems) or self.count("error") > 0

    def to_json(self) -> dict[str, object]:
        return {
            "findings": [f.to_json() for f in self.findings],
            "problems": [
                {"path": str(p.path), "line": p.line, "message": p.message} for p in self.problems
            ],
            "summary": {
                "decks": len(self.decks),
                "cards": sum(len(d.cards) for d in self.decks),
                "errors": self.count("error"),
                "warnings": self.count("warning"),
            },
        }


def _deck_path(deck: Deck) -> Path:
    return deck.path if deck.path is not None else Path(f"<{deck.id}>")


def _suppressions(card: Card) -> tuple[dict[str, str], list[tuple[str, Severity, str]]]:
    """Valid (rule -> reason) suppressions of a card, and findings about the invalid ones."""
    valid: dict[str, str] = {}
    bad: list[tuple[str, Severity, str]] = []
    for rule, reason in card.lint_ignore:
        if rule not in RULES or rule == "lint-ignore":
            bad.append(
                (
                    "lint-ignore",
                    "error",
                    f"lint_ignore names no known rule '{rule}' (rules: {', '.join(sorted(RULES))})",
                )
            )
        elif not reason:
            bad.append(
                (
                    "lint-ignore",
                    "error",
                    f"lint_ignore of '{rule}' gives no reason: say why the rule does not "
                    "apply to this card",
                )
            )
        else:
            valid[rule] = reason
    return valid, bad


def _as_linted(deck: Deck) -> Deck:
    """Note cards are held to the rules by their first card's question and answer (their
    fronts and backs are in their note type's templates)."""
    if all(card.content.note_type is None for card in deck.cards):
        return deck
    cards = []
    for card in deck.cards:
        if card.content.note_type is not None and card.content.ords:
            shown = note_faces(card.content.stored_text, card.content.ords[0])
            content = dataclasses.replace(
                card.content, type="basic", front=shown.question, back=shown.answer
            )
            card = dataclasses.replace(card, content=content)
        cards.append(card)
    return dataclasses.replace(deck, cards=tuple(cards))


def lint_decks(decks: Sequence[Deck], source: str | None = None) -> list[Finding]:
    """Every finding for `decks` (already valid), in file and line order; answers are held
    to `source`, the text the decks were written from, when it is given."""
    decks = [_as_linted(deck) for deck in decks]
    raw: list[tuple[Deck, Card, str, str]] = []
    for deck in decks:
        for card in deck.cards:
            for finder in CARD_RULES:
                raw.extend((deck, card, rule, message) for rule, message in finder(card))
    raw.extend(_anki_template_findings(decks))
    mirrors = list(mirror_images(decks))
    raw.extend((m.deck, m.card, "mirror-image", m.message) for m in mirrors)
    known = frozenset((id(m.earlier), id(m.card)) for m in mirrors)
    raw.extend(
        (deck, card, "near-duplicate", message)
        for deck, card, message in near_duplicates(decks, known=known)
    )
    if source is not None:
        raw.extend(
            (deck, card, "off-source", message)
            for deck, card, message in off_source_findings(decks, source)
        )

    findings: list[Finding] = []
    used: set[tuple[int, str]] = set()
    suppressions = {id(card): _suppressions(card) for deck in decks for card in deck.cards}
    for deck, card, rule, message in raw:
        if rule in suppressions[id(card)][0]:
            used.add((id(card), rule))
            continue
        findings.append(
            Finding(_deck_path(deck), card.line, card.id, rule, RULES[rule].severity, message)
        )
    for deck in decks:
        for card in deck.cards:
            valid, bad = suppressions[id(card)]
            for rule, severity, message in bad:
                findings.append(
                    Finding(_deck_path(deck), card.line, card.id, rule, severity, message)
                )
            for rule in valid:
                # Without the source, an off-source suppression has nothing to suppress yet.
                if (id(card), rule) not in used and (rule != "off-source" or source is not None):
                    findings.append(
                        Finding(
                            _deck_path(deck),
                            card.line,
                            card.id,
                            "lint-ignore",
                            "warning",
                            f"lint_ignore of '{rule}' suppresses nothing: remove it",
                        )
                    )
    order = {id(deck): index for index, deck in enumerate(decks)}
    by_path = {_deck_path(deck): order[id(deck)] for deck in decks}
    findings.sort(key=lambda f: (by_path.get(f.path, 0), f.line or 0, f.rule))
    return findings


def _anki_template_findings(decks: Sequence[Deck]) -> Iterator[tuple[Deck, Card, str, str]]:
    """A template Anki would show as an error, once per note type, on its first card (check
    refuses such templates in a hand-written note type, but keeps Anki's own as they are)."""
    seen: set[str] = set()
    for deck in decks:
        for card in deck.cards:
            note_type = card.content.note_type
            if note_type is None or note_type.name in seen:
                continue
            seen.add(note_type.name)
            for template in note_type.templates:
                for message in template_findings(template, note_type.fields):
                    yield (
                        deck,
                        card,
                        "anki-template",
                        f"note type '{quoted(note_type.name)}', {message}",
                    )


def lint_paths(paths: Iterable[Path], source: str | None = None) -> LintReport:
    """Validate and lint the deck files and folders in `paths` (answers held to `source`)."""
    decks, problems = check_paths(paths)
    return LintReport(decks, problems, lint_decks(decks, source))
