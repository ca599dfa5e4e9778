"""One study item: its text, schedule and full review history."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from studyapp.cardtext import ImageRef, image_refs
from studyapp.sanitize import one_line
from studyapp.study.sm2 import QUALITY_LABELS
from studyapp.ui.card_writes import SetSuspended
from studyapp.ui.context import GivenContext
from studyapp.ui.dialogs.card_editor import CardEditorScreen, delete_card, edit_card
from studyapp.ui.widgets.card_image import CardImage
from studyapp.ui.widgets.card_text import render_card_text
from studyapp.ui.widgets.key_bar import KeyBar

# The review log's kinds in the review screen's words.
KIND_WORDS = {"scheduled": "review", "redrill": "re-drill", "cram": "cram"}


class CardDetailScreen(GivenContext, ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("s", "toggle_suspend", "Suspend/unsuspend"),
        Binding("e", "edit", "Edit own card"),
        Binding("d", "delete", "Delete own card"),
        Binding("f", "picture", "Picture", tooltip="The card's picture full-screen"),
        Binding("escape", "close", "Close"),
    ]

    def __init__(self, item_id: int):
        super().__init__()
        self.item_id = item_id
        self.picture: ImageRef | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="detail"):
            yield CardImage(id="detail-picture")
            yield Static(id="detail-body")
            yield Static(
                "s suspend/unsuspend · e edit, d delete (your own cards) · escape close",
                classes="dialog-hint",
            )
        yield KeyBar()

    def on_mount(self) -> None:
        self.refresh_detail()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The picture key only for a card with a picture (and pictures on)."""
        if action == "picture":
            return self.picture is not None and self.context.show_images
        return True

    def action_picture(self) -> None:
        if self.picture is not None and self.context.show_images:
            from studyapp.ui.dialogs.picture import PictureScreen

            self.app.push_screen(PictureScreen(self.picture, self.context.media_dir))

    def refresh_detail(self) -> None:
        store = self.store
        item = store.queues.item(self.item_id)
        self.card_id = item.card_id
        state = item.state
        body = Text()
        body.append(one_line(item.deck_name), style="bold")
        body.append(
            f"  ·  {item.content.type}"
            + (f" #{item.ord + 1}" if item.content.type != "basic" else "")
        )
        body.append(
            "  ·  " + one_line(" ".join(item.content.tags) or "no tags") + "\n\n", style="dim"
        )
        # Cells a line gets inside the dialog (for list items' hanging indent).
        width = self.query_one("#detail-body").size.width or min(62, self.app.size.width - 12)
        body.append_text(render_card_text(item.faces.question, "bold", width))
        body.append("\n\n")
        body.append_text(render_card_text(item.faces.answer, width=width))
        body.append("\n\n")
        # The same words as the review screen and Browse.
        for label, text, style in (
            ("", item.content.extra, "italic"),
            ("Your note  ", item.note, "yellow"),
            ("Source  ", item.content.source, "dim"),
        ):
            if text:
                body.append(label, style="bold")
                body.append_text(render_card_text(text, style, width - len(label)))
                body.append("\n\n")
        status = store.browse.state(self.item_id, self.context.today())
        body.append(
            f"Status {status} · EF {state.ef_hundredths / 100:.2f} · "
            f"interval {state.interval} d · "
            f"due {state.due.isoformat() if state.due else '—'} · "
            f"repetitions {state.repetitions} · lapses {state.lapses}\n\n"
        )
        self.picture = next(
            (
                ref
                for face in (item.faces.question, item.faces.answer, item.content.extra)
                for ref in image_refs(face)
            ),
            None,
        )
        if self.context.show_images:
            self.query_one("#detail-picture", CardImage).show(self.picture, self.context.media_dir)
        self.refresh_bindings()
        self.history = history = store.reviews.of(self.item_id)
        table = Table(
            box=None,
            pad_edge=False,
            title_justify="left",
            title=(
                f"History ({len(history)} answer{'s' * (len(history) != 1)})"
                if history
                else "No answers yet"
            ),
        )
        for column in ("When", "Kind", "Grade", "Interval", "EF"):
            table.add_column(column)
        for row in history:
            when = datetime.fromisoformat(row["reviewed_at"]).astimezone()
            table.add_row(
                when.strftime("%Y-%m-%d %H:%M"),
                KIND_WORDS.get(row["kind"], row["kind"]),
                f"{row['grade']} {QUALITY_LABELS[row['grade']]}",
                f"{row['interval_after']} d",
                f"{row['ef_after'] / 100:.2f}",
            )
        self.query_one("#detail-body", Static).update(Group(body, table) if history else body)

    def action_toggle_suspend(self) -> None:
        suspended = self.store.queues.item(self.item_id).suspended
        # The app writes it and answers with CardsChanged: the detail is drawn again then.
        self.post_message(SetSuspended(self, self.item_id, not suspended))

    def on_card_editor_screen_cards_changed(self, message: CardEditorScreen.CardsChanged) -> None:
        if message.deleted is not None and message.deleted == self.card_id:
            self.dismiss()  # the card is gone: nothing left to show
        else:
            self.refresh_detail()

    def action_edit(self) -> None:
        edit_card(self, self.store, self.store.queues.item(self.item_id).card_id)

    def action_delete(self) -> None:
        delete_card(self, self.store, self.store.queues.item(self.item_id).card_id)

    def action_close(self) -> None:
        self.dismiss()
