"""Notes that keep their own Anki note type: converted as `note` cards, written as
`[[note_types]]` tables beside them (see deck_notetypes.py for the format)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from studyapp.anki.source_notes import SourceNote
from studyapp.cards import CardContent
from studyapp.deckfile.notetypes import CardTemplate, NoteType
from studyapp.deckfile.reader import Card, Deck

if TYPE_CHECKING:
    from studyapp.anki.convert import Conversion


def toml_string(value: str) -> str:
    """A TOML basic string: JSON's escaping is valid TOML, once DEL is escaped too."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007F")


def card_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """A note's tags as a card keeps them: blank ones and Anki's own "leech" left out."""
    return tuple(dict.fromkeys(t for t in tags if t.strip() and t.lower() != "leech"))


def note_card(note: SourceNote, conversion: Conversion, where: str, card_id: str) -> Card | None:
    """A note of its own note type: its fields as Anki has them (HTML, byte for byte)."""
    source = note.note_type
    note_type = NoteType(
        source.name,
        source.anki_id,
        source.cloze,
        source.fields,
        tuple(CardTemplate(name, qfmt, afmt) for name, qfmt, afmt in source.formats),
        source.css,
    )
    values = tuple(note.fields) + ("",) * (len(source.fields) - len(note.fields))
    # A package this app exported carries the student's note in a field: not the tutor's.
    values = conversion.without_sent_note(note_type, values[: len(source.fields)])
    tags = card_tags(note.tags)
    if not note_type.ords(values, tags):
        conversion.skipped.append(f"{where}: makes no card in Anki (every front is empty)")
        return None
    conversion.mapping[f"{source.name} → its own note type ({len(source.formats)} templates)"] += 1
    return Card(
        card_id,
        CardContent(
            "note",
            tags=tags,
            guid=note.guid or "",
            note_type=note_type,
            fields=values,
        ),
    )


def note_type_names(deck: Deck) -> dict[NoteType, str]:
    """Each note type the deck's cards use, by a name unique in the file."""
    names: dict[NoteType, str] = {}
    for card in deck.cards:
        if card.content.note_type is not None and card.content.note_type not in names:
            name = card.content.note_type.name
            if name in names.values():
                name = f"{name} ({card.content.note_type.anki_id})"
            names[card.content.note_type] = name
    return names


def note_type_toml(note_type: NoteType, name: str) -> list[str]:
    """A `[[note_types]]` table: one line per key, one per template."""
    lines = [
        "[[note_types]]",
        f"name = {toml_string(name)}",
        f"anki_id = {note_type.anki_id}",
    ]
    if note_type.cloze:
        lines.append('kind = "cloze"')
    lines.append(f"fields = [{', '.join(toml_string(f) for f in note_type.fields)}]")
    lines.append("templates = [")
    for template in note_type.templates:
        lines.append(
            f"  {{ name = {toml_string(template.name)}, front = {toml_string(template.front)}, "
            f"back = {toml_string(template.back)} }},"
        )
    lines.append("]")
    if note_type.css:
        lines.append(f"css = {toml_string(note_type.css)}")
    return lines
