"""What an export sends to Anki: decks of notes, read from deck files or the database."""

from __future__ import annotations

import re
from collections.abc import Container, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studyapp.anki.fields import field_html, media_names
from studyapp.anki.guids import card_guid
from studyapp.anki.notetypes import REVERSE_MARK
from studyapp.cards import CardContent
from studyapp.deckfile.notetypes import NoteType
from studyapp.deckfile.reader import Deck
from studyapp.deckfile.templates import (
    Node,
    Replacement,
    Section,
    TemplateError,
    field_is_empty,
    parse,
)
from studyapp.locations import media_dir_beside
from studyapp.study import sm2

if TYPE_CHECKING:
    from studyapp.store import Store

# The folder next to deck files that holds their images and sounds.
MEDIA_FOLDER = "media"

# How the student's own note on a card is labelled in Anki's Extra field.
STUDENT_NOTE_LABEL = "My note"
# What sets the note apart from the tutor's text in a field of an Anki note type.
NOTE_SEPARATOR = "<br><br>"
# The note as the export writes it into such a field (field_html of the labelled note:
# one paragraph bare, several in <p>), alone or after the separator.
_SENT_NOTE_RE = re.compile(
    rf"(?:^|{NOTE_SEPARATOR})(?:<p>)?<strong>{re.escape(STUDENT_NOTE_LABEL)}:</strong> "
)


class ExportError(Exception):
    """The export could not be written; nothing was left at the destination."""


@dataclass(frozen=True, slots=True)
class ItemProgress:
    """One study item's SM-2 state and its review log, for --with-progress."""

    state: sm2.SM2State
    suspended: bool
    reviews: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True, slots=True)
class ExportNote:
    """One note an export sends: where it comes from, what it says, its progress."""

    deck_id: str
    card_key: str
    content: CardContent
    # Anki card ordinal -> progress; empty when exporting without progress.
    progress: Mapping[int, ItemProgress] = field(default_factory=dict)

    @property
    def anki_guid(self) -> str:
        content = self.content
        return card_guid(self.deck_id, self.card_key, content.type, content.guid or None)

    @property
    def family(self) -> str:
        """Which note type the note goes under (the card model's note family)."""
        return self.content.note_family

    @property
    def ords(self) -> list[int]:
        return self.content.ords

    @property
    def note_kept_back(self) -> bool:
        """The student's note is on a card whose note type has no field to carry it."""
        note_type = self.content.note_type
        if note_type is None or not self.content.extra:
            return False
        return student_note_field(note_type) is None

    def fields(
        self,
        media: Container[str] = (),
        used: set[str] | None = None,
        media_dir: Path | None = None,
    ) -> list[str]:
        """The note's fields as Anki HTML, in the note type's order."""
        content = self.content
        if content.note_type is not None:
            # Anki's own HTML, sent back byte for byte (but for the student's note, below);
            # its pictures go along.
            values = list(content.fields)
            if used is not None:
                used.update(
                    name for value in values for name in media_names(value) if name in media
                )
            # A note card has no Extra of its own: there it holds the student's note.
            index = student_note_field(content.note_type) if content.extra else None
            if index is not None and index < len(values):
                note = field_html(content.extra, media, used)
                kept = values[index]
                values[index] = note if field_is_empty(kept) else f"{kept}{NOTE_SEPARATOR}{note}"
            return values
        if content.type == "occlusion":
            from studyapp.anki.occlusion_notes import occlusion_fields

            return occlusion_fields(self, media, used, media_dir)
        if content.type == "cloze":
            texts: tuple[str, ...] = (content.text, content.extra, content.source)
            return [field_html(t, media, used) for t in texts]
        texts = (content.front, content.back, content.extra, content.source)
        reverse = REVERSE_MARK if content.type == "reversed" else ""
        return [*(field_html(t, media, used) for t in texts), reverse]


@dataclass(frozen=True, slots=True)
class ExportDeck:
    id: str
    name: str
    description: str
    notes: tuple[ExportNote, ...]
    # Where the deck's images and sounds are (deck files: MEDIA_FOLDER next to them).
    media_dir: Path | None = None
    # Notes to delete (plan.deletion_marker) of a deck that is also exported.
    marker: bool = False


def decks_from_files(decks: Sequence[Deck]) -> list[ExportDeck]:
    return [
        ExportDeck(
            d.id,
            d.name,
            d.description,
            tuple(ExportNote(d.id, c.id, c.content) for c in d.cards),
            d.path.parent / MEDIA_FOLDER if d.path is not None else None,
        )
        for d in decks
    ]


def _store_notes(store: Store, deck_id: str) -> Iterator[ExportNote]:
    for row in store.exports.deck_card_rows(deck_id):
        content = _without_sent_notes(CardContent.from_columns(row))
        content = replace(content, extra=with_student_note(content.extra, row["note"]))
        yield ExportNote(deck_id, row["card_key"], content)


def _without_sent_notes(content: CardContent) -> CardContent:
    """A card as the tutor wrote it: imports before round trips were fixed kept the note
    an export had sent in the card's text, and the next export would send it again."""
    if content.note_type is not None:
        return replace(content, fields=without_sent_note(content.note_type, content.fields))
    return replace(content, extra=without_student_note(content.extra))


def with_student_note(extra: str, note: str) -> str:
    """The Extra field with the student's own note on the card below it (Anki has no
    field for it; a note type of our own with one more field would be a new note type)."""
    if not note.strip():
        return extra
    labelled = f"**{STUDENT_NOTE_LABEL}:** {note.strip()}"
    return f"{extra}\n\n{labelled}" if extra else labelled


def without_student_note(extra: str) -> str:
    """Extra (card text) as it was before with_student_note: an exported package read
    back must not bring the student's note in as the tutor's text, or each round trip
    would add it once more. Cut at the first label, so copies left by older round trips
    go too; the note itself stays where it lives, on the card in the database."""
    labelled = f"**{STUDENT_NOTE_LABEL}:** "
    if extra.startswith(labelled):
        return ""
    at = extra.find(f"\n\n{labelled}")
    return extra if at < 0 else extra[:at]


def without_sent_note(note_type: NoteType, values: Sequence[str]) -> tuple[str, ...]:
    """An Anki note's fields without the student's note ExportNote.fields added to the
    field that carries it (as without_student_note, from the first label on)."""
    index = student_note_field(note_type)
    if index is None or index >= len(values):
        return tuple(values)
    match = _SENT_NOTE_RE.search(values[index])
    if match is None:
        return tuple(values)
    kept = values[index][: match.start()]
    return (*values[:index], kept, *values[index + 1 :])


@lru_cache(maxsize=256)  # one parse per note type, not per note
def student_note_field(note_type: NoteType) -> int | None:
    """The field of an Anki note type that can carry the student's note: the last one
    every card's answer shows as it is and no question reads (Basic's Back, Cloze's Back
    Extra), so the note changes no question, no card and not the note type. None when
    there is none (a reversed card's question reads its Back)."""
    try:
        questions = [parse(template.front) for template in note_type.templates]
        answers = [parse(template.back) for template in note_type.templates]
    except TemplateError:
        return None
    read = set().union(*(_keys(nodes, shown_only=False) for nodes in questions))
    shown = set(note_type.fields).intersection(
        *(_keys(nodes, shown_only=True) for nodes in answers)
    )
    found = [index for index, name in enumerate(note_type.fields) if name in shown - read]
    return found[-1] if found and note_type.templates else None


def _keys(nodes: Sequence[Node], shown_only: bool) -> set[str]:
    """The fields a template reads: in any replacement or section, or (`shown_only`) only
    those it shows unfiltered (a hint hides a field, a typed answer compares it)."""
    keys: set[str] = set()
    for node in nodes:
        if isinstance(node, Replacement):
            if not (shown_only and node.filters):
                keys.add(node.key)
        elif isinstance(node, Section):
            if not shown_only:
                keys.add(node.key)
            keys |= _keys(node.children, shown_only)
    return keys


def decks_from_store(
    store: Store, deck_ids: Sequence[str] | None = None, media_dir: Path | None = None
) -> list[ExportDeck]:
    """Every active deck in the database (or those in `deck_ids`), as the student has them."""
    return [
        ExportDeck(
            d["id"], d["name"], d["description"], tuple(_store_notes(store, d["id"])), media_dir
        )
        for d in store.exports.deck_rows(deck_ids)
    ]


def with_progress_from(store: Store, decks: Sequence[ExportDeck]) -> list[ExportDeck]:
    """The same decks, each note carrying its items' SM-2 state and review log."""
    result = []
    for deck in decks:
        by_card: dict[str, dict[int, ItemProgress]] = {}
        for (card_key, ord_), (state, suspended, reviews) in store.exports.deck_progress(
            deck.id
        ).items():
            by_card.setdefault(card_key, {})[ord_] = ItemProgress(state, suspended, reviews)
        notes = tuple(replace(note, progress=by_card.get(note.card_key, {})) for note in deck.notes)
        result.append(replace(deck, notes=notes))
    return result


def store_media_dir(store: Store) -> Path | None:
    """Where the images and sounds of decks imported from Anki are kept: next to the
    database (None for a database in memory)."""
    return media_dir_beside(store.database_file())
