"""Converted decks as deck files: their TOML text, read back as `studyapp check` reads it."""

from __future__ import annotations

import bisect
from pathlib import Path
from typing import TYPE_CHECKING

from studyapp.anki.note_cards import note_type_names, note_type_toml, toml_string
from studyapp.cards import STRIPPED_FIELDS
from studyapp.deckfile.reader import Deck, DeckFileError, Problem, parse_deck

if TYPE_CHECKING:
    from studyapp.anki.convert import Conversion


def deck_toml(deck: Deck) -> str:
    """The deck as a deck file (TOML) that `studyapp check` accepts."""
    lines = ["[deck]", f"id = {toml_string(deck.id)}", f"name = {toml_string(deck.name)}"]
    if deck.description:
        lines.append(f"description = {toml_string(deck.description)}")
    names = note_type_names(deck)
    for note_type, name in names.items():
        lines += ["", *note_type_toml(note_type, name)]
    for card in deck.cards:
        lines += ["", "[[cards]]", f"id = {toml_string(card.id)}"]
        if card.content.type != "basic":
            lines.append(f"type = {toml_string(card.content.type)}")
        if card.content.note_type is not None:
            lines.append(f"note_type = {toml_string(names[card.content.note_type])}")
            values = [
                f"{toml_string(name)} = {toml_string(value)}"
                for name, value in zip(
                    card.content.note_type.fields, card.content.fields, strict=False
                )
                if value
            ]
            lines.append(f"fields = {{ {', '.join(values)} }}")
        for key in STRIPPED_FIELDS:
            if value := getattr(card.content, key):
                lines.append(f"{key} = {toml_string(value)}")
        if card.content.tags:
            lines.append(f"tags = [{', '.join(toml_string(t) for t in card.content.tags)}]")
        if card.content.guid:
            lines.append(f"guid = {toml_string(card.content.guid)}")
    return "\n".join(lines) + "\n"


def validated_decks(conversion: Conversion) -> list[Deck]:
    """The converted decks as `studyapp check` reads them (DeckFileError if not valid).

    The deck files do not exist yet: each problem names the note it came from
    ("quiz.csv:12", "deck.apkg: note GUID") instead of a line of a generated file.
    """
    decks, problems = [], []
    for deck in conversion.decks:
        text = deck_toml(deck)
        try:
            decks.append(parse_deck(text, Path(f"{deck.id}.toml")))
        except DeckFileError as exc:
            starts = [n for n, line in enumerate(text.splitlines(), 1) if line == "[[cards]]"]
            for problem in exc.problems:
                index = bisect.bisect_right(starts, problem.line or 0) - 1
                origin = conversion.origins.get(deck.cards[index].id) if index >= 0 else None
                where = origin or f"deck '{deck.name}'"
                problems.append(Problem(Path(where), None, problem.message))
    if problems:
        raise DeckFileError(problems)
    return decks
