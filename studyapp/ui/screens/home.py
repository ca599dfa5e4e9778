"""Home: decks with their counts, today's progress, and where to start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from studyapp.sanitize import one_line
from studyapp.study.daily_queue import new_today
from studyapp.study.session import Scope
from studyapp.study.session_records import SessionMode
from studyapp.study.studytime import studied_text
from studyapp.ui.context import GivenContext
from studyapp.ui.formatting import relative_day
from studyapp.ui.widgets.exam_line import ExamLine, ExamPlan
from studyapp.ui.widgets.key_bar import KeyBar


@dataclass(frozen=True, slots=True)
class StudyChoice:
    """What the tag, cram and weak-spot pickers return: a scope, and for cram
    everything due within `ahead_days` instead."""

    scope: Scope
    ahead_days: int | None = None


class HomeScreen(GivenContext, Screen[None]):
    """`startup_message`: what setting up the database said (shown until the student
    moves on). Where to go next is asked of the app by a message."""

    class StartReview(Message):
        """Review `scope` (cram: everything due within `ahead_days`)."""

        def __init__(
            self, scope: Scope, mode: SessionMode = "scheduled", ahead_days: int | None = None
        ) -> None:
            super().__init__()
            self.scope = scope
            self.mode: SessionMode = mode
            self.ahead_days = ahead_days

    class OpenStats(Message):
        """Show the statistics."""

    class OpenBrowse(Message):
        """Show Browse."""

    CSS_PATH = "home.tcss"
    _resumed = 0  # times shown (the first right after mounting)
    # Short descriptions: every key fits the key bar at 80 columns (the palette and `?`
    # say more).
    BINDINGS = [
        Binding("r", "review_all", "Review", tooltip="Review everything due"),
        Binding("enter", "review_deck", "Deck", tooltip="Review the selected deck"),
        Binding("t", "study_tag", "Tag", tooltip="Study a tag (one topic, e.g. one mechanism)"),
        Binding("c", "cram", "Cram", tooltip="Cram: study ahead, schedule untouched"),
        Binding("w", "weak_spots", "Weak", tooltip="Weak spots: least-recalled cards of a topic"),
        Binding("s", "stats", "Stats", tooltip="Statistics"),
        Binding("b", "browse", "Browse", tooltip="Browse and search cards"),
        Binding("a", "add_card", "Add", tooltip="Add a card of your own"),
        Binding("e", "app.export", "Export", tooltip="Export to Anki"),
        Binding("x", "app.exams", "Exams", tooltip="Exams: dates to be ready by"),
        Binding("m", "app.extend_new", "More new", tooltip="Study more new cards today"),
        Binding("o", "app.settings", "Settings", tooltip="Settings"),
    ]

    def __init__(self, startup_message: str | None = None) -> None:
        super().__init__()
        self.startup_message = startup_message

    def compose(self) -> ComposeResult:
        # Scrolls when the lines above the decks leave them too little room (60x20 with a
        # welcome line and an exam): the selected deck is kept in view.
        with VerticalScroll(id="home-body", can_focus=False):
            yield Static("StudyApp", id="home-title")
            yield Static(id="home-message")
            yield Static(id="home-today")
            yield ExamLine(id="home-exam")
            yield DataTable(id="home-decks", cursor_type="row", zebra_stripes=True)
            yield Static(id="home-next")
        yield KeyBar(max_lines=2)

    def on_mount(self) -> None:
        table = self.query_one("#home-decks", DataTable)
        table.add_column("Deck", key="deck")
        # Cards as the student reviews them (a reversed card is two), as the welcome says.
        for label in ("New", "Due", "Cards"):
            table.add_column(label, key=label.lower())
        message = self.startup_message
        banner = self.query_one("#home-message", Static)
        banner.update(message or "")
        banner.display = bool(message)
        # No refresh_counts() here: the ScreenResume that follows the first mount does it.
        table.focus()

    def on_screen_resume(self) -> None:
        # The first resume follows the mount; back from anywhere else, the start-up
        # message (welcome, bundled decks updated) has been read: it goes.
        self._resumed += 1
        if self._resumed > 1:
            self.query_one("#home-message", Static).display = False
        self.refresh_counts()

    def on_settings_changed(self) -> None:
        self.refresh_counts()

    def on_card_editor_screen_cards_changed(self) -> None:
        self.refresh_counts()

    def on_reviews_merged(self) -> None:
        self.refresh_counts()

    def refresh_counts(self) -> None:
        store, today = self.store, self.context.today()
        table = self.query_one("#home-decks", DataTable)
        row = table.cursor_row
        table.clear()
        counts = store.progress.deck_counts(today)
        settings = self.settings
        for deck in counts:
            table.add_row(
                Text(one_line(deck.name)),
                # New: what a review of this deck would introduce today (the session's count).
                _count(new_today(store, today, settings, deck.id), "cyan"),
                _count(deck.due, "green"),
                Text(str(deck.total), justify="right"),
                key=deck.id,
            )
        if counts:
            table.move_cursor(row=min(row, len(counts) - 1))
        answers, ms = store.progress.day_progress(today)
        streak = store.progress.streak_days(today)
        due = sum(d.due for d in counts)
        # Of the Cards column's cards, those never answered: after some study this is
        # no longer the Cards total, so the line names it.
        unseen = sum(d.new for d in counts)
        # What a review of everything would introduce today (limits, siblings, buried).
        new_in_all = new_today(store, today, settings)
        done = f"{answers} done ({studied_text(ms)})" if answers else "none done yet"
        today_line = Text.assemble(
            ("Today  ", "bold"),
            (f"{due} due", "green"),
            " · ",
            (f"{new_in_all} new", "cyan"),
            f" of {unseen} unseen · {done} · ",
            ("streak ", "bold"),
            f"{streak} day{'s' * (streak != 1)}",
        )
        self.query_one("#home-today", Static).update(today_line)
        self.query_one(ExamLine).show(self._exam_plan(today))
        next_due = store.queues.next_due_date(today)
        hint = "r review everything · enter review the selected deck · t one topic"
        if next_due:
            hint = f"Next review after today: {relative_day(next_due, today)}.  " + hint
        self.query_one("#home-next", Static).update(hint)

    def _exam_plan(self, today: date) -> ExamPlan:
        """What home's exam line shows: the pace of each exam, the nearest one's forecast
        from the day's cache, or where the line can work it out."""
        from studyapp.study.exam import exam_statuses

        store = self.store
        statuses = exam_statuses(store, today, self.settings.new_per_day)
        if not statuses:
            return ExamPlan([])
        nearest = statuses[0]
        forecast = self.context.exam_forecasts.get((nearest.exam, today))
        database = store.database_file()
        inputs = recall_inputs = None
        if database is None:
            # An in-memory database (tests) cannot be opened twice: read it here.
            from studyapp.study.exam_forecast import load_inputs
            from studyapp.study.exam_recall_plan import load_recall_inputs

            if forecast is None:
                inputs = load_inputs(store, nearest.exam, today, nearest.normal_new_per_day)
            recall_inputs = load_recall_inputs(store, nearest.exam, today)
        return ExamPlan(
            statuses, forecast, database, inputs, self.context.keep_forecast, recall_inputs
        )

    def _selected_deck(self) -> str | None:
        table = self.query_one("#home-decks", DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = event.data_table
        row = table.region.y + 1 + event.cursor_row - table.scroll_offset.y  # under the header
        body = self.query_one("#home-body", VerticalScroll)
        top = body.region.y
        row_in_body = row - top + body.scroll_offset.y
        body.scroll_to_region(Region(0, row_in_body - 1, 1, 2), animate=False, immediate=True)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_review_deck()

    def action_review_all(self) -> None:
        self.post_message(self.StartReview(Scope()))

    def action_review_deck(self) -> None:
        deck_id = self._selected_deck()
        if deck_id:
            self.post_message(self.StartReview(Scope(deck_id=deck_id)))

    def _tag_choices(self) -> list[tuple[str, StudyChoice]]:
        from studyapp.stats import is_topic

        return [
            (f"{tag}  ({count})", StudyChoice(Scope(tag=tag)))
            for tag, count in self.store.browse.tag_counts()
            if is_topic(tag)
        ]

    def _deck_choices(self) -> list[tuple[str, StudyChoice]]:
        return [
            (name, StudyChoice(Scope(deck_id=deck_id)))
            for deck_id, name in self.store.decks.names().items()
        ]

    def _choose(
        self, title: str, choices: list[tuple[str, StudyChoice]], mode: SessionMode, hint: str
    ) -> None:
        from studyapp.ui.dialogs.choice import ChoiceScreen

        def chosen(choice: StudyChoice | None) -> None:
            if choice is not None:
                self.post_message(self.StartReview(choice.scope, mode, choice.ahead_days))

        self.app.push_screen(ChoiceScreen(title, choices, hint), chosen)

    def action_study_tag(self) -> None:
        self._choose("Study a tag", self._tag_choices(), "scheduled", "enter study")

    def action_cram(self) -> None:
        ahead = [
            (f"Everything due in the next {n} days", StudyChoice(Scope(), ahead_days=n))
            for n in (3, 7, 30)
        ]
        self._choose(
            "Cram: study ahead, schedule untouched",
            ahead + self._deck_choices() + self._tag_choices(),
            "cram",
            "enter cram",
        )

    def action_weak_spots(self) -> None:
        self._choose(
            "Weak spots: least-recalled cards of a topic",
            [("All topics", StudyChoice(Scope())), *self._tag_choices()],
            "weak",
            "enter study",
        )

    def action_stats(self) -> None:
        self.post_message(self.OpenStats())

    def action_browse(self) -> None:
        self.post_message(self.OpenBrowse())

    def action_add_card(self) -> None:
        from studyapp.ui.dialogs.card_editor import CardEditorScreen, save_new_card

        self.app.push_screen(CardEditorScreen(), lambda draft: save_new_card(self, draft))


def _count(n: int, colour: str) -> Text:
    return Text(str(n), style=colour if n else "dim", justify="right")
