"""Add, edit or delete a card of the student's own (the personal deck in the database)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Select, Static, TextArea

from studyapp.store import PERSONAL_DECK_ID, InputError
from studyapp.store.personal import CARD_TYPES, check_personal_card
from studyapp.ui.widgets.key_bar import KeyBar

TYPE_HELP = {
    "basic": "front → back",
    "reversed": "asked both ways: front → back and back → front",
    "cloze": "mark what to hide: {{c1::answer}}, {{c2::another}}",
}


@dataclass(frozen=True, slots=True)
class CardDraft:
    front: str
    back: str
    tags: tuple[str, ...]
    extra: str
    card_type: str = "basic"
    text: str = ""  # a cloze card's text


EMPTY_DRAFT = CardDraft("", "", (), "")


class CardEditorScreen(ModalScreen[CardDraft | None]):
    """Dismisses with a valid CardDraft, or None when cancelled."""

    class CardsChanged(Message):
        """Posted to the screen the editor was opened from once one of the student's cards
        was added, edited or deleted: that screen shows the change its own way."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, draft: CardDraft | None = None, title: str = "New card (My Cards)"):
        super().__init__()
        self.draft = draft or EMPTY_DRAFT
        self.title_text = title

    def compose(self) -> ComposeResult:
        draft = self.draft
        with Vertical(classes="dialog", id="editor"):
            with Horizontal(id="edit-head"):
                yield Static(self.title_text, classes="dialog-title", id="edit-title")
                yield Select(
                    [(name, name) for name in CARD_TYPES],
                    value=draft.card_type,
                    allow_blank=False,
                    compact=True,
                    id="edit-type",
                )
            yield Static(TYPE_HELP[draft.card_type], id="edit-type-help", classes="dialog-hint")
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
        self._show_fields(self.draft.card_type)
        first = "#edit-text" if self.draft.card_type == "cloze" else "#edit-front"
        self.query_one(first, TextArea).focus()

    def _show_fields(self, card_type: str) -> None:
        cloze = card_type == "cloze"
        self.query_one("#edit-front").display = not cloze
        self.query_one("#edit-back").display = not cloze
        self.query_one("#edit-text").display = cloze
        self.query_one("#edit-type-help", Static).update(Text(TYPE_HELP[card_type]))

    def on_select_changed(self, event: Select.Changed) -> None:
        self._show_fields(str(event.value))

    def current(self) -> CardDraft:
        def area(name: str) -> str:
            return self.query_one(f"#edit-{name}", TextArea).text.strip()

        return CardDraft(
            area("front"),
            area("back"),
            tuple(self.query_one("#edit-tags", Input).value.split()),
            area("extra"),
            str(self.query_one("#edit-type", Select).value),
            area("text"),
        )

    def action_save(self) -> None:
        draft = self.current()
        try:
            check_personal_card(draft.card_type, draft.front, draft.back, draft.text, draft.tags)
        except InputError as exc:
            message = str(exc)
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


def _normalised(draft: CardDraft) -> CardDraft:
    return CardDraft(
        draft.front.strip(),
        draft.back.strip(),
        tuple(" ".join(draft.tags).split()),
        draft.extra.strip(),
        draft.card_type,
        draft.text.strip(),
    )


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


def _refresh(screen: Screen[Any]) -> None:
    screen.post_message(CardEditorScreen.CardsChanged())


def save_new_card(screen: Screen[Any], draft: CardDraft | None) -> None:
    if draft is None:
        return
    store = screen.app.store  # type: ignore[attr-defined]
    if not screen.app.guarded(  # type: ignore[attr-defined]
        lambda: store.personal.add(
            draft.front,
            draft.back,
            draft.tags,
            draft.extra,
            card_type=draft.card_type,
            text=draft.text,
        )
    ):
        return
    screen.notify("Card added to My Cards.", timeout=2)
    _refresh(screen)


def _own_card(screen: Screen[Any], card_id: int) -> dict[str, Any] | None:
    card: dict[str, Any] = screen.app.store.browse.card(card_id)  # type: ignore[attr-defined]
    if card["deck_id"] != PERSONAL_DECK_ID:
        screen.notify(
            "Only your own cards can be changed here; deck cards come from the tutor's deck files.",
            severity="warning",
        )
        return None
    return card


def edit_card(screen: Screen[Any], card_id: int) -> None:
    """Open the editor on one of the student's own cards; deck-file cards are the tutor's.
    A saved edit posts CardsChanged to `screen`."""
    card = _own_card(screen, card_id)
    if card is None:
        return
    store = screen.app.store  # type: ignore[attr-defined]
    draft = CardDraft(
        card["front"],
        card["back"],
        tuple(card["tags"].split()),
        card["extra"],
        card["type"],
        card["text"],
    )

    def save(result: CardDraft | None) -> None:
        if result is None:
            return
        if not screen.app.guarded(  # type: ignore[attr-defined]
            lambda: store.personal.edit(
                card_id,
                result.front,
                result.back,
                result.tags,
                result.extra,
                card_type=result.card_type,
                text=result.text,
            )
        ):
            return
        screen.notify("Card saved.", timeout=2)
        _refresh(screen)

    screen.app.push_screen(CardEditorScreen(draft, title="Edit your card"), save)


def delete_card(screen: Screen[Any], card_id: int, then: Callable[[], None] | None = None) -> None:
    """Ask, then delete one of the student's own cards (its history stays in the log);
    then `then` (a screen showing only that card closes), else CardsChanged to `screen`."""
    if _own_card(screen, card_id) is None:
        return
    store = screen.app.store  # type: ignore[attr-defined]

    def answer(yes: bool | None) -> None:
        if yes and screen.app.guarded(  # type: ignore[attr-defined]
            lambda: store.personal.delete(card_id)
        ):
            screen.notify("Card deleted.", timeout=2)
            (then or (lambda: _refresh(screen)))()

    screen.app.push_screen(
        ConfirmScreen(
            "Delete this card of yours?",
            "It leaves review and Browse for good; its past answers stay in the log.",
            "Delete",
        ),
        answer,
    )
