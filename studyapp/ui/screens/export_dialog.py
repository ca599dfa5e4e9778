"""Export to Anki from the app: choose a file name, optionally include progress."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Static


@dataclass(frozen=True, slots=True)
class ExportRequest:
    path: Path
    with_progress: bool


class ExportScreen(ModalScreen[ExportRequest | None]):
    """Dismisses with where to export and whether to include progress, or None."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("ctrl+s", "export", "Export", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, default_path: Path):
        super().__init__()
        self.default_path = default_path

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Export to Anki", classes="dialog-title")
            yield Input(str(self.default_path), placeholder="File name (.apkg)", id="export-path")
            yield Checkbox("Include my progress", id="export-progress")
            yield Static(id="export-error", classes="dialog-error")
            yield Static(
                "With progress, tick “Import any learning progress” in Anki's import "
                "dialog.\nenter or ctrl+s export · escape cancel",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_export()

    def action_export(self) -> None:
        raw = self.query_one("#export-path", Input).value.strip()
        error = self.query_one("#export-error", Static)
        if not raw:
            error.update("Give the file a name.")
            return
        path = Path(raw).expanduser()
        if path.suffix.lower() != ".apkg":
            path = path.with_name(path.name + ".apkg")
        path = path.resolve()
        if not path.parent.is_dir():
            error.update(f"No such folder: {path.parent}")
            return
        self.dismiss(ExportRequest(path, self.query_one("#export-progress", Checkbox).value))

    def action_cancel(self) -> None:
        self.dismiss(None)
