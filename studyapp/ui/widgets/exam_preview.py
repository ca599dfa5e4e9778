"""The Exams dialog's recall figures: each exam planned to the day off the UI thread, and
the preview of the exam as the form would save it (recall, daily load, any shortfall).

Planning runs the scope day by day to the exam (seconds for a big scope), so it runs
in a worker, on a connection of its own; an in-memory database (tests) cannot be
opened twice, so there the caller reads the plan's inputs and hands them over.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import work
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from studyapp.store import Exam, Store
from studyapp.study.exam_recall_plan import RecallForecast, RecallInputs, exam_projection, project

# What a worker plans from: the exam (read on the worker's own connection) or its inputs.
RecallSource = Exam | RecallInputs


def project_sources(
    database: str | None, today: date, sources: list[RecallSource]
) -> list[RecallForecast]:
    """Each source planned to the day (the one projection every view shows)."""
    store = Store.open(database) if database and any(isinstance(x, Exam) for x in sources) else None
    try:
        found = []
        for source in sources:
            if isinstance(source, Exam):
                assert store is not None
                found.append(exam_projection(store, source, today))
            else:
                found.append(project(source))
        return found
    finally:
        if store is not None:
            store.close()


class ExamPreview(Static):
    """Before saving: the typed exam's recall on the day and the plan's daily load; the
    shortfall line, when the target is out of reach, goes to the `shortfall` Static."""

    def __init__(self, shortfall: Static, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shortfall = shortfall
        # The exam the form says now: a slower, older plan is not shown over it.
        self._wanted: Exam | None = None

    def plan(
        self, typed: Exam | None, source: RecallSource | None, database: str | None, today: date
    ) -> None:
        """Plan `typed` from `source` (None: the form does not read; nothing shown)."""
        self._wanted = typed
        if typed is None or source is None:
            self.update("")
            self.shortfall.display = False
            return
        self.update(Text("planning…", style="dim"))
        self.run_preview(typed, source, database, today)

    @work(thread=True, exclusive=True, group="exam-dialog-preview", exit_on_error=False)
    def run_preview(
        self, typed: Exam, source: RecallSource, database: str | None, today: date
    ) -> tuple[Exam, RecallForecast]:
        """Off the UI thread: the exam as it would be saved, planned to the day."""
        return typed, project_sources(database, today, [source])[0]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.SUCCESS or event.worker.group != "exam-dialog-preview":
            return
        preview: tuple[Exam, RecallForecast] | None = event.worker.result
        if preview is not None and preview[0] == self._wanted:
            self._show(preview[1])

    def _show(self, preview: RecallForecast) -> None:
        followed, goal = preview.if_followed.overall, preview.goal
        self.update(
            Text.assemble(
                (f"{followed:.0%}", "bold" if followed >= goal.target else "bold red"),
                f" on the day · target {goal.target:.0%}\n",
                f"load max {preview.peak_minutes:.0f}, avg {preview.average_minutes:.0f} "
                f"of {goal.minutes_per_day:.0f} min/day",
            )
        )
        self.shortfall.update(Text(preview.shortfall or ""))
        self.shortfall.display = preview.shortfall is not None
