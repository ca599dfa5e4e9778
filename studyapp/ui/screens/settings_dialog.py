"""Settings (everything `studyapp settings` holds, per deck where it makes sense) and
Custom Study's "more new cards today"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Select, Static

from studyapp.memory.schedule import RETENTION_RANGE
from studyapp.settings import DECK_LIMIT_PREFIX, THEMES, Settings, save_settings, shown_value
from studyapp.store import StoreError
from studyapp.ui.widgets.key_bar import KeyBar


def _row(label: str, widget: Input | Checkbox | Select[str]) -> Horizontal:
    return Horizontal(Static(Text(label), classes="setting-label"), widget, classes="setting-row")


if TYPE_CHECKING:
    from studyapp.ui.app import StudyApp


class SettingsScreen(ModalScreen[bool]):
    """Dismisses with True when something was saved."""

    if TYPE_CHECKING:
        app: StudyApp  # the screens run only inside StudyApp

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
        Binding("f2", "decide", "Help me decide", priority=True),
    ]

    def __init__(self, settings: Settings, deck_names: dict[str, str]):
        super().__init__()
        self.settings = settings
        self.deck_names = deck_names

    def compose(self) -> ComposeResult:
        s = self.settings
        with Vertical(classes="dialog", id="settings"):
            yield Static("Settings", classes="dialog-title")
            with VerticalScroll(id="settings-fields"):
                yield _row(
                    "New cards a day, all decks",
                    Input(str(s.new_per_day), type="integer", compact=True, id="set-new_per_day"),
                )
                yield _row(
                    "Leech after this many fails",
                    Input(
                        str(s.leech_threshold),
                        type="integer",
                        compact=True,
                        id="set-leech_threshold",
                    ),
                )
                yield _row(
                    "Exams: all seen, days before",
                    Input(
                        str(s.exam_margin_days),
                        type="integer",
                        compact=True,
                        id="set-exam_margin_days",
                    ),
                )
                yield _row(
                    "Siblings wait for tomorrow",
                    Checkbox("on", s.bury_siblings, compact=True, id="set-bury_siblings"),
                )
                yield _row(
                    "Shuffle reviews across decks",
                    Checkbox("on", s.interleave, compact=True, id="set-interleave"),
                )
                yield _row(
                    "Pictures on cards",
                    Checkbox("on", s.images, compact=True, id="set-images"),
                )
                yield _row(
                    "Theme",
                    Select(
                        [(name, name) for name in THEMES],
                        value=s.theme if s.theme in THEMES else THEMES[0],
                        allow_blank=False,
                        compact=True,
                        id="set-theme",
                    ),
                )
                yield _row(
                    "Scheduler",
                    Select(
                        [("SM-2 (exact, the default)", "sm2"), ("FSRS", "fsrs")],
                        value=s.scheduler,
                        allow_blank=False,
                        compact=True,
                        id="set-scheduler",
                    ),
                )
                yield _row(
                    "FSRS: desired retention",
                    Input(
                        shown_value(s.desired_retention),
                        type="number",
                        compact=True,
                        id="set-desired_retention",
                    ),
                )
                yield Static(
                    "New cards a day per deck (empty: only the total applies)",
                    classes="setting-heading",
                )
                for number, (deck_id, name) in enumerate(self.deck_names.items()):
                    own = s.new_per_day_for(deck_id)
                    field = Input(
                        "" if own is None else str(own),
                        placeholder="—",
                        type="integer",
                        compact=True,
                        id=f"set-deck-{number}",
                    )
                    yield _row(name, field)
            yield Static(id="settings-error", classes="dialog-error")
            yield Static(
                "tab next · ctrl+s save · f2 help me decide · escape cancel",
                classes="dialog-hint",
            )
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#set-new_per_day", Input).focus()
        self.shown = self.values()  # what escape compares with before it discards anything

    def values(self) -> dict[str, str]:
        """Every setting as text, as `studyapp settings NAME VALUE` takes it."""
        values = {
            name: self.query_one(f"#set-{name}", Input).value
            for name in ("new_per_day", "leech_threshold", "exam_margin_days")
        }
        for name in ("bury_siblings", "interleave", "images"):
            values[name] = shown_value(self.query_one(f"#set-{name}", Checkbox).value)
        values["theme"] = str(self.query_one("#set-theme", Select).value)
        values["scheduler"] = str(self.query_one("#set-scheduler", Select).value)
        values["desired_retention"] = self.query_one("#set-desired_retention", Input).value
        for number, deck_id in enumerate(self.deck_names):
            values[DECK_LIMIT_PREFIX + deck_id] = self.query_one(
                f"#set-deck-{number}", Input
            ).value.strip()
        return values

    def action_save(self) -> None:
        try:
            save_settings(self.app.store, self.values())
        except StoreError as exc:
            self.query_one("#settings-error", Static).update(Text(str(exc)))
            return
        self.dismiss(True)

    def action_decide(self) -> None:
        """Help me decide: the load of each scheduler, the retention typed here among them."""
        from studyapp.ui.screens.decide_dialog import DecideScreen

        values = self.values()
        try:
            retention = float(values["desired_retention"])
        except ValueError:
            retention = self.settings.desired_retention
        if not RETENTION_RANGE[0] <= retention <= RETENTION_RANGE[1]:
            retention = self.settings.desired_retention
        self.app.push_screen(DecideScreen(self.app.today(), values["scheduler"], retention))

    def action_cancel(self) -> None:
        if self.values() == self.shown:
            self.dismiss(False)
            return
        from studyapp.ui.screens.card_editor import ConfirmScreen

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(False)

        self.app.push_screen(
            ConfirmScreen("Discard your changes?", "The settings stay as they were.", "Discard"),
            answer,
        )


class ExtendNewScreen(ModalScreen[int | None]):
    """Custom Study: dismisses with how many more new cards to allow today, or None."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Study more new cards today", classes="dialog-title")
            yield Static(
                "Raise today's new-card limit (the total and every deck's own) by:",
            )
            yield Input("10", type="integer", id="extend-by")
            yield Static(id="extend-error", classes="dialog-error")
            yield Static(
                "enter allow · escape cancel · tomorrow the usual limits apply",
                classes="dialog-hint",
            )
        yield KeyBar()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            more = int(event.value)
        except ValueError:
            more = 0
        if not 1 <= more <= 9999:
            self.query_one("#extend-error", Static).update("A number from 1 to 9999.")
            return
        self.dismiss(more)

    def action_cancel(self) -> None:
        self.dismiss(None)
