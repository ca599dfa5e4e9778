"""Home's exam line: the pace and why, then the forecast to the day (worked out off the UI thread).

The pace is two small counting queries per exam; the forecast replays SM-2 over
the whole scope, so it runs in a worker and is kept for the study day in
``app.exam_forecasts``: coming back to home the same day costs nothing.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import work
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from studyapp.exam import ExamStatus, exam_statuses, pace_line
from studyapp.exam_forecast import Forecast, ForecastInputs, forecast_exam, forecast_line
from studyapp.store import Exam, Store


class ExamLine(Static):
    """The nearest exam; hidden while none is set."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.status: ExamStatus | None = None
        self.more = 0

    def refresh_plan(self) -> None:
        app = self.app
        today: date = app.today()  # type: ignore[attr-defined]
        statuses = exam_statuses(app.store, today, app.settings.new_per_day)  # type: ignore[attr-defined]
        self.display = bool(statuses)
        if not statuses:
            self.status = None
            return
        self.status, self.more = statuses[0], len(statuses) - 1
        forecast = cached_forecast(app, self.status.exam, today)
        self._draw(forecast)
        if forecast is None:
            # After this frame: home is on screen before the forecast's inputs are read.
            self.call_after_refresh(self._start_forecast, self.status)

    def _draw(self, forecast: Forecast | None) -> None:
        if self.status is None:
            return
        line = Text(pace_line(self.status), style="bold magenta")
        line.append("\nForecast ", style="bold")
        if forecast is None:
            line.append("working it out…", style="dim")
        else:
            line.append(forecast_line(forecast))
        if self.more:
            line.append(f" · +{self.more} more (x)", style="dim")
        self.update(line)

    def _start_forecast(self, status: ExamStatus) -> None:
        if self.status != status:
            return
        store = self.app.store  # type: ignore[attr-defined]
        path = store.database_file()
        if path is None:
            # An in-memory database (tests) cannot be opened twice: read it here.
            from studyapp.exam_forecast import load_inputs

            inputs = load_inputs(store, status.exam, status.today, status.normal_new_per_day)
            self.run_forecast(inputs, None)
        else:
            self.run_forecast(status, path)

    @work(thread=True, exclusive=True, group="exam-forecast", exit_on_error=False)
    def run_forecast(
        self, what: ExamStatus | ForecastInputs, path: str | None
    ) -> tuple[ForecastInputs, Forecast]:
        """Off the UI thread, on a connection of its own: reading a big scope takes a while."""
        from studyapp.exam_forecast import load_inputs

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
        if event.worker.group != "exam-forecast" or event.state != WorkerState.SUCCESS:
            return
        result: tuple[ForecastInputs, Forecast] | None = event.worker.result
        if result is None:
            return
        inputs, forecast = result
        exam: Exam = inputs.key[0]
        forecasts(self.app)[(exam, inputs.today)] = forecast
        if self.status is not None and self.status.exam == exam:
            self._draw(forecast)


def forecasts(app: object) -> dict[tuple[Exam, date], Forecast]:
    """The app's forecasts, one per exam and study day."""
    cache: dict[tuple[Exam, date], Forecast] = app.exam_forecasts  # type: ignore[attr-defined]
    return cache


def cached_forecast(app: object, exam: Exam, today: date) -> Forecast | None:
    return forecasts(app).get((exam, today))
