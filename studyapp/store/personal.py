"""The student's own cards, in a deck no deck file can name: basic, reversed and cloze."""

from __future__ import annotations

from typing import Any

from studyapp.cards import CardContent, personal_problem
from studyapp.store.action_log import PERSONAL_DECK_ID, ActionLog
from studyapp.store.columns import new_item_position, tags_column, tags_tuple
from studyapp.store.connection import utcnow
from studyapp.store.errors import InputError

__all__ = [
    "PERSONAL_DECK_ID",
    "PERSONAL_DECK_NAME",
    "PersonalCards",
    "check_personal_card",
]
PERSONAL_DECK_NAME = "My Cards"


def check_personal_card(content: CardContent) -> None:
    """Raise InputError saying in one line what is missing or wrong (the card model's
    validator, limited to the types the student writes)."""
    problem = personal_problem(content)
    if problem is not None:
        raise InputError(problem)


class PersonalCards(ActionLog):
    """Cards the student writes in the app (each change logged for other devices)."""

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

    def add(self, content: CardContent) -> int:
        """Add a card of the student's own (one item, two if reversed, one per cloze
        deletion); returns its card id."""
        content = content.stripped()
        check_personal_card(content)
        stamp = utcnow().isoformat(timespec="seconds")
        columns = content.columns()
        with self.transaction():
            self._ensure_personal_deck()
            position = (
                self._one("SELECT MAX(position) FROM cards WHERE deck_id = ?", [PERSONAL_DECK_ID])
                or 0
            ) + 1
            # The device in the key: cards written on two devices never share one.
            key = f"my-{self._store.sync.device_id()}-{(self._one('SELECT MAX(id) FROM cards') or 0) + 1}"
            cursor = self.conn.execute(
                f"INSERT INTO cards (deck_id, card_key, {', '.join(columns)}, position, "
                f"modified_at) VALUES ({', '.join('?' * (len(columns) + 4))})",
                [PERSONAL_DECK_ID, key, *columns.values(), position, stamp],
            )
            card_id = int(cursor.lastrowid or 0)
            self._sync_personal_items(card_id, content)
            self._record_own_card(card_id)
        return card_id

    def edit(self, card_id: int, content: CardContent) -> None:
        """Rewrite one of the student's cards. Items it still makes keep their progress;
        a cloze deletion removed is retired (history kept), one added arrives new."""
        content = content.stripped()
        check_personal_card(content)
        columns = content.columns()
        with self.transaction():
            self._own_card(card_id)
            self.conn.execute(
                f"UPDATE cards SET {'=?, '.join(columns)}=?, modified_at = ? WHERE id = ?",
                [*columns.values(), utcnow().isoformat(timespec="seconds"), card_id],
            )
            self._sync_personal_items(card_id, content)
            self._record_own_card(card_id)

    def delete(self, card_id: int) -> None:
        """Delete one of the student's cards: out of review, Browse and every count.

        Its review history stays in the log (as for any retired card), so undoing
        nothing else is disturbed and the database never loses an answer.
        """
        with self.transaction():
            self._own_card(card_id)
            self.conn.execute("UPDATE cards SET retired = 1 WHERE id = ?", [card_id])
            self.conn.execute("UPDATE items SET retired = 1 WHERE card_id = ?", [card_id])
            key = self._one("SELECT card_key FROM cards WHERE id = ?", [card_id])
            self._record_action("my_card_deleted", (key,), {})

    def _record_own_card(self, card_id: int) -> None:
        """Log the card as it now is: the whole card, so the last such event is the card."""
        row = self._rows(
            "SELECT card_key, type, front, back, text, extra, tags FROM cards WHERE id = ?",
            [card_id],
        )[0]
        self._record_action("my_card", (row["card_key"],), own_card_value(row))

    def apply_own_card(self, key: str, value: dict[str, Any] | None, stamp: str) -> None:
        """Make card `key` what another device's event says (None: deleted); in a
        transaction. The value was checked at the door (studyapp.sync.eventfile)."""
        card_id = self._one(
            "SELECT id FROM cards WHERE deck_id = ? AND card_key = ?", [PERSONAL_DECK_ID, key]
        )
        if value is None:
            if card_id is not None:
                self.conn.execute("UPDATE cards SET retired = 1 WHERE id = ?", [card_id])
                self.conn.execute("UPDATE items SET retired = 1 WHERE card_id = ?", [card_id])
            return
        columns = [
            value["card_type"],
            value["front"],
            value["back"],
            value["text"],
            value["extra"],
            tags_column(value["tags"]),
            stamp,
        ]
        if card_id is None:
            self._ensure_personal_deck()
            position = (
                self._one("SELECT MAX(position) FROM cards WHERE deck_id = ?", [PERSONAL_DECK_ID])
                or 0
            ) + 1
            cursor = self.conn.execute(
                "INSERT INTO cards (type, front, back, text, extra, tags, modified_at, deck_id, "
                "card_key, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*columns, PERSONAL_DECK_ID, key, position],
            )
            card_id = int(cursor.lastrowid or 0)
        else:
            self.conn.execute(
                "UPDATE cards SET type = ?, front = ?, back = ?, text = ?, extra = ?, tags = ?, "
                "modified_at = ?, retired = 0 WHERE id = ?",
                [*columns, card_id],
            )
        content = CardContent(
            type=value["card_type"],
            front=value["front"],
            back=value["back"],
            text=value["text"],
            extra=value["extra"],
            tags=tuple(value["tags"]),
        )
        self._sync_personal_items(card_id, content)

    def _own_card(self, card_id: int) -> None:
        deck = self._one("SELECT deck_id FROM cards WHERE id = ? AND retired = 0", [card_id])
        if deck is None:
            raise InputError(f"no card {card_id}")
        if deck != PERSONAL_DECK_ID:
            raise InputError("only your own cards can be changed here; edit deck files instead")

    def _sync_personal_items(self, card_id: int, content: CardContent) -> None:
        deck_position = self._ensure_personal_deck()
        card_position = int(self._one("SELECT position FROM cards WHERE id = ?", [card_id]))
        wanted = set(content.ords)
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


def own_card_value(row: dict[str, Any]) -> dict[str, Any]:
    """A card of the student's as an action event's value (what `apply_own_card` reads)."""
    return {
        "card_type": row["type"],
        "front": row["front"],
        "back": row["back"],
        "text": row["text"],
        "extra": row["extra"],
        "tags": list(tags_tuple(row["tags"])),
    }
