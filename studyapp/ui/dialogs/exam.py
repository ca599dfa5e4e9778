"""Exams in the app: each one in numbers, set a new one (or move one), remove one.

Each coming exam shows its projected recall on the day; while the student types a
date, target or budget, the exam as it would be saved is planned (in a worker) and
its daily load, and any shortfall, shown before they save.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, OptionList, Select, Static

from studyapp.sanitize import one_line
from studyapp.store import Exam, Store, StoreError
from studyapp.study.exam import (
    exam_statuses,
    margin_days,
    parse_exam_date,
    set_exam,
    short_date,
    window_start,
)
from studyapp.study.exam_forecast import load_inputs
from studyapp.study.exam_recall_plan import load_recall_inputs, parse_minutes, parse_target
from studyapp.ui.context import GivenContext, StudyContext
from studyapp.ui.widgets.exam_list import (
    ALL_DECKS,
    SAME_SCOPE,
    ExamList,
    ExamListing,
    ScopeChoice,
)
from studyapp.ui.widgets.exam_preview import ExamPreview, RecallSource
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


class ExamScreen(GivenContext, ModalScreen[ExamEdit | None]):
    """Dismisses with the exam to set or remove, or None. Every coming exam gets its
    forecast: those not known yet are worked out off the UI thread while it is open."""

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
            yield ExamList(self.listing, id="exam-list")
            with Horizontal(id="exam-form"):
                yield _checked_input("YYYY-MM-DD", "exam-date", self._read_date)
                yield Input(placeholder="Name (optional)", id="exam-name")
                yield Select[ScopeChoice](
                    [
                        ("Same scope", SAME_SCOPE),
                        ("All decks", ALL_DECKS),
                        *((_scope_label(label), value) for label, value in self.listing.scopes),
                    ],
                    value=SAME_SCOPE,
                    allow_blank=False,
                    id="exam-scope",
                )
            # The error under the date it is most often about (and still on a short screen).
            yield Static(id="exam-error", classes="dialog-error")
            shortfall = Static(id="exam-shortfall")
            with Horizontal(id="exam-goal"):
                yield _checked_input("Target 90%", "exam-target", _read_target)
                yield _checked_input("Min/day (usual)", "exam-minutes", _read_minutes)
                yield ExamPreview(shortfall, id="exam-preview")
            yield shortfall
            yield Static(
                "ctrl+s set · same name moves it · ctrl+r remove · esc close",
                classes="dialog-hint",
            )
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#exam-date", Input).focus()
        self.query_one(ExamList).work_out(
            [self._recall_source(status.exam) for status, _ in self.listing.coming]
        )

    # -- recall on the day: the coming exams, and the one being typed ---------------------

    def _recall_source(self, exam: Exam) -> RecallSource:
        # For a database in memory (tests), the inputs read here; else the exam.
        if self.listing.database is None:
            return load_recall_inputs(self.store, exam, self.listing.today)
        return exam

    def _typed_exam(self) -> Exam | None:
        """The exam the form would save (None while a field does not read)."""
        try:
            when = self._read_date(self.query_one("#exam-date", Input).value)
            target = _read_target(self.query_one("#exam-target", Input).value)
            minutes = _read_minutes(self.query_one("#exam-minutes", Input).value)
        except ValueError:
            return None
        name = self.query_one("#exam-name", Input).value.strip()
        scope = self._scope()
        moved = next((s.exam for s, _ in self.listing.coming if s.exam.name == name), None)
        if moved is not None and scope.keep:
            deck_ids, tags = moved.deck_ids, moved.tags
        else:
            deck_ids, tags = scope.deck_ids, scope.tags
        return Exam(
            moved.id if moved else 0,
            name or "new exam",
            when,
            deck_ids,
            tags,
            target if target is not None else (moved.target if moved else None),
            minutes if minutes is not None else (moved.minutes_per_day if moved else None),
        )

    def _scope(self) -> ScopeChoice:
        scope = self.query_one("#exam-scope", Select).value
        # allow_blank=False: the drop-down always holds one of its choices.
        assert isinstance(scope, ScopeChoice)
        return scope

    def _preview(self) -> None:
        exam = self._typed_exam()
        source = self._recall_source(exam) if exam is not None else None
        listing = self.listing
        self.query_one(ExamPreview).plan(exam, source, listing.database, listing.today)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._preview()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._preview()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_save()

    def _read_date(self, text: str) -> date:
        return parse_exam_date(text, self.listing.today)

    def action_save(self) -> None:
        # Textual's validators mark a field that does not read as it is typed; the first
        # one refused says why here.
        inputs = [self.query_one(f"#exam-{name}", Input) for name in ("date", "target", "minutes")]
        for typed in inputs:
            checked = typed.validate(typed.value)
            if checked is not None and not checked.is_valid:
                # Text, not markup: what was typed (`[/b]`) is shown as typed, never parsed.
                self.query_one("#exam-error", Static).update(Text(checked.failure_descriptions[0]))
                return
        when = self._read_date(inputs[0].value)
        target, minutes = _read_target(inputs[1].value), _read_minutes(inputs[2].value)
        scope = self._scope()
        name = self.query_one("#exam-name", Input).value.strip()
        self.dismiss(
            ExamEdit(
                name,
                when,
                scope.deck_ids,
                scope.tags,
                all_decks=scope.all_decks,
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


class Reads(Validator):
    """Textual's validator for a field `read` turns into a value: valid when it does; the
    ValueError's message (one line) when it does not."""

    def __init__(self, read: Callable[[str], object]) -> None:
        super().__init__()
        self.read = read

    def validate(self, value: str) -> ValidationResult:
        try:
            self.read(value)
        except ValueError as exc:
            return self.failure(one_line(str(exc)))
        return self.success()


def _checked_input(placeholder: str, widget_id: str, read: Callable[[str], object]) -> Input:
    # Checked as it changes and when submitted; not on leaving it, so tabbing past the
    # empty date is not marked.
    return Input(
        placeholder=placeholder,
        id=widget_id,
        validators=[Reads(read)],
        validate_on=["changed", "submitted"],
    )


def _read_target(text: str) -> float | None:
    """The target typed, or None when left empty (the default, or the moved exam's)."""
    return parse_target(text) if text.strip() else None


def _read_minutes(text: str) -> float | None:
    """The daily budget typed, or None when left empty."""
    return parse_minutes(text) if text.strip() else None


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


def exam_listing(context: StudyContext) -> ExamListing:
    """Read what the dialog shows (small counting queries; forecasts only from the day's cache)."""
    from studyapp.stats import is_topic

    store, today = context.store, context.today()
    coming = [
        (status, context.exam_forecasts.get((status.exam, today)))
        for status in exam_statuses(store, today, context.settings.new_per_day)
    ]
    margin = margin_days(store)
    past = [
        (exam, store.exams.window_grades(exam, window_start(exam.date, margin)))
        for exam in reversed(store.exams.all())
        if exam.date < today
    ]
    scopes = [
        (name, ScopeChoice(deck_ids=(deck_id,))) for deck_id, name in store.decks.names().items()
    ]
    scopes += [
        (f"tag {tag}", ScopeChoice(tags=(tag,)))
        for tag, _ in store.browse.tag_counts()
        if is_topic(tag)
    ]
    database = store.database_file()
    inputs = []
    if database is None:
        inputs = [
            load_inputs(store, status.exam, today, status.normal_new_per_day)
            for status, forecast in coming
            if forecast is None
        ]
    return ExamListing(today, coming, past, scopes, database, inputs, keep=context.keep_forecast)


def apply_exam_edit(app: StudyApp, store: Store, edit: ExamEdit | None) -> None:
    """The app's side: save in its `store` what the dialog asked for; a problem becomes a
    notification."""
    if edit is None:
        return
    if edit.remove:
        if app.guarded(lambda: store.exams.remove(edit.name)):
            app.notify(one_line(f"Removed {edit.name}."), title="Exams", markup=False)
        return
    assert edit.when is not None
    try:
        exam, created = set_exam(
            store,
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
