"""Pick one of a filterable list: a tag to study, a deck or range to cram, ..."""

from __future__ import annotations

from typing import Generic, TypeVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from studyapp.sanitize import one_line
from studyapp.ui.widgets.key_bar import KeyBar

T = TypeVar("T")


class ChoiceScreen(ModalScreen[T | None], Generic[T]):
    """Dismisses with the chosen value itself (any type: the caller's own), or None."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, choices: list[tuple[str, T]], hint: str = "enter choose"):
        super().__init__()
        self.title_text = title
        self.choices = choices  # (label, value)
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title")
            yield Input(placeholder="Type to filter…", id="choice-filter")
            yield OptionList(id="choice-list")
            yield Static(f"{self.hint} · ↑↓ move · escape cancel", classes="dialog-hint")
        yield KeyBar()

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#choice-filter", Input).focus()

    def _fill(self, text: str) -> None:
        options = self.query_one("#choice-list", OptionList)
        options.clear_options()
        needle = text.strip().casefold()
        # Labels hold deck names and tags from deck files: text, never markup. An
        # option's id is its place in `choices`: the value goes back as it came.
        options.add_options(
            Option(Text(one_line(label)), id=str(index))
            for index, (label, _value) in enumerate(self.choices)
            if needle in label.casefold()
        )
        if options.option_count:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one("#choice-list", OptionList)
        if options.highlighted is not None:
            self._choose(options.get_option_at_index(options.highlighted))

    def on_key(self, event: events.Key) -> None:
        # Arrow keys move through the list while typing in the filter.
        options = self.query_one("#choice-list", OptionList)
        if event.key in ("down", "up") and self.focused is self.query_one("#choice-filter"):
            options.action_cursor_down() if event.key == "down" else options.action_cursor_up()
            event.stop()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option)

    def _choose(self, option: Option) -> None:
        assert option.id is not None
        self.dismiss(self.choices[int(option.id)][1])

    def action_cancel(self) -> None:
        self.dismiss(None)
