"""What a session studies: due, new, owed re-drills and cram, and each item's content."""

from __future__ import annotations

from datetime import date, timedelta

from studyapp.store.columns import parse_date, scope_clause, state_from, tags_tuple
from studyapp.store.connection import StoreBase, StoreError
from studyapp.store.models import StudyItem


class Queues(StoreBase):
    """The items a session can study, and their content."""

    # -- reading -----------------------------------------------------------------

    _ITEM_SELECT = (
        "SELECT i.id, i.card_id, i.deck_id, d.name AS deck_name, c.card_key, c.type, i.ord, "
        "c.front, c.back, c.text, c.extra, c.source, c.tags, c.note, i.ef, i.interval, "
        "i.repetitions, i.lapses, i.due, i.suspended "
        "FROM items i JOIN cards c ON c.id = i.card_id JOIN decks d ON d.id = i.deck_id "
    )

    @staticmethod
    def _item_from(row: dict) -> StudyItem:
        return StudyItem(
            id=row["id"],
            card_id=row["card_id"],
            deck_id=row["deck_id"],
            deck_name=row["deck_name"],
            card_key=row["card_key"],
            type=row["type"],
            ord=row["ord"],
            front=row["front"],
            back=row["back"],
            text=row["text"],
            extra=row["extra"],
            source=row["source"],
            tags=tags_tuple(row["tags"]),
            note=row["note"],
            state=state_from(row),
            suspended=bool(row["suspended"]),
        )

    def item(self, item_id: int) -> StudyItem:
        rows = self._rows(self._ITEM_SELECT + "WHERE i.id = ?", [item_id])
        if not rows:
            raise StoreError(f"no study item {item_id}")
        return self._item_from(rows[0])

    def due_item_ids(
        self, today: date, deck_id: str | None = None, tag: str | None = None
    ) -> list[int]:
        """Due and overdue items, most overdue first."""
        scope, params = scope_clause(deck_id, tag)
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT i.id FROM items i WHERE i.due IS NOT NULL AND i.suspended = 0 "
                "AND i.retired = 0 AND i.due <= ? AND (i.buried_until IS NULL OR i.buried_until <= ?)"
                f"{scope} ORDER BY i.due, i.id",
                [today.isoformat(), today.isoformat(), *params],
            )
        ]

    def new_item_ids(
        self, limit: int, today: date, deck_id: str | None = None, tag: str | None = None
    ) -> list[int]:
        """New items in deck order, at most `limit`."""
        if limit <= 0:
            return []
        scope, params = scope_clause(deck_id, tag)
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT i.id FROM items i WHERE i.due IS NULL AND i.suspended = 0 AND i.retired = 0 "
                f"AND (i.buried_until IS NULL OR i.buried_until <= ?){scope} "
                "ORDER BY i.new_position LIMIT ?",
                [today.isoformat(), *params, limit],
            )
        ]

    def new_introduced_on(self, day: date) -> int:
        """How many new items got their first scheduled grade on study day `day`."""
        return (
            self._one(
                "SELECT SUM(reviews) FROM review_days WHERE study_day = ? AND kind = 'scheduled' "
                "AND first = 1",
                [day.isoformat()],
            )
            or 0
        )

    def pending_redrills(
        self, day: date, deck_id: str | None = None, tag: str | None = None
    ) -> list[int]:
        """Items whose latest answer today was below 4: SM-2 step 7 still owes a re-drill."""
        scope, params = scope_clause(deck_id, tag)
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT r.item_id FROM reviews r JOIN items i ON i.id = r.item_id "
                "WHERE r.id IN (SELECT MAX(id) FROM reviews WHERE study_day = ? "
                "AND kind IN ('scheduled', 'redrill') GROUP BY item_id) "
                "AND r.grade < 4 AND i.suspended = 0 AND i.retired = 0 "
                f"AND (i.buried_until IS NULL OR i.buried_until <= ?){scope} ORDER BY r.id",
                [day.isoformat(), day.isoformat(), *params],
            )
        ]

    def next_due_date(self, after: date) -> date | None:
        return parse_date(
            self._one(
                "SELECT MIN(due) FROM items WHERE due IS NOT NULL AND suspended = 0 "
                "AND retired = 0 AND due > ?",
                [after.isoformat()],
            )
        )

    def due_count_on(self, day: date) -> int:
        """Reviews due on or before `day` and not buried past it (not counting new cards)."""
        return (
            self._one(
                "SELECT COUNT(*) FROM items WHERE due IS NOT NULL AND suspended = 0 "
                "AND retired = 0 AND due <= :day AND (buried_until IS NULL OR buried_until <= :day)",
                {"day": day.isoformat()},
            )
            or 0
        )

    def cram_item_ids(
        self,
        today: date,
        deck_id: str | None = None,
        tag: str | None = None,
        ahead_days: int | None = None,
    ) -> list[int]:
        """Items to study ahead: in a deck or tag (reviewed ones first, by due date),
        or everything due within `ahead_days`."""
        scope, params = scope_clause(deck_id, tag)
        if ahead_days is not None:
            return [
                r[0]
                for r in self.conn.execute(
                    "SELECT i.id FROM items i WHERE i.due IS NOT NULL AND i.suspended = 0 "
                    f"AND i.retired = 0 AND i.due <= ?{scope} ORDER BY i.due, i.id",
                    [(today + timedelta(days=ahead_days)).isoformat(), *params],
                )
            ]
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT i.id FROM items i WHERE i.suspended = 0 AND i.retired = 0"
                f"{scope} ORDER BY i.due IS NULL, i.due, i.new_position",
                params,
            )
        ]
