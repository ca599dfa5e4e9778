"""Writing an Anki package (.apkg, Anki's legacy "collection.anki2" format).

genanki writes the collection (schema, note types, decks); the notes and cards
are streamed in, a batch of notes at a time, as the same rows genanki would
write one INSERT at a time (a test compares them with genanki's). An export of
100k cards so never holds all its rows in memory. With progress, each card
row carries its review state and the review log goes into ``revlog``, in
Anki's own schema (progress.py).
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import genanki

from studyapp import sm2
from studyapp.anki.guids import anki_deck_id, note_content_hash
from studyapp.anki.notes import ExportDeck, ExportError, ExportNote
from studyapp.anki.notetypes import MODEL_IDS, build_models
from studyapp.anki.progress import RevlogRow, review_card_columns, revlog_rows

# Deflated as Anki deflates its own packages: 7x smaller for about a second per
# 100k cards (README, "Performance"), which a tutor e-mailing the file gains back.
COMPRESSION = zipfile.ZIP_DEFLATED
COMPRESS_LEVEL = 6
NOTES_PER_BATCH = 2000

# guid -> (content hash, mtime, card ords "0 1" or None) at each note's last export.
ExportedBefore = Mapping[str, tuple[str, int, str | None]]
# What a finished export tells the database, per note that changed:
# (guid, content hash, mtime, deck id, card key, ords, note type family).
LedgerRow = tuple[str, str, int, str, str, str, str]
LedgerRows = Iterable[LedgerRow]


@dataclass(slots=True)
class ExportResult:
    """What was written, and what Anki will do with it (measured against the last export)."""

    path: Path
    decks: int = 0
    notes: int = 0
    cards: int = 0
    cards_with_progress: int = 0
    revlog_rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    # Anki cards whose template no longer makes a card (a removed cloze deletion, a
    # reversed card made basic): Anki keeps them, empty, until Tools > Empty Cards.
    empty_cards: int = 0
    media_files: int = 0
    # Notes Anki still has from earlier exports, sent tagged for deletion.
    to_delete: int = 0
    # Notes that changed since their last export (rows of `ledger`).
    changed: int = 0
    # For `before_replace` only: those notes' ledger rows, read from a scratch
    # file as they are recorded (an export of 100k notes keeps none in memory).
    ledger: LedgerRows = field(default_factory=tuple, repr=False)


def write_apkg(
    decks: Sequence[ExportDeck],
    out: Path,
    *,
    with_progress: bool = False,
    today: date | None = None,
    now: float | None = None,
    rollover_hour: int = sm2.DEFAULT_ROLLOVER_HOUR,
    exported_before: ExportedBefore | None = None,
    to_delete: Sequence[ExportNote] = (),
    before_replace: Callable[[ExportResult], object] | None = None,
) -> ExportResult:
    """Write `decks` to `out` (.apkg). The file appears whole or not at all.

    `exported_before` (see :data:`ExportedBefore`) keeps unchanged notes at the
    modification time of their last export, so Anki updates only edited ones.
    `to_delete` are notes to send tagged for deletion (plan.deletion_marker).
    `before_replace` runs when the package is complete; if it raises, nothing
    is left at `out`.
    """
    out = Path(out)
    if out.is_dir():
        raise ExportError(f"{out} is a folder; give a file name ending in .apkg")
    now = time.time() if now is None else now
    today = today or sm2.study_day(datetime.fromtimestamp(now), rollover_hour)
    result = ExportResult(out, decks=len(decks))
    fd, db_name = tempfile.mkstemp(suffix=".anki2")
    os.close(fd)
    db_path = Path(db_name)
    ledger_path = db_path.with_suffix(".ledger")
    try:
        media = _write_collection(
            db_path,
            ledger_path,
            [*decks, *_marker_decks(to_delete)],
            now,
            exported_before or {},
            result,
            (today, rollover_hour) if with_progress else None,
        )
        result.media_files = len(media)

        def write_package(target: Path) -> None:
            with zipfile.ZipFile(target, "w", COMPRESSION, compresslevel=COMPRESS_LEVEL) as package:
                package.write(db_path, "collection.anki2")
                for number, path in enumerate(media):
                    package.write(path, str(number))
                package.writestr("media", json.dumps({str(n): p.name for n, p in enumerate(media)}))

        def record() -> None:
            assert before_replace is not None
            # Read in whichever thread `before_replace` hands the rows to.
            ledger = sqlite3.connect(ledger_path, check_same_thread=False)
            try:
                result.ledger = ledger.execute("SELECT * FROM rows")
                before_replace(result)
            finally:
                ledger.close()
                result.ledger = ()

        replace_atomically(out, write_package, record if before_replace else None)
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        db_path.unlink(missing_ok=True)
        ledger_path.unlink(missing_ok=True)
    return result


def replace_atomically(
    out: Path, write: Callable[[Path], None], before_replace: Callable[[], object] | None
) -> None:
    """Write `out` through a temp file next to it, then rename: whole or not at all."""
    # Next to `out`, so the final rename is atomic; unique, so two exports never meet.
    tmp_out = out.with_name(f".{out.name}.{secrets.token_hex(6)}.tmp")
    try:
        write(tmp_out)
        if before_replace is not None:
            before_replace()
        os.replace(tmp_out, out)
    finally:
        tmp_out.unlink(missing_ok=True)


# Marker notes go into a deck of their own in the package, named after the deck
# they came from, so they land in that deck in Anki (ids come from the deck id).
def _marker_decks(markers: Sequence[ExportNote]) -> list[ExportDeck]:
    by_deck: dict[str, list[ExportNote]] = {}
    for note in markers:
        by_deck.setdefault(note.deck_id, []).append(note)
    return [
        ExportDeck(deck_id, "", "", tuple(notes), marker=True) for deck_id, notes in by_deck.items()
    ]


def _write_collection(
    db_path: Path,
    ledger_path: Path,
    decks: Sequence[ExportDeck],
    now: float,
    exported_before: ExportedBefore,
    result: ExportResult,
    progress: tuple[date, int] | None,
) -> list[Path]:
    """The package's collection at `db_path`; returns the media files its notes show."""
    models = build_models()
    package_decks = []
    for deck in decks:
        if deck.marker:
            continue
        anki_deck = genanki.Deck(anki_deck_id(deck.id), deck.name, deck.description)
        for note_family in sorted({note.family for note in deck.notes}):
            anki_deck.add_model(models[note_family])
        package_decks.append(anki_deck)
    conn = sqlite3.connect(db_path)
    try:
        # A scratch file, zipped and then deleted: no journal, no fsync.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("ATTACH DATABASE ? AS ledger", [str(ledger_path)])
        conn.execute("PRAGMA ledger.journal_mode = OFF")
        conn.execute(
            "CREATE TABLE ledger.rows (guid, digest, mtime, deck_id, card_key, ords, family)"
        )
        ids = itertools.count(int(now * 1000))
        # genanki writes schema, note types and decks; the decks carry no notes.
        genanki.Package(package_decks).write_to_db(conn.cursor(), now, ids)
        if progress is not None:
            _set_scheduler_day(conn, *progress)
        media = _insert_notes(conn, decks, ids, int(now), exported_before, result, progress)
        conn.commit()
    finally:
        conn.close()
    return media


def _set_scheduler_day(conn: sqlite3.Connection, today: date, rollover_hour: int) -> None:
    # genanki's collection uses the v1 scheduler, whose day number is whole
    # days since `crt`. Starting `crt` at the start of today's study day makes
    # today day 0; Anki shifts these day numbers into the importing collection.
    day_start = datetime.combine(today, datetime.min.time()) + timedelta(hours=rollover_hour)
    # schedVer 2: without it Anki reads the log as the v1 scheduler's, whose
    # learning answers had three buttons, and shifts our Good (3) to Easy (4).
    conf = json.loads(conn.execute("SELECT conf FROM col").fetchone()[0])
    conf.update(schedVer=2, rollover=rollover_hour)
    conn.execute("UPDATE col SET crt = ?, conf = ?", [int(day_start.timestamp()), json.dumps(conf)])


def _insert_notes(
    conn: sqlite3.Connection,
    decks: Sequence[ExportDeck],
    ids: Iterator[int],
    now: int,
    exported_before: ExportedBefore,
    result: ExportResult,
    progress: tuple[date, int] | None,
) -> list[Path]:
    """Stream the note, card and revlog rows in, NOTES_PER_BATCH notes at a time.

    Ids are drawn in genanki's order (a note, then its cards); the sort field is
    the first (genanki's default); a new card's `due` is its note's position, so
    Anki shows new cards in deck order.
    """
    note_rows: list[tuple[Any, ...]] = []
    card_rows: list[tuple[Any, ...]] = []
    log_rows: list[RevlogRow] = []
    ledger_rows: list[LedgerRow] = []
    used_revlog_ids: set[int] = set()
    media_files: dict[str, Path] = {}
    position = itertools.count()

    def flush() -> None:
        conn.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)", note_rows)
        conn.executemany(
            "INSERT INTO cards VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", card_rows
        )
        conn.executemany(
            "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
            "VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)",
            log_rows,
        )
        conn.executemany("INSERT INTO ledger.rows VALUES (?,?,?,?,?,?,?)", ledger_rows)
        ledger_rows.clear()
        note_rows.clear()
        card_rows.clear()
        log_rows.clear()

    for deck in decks:
        did = anki_deck_id(deck.id)
        available = _media_in(deck.media_dir)
        for note in deck.notes:
            used: set[str] = set()
            fields = note.fields(available, used)
            for name in used:
                media_files.setdefault(name, deck.media_dir / name)  # type: ignore[operator]
            guid = note.anki_guid
            ords = note.ords
            mtime = _tally(
                note, guid, fields, ords, exported_before, now, result, deck.marker, ledger_rows
            )
            note_id = next(ids)
            note_rows.append(
                (
                    note_id,
                    guid,
                    MODEL_IDS[note.family],
                    mtime,
                    -1,
                    f" {' '.join(note.tags)} ",
                    "\x1f".join(fields),
                    fields[0],
                    0,
                    0,
                    "",
                )
            )
            due = next(position)
            for ord_ in ords:
                card_id = next(ids)
                columns: tuple[Any, ...] = (0, 0, due, 0, 0, 0, 0, 0, "")
                item = note.progress.get(ord_) if progress is not None else None
                if item is not None and progress is not None:
                    rows = revlog_rows(card_id, item, used_revlog_ids)
                    log_rows.extend(rows)
                    result.revlog_rows += len(rows)
                    reviewed = review_card_columns(item, progress[0], rows)
                    if reviewed is not None:
                        columns = reviewed
                        result.cards_with_progress += 1
                    elif item.suspended:
                        columns = (0, -1, due, 0, 0, 0, 0, 0, "")
                type_, queue, card_due, ivl, factor, reps, lapses, left, data = columns
                card_rows.append(
                    (
                        card_id,
                        note_id,
                        did,
                        ord_,
                        now,
                        -1,
                        type_,
                        queue,
                        card_due,
                        ivl,
                        factor,
                        reps,
                        lapses,
                        left,
                        0,
                        0,
                        0,
                        data,
                    )
                )
            if not deck.marker:
                result.notes += 1
                result.cards += len(ords)
            if len(note_rows) >= NOTES_PER_BATCH:
                flush()
    flush()
    return list(media_files.values())


def _tally(
    note: ExportNote,
    guid: str,
    fields: list[str],
    ords: list[int],
    exported_before: ExportedBefore,
    now: int,
    result: ExportResult,
    marker: bool,
    ledger_rows: list[LedgerRow],
) -> int:
    """Count what Anki will do with the note; return its modification time.

    A note unchanged since its last export keeps that export's time; a new or
    changed one gets `now` (never earlier than its previous time + 1, so Anki
    always sees a change as newer).
    """
    digest = note_content_hash(note.type, fields, note.tags)
    ords_text = " ".join(map(str, ords))
    previous = exported_before.get(guid)
    if marker:
        result.to_delete += 1
        if previous is not None and previous[0] == digest:
            return previous[1]
        mtime = max(now, previous[1] + 1) if previous else now
    elif previous is None:
        result.added += 1
        mtime = now
    elif previous[0] == digest:
        result.unchanged += 1
        mtime = previous[1]
        if previous[2] == ords_text:
            return mtime
    else:
        result.updated += 1
        mtime = max(now, previous[1] + 1)
    if previous is not None and previous[2] and not marker:
        result.empty_cards += len(set(previous[2].split()) - set(ords_text.split()))
    ledger_rows.append((guid, digest, mtime, note.deck_id, note.card_key, ords_text, note.family))
    result.changed += 1
    return mtime


def _media_in(folder: Path | None) -> frozenset[str]:
    if folder is None or not folder.is_dir():
        return frozenset()
    return frozenset(p.name for p in folder.iterdir() if p.is_file())
