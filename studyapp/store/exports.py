"""What an Anki export reads, and the ledger of what it last wrote."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from studyapp.store.columns import state_from, tags_tuple
from studyapp.store.connection import StoreBase


class Exports(StoreBase):
    """Reads for Anki export, and the export ledger."""

    # -- export ----------------------------------------------------------------------

    def deck_rows(self, deck_ids: Sequence[str] | None = None) -> list[dict]:
        """Active decks in their order (all of them, or those in `deck_ids`)."""
        rows = self._rows(
            "SELECT id, name, description FROM decks WHERE retired = 0 ORDER BY position"
        )
        if deck_ids is None:
            return rows
        wanted = set(deck_ids)
        return [r for r in rows if r["id"] in wanted]

    def deck_cards(self, deck_id: str) -> list[dict]:
        """A deck's active cards in file order, with tags as a tuple."""
        rows = self._rows(
            "SELECT card_key, type, front, back, text, extra, source, tags FROM cards "
            "WHERE deck_id = ? AND retired = 0 ORDER BY position",
            [deck_id],
        )
        for row in rows:
            row["tags"] = tags_tuple(row["tags"])
        return rows

    def deck_progress(self, deck_id: str) -> dict[tuple[str, int], tuple]:
        """(card key, ord) -> (SM-2 state, suspended, review rows) for a deck's active items."""
        progress: dict[tuple[str, int], tuple] = {}
        items = self._rows(
            "SELECT i.id, c.card_key, i.ord, i.ef, i.interval, i.repetitions, i.lapses, i.due, "
            "i.suspended FROM items i JOIN cards c ON c.id = i.card_id "
            "WHERE i.deck_id = ? AND i.retired = 0",
            [deck_id],
        )
        reviews: dict[int, list[dict]] = {}
        for row in self._rows(
            "SELECT r.* FROM reviews r JOIN items i ON i.id = r.item_id "
            "WHERE i.deck_id = ? AND i.retired = 0 ORDER BY r.id",
            [deck_id],
        ):
            reviews.setdefault(row["item_id"], []).append(row)
        for item in items:
            progress[(item["card_key"], item["ord"])] = (
                state_from(item),
                bool(item["suspended"]),
                tuple(reviews.get(item["id"], ())),
            )
        return progress

    def exported_notes(self, guids: Iterable[str]) -> dict[str, tuple[str, int]]:
        """What each note looked like at its last export: guid -> (content hash, mtime)."""
        guids = list(guids)
        known = {}
        for start in range(0, len(guids), 500):
            chunk = guids[start : start + 500]
            known.update(
                {
                    r[0]: (r[1], r[2])
                    for r in self.conn.execute(
                        "SELECT guid, content_sha256, mtime FROM exported_notes WHERE guid IN "
                        f"({','.join('?' * len(chunk))})",
                        chunk,
                    )
                }
            )
        return known

    def record_exported(self, rows: Sequence[tuple[str, str, int]]) -> None:
        """Remember notes (guid, content hash, mtime) as just exported."""
        with self.transaction():
            self.conn.executemany(
                "INSERT INTO exported_notes (guid, content_sha256, mtime) VALUES (?, ?, ?) "
                "ON CONFLICT (guid) DO UPDATE SET content_sha256 = excluded.content_sha256, "
                "mtime = excluded.mtime",
                rows,
            )
