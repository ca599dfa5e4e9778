"""Reading Anki packages: legacy .apkg (collection.anki2 / .anki21), current .apkg
(collection.anki21b, zstd-compressed) and .colpkg, as Anki itself writes them
(rslib/src/import_export/package in ankitects/anki is the reference).
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

# PackageMetadata.Version: 1 legacy (anki2), 2 legacy (anki21), 3 latest (anki21b, zstd).
LATEST_PACKAGE_VERSION = 3
COLLECTION_FILES = ("collection.anki21b", "collection.anki21", "collection.anki2")


class PackageError(Exception):
    """A package that cannot be read; the message names the file and the reason."""


@dataclass(frozen=True, slots=True)
class NoteType:
    name: str
    cloze: bool
    fields: tuple[str, ...]
    templates: int


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


@dataclass(slots=True)
class PackageContents:
    notes: list[SourceNote] = field(default_factory=list)
    # File name -> its bytes, read on demand.
    media: dict[str, Callable[[], bytes]] = field(default_factory=dict)


def _varints(data: bytes) -> Iterator[tuple[int, int, bytes | int]]:
    """(field number, wire type, value) of a protobuf message: enough for Anki's small ones."""
    pos = 0

    def varint() -> int:
        nonlocal pos
        result = shift = 0
        while True:
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
            yield number, wire, data[pos : pos + length]
            pos += length
        elif wire == 5:
            pos += 4
        elif wire == 1:
            pos += 8
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")


def _zstd(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdDecompressor().decompressobj().decompress(data)


def read_package(path: Path) -> PackageContents:
    """Every note of the package, with its note type and deck, and its media files."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "corrupt zip file"
        raise PackageError(f"{path}: not a readable Anki package ({reason})") from None
    with archive:
        names = set(archive.namelist())
        version = _package_version(archive, names, path)
        compressed = version >= LATEST_PACKAGE_VERSION
        collection = next((n for n in COLLECTION_FILES if n in names), None)
        if version >= LATEST_PACKAGE_VERSION and "collection.anki21b" in names:
            collection = "collection.anki21b"
        if collection is None:
            raise PackageError(f"{path}: not an Anki package (no collection inside)")
        try:
            data = archive.read(collection)
            if collection.endswith("21b"):
                data = _zstd(data)
            media = _media_map(archive, names, compressed)
        except Exception as exc:  # zip, zstd and protobuf errors alike: a damaged package
            raise PackageError(f"{path}: damaged Anki package ({exc})") from None
    contents = PackageContents(
        media={name: _reader(path, entry, compressed) for name, entry in media.items()}
    )
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "collection.db"
        db_path.write_bytes(data)
        try:
            conn = sqlite3.connect(db_path)
            try:
                contents.notes = _read_notes(conn)
            finally:
                conn.close()
        except (sqlite3.DatabaseError, KeyError, ValueError, json.JSONDecodeError) as exc:
            raise PackageError(f"{path}: unreadable Anki collection ({exc})") from None
    return contents


def _package_version(archive: zipfile.ZipFile, names: set[str], path: Path) -> int:
    if "meta" not in names:
        return 2 if "collection.anki21" in names else 1
    version = 0
    try:
        for number, _wire, value in _varints(archive.read("meta")):
            if number == 1 and isinstance(value, int):
                version = value
    except (ValueError, IndexError):
        raise PackageError(f"{path}: damaged Anki package (unreadable 'meta')") from None
    if version == 0:
        raise PackageError(f"{path}: damaged Anki package (no package version in 'meta')")
    if version > LATEST_PACKAGE_VERSION:
        raise PackageError(
            f"{path}: written by a newer Anki (package version {version}); in Anki, export it "
            "again with 'Support older Anki versions' ticked"
        )
    return version


def _media_map(archive: zipfile.ZipFile, names: set[str], compressed: bool) -> dict[str, str]:
    """Media file name -> its entry in the zip."""
    if "media" not in names:
        return {}
    raw = archive.read("media")
    if not compressed:
        return {name: entry for entry, name in json.loads(raw or b"{}").items()}
    media = {}
    for index, (number, _wire, entry) in enumerate(_varints(_zstd(raw))):
        if number != 1 or not isinstance(entry, bytes):
            continue
        name, zip_name = "", str(index)
        for field_number, _w, value in _varints(entry):
            if field_number == 1 and isinstance(value, bytes):
                name = value.decode()
            elif field_number == 255 and isinstance(value, int):
                zip_name = str(value)
        if name:
            media[name] = zip_name
    return media


def _reader(path: Path, entry: str, compressed: bool) -> Callable[[], bytes]:
    def read() -> bytes:
        with zipfile.ZipFile(path) as archive:
            data = archive.read(entry)
        return _zstd(data) if compressed else data

    return read


def _read_notes(conn: sqlite3.Connection) -> list[SourceNote]:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "notetypes" in tables:
        note_types, decks = _schema18(conn)
    else:
        note_types, decks = _schema11(conn)
    deck_of: dict[int, int] = {}
    for nid, did in conn.execute("SELECT nid, did FROM cards ORDER BY nid, ord DESC"):
        deck_of[nid] = did  # the lowest ord's deck wins (read last)
    notes = []
    for nid, guid, mid, tags, flds in conn.execute(
        "SELECT id, guid, mid, tags, flds FROM notes ORDER BY id"
    ):
        note_type = note_types[mid]
        if "This file requires a newer version of Anki" in flds:
            raise ValueError("only a placeholder collection: the package needs a newer reader")
        notes.append(
            SourceNote(
                guid,
                note_type,
                tuple(flds.split("\x1f")),
                tuple(tags.split()),
                decks.get(deck_of.get(nid, 1), "Default"),
            )
        )
    return notes


def _schema11(conn: sqlite3.Connection) -> tuple[dict[int, NoteType], dict[int, str]]:
    models_json, decks_json = conn.execute("SELECT models, decks FROM col").fetchone()
    note_types = {
        int(mid): NoteType(
            m["name"],
            m.get("type", 0) == 1,
            tuple(f["name"] for f in sorted(m["flds"], key=lambda f: f["ord"])),
            len(m["tmpls"]),
        )
        for mid, m in json.loads(models_json).items()
    }
    decks = {int(did): d["name"] for did, d in json.loads(decks_json).items()}
    return note_types, decks


def _schema18(conn: sqlite3.Connection) -> tuple[dict[int, NoteType], dict[int, str]]:
    fields: dict[int, list[str]] = {}
    for ntid, name in conn.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
        fields.setdefault(ntid, []).append(name)
    templates = dict(conn.execute("SELECT ntid, COUNT(*) FROM templates GROUP BY ntid").fetchall())
    note_types = {}
    for ntid, name, config in conn.execute("SELECT id, name, config FROM notetypes"):
        # NotetypeConfig.kind (field 1): 1 is cloze; proto3 leaves out the default 0.
        cloze = any(n == 1 and v == 1 for n, _w, v in _varints(config or b""))
        note_types[ntid] = NoteType(
            name, cloze, tuple(fields.get(ntid, ())), templates.get(ntid, 0)
        )
    # Deck names separate their levels with \x1f in this schema.
    decks = {
        did: name.replace("\x1f", "::") for did, name in conn.execute("SELECT id, name FROM decks")
    }
    return note_types, decks
