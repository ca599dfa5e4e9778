"""Reading text files of notes: Anki's "Notes in Plain Text" export (.txt, with its
`#key:value` header lines) and plain CSV/TSV of front and back, the form
spreadsheets and other flashcard sites export.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from studyapp.anki.apkg_reader import NoteType, PackageError, SourceNote
from studyapp.anki.notetypes import BASIC_FIELDS, CLOZE_FIELDS, MODEL_NAMES

SEPARATORS = {
    "comma": ",",
    "semicolon": ";",
    "tab": "\t",
    "space": " ",
    "pipe": "|",
    "colon": ":",
}
# Column titles a spreadsheet's first row may have (skipped when it is exactly one of these).
HEADER_ROWS = [["front", "back"], ["question", "answer"], ["term", "definition"]]
BASIC = NoteType("Basic", False, ("Front", "Back"), 1)


def _separator(value: str, path: Path, line: int) -> str:
    value = value.strip()
    if value.lower() in SEPARATORS:
        return SEPARATORS[value.lower()]
    if len(value) == 1 and value in SEPARATORS.values():
        return value
    raise PackageError(f"{path}:{line}: unknown #separator '{value}'")


def _column(value: str, path: Path, line: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        number = 0
    if number < 1:
        raise PackageError(f"{path}:{line}: a column number must be 1 or more, not '{value}'")
    return number - 1


def read_text_notes(path: Path, default_deck: str) -> list[SourceNote]:
    """Notes from a text file; `default_deck` for rows without a deck column."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PackageError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PackageError(f"{path}: not UTF-8 text") from None
    lines = text.splitlines(keepends=True)
    header: dict[str, str] = {}
    first_row = 0
    while first_row < len(lines) and lines[first_row].startswith("#"):
        key, _, value = lines[first_row][1:].rstrip("\r\n").partition(":")
        header[key.strip().lower()] = value
        first_row += 1
    if "separator" in header:
        delimiter = _separator(header["separator"], path, 1 + list(header).index("separator"))
    elif path.suffix.lower() in (".tsv", ".txt"):
        delimiter = "\t"
    else:
        delimiter = ","
    is_html = header.get("html", "false").strip().lower() == "true"
    columns = {
        key: _column(header[f"{key} column"], path, 1 + list(header).index(f"{key} column"))
        for key in ("guid", "notetype", "deck", "tags")
        if f"{key} column" in header
    }
    global_tags = tuple(header.get("tags", "").split())
    reader = csv.reader(io.StringIO("".join(lines[first_row:])), delimiter=delimiter)
    notes: list[SourceNote] = []
    width: int | None = None
    for row in reader:
        line = first_row + reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if width is None and not header and [c.strip().lower() for c in row] in HEADER_ROWS:
            continue  # a spreadsheet's column titles
        if width is None:
            width = len(row)
        elif len(row) != width and "notetype" not in columns:
            raise PackageError(
                f"{path}:{line}: row has {len(row)} columns, the rows before it {width}"
            )
        meta = {key: row[index] if index < len(row) else "" for key, index in columns.items()}
        values = tuple(cell for index, cell in enumerate(row) if index not in columns.values())
        if len(values) < 2:
            raise PackageError(f"{path}:{line}: a note needs a front and a back column")
        name = meta.get("notetype", "").strip() or "Basic"
        note_type = BASIC if name == "Basic" else _note_type_named(name, len(values))
        notes.append(
            SourceNote(
                meta.get("guid") or None,
                note_type,
                values,
                tuple(meta.get("tags", "").split()) + global_tags,
                meta.get("deck", "").strip() or default_deck,
                is_html,
                line,
            )
        )
    return notes


def _note_type_named(name: str, field_count: int) -> NoteType:
    """A note type known only by its name (text exports carry no field names)."""
    lowered = name.lower()
    if name == MODEL_NAMES["basic"]:
        return NoteType(name, False, BASIC_FIELDS, 2)
    if name == MODEL_NAMES["cloze"]:
        return NoteType(name, True, CLOZE_FIELDS, 1)
    cloze = "cloze" in lowered
    if "optional reversed" in lowered:
        return NoteType(name, False, ("Front", "Back", "Add Reverse")[:field_count], 2)
    if "reversed" in lowered:
        return NoteType(name, False, ("Front", "Back"), 2)
    names = ("Text", "Back Extra") if cloze else ("Front", "Back")
    return NoteType(name, cloze, names + tuple(f"Field {n}" for n in range(3, field_count + 1)), 1)
