"""The app's side of the sync_folder setting: a sync at start and after each session.

It runs in a worker thread on a connection of its own (SQLite connections stay
in the thread that opened them), so a review never waits for the folder; the
merge itself is one short transaction.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.message import Message
from textual.worker import Worker, WorkerState

from studyapp.sanitize import one_line
from studyapp.store import DATABASE_ERRORS, Store, StoreError
from studyapp.ui.context import StudyContext

if TYPE_CHECKING:
    from studyapp.sync.folder import SyncReport

SYNC_GROUP = "folder-sync"


class ReviewsMerged(Message):
    """Posted to the screen on show when a sync brought other devices' answers in: a
    screen showing counts refreshes them."""


def start_sync(app: App[Any], context: StudyContext) -> None:
    """Sync through the configured folder in the background (if one is set, and none runs)."""
    folder, db_path = context.settings.sync_folder, context.store.path
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


def sync_finished(app: App[Any], worker: Worker[object], state: WorkerState) -> None:
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
            app.screen.post_message(ReviewsMerged())
    elif state == WorkerState.ERROR:
        error = worker.error
        known = isinstance(error, (StoreError, *DATABASE_ERRORS, OSError))
        app.notify(
            one_line(str(error) if known else f"{type(error).__name__}: {error}"),
            title="Sync failed",
            severity="error",
            markup=False,
        )
