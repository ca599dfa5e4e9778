"""Add or edit a card of the student's own (the personal deck in the database)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static

from studyapp.store import PERSONAL_DECK_ID


@dataclass(frozen=True, slots=True)
class CardDraft:
    front: str
    back: str
    tags: tuple[str, ...]
    extra: str


class CardEditorScreen(ModalScreen[CardDraft | None]):
    """Dismisses with a valid CardDraft, or None when cancelled."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, draft: CardDraft | None = None, title: str = "New card (My Cards)"):
        super().__init__()
        self.draft = draft or CardDraft("", "", (), "")
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title")
            yield Input(self.draft.front, placeholder="Front (question)", id="edit-front")
            yield Input(self.draft.back, placeholder="Back (answer)", id="edit-back")
            yield Input(self.draft.extra, placeholder="Extra: why (optional)", id="edit-extra")
            yield Input(
                " ".join(self.draft.tags),
                placeholder="Tags, space-separated (optional)",
                id="edit-tags",
            )
            yield Static(id="edit-error", classes="dialog-error")
            yield Static("tab next field · ctrl+s save · escape cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#edit-front", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.focus_next()

    def action_save(self) -> None:
        value = {
            key: self.query_one(f"#edit-{key}", Input).value.strip()
            for key in ("front", "back", "extra", "tags")
        }
        if not value["front"] or not value["back"]:
            self.query_one("#edit-error", Static).update("A card needs a front and a back.")
            return
        self.dismiss(
            CardDraft(value["front"], value["back"], tuple(value["tags"].split()), value["extra"])
        )

    def action_cancel(self) -> None:
        self.dismiss(None)


def save_new_card(screen: Screen, draft: CardDraft | None) -> None:
    if draft is None:
        return
    store = screen.app.store
    if not screen.app.guarded(
        lambda: store.add_personal_card(draft.front, draft.back, draft.tags, draft.extra)
    ):
        return
    screen.notify("Card added to My Cards.", timeout=2)
    if hasattr(screen, "reload"):
        screen.reload()
    elif hasattr(screen, "refresh_counts"):
        screen.refresh_counts()


def edit_card(screen: Screen, card_id: int, then: Callable[[], None] | None = None) -> None:
    """Open the editor on one of the student's own cards; deck-file cards are the tutor's."""
    store = screen.app.store
    card = store.card(card_id)
    if card["deck_id"] != PERSONAL_DECK_ID:
        screen.notify(
            "Only your own cards can be edited here; deck cards come from the tutor's deck files.",
            severity="warning",
        )
        return
    draft = CardDraft(card["front"], card["back"], tuple(card["tags"].split()), card["extra"])

    def save(result: CardDraft | None) -> None:
        if result is None:
            return
        if not screen.app.guarded(
            lambda: store.edit_personal_card(
                card_id, result.front, result.back, result.tags, result.extra
            )
        ):
            return
        screen.notify("Card saved.", timeout=2)
        (then or getattr(screen, "reload", lambda: None))()

    screen.app.push_screen(CardEditorScreen(draft, title="Edit your card"), save)
