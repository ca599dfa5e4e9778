"""Reading Anki packages: legacy .apkg (collection.anki2 / .anki21), current .apkg
(collection.anki21b, zstd-compressed) and .colpkg, as Anki itself writes them
(rslib/src/import_export/package in ankitects/anki is the reference).

A package is untrusted: each part is streamed out of the zip and stopped at its
limit (reader_limits), media are checked whole (CRC, compression) before anything
is written, and every failure is one PackageError naming the package.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from studyapp.anki.apkg_collection import CollectionError, protobuf_fields, read_collection
from studyapp.anki.reader_limits import (
    MAX_COLLECTION_BYTES,
    MAX_MEDIA_FILE_BYTES,
    MAX_MEDIA_FILES,
    MAX_MEDIA_MAP_BYTES,
    MAX_MEDIA_TOTAL_BYTES,
    Deadline,
    LimitExceeded,
    Writable,
    check_json,
    regular_file_problem,
)
from studyapp.anki.revlog_reader import AnkiReview, read_revlog
from studyapp.anki.source_notes import NoteType, PackageError, SourceNote

__all__ = ["NoteType", "PackageContents", "PackageError", "SourceNote", "read_package"]

# PackageMetadata.Version: 1 legacy (anki2), 2 legacy (anki21), 3 latest (anki21b, zstd).
LATEST_PACKAGE_VERSION = 3
COLLECTION_FILES = ("collection.anki21b", "collection.anki21", "collection.anki2")
CHUNK = 1024 * 1024


class _Damaged(Exception):
    """A part of the package that cannot be read; the message says which and why."""


@dataclass(slots=True)
class PackageContents:
    notes: list[SourceNote] = field(default_factory=list)
    # File name -> its bytes, read on demand (checked whole when the package was read).
    media: dict[str, Callable[[], bytes]] = field(default_factory=dict)
    # The review log of the package's cards (empty unless exported with scheduling).
    reviews: list[AnkiReview] = field(default_factory=list)


def read_package(path: Path) -> PackageContents:
    """Every note of the package, with its note type and deck, and its media files."""
    if problem := regular_file_problem(path):
        raise PackageError(f"{path}: {problem}")
    deadline = Deadline()
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "corrupt zip file"
        raise PackageError(f"{path}: not a readable Anki package ({reason})") from None
    try:
        with archive, tempfile.TemporaryDirectory() as folder:
            names = set(archive.namelist())
            version = _package_version(archive, names)
            compressed = version >= LATEST_PACKAGE_VERSION
            collection = next((n for n in COLLECTION_FILES if n in names), None)
            if collection is None:
                raise _Damaged("not an Anki package (no collection inside)")
            db_path = Path(folder) / "collection.db"
            with db_path.open("wb") as out:
                _copy_entry(
                    archive, collection, collection.endswith("21b"), MAX_COLLECTION_BYTES, out
                )
            media = _media_map(archive, names, compressed)
            _check_media(archive, media, compressed, deadline)
            notes = read_collection(db_path, deadline, path.name)
            reviews = read_revlog(db_path, deadline)
    except (_Damaged, CollectionError) as exc:
        raise PackageError(f"{path}: {exc}") from None
    except LimitExceeded as exc:
        raise PackageError(f"{path}: refused, {exc}") from None
    except OSError as exc:
        raise PackageError(f"{path}: cannot read ({exc.strerror or exc})") from None
    opened = _OpenArchive(path, compressed)
    return PackageContents(
        notes, {name: opened.reader(name, entry) for name, entry in media.items()}, reviews
    )


class _OpenArchive:
    """One zip opened once for all its media (opening it per file is quadratic)."""

    def __init__(self, path: Path, compressed: bool) -> None:
        self.path = path
        self.compressed = compressed
        self.archive: zipfile.ZipFile | None = None

    def reader(self, name: str, entry: str) -> Callable[[], bytes]:
        def read() -> bytes:
            try:
                if self.archive is None:
                    self.archive = zipfile.ZipFile(self.path)
                return _read_entry(self.archive, entry, self.compressed, MAX_MEDIA_FILE_BYTES)
            except (_Damaged, LimitExceeded, OSError, zipfile.BadZipFile) as exc:
                raise PackageError(f"{self.path}: media file '{name}': {exc}") from None

        return read


def _copy_entry(archive: zipfile.ZipFile, entry: str, zstd: bool, limit: int, out: Writable) -> int:
    """Stream one zip entry (zstd-decompressed if `zstd`) into `out`; its size.

    Stops with LimitExceeded past `limit` bytes, whatever the entry claims.
    """
    import zstandard

    written = 0
    try:
        with archive.open(entry) as raw:
            decompressor = zstandard.ZstdDecompressor()
            stream: IO[bytes] = (
                decompressor.stream_reader(raw, read_across_frames=True) if zstd else raw
            )
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                if written > limit:
                    raise LimitExceeded(f"'{entry}' unpacks to more than {limit:,} bytes")
                out.write(chunk)
    except KeyError:
        raise _Damaged(f"damaged Anki package ('{entry}' is missing)") from None
    except (zipfile.BadZipFile, zstandard.ZstdError, zlib.error, EOFError) as exc:
        raise _Damaged(f"damaged Anki package ('{entry}': {exc})") from None
    except (NotImplementedError, RuntimeError) as exc:  # unknown compression, encryption
        raise _Damaged(f"unreadable Anki package ('{entry}': {exc})") from None
    return written


class _Sink:
    """A file-like that keeps what is written (bounded by the caller's limit)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(data)
        return len(data)


class _Discard:
    def write(self, data: bytes) -> int:
        return len(data)


def _read_entry(archive: zipfile.ZipFile, entry: str, zstd: bool, limit: int) -> bytes:
    sink = _Sink()
    _copy_entry(archive, entry, zstd, limit, sink)
    return b"".join(sink.parts)


def _package_version(archive: zipfile.ZipFile, names: set[str]) -> int:
    if "meta" not in names:
        return 2 if "collection.anki21" in names else 1
    version = 0
    try:
        for number, _wire, value in protobuf_fields(_read_entry(archive, "meta", False, 4096)):
            if number == 1 and isinstance(value, int):
                version = value
    except (ValueError, LimitExceeded):
        raise _Damaged("damaged Anki package (unreadable 'meta')") from None
    if version == 0:
        raise _Damaged("damaged Anki package (no package version in 'meta')")
    if version > LATEST_PACKAGE_VERSION:
        raise _Damaged(
            f"written by a newer Anki (package version {version}); in Anki, export it "
            "again with 'Support older Anki versions' ticked"
        )
    return version


def _media_map(archive: zipfile.ZipFile, names: set[str], compressed: bool) -> dict[str, str]:
    """Media file name -> its entry in the zip; names checked to be plain file names."""
    if "media" not in names:
        return {}
    raw = _read_entry(archive, "media", compressed, MAX_MEDIA_MAP_BYTES)
    pairs: list[tuple[object, object]] = []
    if not compressed:
        check_json(raw or b"{}", "the media map")
        try:
            parsed = json.loads(raw or b"{}")
        except (ValueError, RecursionError):
            raise _Damaged("damaged Anki package (the media map is not JSON)") from None
        if not isinstance(parsed, dict):
            raise _Damaged("damaged Anki package (the media map is not a JSON object)")
        pairs = [(name, entry) for entry, name in parsed.items()]
    else:
        try:
            for index, (number, _wire, item) in enumerate(protobuf_fields(raw)):
                if number != 1 or not isinstance(item, bytes):
                    continue
                name: object = ""
                zip_name = str(index)
                for field_number, _w, value in protobuf_fields(item):
                    if field_number == 1 and isinstance(value, bytes):
                        name = value.decode()
                    elif field_number == 255 and isinstance(value, int):
                        zip_name = str(value)
                pairs.append((name, zip_name))
        except (ValueError, UnicodeDecodeError) as exc:
            raise _Damaged(f"damaged Anki package (the media map: {exc})") from None
    if len(pairs) > MAX_MEDIA_FILES:
        raise LimitExceeded(f"{len(pairs):,} media files (at most {MAX_MEDIA_FILES:,})")
    media: dict[str, str] = {}
    for name, entry in pairs:
        if not isinstance(name, str) or not isinstance(entry, str):
            raise _Damaged("damaged Anki package (the media map is not names of files)")
        if problem := media_name_problem(name):
            raise _Damaged(f"media file {json.dumps(name)} {problem}")
        if entry not in names:
            raise _Damaged(f"damaged Anki package (media file '{name}' is missing)")
        if name in media:
            raise _Damaged(f"media file '{name}' is listed twice")
        media[name] = entry
    return media


def media_name_problem(name: str) -> str | None:
    """Why `name` cannot be a media file's name, or None.

    Anki's media folder is flat: a name with a folder in it would collapse with
    another of the same base name (or reach outside), so it is refused.
    """
    if not name or name in (".", ".."):
        return "has no name"
    if any(c in name for c in "/\\") or ":" in name[:2]:
        return "names a folder (Anki's media names are plain file names)"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return "contains a control character"
    if len(name.encode()) > 255:
        return "is longer than a file name may be"
    return None


def _check_media(
    archive: zipfile.ZipFile, media: dict[str, str], compressed: bool, deadline: Deadline
) -> None:
    """Read every media file once, whole: a bad CRC or compression fails here, before
    anything is written, and the total stays under its limit."""
    total = 0
    for name, entry in media.items():
        deadline.check()
        try:
            total += _copy_entry(archive, entry, compressed, MAX_MEDIA_FILE_BYTES, _Discard())
        except _Damaged as exc:
            raise _Damaged(f"media file '{name}': {exc}") from None
        if total > MAX_MEDIA_TOTAL_BYTES:
            raise LimitExceeded(f"media unpack to more than {MAX_MEDIA_TOTAL_BYTES:,} bytes")
