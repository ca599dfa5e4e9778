"""The app's side of the memory model's refresh: rebuilt or refitted in the background when
the database says it is due, and a failure said once (the review goes on without it).

A child process, not just a worker thread: fsrs-rs holds the GIL while it fits and replays,
which would freeze the UI thread. The child has its own connection; a grade meanwhile waits
at most for the short write at the end, and is never lost.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from textual.app import App
from textual.worker import Worker, WorkerState

from studyapp.store import DatabaseError

MEMORY_GROUP = "memory"

# What the child runs: the store's own refresh, on a connection of its own.
_REFRESH_CHILD = (
    "import sys; from pathlib import Path; "
    "from studyapp.store.memory import refresh_memory_at; "
    "print(refresh_memory_at(Path(sys.argv[1])) or '')"
)


def start_refresh(app: App[Any], path: Path) -> Worker[str | None]:
    """Refresh the memory model of the database at `path` (one refresh at a time)."""
    return app.run_worker(
        partial(_refresh_in_child, path),
        thread=True,
        group=MEMORY_GROUP,
        exit_on_error=False,
        exclusive=True,
    )


def _refresh_in_child(path: Path) -> str | None:
    """What the refresh did, in a line (None: nothing); DatabaseError with the child's
    last line when it failed."""
    import subprocess
    import sys

    # Plain pipes: multiprocessing would hand the child the terminal's stderr,
    # which Textual has replaced.
    done = subprocess.run(
        [sys.executable, "-c", _REFRESH_CHILD, str(path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise DatabaseError(lines[-1] if lines else f"exit status {done.returncode}")
    return done.stdout.strip() or None


def refresh_finished(app: App[Any], worker: Worker[object], state: WorkerState) -> None:
    """Figures only: the review goes on with the states it has; say why once."""
    if state == WorkerState.ERROR:
        app.notify(
            f"Memory model not refreshed: {worker.error}",
            severity="warning",
            markup=False,
        )
