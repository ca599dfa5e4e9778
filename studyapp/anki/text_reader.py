"""Reading text files of notes: Anki's "Notes in Plain Text" export (.txt, with its
`#key:value` header lines) and plain CSV/TSV of front and back, the form
spreadsheets and other flashcard sites export.

A text file is untrusted: only regular files are read (a FIFO or /dev/zero would
never end), up to reader_limits.MAX_TEXT_BYTES; an unclosed quote, an over-long
cell or a row of the wrong width is one `path:line` problem. A spreadsheet's
first row of column titles says what each column is; without one, a row of more
than two cells is refused rather than a column dropped.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from studyapp.anki.notetypes import BASIC_FIELDS, CLOZE_FIELDS, MODEL_NAMES
from studyapp.anki.reader_limits import MAX_FIELD_CHARS, MAX_TEXT_BYTES, regular_file_problem
from studyapp.anki.source_notes import NoteType, PackageError, SourceNote

SEPARATORS = {
    "comma": ",",
    "semicolon": ";",
    "tab": "\t",
    "space": " ",
    "pipe": "|",
    "colon": ":",
}
# The header lines Anki writes at the top of a text export; any other `#` row is a note.
ANKI_HEADER_KEYS = {
    "separator",
    "html",
    "tags",
    "columns",
    "notetype",
    "deck",
    "notetype column",
    "deck column",
    "tags column",
    "guid column",
}
# A spreadsheet's column titles, and what each column holds.
COLUMN_TITLES = {
    "front": "front",
    "question": "front",
    "term": "front",
    "back": "back",
    "answer": "back",
    "definition": "back",
    "extra": "extra",
    "back extra": "extra",
    "notes": "extra",
    "source": "source",
    "tags": "tags",
    "deck": "deck",
    "id": "id",
}
FIELD_NAMES = {"front": "Front", "back": "Back", "extra": "Extra", "source": "Source"}
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


def _read_text(path: Path) -> str:
    if problem := regular_file_problem(path):
        raise PackageError(f"{path}: {problem}")
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_TEXT_BYTES + 1)
    except OSError as exc:
        raise PackageError(f"{path}: cannot read ({exc.strerror})") from None
    if len(raw) > MAX_TEXT_BYTES:
        raise PackageError(f"{path}: larger than {MAX_TEXT_BYTES:,} bytes; split it")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise PackageError(f"{path}:{line}: not UTF-8 text") from None


def _header(lines: list[str]) -> dict[str, str]:
    """Anki's `#key:value` lines at the top of the file (known keys only)."""
    header: dict[str, str] = {}
    for line in lines:
        key, colon, value = (
            line[1:].rstrip("\r\n").partition(":") if line[:1] == "#" else ("", "", "")
        )
        if not colon or key.strip().lower() not in ANKI_HEADER_KEYS:
            break
        header[key.strip().lower()] = value
    return header


def _delimiter(header: dict[str, str], path: Path, body: str) -> str:
    if "separator" in header:
        return _separator(header["separator"], path, 1 + list(header).index("separator"))
    if path.suffix.lower() in (".tsv", ".txt"):
        return "\t"
    try:  # many locales' spreadsheets write semicolons
        return csv.Sniffer().sniff(body[:65536], delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _rows(body: str, delimiter: str, path: Path, first_line: int) -> list[tuple[int, list[str]]]:
    """(line, cells) of each row; csv's errors as `path:line` problems."""
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter, strict=True)
    rows = []
    line = first_line + 1
    try:
        for row in reader:
            rows.append((line, row))
            line = first_line + reader.line_num + 1
    except csv.Error as exc:
        reason = str(exc)
        if "field larger than field limit" in reason:
            reason = f"a cell is longer than {MAX_FIELD_CHARS:,} characters"
        elif "unexpected end of data" in reason:
            reason = "a quote opened here is never closed"
        raise PackageError(f"{path}:{line}: {reason}") from None
    return rows


def _titles(row: list[str]) -> list[str] | None:
    """What each column holds, if `row` is a spreadsheet's column titles."""
    roles = [COLUMN_TITLES.get(cell.strip().lower()) for cell in row]
    if not all(roles) or "front" not in roles or "back" not in roles:
        return None
    if len(set(roles)) != len(roles):
        return None
    return [r for r in roles if r]


def read_text_notes(path: Path, default_deck: str) -> list[SourceNote]:
    """Notes from a text file; `default_deck` for rows without a deck column."""
    text = _read_text(path)
    lines = text.splitlines(keepends=True)
    header = _header(lines)
    body = "".join(lines[len(header) :])
    rows = _rows(body, _delimiter(header, path, body), path, len(header))
    rows = [(line, row) for line, row in rows if any(cell.strip() for cell in row)]
    if not header:
        return _spreadsheet_notes(path, rows, default_deck)
    is_html = header.get("html", "false").strip().lower() == "true"
    columns = {
        key: _column(header[f"{key} column"], path, 1 + list(header).index(f"{key} column"))
        for key in ("guid", "notetype", "deck", "tags")
        if f"{key} column" in header
    }
    global_tags = tuple(header.get("tags", "").split())
    notes: list[SourceNote] = []
    width: int | None = None
    for line, row in rows:
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
        name = meta.get("notetype", "").strip() or header.get("notetype", "").strip() or "Basic"
        note_type = BASIC if name == "Basic" else _note_type_named(name, len(values))
        notes.append(
            SourceNote(
                meta.get("guid") or None,
                note_type,
                values,
                tuple(meta.get("tags", "").split()) + global_tags,
                meta.get("deck", "").strip() or header.get("deck", "").strip() or default_deck,
                is_html,
                line,
                f"{path.name}:{line}",
            )
        )
    return notes


def _spreadsheet_notes(
    path: Path, rows: list[tuple[int, list[str]]], default_deck: str
) -> list[SourceNote]:
    """Rows of a plain CSV/TSV: front and back, or the columns its title row names."""
    if not rows:
        return []
    roles = _titles(rows[0][1])
    named = [cell.strip().lower() for cell in rows[0][1]]
    if roles is None and {"front", "back"} <= {COLUMN_TITLES.get(c) for c in named}:
        unknown = [c for c in rows[0][1] if COLUMN_TITLES.get(c.strip().lower()) is None]
        reason = (
            f"column '{unknown[0].strip()}' is none StudyApp knows "
            "(front, back, extra, source, tags, deck, id); nothing is left out silently"
            if unknown
            else "two columns hold the same thing (e.g. Back and Answer)"
        )
        raise PackageError(f"{path}:{rows[0][0]}: {reason}")
    if roles is None:
        roles = ["front", "back"]
        width = len(rows[0][1])
        if width > 2:
            raise PackageError(
                f"{path}:{rows[0][0]}: {width} columns, but without a first row of column "
                "titles only front and back are known; name the columns in a first row "
                "(front, back, extra, source, tags, deck, id)"
            )
    else:
        rows = rows[1:]
    field_roles = [r for r in roles if r in FIELD_NAMES]
    note_type = NoteType("Basic", False, tuple(FIELD_NAMES[r] for r in field_roles), 1)
    notes = []
    for line, row in rows:
        if len(row) < 2:
            raise PackageError(f"{path}:{line}: a note needs a front and a back column")
        if len(row) != len(roles):
            raise PackageError(
                f"{path}:{line}: row has {len(row)} columns, the rows before it {len(roles)}"
            )
        cells = dict(zip(roles, row, strict=True))
        notes.append(
            SourceNote(
                None,
                note_type,
                tuple(cells[r] for r in field_roles),
                tuple(cells.get("tags", "").split()),
                cells.get("deck", "").strip() or default_deck,
                False,
                line,
                f"{path.name}:{line}",
                cells.get("id", "").strip() or None,
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
