"""An export in two steps: read what it needs from the database, then write the package.

:func:`plan_export` reads (progress, and a snapshot of the ledger of earlier
exports into a scratch file); :func:`run_export` writes without touching the
database, so the app can write off the UI thread, and records the new ledger
only once the package is whole.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from studyapp.anki.apkg_writer import ExportResult, LedgerRows, write_apkg
from studyapp.anki.ledger import DELETE_TAG
from studyapp.anki.notes import ExportDeck, with_progress_from
from studyapp.study import sm2

if TYPE_CHECKING:
    from studyapp.store import Store

# Records a finished export: the notes that changed (see ledger.LedgerRow), and the
# GUIDs of notes sent for deletion, which stay marked and are sent again until the
# tutor confirms a package reached Anki (store.exports.confirm_imported). Called for every
# export, so a confirmation always means the last package written.
Recorder = Callable[[LedgerRows, Sequence[str]], object]


@dataclass(frozen=True, slots=True)
class ExportJob:
    """An export with everything it needs from the database already read. Used once:
    running it removes its ledger snapshot."""

    decks: tuple[ExportDeck, ...]
    with_progress: bool
    now: float
    rollover_hour: int
    # The ledger of earlier exports of these decks (store.exports.snapshot).
    ledger: Path


def plan_export(
    store: Store,
    decks: Sequence[ExportDeck],
    *,
    with_progress: bool = False,
    now: float | None = None,
    rollover_hour: int = sm2.DEFAULT_ROLLOVER_HOUR,
) -> ExportJob:
    """Read what an export needs: the progress (if asked) and the decks' last export."""
    if with_progress:
        decks = with_progress_from(store, decks)
    fd, name = tempfile.mkstemp(prefix="studyapp-ledger-", suffix=".db")
    os.close(fd)
    ledger = Path(name)
    ledger.unlink()  # SQLite makes the file
    try:
        store.exports.snapshot([deck.id for deck in decks], ledger)
    except BaseException:
        ledger.unlink(missing_ok=True)
        raise
    return ExportJob(
        tuple(decks), with_progress, time.time() if now is None else now, rollover_hour, ledger
    )


def run_export(job: ExportJob, out: Path, record: Recorder | None = None) -> ExportResult:
    """Write the package; no database needed.

    `record` gets the changed notes' new fingerprints (and the GUIDs sent for
    deletion) when the package is complete, before it replaces `out`: if
    recording fails, nothing is left at `out`.
    """

    def before_replace(result: ExportResult) -> None:
        if record is not None:
            record(result.ledger, result.deleted)

    try:
        return write_apkg(
            job.decks,
            out,
            with_progress=job.with_progress,
            now=job.now,
            rollover_hour=job.rollover_hour,
            ledger=job.ledger,
            before_replace=before_replace,
        )
    finally:
        job.ledger.unlink(missing_ok=True)


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
    return run_export(job, out, store.exports.record)


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
    if result.from_anki:
        lines.append(
            f"{result.from_anki} notes keep their Anki GUID under StudyApp's note types (a "
            "text export carries none of its own): Anki's import defaults leave the collection's "
            "own notes as they are (reported as conflicting); 'Merge note types' would move "
            "those notes to StudyApp's note types."
        )
    if result.own_note_type:
        one = result.own_note_type == 1
        lines.append(
            f"{result.own_note_type} "
            + (
                "note goes back under its own note type"
                if one
                else "notes go back under their own note types"
            )
            + f": Anki's import defaults update {'it' if one else 'them'} in place, "
            "no 'Merge note types' needed."
        )
    if result.notes_kept_back:
        lines.append(
            f"Your notes on {result.notes_kept_back} card{'s' * (result.notes_kept_back != 1)} "
            "stay in StudyApp: their Anki note type has no field that every answer shows and "
            "no question reads, where a note could go without changing the cards."
        )
    if result.empty_cards:
        lines.append(
            f"Anki will keep {result.empty_cards} empty card"
            f"{'s' * (result.empty_cards != 1)}: remove them with Tools > Empty Cards."
        )
    return lines
