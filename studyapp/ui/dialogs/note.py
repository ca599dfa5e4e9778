"""Write a personal note on a card: kept in the database, shown on the back, survives re-import."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from studyapp.ui.widgets.key_bar import KeyBar


class NoteScreen(ModalScreen[str | None]):
    """Dismisses with the note text (empty removes the note), or None when cancelled."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, note: str):
        super().__init__()
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Your note on this card", classes="dialog-title")
            yield TextArea(self.note, id="note-text", soft_wrap=True)
            yield Static(
                "ctrl+s save · escape cancel · an empty note is removed", classes="dialog-hint"
            )
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#note-text", TextArea).focus()

    def action_save(self) -> None:
        self.dismiss(self.query_one("#note-text", TextArea).text.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
