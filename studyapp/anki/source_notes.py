"""What the readers of Anki packages and text files hand to the conversion."""

from __future__ import annotations

from dataclasses import dataclass


class PackageError(Exception):
    """A source that cannot be read; the message names the file and the reason."""


@dataclass(frozen=True, slots=True)
class NoteType:
    name: str
    cloze: bool
    fields: tuple[str, ...]
    templates: int
    # What a converted note keeps of its note type: Anki's id, its templates
    # (name, question format, answer format) and CSS; empty for text files.
    anki_id: int = 0
    formats: tuple[tuple[str, str, str], ...] = ()
    css: str = ""


@dataclass(frozen=True, slots=True)
class SourceNote:
    """One note as Anki had it: field values are Anki's HTML."""

    guid: str | None
    note_type: NoteType
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    deck: str
    is_html: bool = True
    line: int | None = None
    # Where the note came from, for messages: "deck.apkg" or "quiz.csv:12".
    origin: str = ""
    # The source's own id for the note (a spreadsheet's id column): kept across rewording.
    key: str | None = None
    # The ordinals of the note's cards Anki has suspended (queue -1).
    suspended: tuple[int, ...] = ()
