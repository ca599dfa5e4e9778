"""A card's picture on screen: decoded in a worker thread (studyapp.images, cached),
drawn with the best protocol textual-image found, else with half-block characters.

Whatever goes wrong with a file (missing, damaged, hostile) the widget shows the
alt text and why, never a traceback: the domain has already refused such files at
`check`, but the database may hold a card whose file changed since.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Container
from textual.widget import Widget
from textual.widgets import Static

from studyapp import images, occlusion
from studyapp.cardtext import ImageRef, image_label
from studyapp.sanitize import one_line

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

# Masks over the picture: the card's shapes, the occlusion asked, whether it is revealed.
Overlay = tuple[occlusion.Occlusions, int, bool]


def detect_protocol() -> None:
    """Ask the terminal what it can draw. textual-image can only ask before Textual
    takes the terminal over, so `ui.app.run` calls this first (when images are on).
    Even for half blocks: importing any part of textual-image asks, and an answer
    arriving once Textual reads the keyboard would be taken for key presses. Without a
    terminal (headless runs, tests) textual-image asks nothing: it loads when first used."""
    if not (sys.__stdout__ and sys.__stdout__.isatty()):
        return
    import textual_image.widget  # noqa: F401 (importing it asks the terminal)


def _halfcell_only() -> bool:
    # Over SSH and inside tmux the detection's answers are not to be trusted (tmux
    # passes Sixel through only when built and configured for it).
    return CardImage.rendering == "halfcell" or any(
        os.environ.get(name) for name in ("TMUX", "SSH_CONNECTION", "SSH_TTY")
    )


def _image_widget(picture: PILImage) -> Widget:
    from textual_image.widget import HalfcellImage

    if _halfcell_only():
        return HalfcellImage(picture)
    from textual_image.renderable import HalfcellImage as HalfcellRenderable
    from textual_image.renderable import Image as Detected
    from textual_image.renderable import UnicodeImage
    from textual_image.widget import Image

    if Detected in (UnicodeImage, HalfcellRenderable):
        return HalfcellImage(picture)  # no pixel protocol: half blocks look best
    return Image(picture)


class CardImage(Container):
    """One picture of a card, fitted to the widget's size; its label while it loads."""

    DEFAULT_CSS = """
    CardImage {
        height: 8;
        width: 100%;
        align-horizontal: center;
        & > .card-image-label { color: $text-muted; width: auto; }
        & > .card-image-picture { width: auto; height: 100%; }
    }
    """
    # "auto": what textual-image detected; "halfcell": always half blocks (tests, tmux).
    rendering: ClassVar[str] = "auto"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.ref: ImageRef | None = None
        self.overlay: Overlay | None = None
        self.path: Path | None = None
        self.display = False

    def compose(self) -> ComposeResult:
        yield Static(classes="card-image-label")

    def show(
        self, ref: ImageRef | None, media_dir: Path | None, overlay: Overlay | None = None
    ) -> None:
        """Show `ref` (a file in `media_dir`) with `overlay`'s masks, or nothing (None)."""
        if ref == self.ref and overlay == self.overlay:
            return
        self.ref, self.overlay = ref, overlay
        self.display = ref is not None
        for old in self.query(".card-image-picture"):
            old.remove()
        if ref is None:
            self.path = None
            return
        label = self.query_one(".card-image-label", Static)
        label.display = True
        label.update(Text(one_line(image_label(ref))))
        name = images.media_name(ref.target)
        if media_dir is None or name is None:
            label.update(Text(one_line(f"{image_label(ref)} (no such file)")))
            return
        self.path = media_dir / name
        self._load(self.path, ref, overlay)

    @work(thread=True, exclusive=True, group="card-image")
    def _load(self, path: Path, ref: ImageRef, overlay: Overlay | None) -> None:
        try:
            picture = images.load_image(path)
            if overlay is not None:
                shapes, asked, revealed = overlay
                size = images.original_size(path)
                picture = occlusion.draw(picture, shapes, size, asked, revealed)
        except images.ImageProblem as problem:
            self.app.call_from_thread(self._failed, ref, overlay, str(problem))
            return
        self.app.call_from_thread(self._loaded, ref, overlay, picture)

    def _failed(self, ref: ImageRef, overlay: Overlay | None, problem: str) -> None:
        if ref == self.ref and overlay == self.overlay:
            label = self.query_one(".card-image-label", Static)
            label.update(Text(one_line(f"{image_label(ref)}: {problem}")))

    def _loaded(self, ref: ImageRef, overlay: Overlay | None, picture: PILImage) -> None:
        if ref != self.ref or overlay != self.overlay:
            return  # the card moved on (or was revealed) while it was decoding
        for old in self.query(".card-image-picture"):
            old.remove()
        self.query_one(".card-image-label", Static).display = False
        widget = _image_widget(picture)
        widget.add_class("card-image-picture")
        self.mount(widget)
