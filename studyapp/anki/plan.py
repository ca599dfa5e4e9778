"""An export in two steps: read what it needs from the database, then write the package.

:func:`plan_export` reads (progress, the ledger of earlier exports, the notes
Anki should no longer have); :func:`run_export` writes without touching the
database, so the app can write off the UI thread, and records the new ledger
only once the package is whole.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from studyapp import sm2
from studyapp.anki.apkg_writer import ExportedBefore, ExportResult, LedgerRows, write_apkg
from studyapp.anki.notes import ExportDeck, ExportNote, with_progress_from

if TYPE_CHECKING:
    from studyapp.store import Store

# Records a finished export: the notes that changed (see LedgerRows), and the GUIDs
# of notes sent for deletion, which are sent once: once deleted in Anki, a note
# sent again would come back as a new one.
Recorder = Callable[[LedgerRows, Sequence[str]], object]
# The tag that marks, in Anki, notes a re-export no longer has.
DELETE_TAG = "StudyApp::delete"
MARKER_TEXT = "Removed from its StudyApp deck: delete this note."


@dataclass(frozen=True, slots=True)
class ExportJob:
    """An export with everything it needs from the database already read."""

    decks: tuple[ExportDeck, ...]
    with_progress: bool
    now: float
    rollover_hour: int
    exported_before: ExportedBefore
    # Notes Anki has from earlier exports of these decks that the decks no longer
    # have (cards removed, or moved to or from cloze, which makes a new note):
    # sent again with only DELETE_TAG and MARKER_TEXT, for the tutor to delete,
    # in this export only.
    to_delete: tuple[ExportNote, ...]


def plan_export(
    store: Store,
    decks: Sequence[ExportDeck],
    *,
    with_progress: bool = False,
    now: float | None = None,
    rollover_hour: int = sm2.DEFAULT_ROLLOVER_HOUR,
) -> ExportJob:
    """Read what an export needs: the progress (if asked) and each note's last export."""
    if with_progress:
        decks = with_progress_from(store, decks)
    guids = {note.anki_guid for deck in decks for note in deck.notes}
    exported_before = store.exported_notes(guids)
    earlier = store.exported_deck_notes(deck.id for deck in decks)
    to_delete = [
        deletion_marker(guid, deck_id, card_key, note_type)
        for guid, (deck_id, card_key, note_type) in earlier.items()
        if guid not in guids
    ]
    exported_before = {**exported_before, **store.exported_notes(earlier.keys() - guids)}
    return ExportJob(
        tuple(decks),
        with_progress,
        time.time() if now is None else now,
        rollover_hour,
        exported_before,
        tuple(sorted(to_delete, key=lambda note: note.guid)),
    )


def deletion_marker(guid: str, deck_id: str, card_key: str, note_type: str) -> ExportNote:
    """What a note to delete is sent as: the same note (GUID and note type), tagged."""
    if note_type == "cloze":
        text = f"{MARKER_TEXT} {{{{c1::{card_key}}}}}"
        return ExportNote(deck_id, card_key, "cloze", text=text, tags=(DELETE_TAG,), guid=guid)
    return ExportNote(
        deck_id, card_key, "basic", MARKER_TEXT, card_key, tags=(DELETE_TAG,), guid=guid
    )


def run_export(job: ExportJob, out: Path, record: Recorder | None = None) -> ExportResult:
    """Write the package; no database needed.

    `record` gets the changed notes' new fingerprints (and the GUIDs reported for
    deletion) when the package is complete, before it replaces `out`: if
    recording fails, nothing is left at `out`.
    """

    def before_replace(result: ExportResult) -> None:
        if record is not None and (result.changed or job.to_delete):
            record((row for row in result.ledger if row[0] not in deleted), sorted(deleted))

    deleted = {note.guid for note in job.to_delete}

    return write_apkg(
        job.decks,
        out,
        with_progress=job.with_progress,
        now=job.now,
        rollover_hour=job.rollover_hour,
        exported_before=job.exported_before,
        to_delete=job.to_delete,
        before_replace=before_replace,
    )


def export_to_file(
    store: Store,
    decks: Sequence[ExportDeck],
    out: Path,
    *,
    with_progress: bool = False,
    now: float | None = None,
    rollover_hour: int = sm2.DEFAULT_ROLLOVER_HOUR,
) -> ExportResult:
    """Export with the database's memory of earlier exports, so only edited notes update."""
    job = plan_export(
        store, decks, with_progress=with_progress, now=now, rollover_hour=rollover_hour
    )
    return run_export(job, out, store.record_exported)


def outlook_lines(result: ExportResult) -> list[str]:
    """What Anki will do with the package, for the tutor (CLI and app)."""
    lines = [
        f"In Anki: {result.added} notes added, {result.updated} updated, "
        f"{result.unchanged} unchanged."
    ]
    if result.to_delete:
        lines.append(
            f"{result.to_delete} note{'s' * (result.to_delete != 1)} no longer in your decks: "
            f"delete them in Anki (Browse, search tag:{DELETE_TAG}, select all, Notes > Delete)."
        )
    if result.empty_cards:
        lines.append(
            f"Anki will keep {result.empty_cards} empty card"
            f"{'s' * (result.empty_cards != 1)}: remove them with Tools > Empty Cards."
        )
    return lines
