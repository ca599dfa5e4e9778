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
from studyapp.anki.guids import retired_guid
from studyapp.anki.notes import ExportDeck, with_progress_from

if TYPE_CHECKING:
    from studyapp.store import Store

# Records a finished export: the changed notes, and the GUIDs the tutor was told to delete.
Recorder = Callable[[LedgerRows, Sequence[str]], object]


@dataclass(frozen=True, slots=True)
class ExportJob:
    """An export with everything it needs from the database already read."""

    decks: tuple[ExportDeck, ...]
    with_progress: bool
    now: float
    rollover_hour: int
    exported_before: ExportedBefore
    # Notes Anki has from earlier exports of these decks that this one no longer
    # sends (cards removed, moved to or from cloze, or under a retired note type).
    to_delete: tuple[str, ...]


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
    retired = {
        old
        for deck in decks
        for note in deck.notes
        if not note.guid
        and (old := retired_guid(note.deck_id, note.card_key, note.type)) not in guids
        and old is not None
    }
    to_delete = {guid for guid in earlier if guid not in guids}
    to_delete |= set(store.exported_notes(retired))
    return ExportJob(
        tuple(decks),
        with_progress,
        time.time() if now is None else now,
        rollover_hour,
        exported_before,
        tuple(sorted(to_delete)),
    )


def run_export(job: ExportJob, out: Path, record: Recorder | None = None) -> ExportResult:
    """Write the package; no database needed.

    `record` gets the changed notes' new fingerprints (and the GUIDs reported for
    deletion) when the package is complete, before it replaces `out`: if
    recording fails, nothing is left at `out`.
    """

    def before_replace(result: ExportResult) -> None:
        if record is not None and (result.ledger or job.to_delete):
            record(result.ledger, job.to_delete)

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
        search = " or ".join(f"guid:{guid}" for guid in result.to_delete)
        lines.append(
            f"Delete {len(result.to_delete)} note{'s' * (len(result.to_delete) != 1)} "
            f"by hand (Browse, search: {search})."
        )
    if result.empty_cards:
        lines.append(
            f"Anki will keep {result.empty_cards} empty card"
            f"{'s' * (result.empty_cards != 1)}: remove them with Tools > Empty Cards."
        )
    return lines
