"""The way back to an Anki that already has the notes: the phone's own collection package
(.colpkg), with StudyApp's reviews added, for Anki/AnkiDroid to open in place of its own.

Anki schedules only the cards it creates from an .apkg, so progress on notes it already
has can only go back in the collection itself. The package is rebuilt from the very
.colpkg this database merged last (recorded at import, checked by its SHA-256): every
deck, note type, note, card, media file and review the phone had is kept byte for
byte; what changes is only

* the review log gains StudyApp's own reviews of the collection's cards (those not
  already in it: reviews StudyApp sent with --with-progress come back by their time);
* those cards take StudyApp's SM-2 state, replayed from the merged log: due date,
  interval, ease, lapses, and the last review time Anki's Check Database computes.

It is refused, with the reason, when the collection schedules with FSRS (its memory
states cannot be carried), or a card to change sits in a filtered deck.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from studyapp.anki.guids import card_guid
from studyapp.anki.notes import ExportError, ItemProgress
from studyapp.anki.progress import (
    CARD_REVIEW,
    QUEUE_REVIEW,
    QUEUE_SUSPENDED,
    REVLOG_FILTERED,
    revlog_rows,
)
from studyapp.anki.reader_limits import MAX_COLLECTION_BYTES, regular_file_problem
from studyapp.anki.review_history import EVENT_PREFIX

if TYPE_CHECKING:
    from studyapp.store import Store

COLLECTION_ENTRIES = ("collection.anki21b", "collection.anki21", "collection.anki2")
# A review StudyApp sent to Anki keeps its time as its revlog id, a few ms later at most.
SENT_MS_SLACK = range(16)
DAY_SECS = 86_400


@dataclass(frozen=True, slots=True)
class CollectionBack:
    """What writing the collection did."""

    reviews_added: int
    cards_rescheduled: int


# (note GUID, card ordinal) -> that item's progress in StudyApp.
ProgressByCard = Mapping[tuple[str, int], ItemProgress]


def write_collection(
    source: Path, out: Path, progress: ProgressByCard, today: date, now: datetime
) -> CollectionBack:
    """`source` (the merged .colpkg) with `progress` added, written whole to `out`."""
    partial = out.with_name(f".{out.name}.partial")
    try:
        return _rebuild(source, out, partial, progress, today, now)
    finally:
        partial.unlink(missing_ok=True)


def _rebuild(
    source: Path, out: Path, partial: Path, progress: ProgressByCard, today: date, now: datetime
) -> CollectionBack:
    with tempfile.TemporaryDirectory() as folder:
        try:
            with zipfile.ZipFile(source) as archive:
                names = archive.namelist()
                entry = next((n for n in COLLECTION_ENTRIES if n in names), None)
                if entry is None:
                    raise ExportError(f"{source}: not an Anki collection package")
                db = Path(folder) / "collection.db"
                db.write_bytes(_unpacked(archive.read(entry), entry.endswith("21b")))
                result = _add_progress(db, progress, today, now)
                with zipfile.ZipFile(partial, "w") as written:
                    for info in archive.infolist():
                        if info.filename == entry:
                            data = _packed(db.read_bytes(), entry.endswith("21b"))
                            written.writestr(info, data)
                        else:
                            with archive.open(info) as part, written.open(info, "w") as copy:
                                shutil.copyfileobj(part, copy)
        except (OSError, zipfile.BadZipFile, sqlite3.DatabaseError, ValueError, TypeError) as exc:
            raise ExportError(f"{source}: cannot rebuild the collection ({exc})") from None
    partial.replace(out)
    return result


def _unpacked(data: bytes, zstd: bool) -> bytes:
    import zstandard

    if not zstd:
        return data
    reader = zstandard.ZstdDecompressor().stream_reader(data, read_across_frames=True)
    unpacked = reader.read(MAX_COLLECTION_BYTES + 1)
    if len(unpacked) > MAX_COLLECTION_BYTES:
        raise ExportError(f"the collection unpacks to more than {MAX_COLLECTION_BYTES:,} bytes")
    return unpacked


def _packed(data: bytes, zstd: bool) -> bytes:
    import zstandard

    return zstandard.ZstdCompressor().compress(data) if zstd else data


def _add_progress(db: Path, progress: ProgressByCard, today: date, now: datetime) -> CollectionBack:
    conn = sqlite3.connect(db)
    # Anki's own collation; only its name indexes use it, which this never writes.
    conn.create_collation("unicase", _unicase)
    try:
        with conn:
            config = _config(conn)
            _refuse_fsrs(config)
            days_elapsed = _days_elapsed(conn, config, now)
            used = {row[0] for row in conn.execute("SELECT id FROM revlog")}
            cards = conn.execute(
                "SELECT c.id, n.guid, c.ord, c.queue, c.odid, c.reps, c.data "
                "FROM cards c JOIN notes n ON n.id = c.nid"
            ).fetchall()
            added = rescheduled = 0
            stamp = int(now.timestamp())
            for cid, guid, ord_, queue, odid, reps, data in cards:
                item = progress.get((guid, ord_))
                if item is None:
                    continue
                logged = [r[0] for r in conn.execute("SELECT id FROM revlog WHERE cid = ?", [cid])]
                new = _reviews_to_send(item.reviews, logged)
                if not new:
                    continue
                if odid:
                    raise ExportError(
                        f"card {cid} (note {guid}) is in a filtered deck: empty the filtered "
                        "decks in Anki, export the collection again and import it first"
                    )
                rows = revlog_rows(cid, ItemProgress(item.state, item.suspended, tuple(new)), used)
                conn.executemany(
                    "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
                    "VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)",
                    [(r[0], *r[1:]) for r in rows],
                )
                added += len(rows)
                rated = conn.execute(
                    "SELECT MAX(id) FROM revlog WHERE cid = ? AND type != ?",
                    [cid, REVLOG_FILTERED],
                ).fetchone()[0]
                extra = json.loads(data) if data else {}
                if rated is not None:  # Check Database's last review time, kept true
                    extra["lrt"] = rated // 1000
                data = json.dumps(extra, separators=(",", ":")) if extra else ""
                state = item.state
                scheduled = sum(1 for r in new if r["kind"] == "scheduled")
                if not scheduled or state.due is None:
                    # Only re-drills or cram: logged, the schedule stays Anki's.
                    conn.execute(
                        "UPDATE cards SET mod = ?, usn = -1, data = ? WHERE id = ?",
                        [stamp, data, cid],
                    )
                    continue
                conn.execute(
                    "UPDATE cards SET type = ?, queue = ?, due = ?, ivl = ?, factor = ?, "
                    "reps = ?, lapses = ?, left = 0, mod = ?, usn = -1, data = ? WHERE id = ?",
                    [
                        CARD_REVIEW,
                        QUEUE_SUSPENDED if queue == QUEUE_SUSPENDED else QUEUE_REVIEW,
                        days_elapsed + (state.due - today).days,
                        state.interval,
                        state.ef_hundredths * 10,
                        reps + scheduled,
                        state.lapses,
                        stamp,
                        data,
                        cid,
                    ],
                )
                rescheduled += 1
            conn.execute("UPDATE col SET mod = ?", [int(now.timestamp() * 1000)])
        return CollectionBack(added, rescheduled)
    finally:
        conn.close()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def collection_sha256(path: Path) -> str | None:
    """The SHA-256 of a regular file, or None (a FIFO or device is never opened here;
    the package reader refuses it with its reason)."""
    if regular_file_problem(path) is not None:
        return None
    try:
        return file_sha256(path)
    except OSError:
        return None


def _unicase(a: str, b: str) -> int:
    x, y = a.casefold(), b.casefold()
    return (x > y) - (x < y)


def progress_by_card(store: Store) -> dict[tuple[str, int], ItemProgress]:
    """Every active item's progress by its note's Anki GUID and card ordinal."""
    guids = {
        (deck_id, card_key): card_guid(deck_id, card_key, card_type, kept)
        for deck_id, card_key, card_type, kept, _own in store.decks.card_identities()
    }
    result = {}
    for deck_id in {deck for deck, _key in guids}:
        for (card_key, ord_), entry in store.exports.deck_progress(deck_id).items():
            result[(guids[(deck_id, card_key)], ord_)] = ItemProgress(*entry)
    return result


def _reviews_to_send(
    reviews: Sequence[Mapping[str, object]], logged: Sequence[int]
) -> list[Mapping[str, object]]:
    """StudyApp's own reviews of a card that the collection's log does not hold yet."""
    new = []
    for review in reviews:
        event = str(review["event_id"] or "")
        if event.startswith(EVENT_PREFIX):
            continue  # it came from Anki
        ms = int(datetime.fromisoformat(str(review["reviewed_at"])).timestamp() * 1000)
        if any(rid - ms in SENT_MS_SLACK for rid in logged):
            continue  # sent to Anki before with --with-progress
        new.append(review)
    return new


def _config(conn: sqlite3.Connection) -> dict[str, object]:
    """The collection's settings: the `config` table (current schema) or `col.conf`."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "config" in tables:
        return {key: json.loads(val) for key, val in conn.execute("SELECT KEY, val FROM config")}
    conf = json.loads(conn.execute("SELECT conf FROM col").fetchone()[0] or "{}")
    if not isinstance(conf, dict):
        raise ExportError("the collection's settings are not a JSON object")
    return conf


def _refuse_fsrs(config: Mapping[str, object]) -> None:
    if config.get("fsrs") is True:
        raise ExportError(
            "the collection schedules with FSRS: its memory states cannot take StudyApp's "
            "SM-2 reviews (turn FSRS off in Anki's deck options to send them back)"
        )


def _days_elapsed(conn: sqlite3.Connection, config: Mapping[str, object], now: datetime) -> int:
    """Anki's "today" in days since the collection was created, as its scheduler counts
    (rslib scheduler/timing.rs): local dates at creation and now, less a day before the
    rollover hour; whole 24-hour periods since creation for collections without a
    creation offset (the oldest ones). `now` is this machine's local time."""
    crt = int(conn.execute("SELECT crt FROM col").fetchone()[0])
    offset = config.get("creationOffset")
    if not isinstance(offset, int):
        return int((now.astimezone(UTC).timestamp() - crt) // DAY_SECS)
    rollover = config.get("rollover", 4)
    rollover = rollover if isinstance(rollover, int) and 0 <= rollover <= 23 else 4
    created = datetime.fromtimestamp(crt, timezone(timedelta(minutes=-offset)))
    local = now.astimezone()
    days = (local.date() - created.date()).days - (0 if local.hour >= rollover else 1)
    return max(days, 0)
