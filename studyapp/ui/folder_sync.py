"""The app's side of the sync_folder setting: a sync at start and after each session.

It runs in a worker thread on a connection of its own (SQLite connections stay
in the thread that opened them), so a review never waits for the folder; the
merge itself is one short transaction.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.worker import Worker, WorkerState

from studyapp.sanitize import one_line
from studyapp.store import DATABASE_ERRORS, Store, StoreError

if TYPE_CHECKING:
    from studyapp.sync.folder import SyncReport
    from studyapp.ui.app import StudyApp

SYNC_GROUP = "folder-sync"


def start_sync(app: StudyApp) -> None:
    """Sync through the configured folder in the background (if one is set, and none runs)."""
    folder, db_path = app.settings.sync_folder, app.store.path
    if not folder or db_path is None:
        return
    if any(w.group == SYNC_GROUP and w.is_running for w in app.workers):
        return
    app.run_worker(
        partial(_sync, db_path, Path(folder)), thread=True, group=SYNC_GROUP, exit_on_error=False
    )


def _sync(db_path: Path, folder: Path) -> SyncReport:
    # In the worker: the folder code (the event file's reader) stays out of start-up.
    from studyapp.sync.folder import sync_folder

    store = Store.open(db_path)
    try:
        return sync_folder(store, folder)
    finally:
        store.close()


def sync_finished(app: StudyApp, worker: Worker[object], state: WorkerState) -> None:
    """Tell the student what the sync brought, or why it could not run."""
    if state == WorkerState.SUCCESS:
        from studyapp.sync.folder import SyncReport

        report = worker.result
        if not isinstance(report, SyncReport):
            return
        for problem in report.problems:
            app.notify(one_line(problem), title="Sync", severity="warning", markup=False)
        if report.merged:
            app.notify(one_line(report.summary()), title="Synced", markup=False)
            from studyapp.ui.screens.home import HomeScreen

            if isinstance(app.screen, HomeScreen):
                app.screen.refresh_counts()
    elif state == WorkerState.ERROR:
        error = worker.error
        known = isinstance(error, (StoreError, *DATABASE_ERRORS, OSError))
        app.notify(
            one_line(str(error) if known else f"{type(error).__name__}: {error}"),
            title="Sync failed",
            severity="error",
            markup=False,
        )
