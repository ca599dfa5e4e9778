"""The student's own cards, in a deck no deck file can name."""

from __future__ import annotations

from collections.abc import Sequence

from studyapp.store.columns import new_item_position, tags_column
from studyapp.store.connection import StoreBase, StoreError, utcnow

# Not a slug (deckfile.ID_RE): no deck file can name it, so none can take these cards over.
PERSONAL_DECK_ID = "@personal"
PERSONAL_DECK_NAME = "My Cards"


class PersonalCards(StoreBase):
    """Cards the student writes in the app."""

    # -- personal cards ------------------------------------------------------------

    def _ensure_personal_deck(self) -> None:
        if (
            self._one("SELECT 1 FROM decks WHERE id = ? AND personal = 1", [PERSONAL_DECK_ID])
            is None
        ):
            position = (self._one("SELECT MAX(position) FROM decks") or 0) + 1
            self.conn.execute(
                "INSERT INTO decks (id, name, description, position, personal) "
                "VALUES (?, ?, ?, ?, 1)",
                [PERSONAL_DECK_ID, PERSONAL_DECK_NAME, "Cards you wrote yourself", position],
            )

    def add_personal_card(
        self, front: str, back: str, tags: Sequence[str] = (), extra: str = ""
    ) -> int:
        """Add a basic card of the student's own; returns its card id."""
        if not front.strip() or not back.strip():
            raise StoreError("a card needs both a front and a back")
        if any(ch.isspace() for tag in tags for ch in tag):
            raise StoreError("tags cannot contain spaces")
        stamp = utcnow().isoformat(timespec="seconds")
        with self.transaction():
            self._ensure_personal_deck()
            deck_position = self._one("SELECT position FROM decks WHERE id = ?", [PERSONAL_DECK_ID])
            position = (
                self._one("SELECT MAX(position) FROM cards WHERE deck_id = ?", [PERSONAL_DECK_ID])
                or 0
            ) + 1
            key = f"my-{(self._one('SELECT MAX(id) FROM cards') or 0) + 1}"
            cursor = self.conn.execute(
                "INSERT INTO cards (deck_id, card_key, type, front, back, extra, tags, position, "
                "modified_at) VALUES (?, ?, 'basic', ?, ?, ?, ?, ?, ?)",
                [
                    PERSONAL_DECK_ID,
                    key,
                    front.strip(),
                    back.strip(),
                    extra.strip(),
                    tags_column(tags),
                    position,
                    stamp,
                ],
            )
            card_id = cursor.lastrowid
            self.conn.execute(
                "INSERT INTO items (card_id, deck_id, ord, new_position) VALUES (?, ?, 0, ?)",
                [card_id, PERSONAL_DECK_ID, new_item_position(deck_position, position, 0)],
            )
        return card_id

    def edit_personal_card(
        self, card_id: int, front: str, back: str, tags: Sequence[str] = (), extra: str = ""
    ) -> None:
        if not front.strip() or not back.strip():
            raise StoreError("a card needs both a front and a back")
        with self.transaction():
            deck = self._one("SELECT deck_id FROM cards WHERE id = ?", [card_id])
            if deck != PERSONAL_DECK_ID:
                raise StoreError("only your own cards can be edited here; edit deck files instead")
            self.conn.execute(
                "UPDATE cards SET front = ?, back = ?, extra = ?, tags = ?, modified_at = ? "
                "WHERE id = ?",
                [
                    front.strip(),
                    back.strip(),
                    extra.strip(),
                    tags_column(tags),
                    utcnow().isoformat(timespec="seconds"),
                    card_id,
                ],
            )
