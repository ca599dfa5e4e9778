"""Export to Anki from the app: choose a file name, optionally include progress, and
say whether the last package was imported (store.exports: the ledger's trace)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Static

from studyapp.sanitize import one_line
from studyapp.ui.widgets.key_bar import KeyBar


@dataclass(frozen=True, slots=True)
class ExportRequest:
    path: Path
    with_progress: bool
    # The tutor says the last package reached Anki: confirm it before this export.
    last_imported: bool = False


class ExportScreen(ModalScreen[ExportRequest | None]):
    """Dismisses with where to export and whether to include progress, or None."""

    CSS_PATH = "dialogs.tcss"
    # One line per checkbox, so the dialog with both fits 80x24 (focus shows on the label).
    DEFAULT_CSS = """
    ExportScreen Checkbox, ExportScreen Checkbox:focus {
        border: none;
        padding: 0 1;
    }
    ExportScreen Checkbox:focus > .toggle--label {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
    }
    """
    BINDINGS = [
        Binding("ctrl+s", "export", "Export", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, default_path: Path, awaiting_import: bool = False):
        super().__init__()
        self.default_path = default_path
        # Whether the last package is not yet confirmed imported: then the dialog asks.
        self.awaiting_import = awaiting_import
        self._confirmed: Path | None = None  # the existing file the student agreed to replace

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Export to Anki", classes="dialog-title")
            yield Input(str(self.default_path), placeholder="File name (.apkg)", id="export-path")
            yield Checkbox("Include my progress", id="export-progress")
            if self.awaiting_import:
                yield Checkbox("I imported the last package into Anki", id="export-imported")
            yield Static(id="export-error", classes="dialog-error")
            yield Static(
                "With progress, tick “Import any learning progress” in Anki's import "
                "dialog.\nenter or ctrl+s export · escape cancel",
                classes="dialog-hint",
            )
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_export()

    def action_export(self) -> None:
        from studyapp.export_target import ExportTargetError, resolve_target

        raw = self.query_one("#export-path", Input).value
        error = self.query_one("#export-error", Static)
        try:
            path = resolve_target(raw, self.default_path.name)
        except ExportTargetError as exc:
            error.update(Text(one_line(str(exc))))
            self._confirmed = None
            return
        if path.exists() and self._confirmed != path:
            # Ask before replacing a file: the same request again confirms it.
            self._confirmed = path
            error.update(Text(one_line(f"{path.name} exists: press enter again to replace it.")))
            return
        imported = self.awaiting_import and self.query_one("#export-imported", Checkbox).value
        self.dismiss(
            ExportRequest(path, self.query_one("#export-progress", Checkbox).value, imported)
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        self._confirmed = None

    def action_cancel(self) -> None:
        self.dismiss(None)
