"""What the package's notes were at their last export, looked up batch by batch.

plan_export copies the database's ledger rows of the exported decks into a
scratch SQLite file (store.exports.snapshot); the writer attaches it as
``before`` and asks it, a batch of notes at a time, for each note's previous
content hash and modification time, so a re-export of 100k notes holds no
dictionary of them. After the notes are written, the snapshot also names the
notes Anki has that the decks no longer have.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace

from studyapp.anki.guids import note_content_hash
from studyapp.anki.notes import ExportNote
from studyapp.cards import CardContent

# The tag that marks, in Anki, notes a re-export no longer has.
DELETE_TAG = "StudyApp::delete"
MARKER_TEXT = "Removed from its StudyApp deck: delete this note."

# A note at its last export: (content hash, mtime, card ords "0 1" or None, and the
# cards Anki is known to have: the ords at the last export confirmed imported, or None).
PreviousNote = tuple[str, int, str | None, str | None]
Previous = dict[str, PreviousNote]
# What a finished export tells the database, per note that changed:
# (guid, content hash, mtime, deck id, card key, ords, note type family).
LedgerRow = tuple[str, str, int, str, str, str, str]


def deletion_marker(guid: str, deck_id: str, card_key: str, note_type: str) -> ExportNote:
    """What a note to delete is sent as: the same note (GUID and note type), tagged."""
    if note_type == "cloze":
        text = f"{MARKER_TEXT} {{{{c1::{card_key}}}}}"
        content = CardContent("cloze", text=text, tags=(DELETE_TAG,), guid=guid)
    elif note_type == "occlusion":  # no shapes: Anki keeps the note, with no cards, tagged
        content = CardContent("occlusion", MARKER_TEXT, tags=(DELETE_TAG,), guid=guid)
    else:
        content = CardContent("basic", MARKER_TEXT, card_key, tags=(DELETE_TAG,), guid=guid)
    return ExportNote(deck_id, card_key, content)


def _with_guid(note: ExportNote, guid: str) -> ExportNote:
    return replace(note, content=replace(note.content, guid=guid))


class Ledger:
    """The snapshot attached to the package's scratch connection as ``before`` (or none)."""

    def __init__(self, conn: sqlite3.Connection, attached: bool) -> None:
        self.conn = conn
        self.attached = attached

    def _select(self, sql: str, args: Sequence[str]) -> list[tuple[str, ...]]:
        return self.conn.execute(sql, list(args)).fetchall() if self.attached else []

    def previous(self, guids: Sequence[str]) -> Previous:
        found: Previous = {}
        for start in range(0, len(guids), 500):
            chunk = guids[start : start + 500]
            for guid, digest, mtime, ords, anki_ords in self._select(
                "SELECT guid, content_sha256, mtime, ords, anki_ords FROM before.notes WHERE guid IN "
                f"({','.join('?' * len(chunk))})",
                chunk,
            ):
                found[guid] = (digest, int(mtime), ords, anki_ords)
        return found

    def fit_guid(self, note: ExportNote) -> ExportNote:
        """A converted card's note, with the GUID that fits its note type family.

        A card converted from Anki keeps its Anki GUID; moved to or from cloze it
        needs a new note (guids.card_guid), and keeps that one on later exports:
        the ledger knows which GUID the card has in each family.
        """
        if not note.content.guid:
            return note
        rows = self._select(
            "SELECT guid, note_type FROM before.notes WHERE deck_id = ? AND card_key = ?",
            (note.deck_id, note.card_key),
        )
        families = {row[0]: row[1] for row in rows}
        known = next((g for g, family in families.items() if family == note.family), None)
        if known is not None:
            return note if known == note.content.guid else _with_guid(note, known)
        if families.get(note.content.guid, note.family) != note.family:
            return _with_guid(note, "")  # the derived GUID of its new family
        return note

    def gone(self) -> list[ExportNote]:
        """Notes of the exported decks last exported but not in this package, as markers.

        A note already marked stays in the ledger (marked) and is sent again, until the
        tutor confirms a package with its marker reached Anki (store.exports.confirm_imported).
        """
        return [
            deletion_marker(*row)
            for row in self._select(
                "SELECT guid, deck_id, card_key, note_type FROM before.notes "
                "WHERE deck_id IS NOT NULL AND guid NOT IN (SELECT guid FROM main.notes) "
                # A note of its own note type gets no marker: the ledger does not keep the
                # note type, and a marker under ours would re-template it in Anki.
                "AND note_type NOT LIKE 'note:%' "
                "ORDER BY guid",
                (),
            )
        ]


class Tally:
    """Counts what Anki will do, gives each note its modification time, and collects the
    ledger rows of the notes that changed."""

    def __init__(self, now: int) -> None:
        self.now = now
        self.added = self.updated = self.unchanged = self.empty_cards = self.changed = 0
        self.rows: list[LedgerRow] = []

    def note(
        self,
        note: ExportNote,
        guid: str,
        fields: list[str],
        ords: list[int],
        previous: PreviousNote | None,
    ) -> int:
        """The note's mtime. Unchanged since its last export: that export's time; new or
        changed: now, never earlier than its previous time + 1, so Anki sees it newer.

        Empty cards are counted against the cards Anki is known to have (the last
        confirmed import), not the last export, which may never have reached Anki."""
        digest = note_content_hash(note.content.type, fields, note.content.tags)
        ords_text = " ".join(map(str, ords))
        in_anki = previous[3] if previous is not None else None
        if in_anki:
            self.empty_cards += len(set(in_anki.split()) - set(ords_text.split()))
        if previous is None:
            self.added += 1
            mtime = self.now
        elif previous[0] == digest:
            self.unchanged += 1
            mtime = previous[1]
            if previous[2] == ords_text and in_anki == ords_text:
                return mtime
        else:
            self.updated += 1
            mtime = max(self.now, previous[1] + 1)
        # Recorded also when only Anki's known cards differ: confirming this package's
        # import then makes its cards what Anki has.
        self.rows.append((guid, digest, mtime, note.deck_id, note.card_key, ords_text, note.family))
        self.changed += 1
        return mtime

    def marker(
        self, digest_of: ExportNote, fields: list[str], previous: PreviousNote | None
    ) -> int:
        """A deletion marker's mtime: newer than the note it marks, unless sent already."""
        digest = note_content_hash(digest_of.content.type, fields, digest_of.content.tags)
        if previous is not None and previous[0] == digest:
            return previous[1]
        return max(self.now, previous[1] + 1) if previous else self.now
