"""The Exams dialog's list: each coming exam in numbers (pace, forecast, recall on the day),
then past ones with their final-window grades.

The forecasts not yet known for the day and the recall projections are worked out
off the UI thread while the list is shown, each on a connection of its own; an
in-memory database (tests) cannot be opened twice, so there the listing carries
the inputs read already.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from rich.text import Text
from textual import work
from textual.widgets import OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from studyapp.sanitize import one_line
from studyapp.store import Exam, Store
from studyapp.study.exam import ExamStatus, short_date
from studyapp.study.exam_forecast import (
    Forecast,
    ForecastInputs,
    forecast_exam,
    forecast_line,
    load_inputs,
)
from studyapp.study.exam_recall_plan import RecallForecast
from studyapp.ui.widgets.exam_line import KeepForecast
from studyapp.ui.widgets.exam_preview import RecallSource, project_sources


@dataclass(frozen=True, slots=True)
class ScopeChoice:
    """One choice of the dialog's scope drop-down: the decks and tags an exam is to cover
    (neither: every deck), or `keep`, a moved exam's own."""

    deck_ids: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    keep: bool = False

    @property
    def all_decks(self) -> bool:
        return not (self.keep or self.deck_ids or self.tags)


SAME_SCOPE = ScopeChoice(keep=True)
ALL_DECKS = ScopeChoice()


@dataclass(frozen=True)
class ExamListing:
    """What the dialog shows: coming exams with their status, past ones with their grades."""

    today: date
    coming: list[tuple[ExamStatus, Forecast | None]] = field(default_factory=list)
    past: list[tuple[Exam, dict[int, int]]] = field(default_factory=list)
    scopes: list[tuple[str, ScopeChoice]] = field(default_factory=list)  # (label, one deck/tag)
    # The database file, for working out the forecasts not yet known; in memory (None),
    # their inputs are read with the listing.
    database: str | None = None
    forecast_inputs: list[ForecastInputs] = field(default_factory=list)
    keep: KeepForecast | None = None  # handed each forecast worked out here
    # Projected recall on the day per coming exam, filled in by a worker.
    recall: dict[Exam, RecallForecast] = field(default_factory=dict)


def exam_options(listing: ExamListing) -> list[Option]:
    """The list's rows: each coming exam in numbers, then past ones with their grades."""
    today = listing.today
    options = []
    for status, forecast in listing.coming:
        exam, days = status.exam, status.days_left
        head = Text.assemble(
            (one_line(exam.name), "bold"),
            f" · {short_date(exam.date, today)} · ",
            "today" if days == 0 else f"in {days} day{'s' * (days != 1)}",
        )
        head.append(
            f"\n  {status.seen}/{status.total} seen · {status.new_per_day} new/day"
            f" · window from {short_date(status.window_start, today)}"
        )
        head.append(f"\n  {forecast_line(forecast) if forecast else 'forecast: working it out…'}")
        recall = listing.recall.get(exam)
        if recall is None:
            head.append("\n  recall on the day: working it out…", style="dim")
        else:
            # Short of the target: the planned figure in red (the row has no room to say).
            head.append("\n  recall ")
            head.append(
                f"{recall.if_followed.overall:.0%}",
                "bold red" if recall.shortfall else "bold",
            )
            head.append(
                f" with plan · {recall.if_stopped.overall:.0%} if stopped · "
                f"target {recall.goal.target:.0%} · {recall.goal.minutes_per_day:.0f} min/day"
            )
        options.append(Option(head, id=exam.name))
    for exam, grades in listing.past:
        answers = sum(grades.values())
        spread = " ".join(f"{g}:{grades.get(g, 0)}" for g in range(6))
        line = Text.assemble(
            (one_line(exam.name), "bold"),
            f" · {short_date(exam.date, today)} · past",
            (
                f"\n  final window: {answers} answer{'s' * (answers != 1)} · grades {spread}",
                "dim",
            ),
        )
        options.append(Option(line, id=exam.name))
    if not options:
        options.append(Option(Text("No exams yet: set one below.", style="dim"), disabled=True))
    return options


class ExamList(OptionList):
    """The exams of `listing`; :meth:`work_out` fills in the figures not known yet."""

    def __init__(self, listing: ExamListing, *, id: str | None = None) -> None:
        super().__init__(*exam_options(listing), id=id)
        self.listing = listing

    def work_out(self, sources: list[RecallSource]) -> None:
        """Start the workers: missing forecasts, and recall from `sources` (one per coming exam)."""
        missing = [status for status, forecast in self.listing.coming if forecast is None]
        if missing:
            self.forecast_missing(missing)
        if sources:
            self.project_coming(sources)

    @work(thread=True, exclusive=True, group="exam-dialog-recall", exit_on_error=False)
    def project_coming(self, sources: list[RecallSource]) -> list[RecallForecast]:
        """Off the UI thread: each coming exam planned to the day (kept while unchanged)."""
        return project_sources(self.listing.database, self.listing.today, sources)

    @work(thread=True, exclusive=True, group="exam-dialog-forecast", exit_on_error=False)
    def forecast_missing(self, statuses: list[ExamStatus]) -> list[tuple[Exam, date, Forecast]]:
        """Off the UI thread, on a connection of its own; an in-memory database (tests)
        cannot be opened twice, so exam_listing read those inputs already."""
        read = {inputs.key[0]: inputs for inputs in self.listing.forecast_inputs}
        path = self.listing.database
        store = Store.open(path) if path and len(read) < len(statuses) else None
        try:
            found = []
            for status in statuses:
                inputs = read.get(status.exam)
                if inputs is None:
                    assert store is not None
                    inputs = load_inputs(
                        store, status.exam, status.today, status.normal_new_per_day
                    )
                found.append((status.exam, status.today, forecast_exam(inputs)))
            return found
        finally:
            if store is not None:
                store.close()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.SUCCESS:
            return
        if event.worker.group == "exam-dialog-recall":
            projected: list[RecallForecast] = event.worker.result or []
            for (status, _), recall in zip(self.listing.coming, projected, strict=False):
                self.listing.recall[status.exam] = recall
            self.redraw()
            return
        if event.worker.group != "exam-dialog-forecast":
            return
        found: list[tuple[Exam, date, Forecast]] = event.worker.result or []
        known = {exam: forecast for exam, _, forecast in found}
        self.listing.coming[:] = [
            (status, forecast or known.get(status.exam)) for status, forecast in self.listing.coming
        ]
        self.redraw()
        if self.listing.keep is not None:
            for exam, day, forecast in found:
                self.listing.keep(exam, day, forecast)

    def redraw(self) -> None:
        highlighted = self.highlighted
        self.clear_options()
        self.add_options(exam_options(self.listing))
        self.highlighted = highlighted
