"""A card's picture full-screen: as large as the terminal allows, its alt text above."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from studyapp.cardtext import ImageRef, image_label
from studyapp.sanitize import one_line
from studyapp.ui.widgets.card_image import CardImage, Overlay
from studyapp.ui.widgets.key_bar import KeyBar


class PictureScreen(ModalScreen[None]):
    """Shows one picture until escape (or the key that opened it) is pressed."""

    DEFAULT_CSS = """
    PictureScreen {
        background: $background;
        #picture-title { height: 1; padding: 0 1; text-style: bold; }
        #picture { height: 1fr; }
    }
    """
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("f", "close", "Close", show=False),
    ]

    def __init__(self, ref: ImageRef, media_dir: Path | None, overlay: Overlay | None = None):
        super().__init__()
        self.ref, self.media_dir, self.overlay = ref, media_dir, overlay

    def compose(self) -> ComposeResult:
        yield Static(Text(one_line(image_label(self.ref))), id="picture-title")
        yield CardImage(id="picture")
        yield KeyBar()

    def on_mount(self) -> None:
        # An occlusion card's masks stay on: full-screen must not give the answer away.
        self.query_one("#picture", CardImage).show(self.ref, self.media_dir, self.overlay)

    def action_close(self) -> None:
        self.dismiss(None)
