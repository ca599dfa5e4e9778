"""Home's exam line: the pace and why, the forecast to the day, and the projected recall on
the day (both worked out off the UI thread).

The pace is two small counting queries per exam; the forecast replays SM-2 over
the whole scope, so it runs in a worker and is kept for the study day in the app's context
(``StudyContext.exam_forecasts``, through the `keep` it is handed): coming back to home the same
day costs nothing. The recall projection runs the exam plan (seconds for a big scope)
in a worker too; studyapp.study.exam_recall_plan keeps it in the process while the memory
states are unchanged, and the tactic it chose in the database (table exam_tactics) for the
next start, so only that tactic is run again while the inputs stay the same. The line shows
the last projection it had while it checks. It reads nothing itself: home hands it what to
show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual import work
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from studyapp.sanitize import one_line
from studyapp.store import Exam, Store
from studyapp.study.exam import ExamStatus, pace_line
from studyapp.study.exam_forecast import (
    Forecast,
    ForecastInputs,
    forecast_exam,
    forecast_line,
    load_inputs,
)
from studyapp.study.exam_recall_plan import RecallForecast, RecallInputs, exam_projection, project

# Keeps a forecast worked out for an exam on a study day (the context's cache for the day).
KeepForecast = Callable[[Exam, date, Forecast], None]


@dataclass(frozen=True, slots=True)
class ExamPlan:
    """What the line shows: the coming exams (nearest first) and the nearest one's forecast
    if known. Without it, the line works it out from `database` (a file of its own
    connection) or, for a database in memory, from `inputs` read already, and hands it
    to `keep`."""

    statuses: list[ExamStatus]
    forecast: Forecast | None = None
    database: str | None = None
    inputs: ForecastInputs | None = None
    # Called, on the UI thread, with the forecast once worked out.
    keep: KeepForecast | None = None
    # For a database in memory: the recall projection's inputs, read already.
    recall_inputs: RecallInputs | None = None


class ExamLine(Static):
    """The nearest exam; hidden while none is set."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.status: ExamStatus | None = None
        self.more = 0
        self.keep: KeepForecast | None = None
        self.forecast: Forecast | None = None
        # The last projection per exam and day: shown while a newer one is worked out.
        self.recall: dict[tuple[Exam, date], RecallForecast] = {}

    def show(self, plan: ExamPlan) -> None:
        self.display = bool(plan.statuses)
        if not plan.statuses:
            self.status = None
            return
        self.status, self.more = plan.statuses[0], len(plan.statuses) - 1
        self.keep = plan.keep
        self.forecast = plan.forecast
        self._draw()
        if plan.forecast is None:
            # After this frame: home is on screen before the forecast's inputs are read.
            self.call_after_refresh(self._start_forecast, self.status, plan)
        # The states may have changed since the last look (a session): check again.
        self.call_after_refresh(self._start_recall, self.status, plan)

    def _draw(self) -> None:
        if self.status is None:
            return
        line = Text(one_line(pace_line(self.status)), style="bold magenta")  # the exam name
        line.append("\nForecast ", style="bold")
        if self.forecast is None:
            line.append("working it out…", style="dim")
        else:
            line.append(forecast_line(self.forecast))
        if self.more:
            line.append(f" · +{self.more} more (x)", style="dim")
        recall = self.recall.get((self.status.exam, self.status.today))
        line.append("\nRecall ", style="bold")
        if recall is None:
            line.append("on the day: working it out…", style="dim")
        else:
            # Shorter than recall_line: one row of 80 with the warning.
            line.append(
                f"on the day {recall.if_followed.overall:.0%} with the plan · "
                f"{recall.if_stopped.overall:.0%} if you stop · target {recall.goal.target:.0%}"
            )
            if recall.shortfall:
                line.append(" · short (x)", style="bold red")
        self.update(line)

    def _start_recall(self, status: ExamStatus, plan: ExamPlan) -> None:
        if self.status != status:
            return
        if plan.database is None:
            assert plan.recall_inputs is not None
            self.run_recall(plan.recall_inputs, None)
        else:
            self.run_recall(status, plan.database)

    @work(thread=True, exclusive=True, group="exam-recall", exit_on_error=False)
    def run_recall(
        self, what: ExamStatus | RecallInputs, path: str | None
    ) -> tuple[Exam, date, RecallForecast]:
        """Off the UI thread, on a connection of its own: the plan runs the scope to the day."""
        if isinstance(what, RecallInputs):
            return what.exam, what.goal.today, project(what)
        assert path is not None
        store = Store.open(path)
        try:
            return what.exam, what.today, exam_projection(store, what.exam, what.today)
        finally:
            store.close()

    def _start_forecast(self, status: ExamStatus, plan: ExamPlan) -> None:
        if self.status != status:
            return
        if plan.database is None:
            assert plan.inputs is not None
            self.run_forecast(plan.inputs, None)
        else:
            self.run_forecast(status, plan.database)

    @work(thread=True, exclusive=True, group="exam-forecast", exit_on_error=False)
    def run_forecast(
        self, what: ExamStatus | ForecastInputs, path: str | None
    ) -> tuple[ForecastInputs, Forecast]:
        """Off the UI thread, on a connection of its own: reading a big scope takes a while."""

        if isinstance(what, ForecastInputs):
            return what, forecast_exam(what)
        assert path is not None
        store = Store.open(path)
        try:
            inputs = load_inputs(store, what.exam, what.today, what.normal_new_per_day)
        finally:
            store.close()
        return inputs, forecast_exam(inputs)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.SUCCESS:
            return
        if event.worker.group == "exam-recall":
            found: tuple[Exam, date, RecallForecast] | None = event.worker.result
            if found is not None:
                self.recall[(found[0], found[1])] = found[2]
                self._draw()
            return
        if event.worker.group != "exam-forecast":
            return
        result: tuple[ForecastInputs, Forecast] | None = event.worker.result
        if result is None:
            return
        inputs, forecast = result
        exam: Exam = inputs.key[0]
        if self.keep is not None:
            self.keep(exam, inputs.today, forecast)
        if self.status is not None and self.status.exam == exam:
            self.forecast = forecast
            self._draw()
