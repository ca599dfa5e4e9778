"""What a session studies: due, new, owed re-drills and cram, and each item's content."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from studyapp.cards import CONTENT_COLUMNS, CardContent
from studyapp.store.columns import parse_date, scope_clause, state_from
from studyapp.store.errors import InputError
from studyapp.store.memory import SCHEDULER_KEY
from studyapp.store.models import StudyItem
from studyapp.store.part import StorePart

# What "due" means under each scheduler: SM-2's date, or FSRS's where the item has a
# memory state (an item with SM-2 progress but no answers logged keeps SM-2's). An
# item is in review (not new) by its SM-2 state under both.
SM2_DUE_SQL = ("i.due", "")
FSRS_DUE_SQL = ("COALESCE(m.fsrs_due, i.due)", "LEFT JOIN memory_states m ON m.item_id = i.id ")


class Queues(StorePart):
    """The items a session can study, and their content."""

    # -- reading -----------------------------------------------------------------

    _ITEM_SELECT = (
        "SELECT i.id, i.card_id, i.deck_id, d.name AS deck_name, c.card_key, i.ord, "
        + "".join(f"c.{name}, " for name in CONTENT_COLUMNS)
        + "c.note, i.ef, i.interval, i.repetitions, i.lapses, i.due, i.suspended "
        "FROM items i JOIN cards c ON c.id = i.card_id JOIN decks d ON d.id = i.deck_id "
    )

    @staticmethod
    def _item_from(row: dict[str, Any]) -> StudyItem:
        return StudyItem(
            id=row["id"],
            card_id=row["card_id"],
            deck_id=row["deck_id"],
            deck_name=row["deck_name"],
            card_key=row["card_key"],
            ord=row["ord"],
            content=CardContent.from_columns(row),
            note=row["note"],
            state=state_from(row),
            suspended=bool(row["suspended"]),
        )

    def item(self, item_id: int) -> StudyItem:
        rows = self._rows(self._ITEM_SELECT + "WHERE i.id = ?", [item_id])
        if not rows:
            raise InputError(f"no study item {item_id}")
        return self._item_from(rows[0])

    def _due(self) -> tuple[str, str]:
        """(the due date's SQL expression, the join it needs) for the scheduler in use."""
        return FSRS_DUE_SQL if self.get_meta(SCHEDULER_KEY) == "fsrs" else SM2_DUE_SQL

    def due_item_ids(
        self, today: date, deck_id: str | None = None, tag: str | None = None
    ) -> list[int]:
        """Due and overdue items, most overdue first."""
        return [item_id for item_id, _ in self.due_items(today, deck_id, tag)]

    def due_items(
        self, today: date, deck_id: str | None = None, tag: str | None = None
    ) -> list[tuple[int, int]]:
        """(item id, card id) of the due and overdue items, most overdue first; under SM-2
        read from the items_due index alone (it carries the card id for the sibling rules)."""
        scope, params = scope_clause(deck_id, tag)
        due, join = self._due()
        return [
            (r[0], r[1])
            for r in self.conn.execute(
                f"SELECT i.id, i.card_id FROM items i {join}WHERE i.due IS NOT NULL "
                f"AND i.suspended = 0 AND i.retired = 0 AND {due} <= ? "
                "AND (i.buried_until IS NULL OR i.buried_until <= ?)"
                f"{scope} ORDER BY {due}, i.id",
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

    def new_items_in_order(
        self, today: date, deck_id: str | None = None, tag: str | None = None
    ) -> Iterator[tuple[int, int, str]]:
        """New items in deck order as (item id, card id, deck id), read lazily: the
        session takes what its limits and sibling rules allow and stops."""
        scope, params = scope_clause(deck_id, tag)
        yield from self.conn.execute(
            "SELECT i.id, i.card_id, i.deck_id FROM items i WHERE i.due IS NULL "
            "AND i.suspended = 0 AND i.retired = 0 "
            f"AND (i.buried_until IS NULL OR i.buried_until <= ?){scope} "
            "ORDER BY i.new_position",
            [today.isoformat(), *params],
        )

    def card_ids_of(self, item_ids: Sequence[int]) -> dict[int, int]:
        """Each item's card (siblings share one)."""
        found: dict[int, int] = {}
        for start in range(0, len(item_ids), 500):
            chunk = list(item_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            found.update(
                self.conn.execute(f"SELECT id, card_id FROM items WHERE id IN ({marks})", chunk)
            )
        return found

    def item_rows(self, item_ids: Sequence[int]) -> list[tuple[int, int, str]]:
        """(item id, card id, deck id) of each of `item_ids`, in the order given."""
        found: dict[int, tuple[int, int, str]] = {}
        for start in range(0, len(item_ids), 500):
            chunk = list(item_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                f"SELECT id, card_id, deck_id FROM items WHERE id IN ({marks})", chunk
            ):
                found[row[0]] = (row[0], row[1], row[2])
        return [found[i] for i in item_ids if i in found]

    def cards_studied_on(self, day: date) -> set[int]:
        """Cards with an item graded (scheduled, re-drill or exam review) on study day `day`."""
        return {
            r[0]
            for r in self.conn.execute(
                "SELECT DISTINCT i.card_id FROM reviews r JOIN items i ON i.id = r.item_id "
                "WHERE r.study_day = ? AND r.kind IN ('scheduled', 'redrill', 'exam')",
                [day.isoformat()],
            )
        }

    def cards_set_aside(self, day: date) -> set[int]:
        """Cards with an item buried past study day `day`: its siblings wait with it."""
        # From the index of buried items (schema 14), not a scan of every item; the set
        # makes the cards distinct.
        return {
            r[0]
            for r in self.conn.execute(
                "SELECT card_id FROM items INDEXED BY items_buried WHERE buried_until > ?",
                [day.isoformat()],
            )
        }

    def new_introduced_on(self, day: date, deck_id: str | None = None) -> int:
        """How many new items got their first scheduled grade on study day `day`
        (in deck `deck_id`, or in all decks)."""
        if deck_id is None:
            # All decks: the kept per-day sums (review_days), not the day's log rows.
            return (
                self._one(
                    "SELECT SUM(reviews) FROM review_days WHERE study_day = ? "
                    "AND kind = 'scheduled' AND first = 1",
                    [day.isoformat()],
                )
                or 0
            )
        return (
            self._one(
                "SELECT COUNT(*) FROM reviews WHERE study_day = ? AND kind = 'scheduled' "
                "AND due_before IS NULL AND item_id IN (SELECT id FROM items WHERE deck_id = ?)",
                [day.isoformat(), deck_id],
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

    def next_due_date(
        self, after: date, deck_id: str | None = None, tag: str | None = None
    ) -> date | None:
        """The first day after `after` with a review due (in a deck or tag, or anywhere)."""
        scope, params = scope_clause(deck_id, tag)
        due, join = self._due()
        return parse_date(
            self._one(
                f"SELECT MIN({due}) FROM items i {join}WHERE i.due IS NOT NULL "
                f"AND i.suspended = 0 AND i.retired = 0 AND {due} > ?{scope}",
                [after.isoformat(), *params],
            )
        )

    def due_count_on(self, day: date, deck_id: str | None = None, tag: str | None = None) -> int:
        """Reviews due on or before `day` and not buried past it (not counting new cards),
        in a deck or tag, or anywhere."""
        scope, params = scope_clause(deck_id, tag)
        due, join = self._due()
        return (
            self._one(
                f"SELECT COUNT(*) FROM items i {join}WHERE i.due IS NOT NULL "
                f"AND i.suspended = 0 AND i.retired = 0 AND {due} <= ? "
                f"AND (i.buried_until IS NULL OR i.buried_until <= ?){scope}",
                [day.isoformat(), day.isoformat(), *params],
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
        """Items to study ahead: the seen ones of a deck or tag, by due date, or everything
        due within `ahead_days`. Never-seen cards are not crammed: their first answer is
        a scheduled review that starts their SM-2 state, which cram would not write."""
        scope, params = scope_clause(deck_id, tag)
        due, join = self._due()
        if ahead_days is not None:
            return [
                r[0]
                for r in self.conn.execute(
                    f"SELECT i.id FROM items i {join}WHERE i.due IS NOT NULL "
                    f"AND i.suspended = 0 AND i.retired = 0 AND {due} <= ?{scope} "
                    f"ORDER BY {due}, i.id",
                    [(today + timedelta(days=ahead_days)).isoformat(), *params],
                )
            ]
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT i.id FROM items i WHERE i.due IS NOT NULL AND i.suspended = 0 "
                f"AND i.retired = 0{scope} ORDER BY i.due, i.id",
                params,
            )
        ]
