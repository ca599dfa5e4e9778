"""Messages up: what the screens ask done to a card, and the app's side that does it.

A screen posts the message (the editor's SaveCard and DeleteCard, or one below); the app
writes through the store under `guarded` (a failure becomes a notification, and nothing
is half-written), says what was done, and answers the screen that asked with
``CardEditorScreen.CardsChanged``, which each screen shows its own way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.message import Message
from textual.screen import Screen

if TYPE_CHECKING:
    # The editor (and Textual's text area under it) loads when a card is edited, not
    # on the way to the first card: the handlers below are found by their names.
    from studyapp.store import Store
    from studyapp.ui.dialogs.card_editor import CardEditorScreen


class SetSuspended(Message):
    """Up to the app: suspend study item `item_id`, or unsuspend it (Browse, a card's detail)."""

    def __init__(self, origin: Screen[Any], item_id: int, suspended: bool) -> None:
        super().__init__()
        self.origin = origin
        self.item_id = item_id
        self.suspended = suspended


class SaveNote(Message):
    """Up to the app: the student's note on card `card_id`, empty to remove it (review)."""

    def __init__(self, origin: Screen[Any], card_id: int, note: str) -> None:
        super().__init__()
        self.origin = origin
        self.card_id = card_id
        self.note = note


class CardWrites(App[None]):
    """The app's handlers for what the screens ask done to cards (StudyApp is one)."""

    if TYPE_CHECKING:
        store: Store

        def guarded(self, action: Callable[[], object]) -> bool: ...

    def _done(self, origin: Screen[Any], said: str, deleted: int | None = None) -> None:
        from studyapp.ui.dialogs.card_editor import CardEditorScreen

        self.notify(said, timeout=2)
        origin.post_message(CardEditorScreen.CardsChanged(deleted))

    def on_set_suspended(self, message: SetSuspended) -> None:
        store = self.store
        if self.guarded(lambda: store.reviews.set_suspended(message.item_id, message.suspended)):
            self._done(message.origin, "Suspended." if message.suspended else "Unsuspended.")

    def on_save_note(self, message: SaveNote) -> None:
        store = self.store
        if self.guarded(lambda: store.reviews.set_note(message.card_id, message.note)):
            self._done(message.origin, "Note saved." if message.note else "Note removed.")

    def on_card_editor_screen_save_card(self, message: CardEditorScreen.SaveCard) -> None:
        store, draft, card_id = self.store, message.draft, message.card_id
        if card_id is None:
            if self.guarded(lambda: store.personal.add(draft)):
                self._done(message.origin, "Card added to My Cards.")
            return
        if self.guarded(lambda: store.personal.edit(card_id, draft)):
            self._done(message.origin, "Card saved.")

    def on_card_editor_screen_delete_card(self, message: CardEditorScreen.DeleteCard) -> None:
        store = self.store
        if self.guarded(lambda: store.personal.delete(message.card_id)):
            self._done(message.origin, "Card deleted.", deleted=message.card_id)
