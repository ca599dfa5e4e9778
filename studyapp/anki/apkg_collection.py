"""The notes, note types and decks of an Anki collection database from a package.

The database is untrusted: every value is checked for its type and size before
use, note types and decks must be what Anki writes, and a time limit interrupts
any query (a `notes` view over an endless CTE). Problems raise CollectionError
naming the note or note type.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from studyapp.anki.reader_limits import (
    MAX_FIELD_CHARS,
    MAX_NOTES,
    Deadline,
    LimitExceeded,
    check_json,
)
from studyapp.anki.source_notes import NoteType, SourceNote

T = TypeVar("T")

NEWER_ANKI_PLACEHOLDER = "This file requires a newer version of Anki"
# Anki's cards have at most this many templates (or cloze numbers).
MAX_CARD_ORD = 1000
# A card's queue when the tutor suspended it.
SUSPENDED_QUEUE = -1
# Deck and note type names longer than this are not names.
MAX_NAME_CHARS = 1000


class CollectionError(Exception):
    """The collection cannot be read; the message says where and why."""


def protobuf_fields(data: bytes) -> Iterator[tuple[int, int, bytes | int]]:
    """(field number, wire type, value) of a protobuf message: enough for Anki's small ones.

    ValueError on anything malformed: a varint over 64 bits, a length past the end.
    """
    pos = 0

    def varint() -> int:
        nonlocal pos
        result = shift = 0
        while True:
            if pos >= len(data) or shift > 63:
                raise ValueError("malformed protobuf varint")
            byte = data[pos]
            pos += 1
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return result

    while pos < len(data):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            yield number, wire, varint()
        elif wire == 2:
            length = varint()
            if length > len(data) - pos:
                raise ValueError("protobuf length past the end of the message")
            yield number, wire, data[pos : pos + length]
            pos += length
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
            if pos > len(data):
                raise ValueError("protobuf value past the end of the message")
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")


def read_collection(db_path: Path, deadline: Deadline, package: str = "") -> list[SourceNote]:
    """Every note of the collection at `db_path`, with its note type and deck
    (`package`, the package's name, goes into each note's origin)."""
    return read_guarded(
        db_path, deadline, "Anki collection", lambda conn: _read_notes(conn, deadline, package)
    )


def read_guarded(
    db_path: Path, deadline: Deadline, what: str, read: Callable[[sqlite3.Connection], T]
) -> T:
    """`read` on a read-only connection to the collection at `db_path`, within `deadline`;
    every SQLite failure, limit or time-out is one CollectionError about `what`."""
    conn = sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True)
    conn.set_progress_handler(lambda: int(deadline.passed()), 10_000)
    conn.text_factory = bytes  # decoded (and checked) by the readers, not by sqlite3
    try:
        result = read(conn)
        deadline.check()
        return result
    except sqlite3.OperationalError as exc:
        if deadline.passed():
            raise CollectionError(f"reading took longer than {deadline.seconds:g} s") from None
        raise CollectionError(f"unreadable {what} ({exc})") from None
    except sqlite3.DatabaseError as exc:
        raise CollectionError(f"unreadable {what} ({exc})") from None
    except LimitExceeded as exc:
        raise CollectionError(str(exc)) from None
    finally:
        conn.close()


def _shown(value: object) -> str:
    """A value for a message: text (sqlite3 gives bytes here) is shown as text."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return repr(value)


def _text(value: object, what: str) -> str:
    """A TEXT value as Anki writes it: UTF-8 without NUL, or CollectionError."""
    if not isinstance(value, bytes):
        kind = "empty (NULL)" if value is None else f"a number ({value!r})"
        raise CollectionError(f"{what} is {kind}, not text")
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        raise CollectionError(f"{what} is not UTF-8 text") from None
    if "\x00" in text:
        raise CollectionError(f"{what} contains a NUL character")
    return text


def _name(value: object, what: str) -> str:
    name = _text(value, what)
    if len(name) > MAX_NAME_CHARS:
        raise CollectionError(f"{what} is {len(name):,} characters long")
    return name


def _id(value: object, what: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, bytes) and value.strip().lstrip(b"-").isdigit():
        return int(value)  # older Anki versions keep JSON ids as strings
    raise CollectionError(f"{what} is not a number")


def _tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0].decode("utf-8", "replace") for r in rows}


def _read_notes(conn: sqlite3.Connection, deadline: Deadline, package: str) -> list[SourceNote]:
    tables = _tables(conn)
    missing = [t for t in ("notes", "cards", "col") if t not in tables]
    if missing:
        raise CollectionError(f"not an Anki collection (no table {', '.join(missing)})")
    if "notetypes" in tables and "fields" in tables and "decks" in tables:
        note_types, decks = _schema18(conn)
    else:
        note_types, decks = _schema11(conn)
    deck_of: dict[int, int] = {}
    suspended: dict[int, list[int]] = {}
    # Anki's cards table always has odid and queue; a hand-made package may lack them.
    columns = {
        r[1].decode("utf-8", "replace") if isinstance(r[1], bytes) else str(r[1])
        for r in conn.execute("PRAGMA table_info(cards)")
    }
    home_deck = "odid" if "odid" in columns else "0"
    queue = "queue" if "queue" in columns else "0"
    rows = conn.execute(
        f"SELECT nid, did, {home_deck}, ord, {queue} FROM cards ORDER BY nid, ord DESC"
    )
    for nid, did, odid, ord_, card_queue in rows:
        if not isinstance(nid, int):
            continue
        # A card in a filtered deck belongs to its home deck (odid), as in Anki.
        home = odid if isinstance(odid, int) and odid in decks else did
        if isinstance(home, int):
            deck_of[nid] = home  # the lowest ord's deck wins (read last)
        if card_queue == SUSPENDED_QUEUE and isinstance(ord_, int) and 0 <= ord_ <= MAX_CARD_ORD:
            suspended.setdefault(nid, []).append(ord_)
    notes = []
    rows = conn.execute("SELECT id, guid, mid, tags, flds FROM notes ORDER BY id")
    for count, (nid, guid, mid, tags, flds) in enumerate(rows, 1):
        if count > MAX_NOTES:
            raise LimitExceeded(f"more than {MAX_NOTES:,} notes")
        if count % 1000 == 0:
            deadline.check()
        where = f"note {_shown(nid)}" if isinstance(nid, int) else f"note #{count}"
        note_type = note_types.get(mid) if isinstance(mid, int) else None
        if note_type is None:
            raise CollectionError(f"{where}: its note type ({_shown(mid)}) is not in the package")
        text = _text(flds, f"{where}: its fields")
        if NEWER_ANKI_PLACEHOLDER in text:
            raise CollectionError(
                "only a placeholder collection: in Anki, export it again with "
                "'Support older Anki versions' ticked"
            )
        fields = tuple(text.split("\x1f"))
        wanted = len(note_type.fields)
        if len(fields) > max(wanted, 1):
            raise CollectionError(
                f"{where} has {len(fields)} fields, its note type '{note_type.name}' {wanted}"
            )
        fields += ("",) * (wanted - len(fields))  # as Anki's Check Database pads them
        for index, value in enumerate(fields, 1):
            if len(value) > MAX_FIELD_CHARS:
                raise LimitExceeded(
                    f"{where}: field {index} is {len(value):,} characters "
                    f"(at most {MAX_FIELD_CHARS:,})"
                )
        guid_text = None if guid is None else _name(guid, f"{where}: its GUID")
        notes.append(
            SourceNote(
                guid_text,
                note_type,
                fields,
                tuple(_text(tags, f"{where}: its tags").split()),
                decks.get(deck_of.get(nid, 1), "Default") if isinstance(nid, int) else "Default",
                origin=f"{package}: note {guid_text}" if guid_text else f"{package}: {where}",
                suspended=tuple(sorted(suspended.get(nid, ()))) if isinstance(nid, int) else (),
            )
        )
    return notes


def _json_object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, bytes):
        raise CollectionError(f"{what} is missing")
    try:
        check_json(value, what)
        parsed = json.loads(value)
    except (ValueError, RecursionError) as exc:
        reason = str(exc) if isinstance(exc, LimitExceeded) else f"{what} is not valid JSON"
        raise CollectionError(reason) from None
    if not isinstance(parsed, dict):
        raise CollectionError(f"{what} is not a JSON object")
    return parsed


def _schema11(conn: sqlite3.Connection) -> tuple[dict[int, NoteType], dict[int, str]]:
    row = conn.execute("SELECT models, decks FROM col").fetchone()
    if row is None:
        raise CollectionError("the collection's 'col' row is missing")
    models = _json_object(row[0], "the note types' JSON")
    note_types = {}
    for key, model in models.items():
        where = f"note type {key!r}"
        if not isinstance(model, dict):
            raise CollectionError(f"{where} is not a JSON object")
        fields, templates = model.get("flds"), model.get("tmpls")
        if not isinstance(fields, list) or not all(
            isinstance(f, dict) and isinstance(f.get("name"), str) for f in fields
        ):
            raise CollectionError(f"{where}: 'flds' is not a list of named fields")
        if not isinstance(templates, list):
            raise CollectionError(f"{where}: 'tmpls' is not a list")
        name = model.get("name")
        if not isinstance(name, str) or len(name) > MAX_NAME_CHARS:
            raise CollectionError(f"{where}: its name is not text")
        ordered = sorted(fields, key=lambda f: f["ord"] if isinstance(f.get("ord"), int) else 0)
        formats = tuple(
            (str(t.get("name", "")), str(t.get("qfmt", "")), str(t.get("afmt", "")))
            for t in sorted(
                (t for t in templates if isinstance(t, dict)),
                key=lambda t: t["ord"] if isinstance(t.get("ord"), int) else 0,
            )
        )
        ntid = _id(key.encode(), where)
        css = model.get("css", "")
        note_types[ntid] = NoteType(
            name,
            model.get("type", 0) == 1,
            tuple(f["name"] for f in ordered),
            len(templates),
            ntid,
            formats,
            css if isinstance(css, str) else "",
        )
    decks = {}
    for key, deck in _json_object(row[1], "the decks' JSON").items():
        if not isinstance(deck, dict) or not isinstance(deck.get("name"), str):
            raise CollectionError(f"deck {key!r} has no name")
        decks[_id(key.encode(), f"deck {key!r}")] = _name(deck["name"].encode(), f"deck {key!r}")
    return note_types, decks


def _proto_text(value: bytes | int) -> str:
    if isinstance(value, int):
        raise ValueError("a text field holds a number")
    return value.decode("utf-8", errors="replace")


def _template_formats(ntid: object, name: object, config: object) -> tuple[str, str, str]:
    """A card template's name, question and answer formats (CardTemplate.Config 1 and 2)."""
    where = f"note type {_shown(ntid)}: a template"
    if config is not None and not isinstance(config, bytes):
        raise CollectionError(f"{where}: its config is not a protobuf message")
    try:
        parts = list(protobuf_fields(config or b""))
        qfmt = next((_proto_text(v) for n, w, v in parts if n == 1 and w == 2), "")
        afmt = next((_proto_text(v) for n, w, v in parts if n == 2 and w == 2), "")
    except ValueError as exc:
        raise CollectionError(f"{where}: its config is damaged ({exc})") from None
    return _name(name, f"{where}: its name"), qfmt, afmt


def _schema18(conn: sqlite3.Connection) -> tuple[dict[int, NoteType], dict[int, str]]:
    fields: dict[int, list[str]] = {}
    for ntid, name in conn.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
        fields.setdefault(_id(ntid, "a field's note type"), []).append(
            _name(name, f"note type {_shown(ntid)}: a field name")
        )
    templates: dict[object, int] = {}
    formats: dict[object, list[tuple[str, str, str]]] = {}
    if "templates" in _tables(conn):
        columns = {
            r[1].decode("utf-8", "replace") for r in conn.execute("PRAGMA table_info(templates)")
        }
        if {"name", "config", "ord"} <= columns:
            query = "SELECT ntid, name, config FROM templates ORDER BY ntid, ord"
            for ntid, name, config in conn.execute(query):
                templates[ntid] = templates.get(ntid, 0) + 1
                formats.setdefault(ntid, []).append(_template_formats(ntid, name, config))
        else:  # a templates table without them: counted, no formats (the note maps as text)
            query = "SELECT ntid, COUNT(*) FROM templates GROUP BY ntid"
            templates = dict(conn.execute(query).fetchall())
    note_types = {}
    for ntid, name, config in conn.execute("SELECT id, name, config FROM notetypes"):
        where = f"note type {_shown(ntid)}"
        if config is not None and not isinstance(config, bytes):
            raise CollectionError(f"{where}: its config is not a protobuf message")
        try:
            # NotetypeConfig.kind (field 1): 1 is cloze; proto3 leaves out the default 0.
            parts = list(protobuf_fields(config or b""))
            cloze = any(n == 1 and v == 1 for n, _w, v in parts)
            # NotetypeConfig.css (field 3).
            css = next((_proto_text(v) for n, w, v in parts if n == 3 and w == 2), "")
        except ValueError as exc:
            raise CollectionError(f"{where}: its config is damaged ({exc})") from None
        key = _id(ntid, where)
        note_types[key] = NoteType(
            _name(name, f"{where}: its name"),
            cloze,
            tuple(fields.get(key, ())),
            templates.get(ntid, 0),
            key,
            tuple(formats.get(ntid, ())),
            css,
        )
    # Deck names separate their levels with \x1f in this schema.
    decks = {
        _id(did, "a deck id"): _name(name, f"deck {_shown(did)}: its name").replace("\x1f", "::")
        for did, name in conn.execute("SELECT id, name FROM decks")
    }
    return note_types, decks
