"""The review screen's card: its question, picture, answer, extra, note and source, each
filled for the width it gets; the back hidden until it is shown; and, in the frame, a hint
while the card goes on below the screen."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from studyapp.sanitize import one_line
from studyapp.store import StudyItem
from studyapp.ui.widgets.card_picture import CardPicture
from studyapp.ui.widgets.card_text import render_card_text

SCROLL_HINT = " · ↓ more below (scroll)"
BACK = ("#review-answer", "#review-extra", "#review-note", "#review-source")


class ReviewCard(VerticalScroll):
    """Styled by the review screen (`#review-card` and its parts' ids)."""

    def compose(self) -> ComposeResult:
        yield Static(id="review-question")
        yield CardPicture(id="review-picture")
        yield Static(id="review-answer")
        yield Static(id="review-extra")
        yield Static(id="review-note")
        yield Static(id="review-source")

    def text_width(self) -> int:
        """Cells a line of card text gets (for list items' hanging indent); before the
        first layout, a guess from the screen's width."""
        width = self.query_one("#review-question").size.width
        return width or max(20, self.app.size.width - 10)

    def fill_question(self, item: StudyItem, width: int) -> None:
        self.query_one("#review-question", Static).update(
            render_card_text(item.faces.question, width=width)
        )

    def fill_back(self, item: StudyItem, width: int) -> None:
        """The answer, and the extra, note and source the card has (the others take no
        room)."""
        self.query_one("#review-answer", Static).update(
            render_card_text(item.faces.answer, width=width)
        )
        extra = self.query_one("#review-extra", Static)
        extra.update(
            render_card_text(item.content.extra, width=width) if item.content.extra else ""
        )
        note = self.query_one("#review-note", Static)
        note.update(
            Text.assemble(("Your note  ", "bold"), render_card_text(item.note)) if item.note else ""
        )
        source = self.query_one("#review-source", Static)
        source.update(
            Text.assemble(("Source  ", "bold"), one_line(item.content.source))
            if item.content.source
            else ""
        )
        extra.set_class(not item.content.extra, "empty")
        note.set_class(not item.note, "empty")
        source.set_class(not item.content.source, "empty")

    def show_back(self, shown: bool) -> None:
        for widget_id in BACK:
            self.query_one(widget_id).set_class(not shown, "hidden")

    def update_scroll_hint(self) -> None:
        """Say so while the card goes on below the screen (it scrolls)."""
        shown = str(self.border_subtitle or "")
        more = self.scroll_y < self.max_scroll_y
        wanted = shown.removesuffix(SCROLL_HINT) + (SCROLL_HINT if more else "")
        # Set even to the same text, a title repaints the whole card: asked after every
        # refresh that may change the length, it would add a repaint to each.
        if wanted != shown:
            self.border_subtitle = Content(wanted)
