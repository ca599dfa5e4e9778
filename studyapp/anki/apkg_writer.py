"""Writing an Anki package (.apkg, Anki's legacy "collection.anki2" format).

genanki writes the collection (schema, note types, decks); the notes and cards
are streamed in, a batch of notes at a time, as the same rows genanki would
write one INSERT at a time (a test compares them with genanki's). An export of
100k cards so never holds all its rows in memory. With progress, each card
row carries its review state and the review log goes into ``revlog``, in
Anki's own schema (progress.py). Notes the decks no longer have are sent once
more, tagged for deletion (ledger.py).
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import genanki

from studyapp import export_target
from studyapp.anki.guids import package_deck_id
from studyapp.anki.ledger import Ledger, LedgerRow, Tally
from studyapp.anki.media_files import plain_files
from studyapp.anki.notes import ExportDeck, ExportError, ExportNote
from studyapp.anki.notetypes import build_models, model_id, own_models
from studyapp.anki.progress import RevlogRow, review_card_columns, revlog_rows
from studyapp.study import sm2

# Deflated as Anki deflates its own packages. Level 1: at 100k cards 0.3 s for
# 48 -> 8.2 MB, where level 6 takes 1.4 s for 7.6 MB (README, "Performance").
COMPRESSION = zipfile.ZIP_DEFLATED
COMPRESS_LEVEL = 1
NOTES_PER_BATCH = 1000

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
    # Notes converted from Anki that kept their Anki GUID, under StudyApp's note types;
    # and those that go back under their own note type (Anki's defaults update them).
    from_anki: int = 0
    own_note_type: int = 0
    # Cards under a note type of Anki's own whose student's note has no field to go in.
    notes_kept_back: int = 0
    # Notes new or changed since their last export (the rows of `ledger`).
    changed: int = 0
    # Notes Anki has from earlier exports that the decks no longer have: sent
    # this once, tagged ledger.DELETE_TAG, and then forgotten.
    deleted: tuple[str, ...] = ()
    # For `before_replace` only: the changed notes' ledger rows, read from a scratch
    # file as they are recorded (an export of 100k notes keeps none in memory).
    ledger: LedgerRows = field(default_factory=tuple, repr=False)

    @property
    def to_delete(self) -> int:
        return len(self.deleted)


def write_apkg(
    decks: Sequence[ExportDeck],
    out: Path,
    *,
    with_progress: bool = False,
    today: date | None = None,
    now: float | None = None,
    rollover_hour: int = sm2.DEFAULT_ROLLOVER_HOUR,
    ledger: Path | None = None,
    before_replace: Callable[[ExportResult], object] | None = None,
) -> ExportResult:
    """Write `decks` to `out` (.apkg). The file appears whole or not at all.

    `ledger` is a snapshot of the last export (store.exports.snapshot): notes
    unchanged since keep its modification time, so Anki updates only edited
    ones, and notes gone from the decks are sent tagged for deletion.
    `before_replace` runs when the package is complete; if it raises, nothing
    is left at `out`.
    """
    out = Path(out)
    if out.is_dir():
        raise ExportError(f"{out} is a folder; give a file name ending in .apkg")
    now = time.time() if now is None else now
    today = today or sm2.study_day(datetime.fromtimestamp(now), rollover_hour)
    result = ExportResult(out, decks=len(decks))
    # Scratch files live next to `out`, not in TMPDIR (a full TMPDIR cannot stop an
    # export), named so that a crashed export's leftovers are cleaned by the next one.
    try:
        db_path = Path(export_target.scratch_file(out))
        changed_path = Path(export_target.scratch_file(out))
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        media = _write_collection(
            db_path,
            changed_path,
            ledger,
            decks,
            now,
            result,
            (today, rollover_hour) if with_progress else None,
        )
        result.media_files = len(media)
        members: dict[str, Path | bytes] = {"collection.anki2": db_path}
        members.update({str(number): path for number, path in enumerate(media)})
        members["media"] = json.dumps({str(n): p.name for n, p in enumerate(media)}).encode()

        def write_package(target: Path) -> None:
            export_target.write_zip(
                target, members, now, compression=COMPRESSION, compress_level=COMPRESS_LEVEL
            )

        def record() -> None:
            assert before_replace is not None
            # Read in whichever thread `before_replace` hands the rows to.
            changed = sqlite3.connect(changed_path, check_same_thread=False)
            try:
                result.ledger = changed.execute("SELECT * FROM rows")
                before_replace(result)
            finally:
                changed.close()
                result.ledger = ()

        replace_atomically(out, write_package, record if before_replace else None)
    except (OSError, sqlite3.OperationalError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ExportError(f"cannot write {out}: {reason}") from None
    finally:
        db_path.unlink(missing_ok=True)
        changed_path.unlink(missing_ok=True)
    return result


def replace_atomically(
    out: Path, write: Callable[[Path], None], before_replace: Callable[[], object] | None
) -> None:
    """Write `out` through a temp file next to it, then rename: whole or not at all."""
    # Next to `out`, so the final rename is atomic; named with our pid, so two exports
    # never meet and a crashed one's file is cleaned by the next export.
    tmp_out = export_target.temp_path(out)
    try:
        write(tmp_out)
        if before_replace is not None:
            before_replace()
        os.replace(tmp_out, out)
    finally:
        tmp_out.unlink(missing_ok=True)


def _write_collection(
    db_path: Path,
    changed_path: Path,
    ledger_path: Path | None,
    decks: Sequence[ExportDeck],
    now: float,
    result: ExportResult,
    progress: tuple[date, int] | None,
) -> list[Path]:
    """The package's collection at `db_path`; returns the media files its notes show."""
    conn = sqlite3.connect(db_path)
    try:
        # A scratch file, zipped and then deleted: no journal, no fsync.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("ATTACH DATABASE ? AS changed", [str(changed_path)])
        conn.execute("PRAGMA changed.journal_mode = OFF")
        conn.execute(
            "CREATE TABLE changed.rows (guid, digest, mtime, deck_id, card_key, ords, family)"
        )
        families = {note.family for deck in decks for note in deck.notes}
        if ledger_path is not None:
            conn.execute("ATTACH DATABASE ? AS before", [str(ledger_path)])
            # Notes marked for deletion keep their note type.
            families |= {
                row[0]
                for row in conn.execute(
                    "SELECT DISTINCT note_type FROM before.notes WHERE deck_id IS NOT NULL"
                )
            }
        models = build_models()
        models.update(own_models(note for deck in decks for note in deck.notes))
        package_decks = []
        for deck in decks:
            anki_deck = genanki.Deck(
                package_deck_id(deck.id, deck.name), deck.name, deck.description
            )
            for note_family in sorted(families & set(models)):
                anki_deck.add_model(models[note_family])
            package_decks.append(anki_deck)
        ids = itertools.count(int(now * 1000))
        # genanki writes schema, note types and decks; the decks carry no notes.
        genanki.Package(package_decks).write_to_db(conn.cursor(), now, ids)
        if progress is not None:
            _set_scheduler_day(conn, *progress)
        writer = _NoteWriter(conn, Ledger(conn, ledger_path is not None), ids, int(now), progress)
        for deck in decks:
            writer.write(deck, deck.notes)
        gone = writer.ledger.gone()
        for deck_id in dict.fromkeys(note.deck_id for note in gone):
            deck = ExportDeck(deck_id, "", "", ())
            writer.write(deck, [n for n in gone if n.deck_id == deck_id], markers=True)
        writer.flush()
        conn.commit()
        tally = writer.tally
        result.added, result.updated, result.unchanged = tally.added, tally.updated, tally.unchanged
        result.empty_cards, result.changed = tally.empty_cards, tally.changed
        result.notes, result.cards, result.from_anki = writer.notes, writer.cards, writer.from_anki
        result.own_note_type = writer.own_note_type
        result.notes_kept_back = writer.notes_kept_back
        result.cards_with_progress, result.revlog_rows = writer.reviewed, writer.revlog
        result.deleted = tuple(note.content.guid for note in gone)
    finally:
        conn.close()
    return list(writer.media.values())


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


class _NoteWriter:
    """Streams note, card and revlog rows in, NOTES_PER_BATCH notes at a time.

    Ids are drawn in genanki's order (a note, then its cards); the sort field is
    the first (genanki's default); a new card's `due` is its note's position, so
    Anki shows new cards in deck order.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        ledger: Ledger,
        ids: Iterator[int],
        now: int,
        progress: tuple[date, int] | None,
    ) -> None:
        self.conn, self.ledger, self.ids, self.now, self.progress = conn, ledger, ids, now, progress
        self.tally = Tally(now)
        self.position = itertools.count()
        self.used_revlog_ids: set[int] = set()
        self.media: dict[str, Path] = {}
        self.note_rows: list[tuple[Any, ...]] = []
        self.card_rows: list[tuple[Any, ...]] = []
        self.log_rows: list[RevlogRow] = []
        self.notes = self.cards = self.reviewed = self.revlog = self.from_anki = 0
        self.own_note_type = self.notes_kept_back = 0

    def write(self, deck: ExportDeck, notes: Iterable[ExportNote], markers: bool = False) -> None:
        available = _media_in(deck.media_dir)
        batch: list[ExportNote] = []
        for note in notes:
            batch.append(note)
            if len(batch) >= NOTES_PER_BATCH:
                self._batch(deck, batch, available, markers)
                batch = []
        if batch:
            self._batch(deck, batch, available, markers)

    def _batch(
        self, deck: ExportDeck, notes: list[ExportNote], available: frozenset[str], markers: bool
    ) -> None:
        did = package_deck_id(deck.id, deck.name)
        notes = [self.ledger.fit_guid(note) for note in notes]
        guids = [note.anki_guid for note in notes]
        previous = self.ledger.previous(guids)
        for note, guid in zip(notes, guids, strict=True):
            used: set[str] = set()
            fields = note.fields(available, used, deck.media_dir)
            for name in used:
                self.media.setdefault(name, deck.media_dir / name)  # type: ignore[operator]
            ords = note.content.ords
            if markers:
                mtime = self.tally.marker(note, fields, previous.get(guid))
            else:
                mtime = self.tally.note(note, guid, fields, ords, previous.get(guid))
                self.notes += 1
                self.cards += len(ords)
                own = note.content.type == "note"
                self.from_anki += guid == note.content.guid and not own
                self.own_note_type += guid == note.content.guid and own
                self.notes_kept_back += note.note_kept_back
            note_id = next(self.ids)
            tags = f" {' '.join(note.content.tags)} "
            row = (note_id, guid, model_id(note.family), mtime, -1, tags, "\x1f".join(fields))
            self.note_rows.append((*row, fields[0], 0, 0, ""))
            due = next(self.position)
            for ord_ in ords:
                self._card(note, note_id, did, ord_, due)
        self.flush()

    def _card(self, note: ExportNote, note_id: int, did: int, ord_: int, due: int) -> None:
        card_id = next(self.ids)
        columns: tuple[Any, ...] = (0, 0, due, 0, 0, 0, 0, 0, "")
        item = note.progress.get(ord_) if self.progress is not None else None
        if item is not None and self.progress is not None:
            rows = revlog_rows(card_id, item, self.used_revlog_ids)
            self.log_rows.extend(rows)
            self.revlog += len(rows)
            reviewed = review_card_columns(item, self.progress[0], rows)
            if reviewed is not None:
                columns = reviewed
                self.reviewed += 1
            elif item.suspended:
                columns = (0, -1, due, 0, 0, 0, 0, 0, "")
        self.card_rows.append(
            (card_id, note_id, did, ord_, self.now, -1, *columns[:8], 0, 0, 0, columns[8])
        )

    def flush(self) -> None:
        conn = self.conn
        conn.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)", self.note_rows)
        conn.executemany(
            "INSERT INTO cards VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", self.card_rows
        )
        conn.executemany(
            "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
            "VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)",
            self.log_rows,
        )
        conn.executemany("INSERT INTO changed.rows VALUES (?,?,?,?,?,?,?)", self.tally.rows)
        for rows in (self.note_rows, self.card_rows, self.log_rows, self.tally.rows):
            rows.clear()


def _media_in(folder: Path | None) -> frozenset[str]:
    """Names of the plain files in `folder`: a symbolic link is never sent."""
    return frozenset(p.name for p in plain_files(folder)[0])
