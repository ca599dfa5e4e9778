"""The student's own cards, in a deck no deck file can name: basic, reversed and cloze."""

from __future__ import annotations

from collections.abc import Sequence

from studyapp.cardtext import cloze_problems, item_ords
from studyapp.store.columns import new_item_position, tags_column
from studyapp.store.connection import utcnow
from studyapp.store.errors import InputError
from studyapp.store.part import StorePart

# Not a slug (deck_fields.ID_RE): no deck file can name it, so none can take these cards over.
PERSONAL_DECK_ID = "@personal"
PERSONAL_DECK_NAME = "My Cards"
CARD_TYPES = ("basic", "reversed", "cloze")


def check_personal_card(
    card_type: str, front: str, back: str, text: str, tags: Sequence[str]
) -> None:
    """Raise InputError saying what is missing or wrong, in the words of the editor."""
    if card_type not in CARD_TYPES:
        raise InputError(f"unknown card type {card_type!r} (basic, reversed or cloze)")
    if card_type == "cloze":
        problems = cloze_problems(text)
        if problems:
            raise InputError(problems[0])
    elif not front.strip() or not back.strip():
        raise InputError("a card needs both a front and a back")
    if any(ch.isspace() for tag in tags for ch in tag):
        raise InputError("tags cannot contain spaces")


class PersonalCards(StorePart):
    """Cards the student writes in the app."""

    def _ensure_personal_deck(self) -> int:
        """The personal deck's position (creating the deck on first use)."""
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
        return int(self._one("SELECT position FROM decks WHERE id = ?", [PERSONAL_DECK_ID]))

    def add(
        self,
        front: str,
        back: str,
        tags: Sequence[str] = (),
        extra: str = "",
        *,
        card_type: str = "basic",
        text: str = "",
    ) -> int:
        """Add a card of the student's own (one item, two if reversed, one per cloze
        deletion); returns its card id."""
        check_personal_card(card_type, front, back, text, tags)
        stamp = utcnow().isoformat(timespec="seconds")
        with self.transaction():
            self._ensure_personal_deck()
            position = (
                self._one("SELECT MAX(position) FROM cards WHERE deck_id = ?", [PERSONAL_DECK_ID])
                or 0
            ) + 1
            key = f"my-{(self._one('SELECT MAX(id) FROM cards') or 0) + 1}"
            cursor = self.conn.execute(
                "INSERT INTO cards (deck_id, card_key, type, front, back, text, extra, tags, "
                "position, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    PERSONAL_DECK_ID,
                    key,
                    card_type,
                    front.strip(),
                    back.strip(),
                    text.strip(),
                    extra.strip(),
                    tags_column(tags),
                    position,
                    stamp,
                ],
            )
            card_id = int(cursor.lastrowid or 0)
            self._sync_personal_items(card_id, card_type, front, text)
        return card_id

    def edit(
        self,
        card_id: int,
        front: str,
        back: str,
        tags: Sequence[str] = (),
        extra: str = "",
        *,
        card_type: str = "basic",
        text: str = "",
    ) -> None:
        """Rewrite one of the student's cards. Items it still makes keep their progress;
        a cloze deletion removed is retired (history kept), one added arrives new."""
        check_personal_card(card_type, front, back, text, tags)
        with self.transaction():
            self._own_card(card_id)
            self.conn.execute(
                "UPDATE cards SET type = ?, front = ?, back = ?, text = ?, extra = ?, tags = ?, "
                "modified_at = ? WHERE id = ?",
                [
                    card_type,
                    front.strip(),
                    back.strip(),
                    text.strip(),
                    extra.strip(),
                    tags_column(tags),
                    utcnow().isoformat(timespec="seconds"),
                    card_id,
                ],
            )
            self._sync_personal_items(card_id, card_type, front, text)

    def delete(self, card_id: int) -> None:
        """Delete one of the student's cards: out of review, Browse and every count.

        Its review history stays in the log (as for any retired card), so undoing
        nothing else is disturbed and the database never loses an answer.
        """
        with self.transaction():
            self._own_card(card_id)
            self.conn.execute("UPDATE cards SET retired = 1 WHERE id = ?", [card_id])
            self.conn.execute("UPDATE items SET retired = 1 WHERE card_id = ?", [card_id])

    def _own_card(self, card_id: int) -> None:
        deck = self._one("SELECT deck_id FROM cards WHERE id = ? AND retired = 0", [card_id])
        if deck is None:
            raise InputError(f"no card {card_id}")
        if deck != PERSONAL_DECK_ID:
            raise InputError("only your own cards can be changed here; edit deck files instead")

    def _sync_personal_items(self, card_id: int, card_type: str, front: str, text: str) -> None:
        deck_position = self._ensure_personal_deck()
        card_position = int(self._one("SELECT position FROM cards WHERE id = ?", [card_id]))
        wanted = set(item_ords(card_type, front, text))
        existing = dict(
            self.conn.execute("SELECT ord, retired FROM items WHERE card_id = ?", [card_id])
        )
        for ord_ in wanted - existing.keys():
            self.conn.execute(
                "INSERT INTO items (card_id, deck_id, ord, new_position) VALUES (?, ?, ?, ?)",
                [
                    card_id,
                    PERSONAL_DECK_ID,
                    ord_,
                    new_item_position(deck_position, card_position, ord_),
                ],
            )
        for ord_, retired in existing.items():
            keep = ord_ in wanted
            if bool(retired) == keep:
                self.conn.execute(
                    "UPDATE items SET retired = ? WHERE card_id = ? AND ord = ?",
                    [int(not keep), card_id, ord_],
                )
