"""The app's side of "Export to Anki": the dialog, the package written in a worker, and
what is said when it is done.

The package is written off the UI thread; the database stays on it (the ledger of what was
written is recorded through ``call_from_thread``). The Anki code loads only when exporting.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from textual.app import App
from textual.worker import Worker, WorkerState

from studyapp.store import DATABASE_ERRORS
from studyapp.ui.context import StudyContext

if TYPE_CHECKING:
    from studyapp.anki import ExportJob, ExportResult
    from studyapp.ui.dialogs.export import ExportRequest

EXPORT_GROUP = "export"


def export_errors() -> tuple[type[Exception], ...]:
    """What an export may fail with that deserves its one line (anything else is a bug)."""
    from studyapp.anki import ExportError

    return (ExportError, *DATABASE_ERRORS)


def open_export(app: App[Any], context: StudyContext, rollover_hour: int) -> None:
    """The export dialog; what it asks for is planned here and written in a worker."""
    from studyapp.ui.dialogs.export import ExportScreen

    store = context.store
    default = Path.home() / f"StudyApp-{context.today().isoformat()}.apkg"

    def export(request: ExportRequest | None) -> None:
        if request is None:
            return
        if any(w.group == EXPORT_GROUP and w.is_running for w in app.workers):
            app.notify("An export is already running.", severity="warning")
            return
        from studyapp.anki import decks_from_store, plan_export

        try:
            if request.last_imported:
                store.exports.confirm_imported()
            job = plan_export(
                store,
                decks_from_store(store, media_dir=context.media_dir),
                with_progress=request.with_progress,
                rollover_hour=rollover_hour,
            )
        except export_errors() as exc:
            app.notify(str(exc), title="Export failed", severity="error", markup=False)
            return
        app.notify(f"Writing {request.path} …", title="Exporting to Anki", timeout=3, markup=False)
        write_export(app, context, job, request.path)

    app.push_screen(ExportScreen(default, store.exports.unconfirmed()), export)


def write_export(app: App[Any], context: StudyContext, job: ExportJob, path: Path) -> None:
    """Write the package off the UI thread; the database stays on the UI thread."""

    def write() -> ExportResult:
        from studyapp.anki import run_export

        record = context.store.exports.record
        return run_export(
            job, path, lambda rows, forget: app.call_from_thread(record, rows, forget)
        )

    app.run_worker(write, thread=True, group=EXPORT_GROUP, exit_on_error=False)


def export_finished(app: App[Any], worker: Worker[object], state: WorkerState) -> None:
    """Say what the export wrote, or why it could not."""
    if state == WorkerState.SUCCESS:
        from studyapp.anki import outlook_lines

        result = cast("ExportResult", worker.result)
        app.notify(
            f"{result.notes} notes ({result.cards} cards) written to {result.path}\n"
            + "\n".join(outlook_lines(result)),
            title="Exported to Anki",
            timeout=8,
            markup=False,
        )
    elif state == WorkerState.ERROR:
        error = worker.error
        known = isinstance(error, export_errors())
        app.notify(
            str(error) if known else f"{type(error).__name__}: {error}",
            title="Export failed",
            severity="error",
            markup=False,
        )
