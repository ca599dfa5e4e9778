"""Every key of the screen underneath, with what it does."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from studyapp.ui.widgets.key_bar import KeyBar


class KeysScreen(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("question_mark", "close", "Close", show=False),
    ]

    def __init__(self, under: Screen[Any]):
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        # Keys bound to the same action are listed together: "space / ⏎  Show answer".
        # The key bar's words are short; here each key says in full what it does.
        keys_by_action: dict[tuple[str, str], list[str]] = {}
        for binding in [*_bindings(type(self.under)), *_bindings(type(self.app))]:
            action = binding.action.removeprefix("app.")
            what = binding.tooltip or binding.description
            keys = keys_by_action.setdefault((action, what), [])
            key = self.app.get_key_display(binding)
            if key not in keys:
                keys.append(key)
        self.rows = [
            (" / ".join(keys), description) for (_, description), keys in keys_by_action.items()
        ]
        self.rows.append(("ctrl+p", "Command palette: every action by name"))
        for row in self.rows:
            table.add_row(*row)
        with VerticalScroll(classes="dialog"):
            yield Static("Keys", classes="dialog-title")
            yield Static(table)
            yield Static("escape close", classes="dialog-hint")
        yield KeyBar()

    def action_close(self) -> None:
        self.dismiss()


def _bindings(owner: type) -> list[Binding]:
    return [b for b in getattr(owner, "BINDINGS", []) if isinstance(b, Binding)]
