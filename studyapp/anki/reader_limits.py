"""What reading an untrusted package or text file may cost, and the checks that hold it.

A package is a zip of compressed parts: a few kilobytes can claim gigabytes. Every
part is read as a stream and stopped at its limit, so memory and disk stay bounded
whatever the package claims; the README's reliability section states these figures.
"""

from __future__ import annotations

import re
import stat
import time
from pathlib import Path
from typing import Protocol

MIB = 1024 * 1024
# The collection database, decompressed (a 100,000-note deck is about 60 MB).
MAX_COLLECTION_BYTES = 256 * MIB
# The map of media names (`media` in the zip), decompressed.
MAX_MEDIA_MAP_BYTES = 16 * MIB
MAX_MEDIA_FILES = 20_000
MAX_MEDIA_FILE_BYTES = 100 * MIB
MAX_MEDIA_TOTAL_BYTES = 1024 * MIB
# One field of a note, one cell of a CSV (Python's csv module default).
MAX_FIELD_CHARS = 131_072
MAX_NOTES = 200_000
# The JSON of note types and decks in an older collection's `col` row.
MAX_JSON_BYTES = 16 * MIB
MAX_JSON_DEPTH = 32
# A text file of notes.
MAX_TEXT_BYTES = 64 * MIB
# Wall-clock time for reading one source, whatever it holds.
MAX_SECONDS = 120.0

_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


class LimitExceeded(Exception):
    """A source asks for more than a limit allows; the message says which."""


class Deadline:
    """The time one source may take; `check()` raises once it has passed."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = MAX_SECONDS if seconds is None else seconds
        self.end = time.monotonic() + self.seconds

    def passed(self) -> bool:
        return time.monotonic() > self.end

    def check(self) -> None:
        if self.passed():
            raise LimitExceeded(f"reading took longer than {self.seconds:g} s")


def json_depth(data: bytes) -> int:
    """How deep JSON's arrays and objects nest (strings skipped), without parsing it."""
    depth = deepest = 0
    for match in _JSON_TOKENS.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def check_json(data: bytes, what: str) -> None:
    """Refuse JSON too large or too deeply nested to parse safely."""
    if len(data) > MAX_JSON_BYTES:
        raise LimitExceeded(f"{what} is {len(data):,} bytes (at most {MAX_JSON_BYTES:,})")
    if json_depth(data) > MAX_JSON_DEPTH:
        raise LimitExceeded(f"{what} nests deeper than {MAX_JSON_DEPTH} levels")


def regular_file_problem(path: Path) -> str | None:
    """Why `path` is not a source to read (a FIFO, a device, a folder), or None.

    Checked before opening: opening a FIFO blocks, and /dev/zero never ends.
    """
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot read ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) else None
    return f"is {kind or 'not a regular file'}; only regular files are read"
