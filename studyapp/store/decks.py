"""Importing decks: new cards arrive new, edits keep progress, removals retire."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from studyapp.cards import CONTENT_COLUMNS
from studyapp.store.columns import new_item_position
from studyapp.store.connection import utcnow
from studyapp.store.errors import InputError
from studyapp.store.models import DeckChanges, ImportReport
from studyapp.store.part import StorePart
from studyapp.sync.events import ReviewEvent

if TYPE_CHECKING:
    # Types only: the review path never parses a deck file.
    from studyapp.deckfile.reader import Card, Deck


# meta: a folder of media an import committed and has yet to move in.
PENDING_MEDIA_KEY = "pending_import_media"


class DeckNotOwned(InputError):
    """An import would retire the cards of a deck it shares no card with."""

    def __init__(self, deck_id: str, name: str, cards: int) -> None:
        self.deck_id, self.name, self.cards = deck_id, name, cards
        super().__init__(
            f"deck '{deck_id}' ({name}) comes from somewhere else: this import has none of "
            f"its {cards} cards and would retire them all"
        )


# The columns an import writes of a card: its content (the card model's), then its place.
_CARD_COLUMNS = (*CONTENT_COLUMNS, "position")
_INSERT_CARD = (
    f"INSERT INTO cards (id, deck_id, card_key, {', '.join(_CARD_COLUMNS)}, modified_at) "
    f"VALUES ({', '.join('?' * (len(_CARD_COLUMNS) + 4))})"
)

# meta: a digest of each deck as last imported, so an import that changes nothing
# (the same files again) is known before it starts and takes no backup.
FINGERPRINT_PREFIX = "deck_import_sha256:"


def _fingerprint(deck: Deck) -> str:
    """A digest of what an import writes of `deck`: its name and description, and every
    card's columns in order. (Deck text holds no \\x1e or \\x1f: control characters are refused.)"""
    digest = hashlib.sha256(f"{deck.id}\x1f{deck.name}\x1f{deck.description}\x1e".encode())
    for c in deck.cards:
        columns = "\x1f".join(map(str, c.content.column_values()))
        digest.update(f"{c.id}\x1f{columns}\x1e".encode())
    return digest.hexdigest()


class DeckImport(StorePart):
    """Bringing deck files into the database."""

    # -- importing decks ---------------------------------------------------------

    def import_(
        self,
        decks: Sequence[Deck],
        now: datetime | None = None,
        replace: bool = False,
        pending_media: str | None = None,
        reviews: Sequence[ReviewEvent] = (),
        suspended: Sequence[tuple[str, str, int]] = (),
    ) -> ImportReport:
        """Bring the database in line with `decks`, in one transaction.

        New cards arrive new; edited cards keep their SM-2 state and history;
        cards gone from a file are retired (out of review, history kept).
        An unchanged deck writes nothing, and an import that changes nothing
        takes no backup (it would push an older one out of the rotation).
        A deck that shares no card with the one holding its id is not its
        owner: DeckNotOwned, unless `replace` says to retire that deck's cards.
        `pending_media` (a folder of staged media) is recorded in the same
        transaction under PENDING_MEDIA_KEY, for whoever moves the files in.
        `reviews` (an Anki package's log, as events) merge into the history in the
        same transaction, once the cards they belong to are in. `suspended` (deck id,
        card key, ordinal) names items that arrive suspended (Anki had them so);
        items already here keep their own state.
        """
        stamp = (now or utcnow()).isoformat(timespec="seconds")
        prints = {deck.id: _fingerprint(deck) for deck in decks}
        news = bool(reviews) and bool(self._store.history.new_events(reviews))
        if decks and not self.damaged and (news or not self._imported_before(prints)):
            self.backup_before("import")
        with self.transaction():
            last_item = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM items").fetchone()[0]
            report = self._import_all(decks, stamp, replace, pending_media)
            self.conn.executemany(
                "UPDATE items SET suspended = 1 WHERE id > ? AND ord = ? AND card_id = "
                "(SELECT id FROM cards WHERE deck_id = ? AND card_key = ?)",
                [(last_item, ord_, deck, key) for deck, key, ord_ in suspended],
            )
            if reviews:
                report.history = self._store.history.merge(reviews)
            for deck_id, digest in prints.items():
                if self.get_meta(FINGERPRINT_PREFIX + deck_id) != digest:
                    self.set_meta(FINGERPRINT_PREFIX + deck_id, digest)
            return report

    def _imported_before(self, prints: dict[str, str]) -> bool:
        """Every deck is in the database, as this import would leave it (its last import
        was of the same content, and nothing but an import changes a deck's cards)."""
        live = {r[0] for r in self.conn.execute("SELECT id FROM decks WHERE retired = 0")}
        return all(
            deck_id in live and self.get_meta(FINGERPRINT_PREFIX + deck_id) == digest
            for deck_id, digest in prints.items()
        )

    def _import_all(
        self, decks: Sequence[Deck], stamp: str, replace: bool, pending_media: str | None
    ) -> ImportReport:
        report = ImportReport()
        for deck in decks:
            report.decks.append(self._import_deck(deck, stamp, replace))
        if pending_media is not None:
            self.set_meta(PENDING_MEDIA_KEY, pending_media)
        return report

    def card_identities(self) -> list[tuple[str, str, str, str | None, bool]]:
        """(deck id, card key, type, kept Anki GUID, personal) of every card."""
        return [
            (r[0], r[1], r[2], r[3], bool(r[4]))
            for r in self.conn.execute(
                "SELECT cards.deck_id, cards.card_key, cards.type, cards.guid, decks.personal "
                "FROM cards JOIN decks ON decks.id = cards.deck_id"
            )
        ]

    def descriptions(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self.conn.execute("SELECT id, description FROM decks")}

    def retire(self, deck_ids: Iterable[str], now: datetime | None = None) -> list[DeckChanges]:
        """Take whole decks out of review, in one transaction; their history is kept.

        For decks whose file is gone from a set that is known whole (the bundled
        decks). Importing the deck again brings it and its cards back.
        """
        stamp = (now or utcnow()).isoformat(timespec="seconds")
        changes = []
        with self.transaction():
            for deck_id in deck_ids:
                row = self.conn.execute(
                    "SELECT name, retired, personal FROM decks WHERE id = ?", [deck_id]
                ).fetchone()
                if row is None or row[1] or row[2]:
                    continue
                cards = self.conn.execute(
                    "UPDATE cards SET retired = 1, modified_at = ? WHERE deck_id = ? "
                    "AND retired = 0",
                    [stamp, deck_id],
                ).rowcount
                self.conn.execute(
                    "UPDATE items SET retired = 1 WHERE deck_id = ? AND retired = 0", [deck_id]
                )
                self.conn.execute("UPDATE decks SET retired = 1 WHERE id = ?", [deck_id])
                changes.append(DeckChanges(deck_id, row[0], retired=cards, removed=True))
        return changes

    def _import_deck(self, deck: Deck, stamp: str, replace: bool) -> DeckChanges:
        conn = self.conn
        changes = DeckChanges(deck.id, deck.name)
        row = conn.execute(
            "SELECT name, description, position, retired, personal FROM decks WHERE id = ?",
            [deck.id],
        ).fetchone()
        if row is None:
            position = (self._one("SELECT MAX(position) FROM decks") or 0) + 1
            conn.execute(
                "INSERT INTO decks (id, name, description, position) VALUES (?, ?, ?, ?)",
                [deck.id, deck.name, deck.description, position],
            )
            changes.created = True
        else:
            name, description, position, retired, personal = row
            if personal:
                raise InputError(f"deck id '{deck.id}' is reserved for your personal cards")
            if (name, description, retired) != (deck.name, deck.description, 0):
                conn.execute(
                    "UPDATE decks SET name = ?, description = ?, retired = 0 WHERE id = ?",
                    [deck.name, deck.description, deck.id],
                )
                changes.renamed = name != deck.name
                changes.described = description != deck.description

        existing = {
            r["card_key"]: r
            for r in self._rows(
                f"SELECT id, card_key, {', '.join(_CARD_COLUMNS)}, retired "
                "FROM cards WHERE deck_id = ?",
                [deck.id],
            )
        }
        if row is not None and not replace:
            self._refuse_unless_owner(deck, row[0], existing)
        if not existing:
            self._insert_new_cards(deck, position, stamp, changes)
            return changes

        items_by_card: dict[int, dict[int, dict[str, Any]]] = {}
        for r in self._rows(
            "SELECT id, card_id, ord, retired, new_position FROM items WHERE deck_id = ?", [deck.id]
        ):
            items_by_card.setdefault(r["card_id"], {})[r["ord"]] = r
        next_card_id = (self._one("SELECT MAX(id) FROM cards") or 0) + 1
        new_items: list[tuple[int, int, int]] = []
        for card_position, card in enumerate(deck.cards):
            content = self._card_columns(card, card_position)
            old = existing.pop(card.id, None)
            if old is None:
                conn.execute(
                    _INSERT_CARD, [next_card_id, deck.id, card.id, *content.values(), stamp]
                )
                card_row_id = next_card_id
                next_card_id += 1
                changes.added += 1
                current_items: dict[int, dict[str, Any]] = {}
            else:
                card_row_id = old["id"]
                current_items = items_by_card.get(card_row_id, {})
                old_content = {k: old[k] for k in content}
                # Moving a card within the file is not an edit of its text.
                text_changed = {**old_content, "position": 0} != {**content, "position": 0}
                if old["retired"]:
                    changes.restored += 1
                elif text_changed:
                    changes.updated += 1
                if old_content != content or old["retired"]:
                    conn.execute(
                        f"UPDATE cards SET {'=?, '.join(_CARD_COLUMNS)}=?, retired=0, "
                        "modified_at=CASE WHEN ? THEN ? ELSE modified_at END WHERE id=?",
                        [
                            *content.values(),
                            text_changed or bool(old["retired"]),
                            stamp,
                            card_row_id,
                        ],
                    )
            wanted = card.content.ords
            for ord_ in wanted:
                new_position = new_item_position(position, card_position, ord_)
                item = current_items.get(ord_)
                if item is None:
                    new_items.append((card_row_id, ord_, new_position))
                elif item["retired"] or item["new_position"] != new_position:
                    conn.execute(
                        "UPDATE items SET retired = 0, new_position = ? WHERE id = ?",
                        [new_position, item["id"]],
                    )
            for ord_, item in current_items.items():
                if ord_ not in wanted and not item["retired"]:
                    conn.execute("UPDATE items SET retired = 1 WHERE id = ?", [item["id"]])
        self._insert_items(new_items, deck.id)
        for old in existing.values():
            if not old["retired"]:
                conn.execute(
                    "UPDATE cards SET retired = 1, modified_at = ? WHERE id = ?", [stamp, old["id"]]
                )
                conn.execute("UPDATE items SET retired = 1 WHERE card_id = ?", [old["id"]])
                changes.retired += 1
        return changes

    @staticmethod
    def _refuse_unless_owner(deck: Deck, name: str, existing: dict[str, Any]) -> None:
        """Retiring cards is for the deck's own source: one that shares at least one card."""
        incoming = {card.id for card in deck.cards}
        if any(key in existing for key in incoming):
            return
        live = sum(1 for r in existing.values() if not r["retired"])
        if live:
            raise DeckNotOwned(deck.id, name, live)

    @staticmethod
    def _card_columns(card: Card, position: int) -> dict[str, Any]:
        """The row's columns an import writes, in _CARD_COLUMNS order."""
        return {**card.content.columns(), "position": position}

    def _insert_new_cards(
        self, deck: Deck, position: int, stamp: str, changes: DeckChanges
    ) -> None:
        """Fast path for a deck with no cards yet: two bulk inserts.

        Rows are generated as they are written (plain executemany, no row dicts),
        so a million-card deck costs no second copy of itself in memory.
        """
        first_id = (self._one("SELECT MAX(id) FROM cards") or 0) + 1
        self.conn.executemany(
            _INSERT_CARD,
            (
                (
                    first_id + offset,
                    deck.id,
                    card.id,
                    *card.content.column_values(),
                    offset,
                    stamp,
                )
                for offset, card in enumerate(deck.cards)
            ),
        )
        self._insert_items(
            (
                (first_id + offset, ord_, new_item_position(position, offset, ord_))
                for offset, card in enumerate(deck.cards)
                for ord_ in card.content.ords
            ),
            deck.id,
        )
        changes.added = len(deck.cards)

    def _insert_items(self, rows: Iterable[tuple[int, int, int]], deck_id: str) -> None:
        """Insert new study items from (card id, ord, new_position) rows."""
        self.conn.executemany(
            "INSERT INTO items (card_id, deck_id, ord, new_position) VALUES (?, ?, ?, ?)",
            ((card_id, deck_id, ord_, new_position) for card_id, ord_, new_position in rows),
        )

    def names(self) -> dict[str, str]:
        return {
            r[0]: r[1]
            for r in self.conn.execute(
                "SELECT id, name FROM decks WHERE retired = 0 ORDER BY position"
            )
        }
