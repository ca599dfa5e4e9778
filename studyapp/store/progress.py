"""Counts for home, `decks` and stats: per-deck totals, streaks, weak spots, leeches."""

from __future__ import annotations

from datetime import date, timedelta

from studyapp.cardtext import item_label
from studyapp.store.columns import scope_clause
from studyapp.store.connection import StoreBase
from studyapp.store.models import DeckCounts
from studyapp.studytime import STUDIED_MS_SQL


class Progress(StoreBase):
    """Counts and lists for home, decks and stats."""

    def deck_counts(self, today: date) -> list[DeckCounts]:
        """Per active deck: active study items, new ones, and those due today.

        Due counts what a review today would show: a buried card waits for tomorrow.
        """
        rows = self._rows(
            "SELECT d.id, d.name, COUNT(i.id) AS total, COALESCE(SUM(i.due IS NULL), 0) AS new, "
            "COALESCE(SUM(i.due <= :today AND (i.buried_until IS NULL "
            "OR i.buried_until <= :today)), 0) AS due "
            "FROM decks d LEFT JOIN items i ON i.deck_id = d.id AND i.retired = 0 "
            "AND i.suspended = 0 "
            "WHERE d.retired = 0 GROUP BY d.id ORDER BY d.position",
            {"today": today.isoformat()},
        )
        return [DeckCounts(r["id"], r["name"], r["total"], r["new"], r["due"]) for r in rows]

    def review_count(self) -> int:
        return self._one("SELECT COUNT(*) FROM reviews WHERE kind IN ('scheduled', 'redrill')") or 0

    # -- home and browse -------------------------------------------------------------

    def day_progress(self, day: date) -> tuple[int, int]:
        """Answers logged on study day `day` (cram excluded) and the time studied (every
        answer, capped as studyapp.studytime defines it), in milliseconds."""
        row = self.conn.execute(
            f"SELECT COALESCE(SUM(kind != 'cram'), 0), COALESCE(SUM({STUDIED_MS_SQL}), 0) "
            "FROM reviews WHERE study_day = ?",
            [day.isoformat()],
        ).fetchone()
        return row[0], row[1]

    def streak_days(self, today: date) -> int:
        """Consecutive study days with a review, ending today (or yesterday, if not yet today)."""
        days = [
            date.fromisoformat(r[0])
            for r in self.conn.execute(
                "SELECT DISTINCT study_day FROM reviews WHERE kind != 'cram' "
                "ORDER BY study_day DESC"
            )
        ]
        expected = today
        if days and days[0] < today:
            expected = today - timedelta(days=1)
        streak = 0
        for day in days:
            if day > expected:
                continue
            if day != expected:
                break
            streak += 1
            expected -= timedelta(days=1)
        return streak

    # -- stats and study modes ---------------------------------------------------

    def weakest_items(
        self,
        tag: str | None,
        limit: int,
        deck_id: str | None = None,
        include_suspended: bool = True,
    ) -> list[tuple[int, str, int, int]]:
        """Reviewed items with the lowest EF, then most lapses: (id, label, ef, lapses)."""
        scope, params = scope_clause(deck_id, tag)
        if not include_suspended:
            scope += " AND i.suspended = 0"
        rows = self.conn.execute(
            "SELECT i.id, c.type, i.ord, c.front, c.back, c.text, i.ef, i.lapses FROM items i "
            f"JOIN cards c ON c.id = i.card_id WHERE i.retired = 0 AND i.due IS NOT NULL{scope} "
            "ORDER BY i.ef, i.lapses DESC, i.id LIMIT ?",
            [*params, limit],
        )
        return [(r[0], item_label(r[1], r[2], r[3], r[4], r[5]), r[6], r[7]) for r in rows]

    def leeches(self) -> list[tuple[int, str, str, int, bool]]:
        """Leech items: (id, deck name, label, fails, suspended)."""
        rows = self.conn.execute(
            "SELECT i.id, d.name, c.type, i.ord, c.front, c.back, c.text, i.suspended, "
            "(SELECT COUNT(*) FROM reviews r WHERE r.item_id = i.id AND r.kind = 'scheduled' "
            "AND r.grade < 3) FROM items i JOIN cards c ON c.id = i.card_id "
            "JOIN decks d ON d.id = i.deck_id WHERE i.leech = 1 AND i.retired = 0 ORDER BY i.id"
        )
        return [
            (r[0], r[1], item_label(r[2], r[3], r[4], r[5], r[6]), r[8], bool(r[7])) for r in rows
        ]

    # -- counts for `stats` --------------------------------------------------------

    def summary(self, today: date) -> dict:
        decks = self.deck_counts(today)
        return {
            "cards": sum(d.total for d in decks),
            "new": sum(d.new for d in decks),
            "due_today": sum(d.due for d in decks),
            "reviews": self.review_count(),
            "decks": [
                {"id": d.id, "name": d.name, "cards": d.total, "new": d.new, "due_today": d.due}
                for d in decks
            ],
        }
