"""What an Anki export reads, and the ledger of what it last wrote."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from studyapp.cards import CONTENT_COLUMNS
from studyapp.store.columns import state_from
from studyapp.store.memory import SCHEDULER_KEY
from studyapp.store.part import StorePart
from studyapp.study import sm2

# meta keys: the number of the last export that recorded its notes, and of the last
# one confirmed imported into Anki.
EXPORT_SERIAL_KEY = "export_serial"
EXPORT_CONFIRMED_KEY = "export_confirmed"

# An item's SM-2 state, whether it is suspended, and its review rows, oldest first.
DeckProgressEntry = tuple[sm2.SM2State, bool, tuple[dict[str, Any], ...]]


class Exports(StorePart):
    """Reads for Anki export, and the export ledger."""

    # -- export ----------------------------------------------------------------------

    def deck_rows(self, deck_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Active decks in their order (all of them, or those in `deck_ids`)."""
        rows = self._rows(
            "SELECT id, name, description FROM decks WHERE retired = 0 ORDER BY position"
        )
        if deck_ids is None:
            return rows
        wanted = set(deck_ids)
        return [r for r in rows if r["id"] in wanted]

    def deck_card_rows(self, deck_id: str) -> Iterator[dict[str, Any]]:
        """A deck's active cards in file order, one row at a time (an export of 100k
        cards holds no list of them): card_key, the card model's CONTENT_COLUMNS, and
        the student's note."""
        names = ("card_key", *CONTENT_COLUMNS, "note")
        for row in self.conn.execute(
            f"SELECT {', '.join(names)} FROM cards WHERE deck_id = ? AND retired = 0 "
            "ORDER BY position",
            [deck_id],
        ):
            yield dict(zip(names, row, strict=True))

    def deck_progress(self, deck_id: str) -> dict[tuple[str, int], DeckProgressEntry]:
        """(card key, ord) -> (SM-2 state, suspended, review rows) for a deck's active items.

        Under the fsrs scheduler the state's due date is FSRS's (the date the student's
        own queue uses), so Anki shows each card when StudyApp would have.
        """
        progress: dict[tuple[str, int], DeckProgressEntry] = {}
        items = self._rows(
            "SELECT i.id, c.card_key, i.ord, i.ef, i.interval, i.repetitions, i.lapses, i.due, "
            "i.suspended, m.fsrs_due FROM items i JOIN cards c ON c.id = i.card_id "
            "LEFT JOIN memory_states m ON m.item_id = i.id "
            "WHERE i.deck_id = ? AND i.retired = 0",
            [deck_id],
        )
        fsrs = self.get_meta(SCHEDULER_KEY) == "fsrs"
        reviews: dict[int, list[dict[str, Any]]] = {}
        for row in self._rows(
            "SELECT r.* FROM reviews r JOIN items i ON i.id = r.item_id "
            "WHERE i.deck_id = ? AND i.retired = 0 ORDER BY r.id",
            [deck_id],
        ):
            reviews.setdefault(row["item_id"], []).append(row)
        for item in items:
            state = state_from(item)
            if fsrs and state.due is not None and item["fsrs_due"]:
                state = replace(state, due=date.fromisoformat(item["fsrs_due"]))
            progress[(item["card_key"], item["ord"])] = (
                state,
                bool(item["suspended"]),
                tuple(reviews.get(item["id"], ())),
            )
        return progress

    def notes(self, guids: Iterable[str]) -> dict[str, tuple[str, int, str | None]]:
        """Each note at its last export: guid -> (content hash, mtime, Anki card ords as
        "0 1", None if exported before StudyApp kept them)."""
        guids = list(guids)
        known: dict[str, tuple[str, int, str | None]] = {}
        for start in range(0, len(guids), 500):
            chunk = guids[start : start + 500]
            known.update(
                {
                    r[0]: (r[1], r[2], r[3])
                    for r in self.conn.execute(
                        "SELECT guid, content_sha256, mtime, ords FROM exported_notes WHERE guid "
                        f"IN ({','.join('?' * len(chunk))})",
                        chunk,
                    )
                }
            )
        return known

    def snapshot(self, deck_ids: Sequence[str], path: Path) -> None:
        """Copy what the ledger knows of these decks' notes (and of notes exported before
        the ledger kept decks) into a new SQLite file at `path`, table `notes`, for an
        export to look up batch by batch instead of holding it all in memory."""
        # Outside `transaction()`: these writes go only to the new file (each statement
        # commits on its own), and the study database is only read.
        self.conn.execute("ATTACH DATABASE ? AS snapshot", [str(path)])
        try:
            self.conn.execute(
                "CREATE TABLE snapshot.notes (guid TEXT PRIMARY KEY, content_sha256, mtime, "
                "ords, deck_id, card_key, note_type, anki_ords)"
            )
            self.conn.execute(
                "INSERT INTO snapshot.notes SELECT guid, content_sha256, mtime, ords, deck_id, "
                "card_key, note_type, anki_ords FROM exported_notes WHERE deck_id IS NULL OR deck_id IN "
                f"({','.join('?' * len(deck_ids))})",
                list(deck_ids),
            )
            self.conn.execute("CREATE INDEX snapshot.notes_card ON notes (deck_id, card_key)")
        finally:
            self.conn.execute("DETACH DATABASE snapshot")

    def record(
        self, rows: Iterable[tuple[str, str, int, str, str, str, str]], forget: Sequence[str] = ()
    ) -> None:
        """Remember notes (guid, content hash, mtime, deck id, card key, ords, note type)
        as sent by this export, and notes (guids) just sent for deletion as marked: their
        markers go out again with every export until an import is confirmed."""
        with self.transaction():
            serial = int(self.get_meta(EXPORT_SERIAL_KEY) or 0) + 1
            self.conn.executemany(
                "INSERT INTO exported_notes (guid, content_sha256, mtime, deck_id, card_key, ords, "
                "note_type, exported_in) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guid) DO "
                "UPDATE SET content_sha256 = excluded.content_sha256, mtime = excluded.mtime, "
                "deck_id = excluded.deck_id, card_key = excluded.card_key, ords = excluded.ords, "
                "note_type = excluded.note_type, exported_in = excluded.exported_in, marked = 0",
                ((*row, serial) for row in rows),
            )
            self.conn.executemany(
                "UPDATE exported_notes SET marked = 1, exported_in = ? WHERE guid = ?",
                [(serial, guid) for guid in forget],
            )
            self.set_meta(EXPORT_SERIAL_KEY, str(serial))

    def confirm_imported(self) -> tuple[int, int] | None:
        """Record that the last export's package reached Anki: its notes' cards are what
        Anki has, and the notes it marked for deletion are forgotten. (notes confirmed,
        markers forgotten), or None when no export waits for confirmation."""
        with self.transaction():
            serial = self.get_meta(EXPORT_SERIAL_KEY)
            if serial is None or self.get_meta(EXPORT_CONFIRMED_KEY) == serial:
                return None
            forgotten = self.conn.execute(
                "DELETE FROM exported_notes WHERE marked = 1 AND exported_in = ?", [serial]
            ).rowcount
            confirmed = self.conn.execute(
                "UPDATE exported_notes SET anki_ords = ords WHERE exported_in = ?", [serial]
            ).rowcount
            self.set_meta(EXPORT_CONFIRMED_KEY, serial)
        return confirmed, forgotten

    def unconfirmed(self) -> bool:
        """Whether the last export's package is not yet confirmed imported."""
        serial = self.get_meta(EXPORT_SERIAL_KEY)
        return serial is not None and self.get_meta(EXPORT_CONFIRMED_KEY) != serial
