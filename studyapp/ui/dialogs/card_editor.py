"""Add, edit or delete a card of the student's own (the personal deck in the database)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Select, Static, TextArea

from studyapp.cards import (
    PERSONAL_CARD_TYPES,
    CardContent,
    CardType,
    parse_card_type,
    personal_problem,
)
from studyapp.store import PERSONAL_DECK_ID, Store
from studyapp.ui.widgets.key_bar import KeyBar

TYPE_HELP: dict[CardType, str] = {
    "basic": "front → back",
    "reversed": "asked both ways: front → back and back → front",
    "cloze": "mark what to hide: {{c1::answer}}, {{c2::another}}",
}


class CardEditorScreen(ModalScreen[CardContent | None]):
    """Edits a draft of a card (the card model's content); dismisses with a valid one,
    or None when cancelled."""

    class CardsChanged(Message):
        """Posted to the screen the editor was opened from once one of the student's cards
        was added, edited or deleted (`deleted`: that card's id), or a card was suspended
        or given a note there: that screen shows the change its own way."""

        def __init__(self, deleted: int | None = None) -> None:
            super().__init__()
            self.deleted = deleted

    class SaveCard(Message):
        """Up to the app: add `draft` as the student's card (`card_id` None) or save it
        over card `card_id`; it answers `origin` with CardsChanged."""

        def __init__(self, origin: Screen[Any], draft: CardContent, card_id: int | None = None):
            super().__init__()
            self.origin = origin
            self.draft = draft
            self.card_id = card_id

    class DeleteCard(Message):
        """Up to the app: delete the student's card `card_id` (the student said yes)."""

        def __init__(self, origin: Screen[Any], card_id: int) -> None:
            super().__init__()
            self.origin = origin
            self.card_id = card_id

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, draft: CardContent | None = None, title: str = "New card (My Cards)"):
        super().__init__()
        self.draft = draft or CardContent()
        self.title_text = title

    def compose(self) -> ComposeResult:
        draft = self.draft
        with Vertical(classes="dialog", id="editor"):
            with Horizontal(id="edit-head"):
                yield Static(self.title_text, classes="dialog-title", id="edit-title")
                yield Select(
                    [(name, name) for name in PERSONAL_CARD_TYPES],
                    value=draft.type,
                    allow_blank=False,
                    compact=True,
                    id="edit-type",
                )
            yield Static(TYPE_HELP[draft.type], id="edit-type-help", classes="dialog-hint")
            yield _area(draft.front, "Front (question)", "edit-front")
            yield _area(draft.back, "Back (answer)", "edit-back")
            yield _area(draft.text, "Text with {{c1::deletions}}", "edit-text")
            yield _area(draft.extra, "Extra: why (optional)", "edit-extra")
            yield Input(
                " ".join(draft.tags),
                placeholder="Tags, space-separated (optional)",
                compact=True,
                id="edit-tags",
            )
            yield Static(id="edit-error", classes="dialog-error")
            yield Static("tab next field · ctrl+s save · escape cancel", classes="dialog-hint")
        yield KeyBar()

    def on_mount(self) -> None:
        self._show_fields(self.draft.type)
        first = "#edit-text" if self.draft.type == "cloze" else "#edit-front"
        self.query_one(first, TextArea).focus()

    def _show_fields(self, card_type: CardType) -> None:
        cloze = card_type == "cloze"
        self.query_one("#edit-front").display = not cloze
        self.query_one("#edit-back").display = not cloze
        self.query_one("#edit-text").display = cloze
        self.query_one("#edit-type-help", Static).update(Text(TYPE_HELP[card_type]))

    def on_select_changed(self, event: Select.Changed) -> None:
        self._show_fields(parse_card_type(event.value) or "basic")

    def current(self) -> CardContent:
        def area(name: str) -> str:
            return self.query_one(f"#edit-{name}", TextArea).text.strip()

        # The draft's other fields (none the form shows) stay as they were.
        return replace(
            self.draft,
            type=parse_card_type(self.query_one("#edit-type", Select).value) or "basic",
            tags=tuple(self.query_one("#edit-tags", Input).value.split()),
        ).with_text({name: area(name) for name in ("front", "back", "text", "extra")})

    def action_save(self) -> None:
        draft = self.current()
        message = personal_problem(draft)
        if message is not None:
            self.query_one("#edit-error", Static).update(Text(message[:1].upper() + message[1:]))
            return
        self.dismiss(draft)

    def action_cancel(self) -> None:
        close_unless_kept(
            self,
            self.current() == _normalised(self.draft),
            "Discard this card?",
            "What you wrote is not saved.",
        )


def _normalised(draft: CardContent) -> CardContent:
    """The draft as the editor's fields give it back: stripped, tags split on spaces."""
    return replace(draft.stripped(), tags=tuple(" ".join(draft.tags).split()))


def _area(text: str, title: str, widget_id: str) -> TextArea:
    area = TextArea(text, soft_wrap=True, id=widget_id, classes="edit-area")
    area.border_title = title
    return area


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; dismisses with True for yes."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "No", show=False),
    ]

    def __init__(self, question: str, detail: str, yes: str):
        super().__init__()
        self.question = question
        self.detail = detail
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm"):
            yield Static(Text(self.question), classes="dialog-title")
            yield Static(Text(self.detail))
            yield Static(f"y {self.yes.lower()} · n or escape keep it", classes="dialog-hint")
        yield KeyBar()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def close_unless_kept(
    dialog: ModalScreen[Any], unchanged: bool, question: str, detail: str
) -> None:
    """Escape in an editing dialog: close it at once when nothing was changed, else ask
    first whether to discard the changes."""
    if unchanged:
        dialog.dismiss(None)
        return

    def answer(discard: bool | None) -> None:
        if discard:
            dialog.dismiss(None)

    dialog.app.push_screen(ConfirmScreen(question, detail, "Discard"), answer)


def save_new_card(screen: Screen[Any], draft: CardContent | None) -> None:
    """Ask the app to add the card the editor dismissed with; it answers `screen` with
    CardsChanged."""
    if draft is not None:
        screen.post_message(CardEditorScreen.SaveCard(screen, draft))


def _own_card(screen: Screen[Any], store: Store, card_id: int) -> dict[str, Any] | None:
    card: dict[str, Any] = store.browse.card(card_id)
    if card["deck_id"] != PERSONAL_DECK_ID:
        screen.notify(
            "Only your own cards can be changed here; deck cards come from the tutor's deck files.",
            severity="warning",
        )
        return None
    return card


def edit_card(screen: Screen[Any], store: Store, card_id: int) -> None:
    """Open the editor on one of the student's own cards (read from `store`); deck-file
    cards are the tutor's. A saved edit is asked of the app, which answers `screen` with
    CardsChanged."""
    card = _own_card(screen, store, card_id)
    if card is None:
        return
    draft = CardContent.from_columns(card)

    def save(result: CardContent | None) -> None:
        if result is not None:
            screen.post_message(CardEditorScreen.SaveCard(screen, result, card_id))

    screen.app.push_screen(CardEditorScreen(draft, title="Edit your card"), save)


def delete_card(screen: Screen[Any], store: Store, card_id: int) -> None:
    """Ask, then have the app delete one of the student's own cards (its history stays in
    the log); the app answers `screen` with CardsChanged naming the card."""
    if _own_card(screen, store, card_id) is None:
        return

    def answer(yes: bool | None) -> None:
        if yes:
            screen.post_message(CardEditorScreen.DeleteCard(screen, card_id))

    screen.app.push_screen(
        ConfirmScreen(
            "Delete this card of yours?",
            "It leaves review and Browse for good; its past answers stay in the log.",
            "Delete",
        ),
        answer,
    )
