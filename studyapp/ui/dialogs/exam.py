"""Exams in the app: each one in numbers, set a new one (or move one), remove one.

Each coming exam shows its projected recall on the day; while the student types a
date, target or budget, the exam as it would be saved is planned (in a worker) and
its daily load, and any shortfall, shown before they save.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Select, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from studyapp.sanitize import one_line
from studyapp.store import Exam, Store, StoreError
from studyapp.study.exam import (
    ExamStatus,
    exam_statuses,
    margin_days,
    parse_exam_date,
    set_exam,
    short_date,
    window_start,
)
from studyapp.study.exam_forecast import (
    Forecast,
    ForecastInputs,
    forecast_exam,
    forecast_line,
    load_inputs,
)
from studyapp.study.exam_recall_plan import (
    RecallForecast,
    RecallInputs,
    load_recall_inputs,
    parse_minutes,
    parse_target,
    project,
)
from studyapp.ui.widgets.exam_line import KeepForecast
from studyapp.ui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from studyapp.ui.app import StudyApp


@dataclass(frozen=True, slots=True)
class ExamEdit:
    """Set (or move) the exam `name`, or remove it. No decks, tags or `all_decks`: a new
    exam covers every deck, a moved one keeps its scope."""

    name: str
    when: date | None = None
    deck_ids: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    all_decks: bool = False
    remove: bool = False
    # None: kept (a moved exam) or the default (a new one).
    target: float | None = None
    minutes_per_day: float | None = None


@dataclass(frozen=True)
class ExamListing:
    """What the dialog shows: coming exams with their status, past ones with their grades."""

    today: date
    coming: list[tuple[ExamStatus, Forecast | None]] = field(default_factory=list)
    past: list[tuple[Exam, dict[int, int]]] = field(default_factory=list)
    scopes: list[tuple[str, str]] = field(default_factory=list)  # (label, "deck:ID" / "tag:T")
    # The database file, for working out the forecasts not yet known; in memory (None),
    # their inputs are read with the listing.
    database: str | None = None
    forecast_inputs: list[ForecastInputs] = field(default_factory=list)
    keep: KeepForecast | None = None  # handed each forecast worked out here
    # Projected recall on the day per coming exam, filled in by a worker.
    recall: dict[Exam, RecallForecast] = field(default_factory=dict)


class ExamScreen(ModalScreen[ExamEdit | None]):
    """Dismisses with the exam to set or remove, or None. Every coming exam gets its
    forecast: those not known yet are worked out off the UI thread while it is open."""

    if TYPE_CHECKING:
        app: StudyApp  # the screens run only inside StudyApp

    CSS_PATH = ["dialogs.tcss", "exam.tcss"]
    BINDINGS = [
        Binding("ctrl+s", "save", "Set exam", priority=True),
        # ctrl+r works while typing (an Input takes delete); delete when the list has focus.
        Binding("ctrl+r", "remove", "Remove highlighted exam", priority=True),
        Binding("delete", "remove", "Remove highlighted exam", show=False),
        Binding("escape", "cancel", "Close"),
    ]

    def __init__(self, listing: ExamListing):
        super().__init__()
        self.listing = listing

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="exam-dialog"):
            yield Static("Exams", classes="dialog-title")
            yield OptionList(*self._options(), id="exam-list")
            with Horizontal(id="exam-form"):
                yield Input(placeholder="YYYY-MM-DD", id="exam-date")
                yield Input(placeholder="Name (optional)", id="exam-name")
                yield Select(
                    [
                        ("Same scope", "keep:"),
                        ("All decks", "all:"),
                        *((_scope_label(label), value) for label, value in self.listing.scopes),
                    ],
                    value="keep:",
                    allow_blank=False,
                    id="exam-scope",
                )
            # The error under the date it is most often about (and still on a short screen).
            yield Static(id="exam-error", classes="dialog-error")
            with Horizontal(id="exam-goal"):
                yield Input(placeholder="Target 90%", id="exam-target")
                yield Input(placeholder="Min/day (usual)", id="exam-minutes")
                yield Static(id="exam-preview")
            yield Static(id="exam-shortfall")
            yield Static(
                "ctrl+s set · same name moves it · ctrl+r remove · esc close",
                classes="dialog-hint",
            )
        yield KeyBar()

    def _options(self) -> list[Option]:
        today = self.listing.today
        options = []
        for status, forecast in self.listing.coming:
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
            head.append(
                f"\n  {forecast_line(forecast) if forecast else 'forecast: working it out…'}"
            )
            recall = self.listing.recall.get(exam)
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
        for exam, grades in self.listing.past:
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

    def on_mount(self) -> None:
        self.query_one("#exam-date", Input).focus()
        missing = [status for status, forecast in self.listing.coming if forecast is None]
        if missing:
            self.forecast_missing(missing)
        if self.listing.coming:
            self.project_coming(
                [self._recall_source(status.exam) for status, _ in self.listing.coming]
            )

    # -- recall on the day: the coming exams, and the one being typed ---------------------

    def _recall_source(self, exam: Exam) -> Exam | RecallInputs:
        # What a worker plans from: the exam (read on its own connection) or, for a
        # database in memory (tests), its inputs read here.
        if self.listing.database is None:
            return load_recall_inputs(self.app.store, exam, self.listing.today)
        return exam

    def _project_all(self, sources: list[Exam | RecallInputs]) -> list[RecallForecast]:
        path = self.listing.database
        store = Store.open(path) if path and any(isinstance(x, Exam) for x in sources) else None
        try:
            found = []
            for source in sources:
                if isinstance(source, Exam):
                    assert store is not None
                    source = load_recall_inputs(store, source, self.listing.today)
                found.append(project(source))
            return found
        finally:
            if store is not None:
                store.close()

    @work(thread=True, exclusive=True, group="exam-dialog-recall", exit_on_error=False)
    def project_coming(self, sources: list[Exam | RecallInputs]) -> list[RecallForecast]:
        """Off the UI thread: each coming exam planned to the day (kept while unchanged)."""
        return self._project_all(sources)

    @work(thread=True, exclusive=True, group="exam-dialog-preview", exit_on_error=False)
    def project_preview(
        self, typed: Exam, source: Exam | RecallInputs
    ) -> tuple[Exam, RecallForecast]:
        """Off the UI thread: the exam as it would be saved, planned to the day."""
        return typed, self._project_all([source])[0]

    def _typed_exam(self) -> Exam | None:
        """The exam the form would save (None while a field does not read)."""
        today = self.listing.today
        try:
            when = parse_exam_date(self.query_one("#exam-date", Input).value, today)
            target_text = self.query_one("#exam-target", Input).value.strip()
            minutes_text = self.query_one("#exam-minutes", Input).value.strip()
            target = parse_target(target_text) if target_text else None
            minutes = parse_minutes(minutes_text) if minutes_text else None
        except ValueError:
            return None
        name = self.query_one("#exam-name", Input).value.strip()
        kind, _, value = str(self.query_one("#exam-scope", Select).value).partition(":")
        moved = next((s.exam for s, _ in self.listing.coming if s.exam.name == name), None)
        if moved is not None and kind == "keep":
            deck_ids, tags = moved.deck_ids, moved.tags
        else:
            deck_ids = (value,) if kind == "deck" else ()
            tags = (value,) if kind == "tag" else ()
        return Exam(
            moved.id if moved else 0,
            name or "new exam",
            when,
            deck_ids,
            tags,
            target if target is not None else (moved.target if moved else None),
            minutes if minutes is not None else (moved.minutes_per_day if moved else None),
        )

    def _preview(self) -> None:
        exam = self._typed_exam()
        if exam is None:
            self.query_one("#exam-preview", Static).update("")
            self.query_one("#exam-shortfall", Static).display = False
            return
        self.query_one("#exam-preview", Static).update(Text("planning…", style="dim"))
        self.project_preview(exam, self._recall_source(exam))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._preview()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._preview()

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
            self._redraw_list()
            return
        if event.worker.group == "exam-dialog-preview":
            preview: tuple[Exam, RecallForecast] | None = event.worker.result
            # Only for what the form says now: a slower, older plan is not shown over it.
            if preview is not None and preview[0] == self._typed_exam():
                self._show_preview(preview[1])
            return
        if event.worker.group != "exam-dialog-forecast":
            return
        found: list[tuple[Exam, date, Forecast]] = event.worker.result or []
        known = {exam: forecast for exam, _, forecast in found}
        self.listing.coming[:] = [
            (status, forecast or known.get(status.exam)) for status, forecast in self.listing.coming
        ]
        self._redraw_list()
        if self.listing.keep is not None:
            for exam, day, forecast in found:
                self.listing.keep(exam, day, forecast)

    def _redraw_list(self) -> None:
        options = self.query_one("#exam-list", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options(self._options())
        options.highlighted = highlighted

    def _show_preview(self, preview: RecallForecast) -> None:
        """Before saving: recall on the day, the plan's daily load, and any shortfall."""
        followed, goal = preview.if_followed.overall, preview.goal
        self.query_one("#exam-preview", Static).update(
            Text.assemble(
                (f"{followed:.0%}", "bold" if followed >= goal.target else "bold red"),
                f" on the day · target {goal.target:.0%}\n",
                f"load max {preview.peak_minutes:.0f}, avg {preview.average_minutes:.0f} "
                f"of {goal.minutes_per_day:.0f} min/day",
            )
        )
        shortfall = self.query_one("#exam-shortfall", Static)
        shortfall.update(Text(preview.shortfall or ""))
        shortfall.display = preview.shortfall is not None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_save()

    def action_save(self) -> None:
        error = self.query_one("#exam-error", Static)
        try:
            when = parse_exam_date(self.query_one("#exam-date", Input).value, self.listing.today)
        except ValueError as exc:
            # Text, not markup: what was typed (`[/b]`) is shown as typed, never parsed.
            error.update(Text(one_line(str(exc))))
            return
        try:
            target_text = self.query_one("#exam-target", Input).value.strip()
            minutes_text = self.query_one("#exam-minutes", Input).value.strip()
            target = parse_target(target_text) if target_text else None
            minutes = parse_minutes(minutes_text) if minutes_text else None
        except ValueError as exc:
            error.update(Text(one_line(str(exc))))
            return
        scope = str(self.query_one("#exam-scope", Select).value)
        kind, _, value = scope.partition(":")
        deck_ids = (value,) if kind == "deck" else ()
        tags = (value,) if kind == "tag" else ()
        name = self.query_one("#exam-name", Input).value.strip()
        self.dismiss(
            ExamEdit(
                name,
                when,
                deck_ids,
                tags,
                all_decks=kind == "all",
                target=target,
                minutes_per_day=minutes,
            )
        )

    def action_remove(self) -> None:
        options = self.query_one("#exam-list", OptionList)
        if options.highlighted is None or not self.listing.coming + self.listing.past:
            self.query_one("#exam-error", Static).update("Select an exam in the list first.")
            return
        name = options.get_option_at_index(options.highlighted).id
        if not name:
            return
        from studyapp.ui.dialogs.card_editor import ConfirmScreen

        def answer(remove: bool | None) -> None:
            if remove:
                self.dismiss(ExamEdit(name, remove=True))

        self.app.push_screen(
            ConfirmScreen(
                one_line(f"Remove the exam {name}?"),
                "Its date and scope are forgotten; your answers stay in the review log.",
                "Remove",
            ),
            answer,
        )

    def action_cancel(self) -> None:
        self.dismiss(None)


# The cells a scope's name has in the drop-down (the Select is 24 wide).
SCOPE_LABEL_WIDTH = 16


def _scope_label(name: str) -> Text:
    """A deck or tag name on one line of the narrow scope list: its last level (what tells
    it from its siblings) when the whole is too long, cut with an ellipsis, never mid-word
    onto a second line (Trigger Points::Foundations -> …::Foundations)."""
    name = one_line(name)
    if len(name) > SCOPE_LABEL_WIDTH and "::" in name:
        prefix = "tag " if name.startswith("tag ") else ""
        name = f"{prefix}…::{name.rsplit('::', 1)[1]}"
    if len(name) > SCOPE_LABEL_WIDTH:  # the option list wraps at spaces whatever Text says
        name = name[: SCOPE_LABEL_WIDTH - 1] + "…"
    return Text(name)


def exam_listing(app: StudyApp) -> ExamListing:
    """Read what the dialog shows (small counting queries; forecasts only from the day's cache)."""
    from studyapp.stats import is_topic

    store, today = app.store, app.today()
    coming = [
        (status, app.exam_forecasts.get((status.exam, today)))
        for status in exam_statuses(store, today, app.settings.new_per_day)
    ]
    margin = margin_days(store)
    past = [
        (exam, store.exams.window_grades(exam, window_start(exam.date, margin)))
        for exam in reversed(store.exams.all())
        if exam.date < today
    ]
    scopes = [(name, f"deck:{deck_id}") for deck_id, name in store.decks.names().items()]
    scopes += [
        (f"tag {tag}", f"tag:{tag}") for tag, _ in store.browse.tag_counts() if is_topic(tag)
    ]
    database = store.database_file()
    inputs = []
    if database is None:
        inputs = [
            load_inputs(store, status.exam, today, status.normal_new_per_day)
            for status, forecast in coming
            if forecast is None
        ]
    return ExamListing(today, coming, past, scopes, database, inputs, keep=app.keep_forecast)


def apply_exam_edit(app: StudyApp, edit: ExamEdit | None) -> None:
    """Save what the dialog asked for; a problem becomes a notification."""
    if edit is None:
        return
    if edit.remove:
        if app.guarded(lambda: app.store.exams.remove(edit.name)):
            app.notify(one_line(f"Removed {edit.name}."), title="Exams", markup=False)
        return
    assert edit.when is not None
    try:
        exam, created = set_exam(
            app.store,
            edit.when,
            deck_ids=edit.deck_ids,
            tags=edit.tags,
            name=edit.name or None,
            all_decks=edit.all_decks,
            target=edit.target,
            minutes_per_day=edit.minutes_per_day,
        )
    except StoreError as exc:
        app.notify(str(exc), title="Exam not set", severity="error", markup=False)
        return
    app.notify(
        one_line(
            f"{'Set' if created else 'Moved'} {exam.name} to {short_date(exam.date, app.today())}."
        ),
        title="Exams",
        markup=False,
    )
