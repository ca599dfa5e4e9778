"""The review log (`revlog`) of an Anki collection from a package, read within limits.

A package exported *with scheduling* carries every answer given to its cards:
one revlog row per answer, its id the answer time in milliseconds. The rows are
untrusted like the rest of the package: every value is checked for type and
range before use, and a bad one is one CollectionError naming the row.
Rows of cards the package does not hold (Anki keeps the log of deleted cards)
are left out, as are cards whose note has no GUID.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from studyapp.anki.apkg_collection import MAX_CARD_ORD, CollectionError, read_guarded
from studyapp.anki.reader_limits import Deadline, LimitExceeded

# A heavy Anki user's whole life is a few hundred thousand answers.
MAX_REVIEWS = 2_000_000
# Revlog ids are answer times in ms: from 2006 (Anki's first year) to the year 2100.
MIN_REVLOG_ID = 1_136_073_600_000
MAX_REVLOG_ID = 4_102_444_800_000
# Anki's longest answer time setting is 9999 s; a day is beyond anything it writes.
MAX_ANSWER_MS = 86_400_000
# Revlog types: learn, review, relearn, filtered, manual, rescheduled.
REVLOG_TYPES = range(6)
# Buttons: 0 for a manual entry (no answer), 1 Again .. 4 Easy.
EASES = range(5)


@dataclass(frozen=True, slots=True)
class AnkiReview:
    """One revlog row, with the note (GUID) and card ordinal it belongs to."""

    revlog_id: int
    guid: str
    card_ord: int
    ease: int
    revlog_type: int
    duration_ms: int


def read_revlog(db_path: Path, deadline: Deadline) -> list[AnkiReview]:
    """Every revlog row of a card in the collection at `db_path`, oldest first."""
    return read_guarded(db_path, deadline, "review log", lambda conn: _read_rows(conn, deadline))


def _read_rows(conn: sqlite3.Connection, deadline: Deadline) -> list[AnkiReview]:
    tables = {
        r[0].decode("utf-8", "replace") if isinstance(r[0], bytes) else str(r[0])
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    if "revlog" not in tables:
        return []
    cards: dict[int, tuple[str, object]] = {}
    query = "SELECT c.id, c.ord, n.guid FROM cards c JOIN notes n ON n.id = c.nid"
    for cid, ord_, guid in conn.execute(query):
        if isinstance(cid, int) and isinstance(guid, bytes):  # else: no GUID, nothing to match
            cards[cid] = (guid.decode("utf-8", "replace"), ord_)
    reviews = []
    rows = conn.execute("SELECT id, cid, ease, time, type FROM revlog ORDER BY id")
    for count, (rid, cid, ease, time, kind) in enumerate(rows, 1):
        if count > MAX_REVIEWS:
            raise LimitExceeded(f"more than {MAX_REVIEWS:,} reviews in its review log")
        if count % 10_000 == 0:
            deadline.check()
        where = f"review log entry {_shown(rid)}"
        if not _int_in(rid, MIN_REVLOG_ID, MAX_REVLOG_ID):
            raise CollectionError(f"{where}: its id is not a time between 2006 and 2100")
        if not isinstance(cid, int):
            raise CollectionError(f"{where}: its card ({_shown(cid)}) is not a card id")
        card = cards.get(cid)
        if card is None:
            continue
        if not _int_in(ease, EASES.start, EASES.stop - 1):
            raise CollectionError(f"{where}: its answer button ({_shown(ease)}) is not 0-4")
        if not _int_in(kind, REVLOG_TYPES.start, REVLOG_TYPES.stop - 1):
            raise CollectionError(f"{where}: its type ({_shown(kind)}) is not 0-5")
        if not _int_in(time, 0, MAX_ANSWER_MS):
            raise CollectionError(f"{where}: its answer time ({_shown(time)} ms) is not 0-1 day")
        guid, ord_ = card
        if not isinstance(ord_, int) or not _int_in(ord_, 0, MAX_CARD_ORD):
            raise CollectionError(f"{where}: its card {cid} has no card ordinal ({_shown(ord_)})")
        reviews.append(AnkiReview(rid, guid, ord_, ease, kind, time))
    return reviews


def _int_in(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _shown(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
