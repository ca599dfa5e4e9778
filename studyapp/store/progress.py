"""Counts for home, `decks` and stats: per-deck totals, streaks, weak spots, leeches."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from studyapp.cardtext import item_label
from studyapp.store.columns import scope_clause
from studyapp.store.memory import SCHEDULER_KEY
from studyapp.store.models import MATURE_DAYS, DeckCounts, TagGroup
from studyapp.store.part import StorePart
from studyapp.store.queues import FSRS_DUE_SQL


class Progress(StorePart):
    """Counts and lists for home, decks and stats."""

    def deck_counts(self, today: date) -> list[DeckCounts]:
        """Per active deck: active study items, new ones, and those due today.

        Due counts what a review today would show: a buried card waits for tomorrow.
        Totals come from the trigger-kept deck_item_counts and due from the items_due
        index, so the cost follows the number of decks and due items, not the collection.
        """
        query = (
            "SELECT deck_id, COUNT(*) FROM items INDEXED BY items_due "
            "WHERE due IS NOT NULL AND suspended = 0 AND retired = 0 AND due <= :today "
            "AND (buried_until IS NULL OR buried_until <= :today) GROUP BY deck_id"
        )
        if self.get_meta(SCHEDULER_KEY) == "fsrs":
            # The scheduler in use decides what is due (as the review queue does).
            due_sql, join = FSRS_DUE_SQL
            query = (
                f"SELECT i.deck_id, COUNT(*) FROM items i {join}WHERE i.due IS NOT NULL "
                f"AND i.suspended = 0 AND i.retired = 0 AND {due_sql} <= :today "
                "AND (i.buried_until IS NULL OR i.buried_until <= :today) GROUP BY i.deck_id"
            )
        due = dict(self.conn.execute(query, {"today": today.isoformat()}))
        return [
            DeckCounts(deck_id, name, total, new, due.get(deck_id, 0))
            for deck_id, name, total, new in self.conn.execute(
                "SELECT d.id, d.name, COALESCE(k.active, 0), COALESCE(k.new, 0) FROM decks d "
                "LEFT JOIN deck_item_counts k ON k.deck_id = d.id WHERE d.retired = 0 "
                "ORDER BY d.position"
            )
        ]

    def review_count(self) -> int:
        return (
            self._one("SELECT SUM(reviews) FROM review_days WHERE kind IN ('scheduled', 'redrill')")
            or 0
        )

    # -- home and browse -------------------------------------------------------------

    def day_progress(self, day: date) -> tuple[int, int]:
        """Answers logged on study day `day` (cram excluded) and the time studied (every
        answer, capped as studyapp.study.studytime defines it), in milliseconds."""
        row = self.conn.execute(
            "SELECT COALESCE(SUM(reviews) FILTER (WHERE kind != 'cram'), 0), "
            "COALESCE(SUM(duration_ms), 0) FROM review_days WHERE study_day = ?",
            [day.isoformat()],
        ).fetchone()
        return row[0], row[1]

    def streak_days(self, today: date) -> int:
        """Consecutive study days with a review, ending today (or yesterday, if not yet today)."""
        # A day after today (logged before the timezone moved west) counts as today.
        logged = {
            min(date.fromisoformat(r[0]), today)
            for r in self.conn.execute(
                "SELECT study_day FROM review_days WHERE kind != 'cram' "
                "GROUP BY study_day HAVING SUM(reviews) > 0"
            )
        }
        days = sorted(logged, reverse=True)
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

    def tag_groups(self, recent_since: str, weakest: int) -> list[TagGroup]:
        """Mastery's figures per distinct value of cards.tags (a few dozen, not per item).

        Grouped passes instead of three queries per topic; a topic's figures are the
        sums over the groups whose tags it matches, and its weakest items are among
        the groups' own `weakest`.
        """
        counts: dict[str, list[int]] = {}
        reviewed: dict[str, int] = {}
        for tags, items, mature, seen in self.conn.execute(
            f"SELECT c.tags, COUNT(*), COALESCE(SUM(i.interval >= {MATURE_DAYS} "
            "AND i.due IS NOT NULL), 0), COALESCE(SUM(i.due IS NOT NULL), 0) "
            "FROM items i JOIN cards c ON c.id = i.card_id WHERE i.retired = 0 GROUP BY c.tags"
        ):
            counts[tags] = [items, mature, 0, 0]
            reviewed[tags] = seen
        # Summed per item first, from the index alone: the items and cards are then
        # looked up once per item, in id order, not once per review in day order.
        for tags, reviews, passed in self.conn.execute(
            "WITH per_item AS MATERIALIZED (SELECT item_id, COUNT(*) AS n, "
            "SUM(grade >= 3) AS passed FROM reviews INDEXED BY reviews_scheduled_day "
            "WHERE kind = 'scheduled' AND due_before IS NOT NULL AND study_day >= ? "
            "GROUP BY item_id) "
            "SELECT c.tags, SUM(x.n), COALESCE(SUM(x.passed), 0) FROM per_item x "
            "JOIN items i ON i.id = x.item_id JOIN cards c ON c.id = i.card_id GROUP BY c.tags",
            [recent_since],
        ):
            counts.setdefault(tags, [0, 0, 0, 0])[2:] = [reviews, passed]
        wanted = {tags: min(weakest, n) for tags, n in reviewed.items() if n}
        weakest_by_tags = self._weakest_per_tags(wanted)
        return [
            TagGroup(tags, items, mature, reviews, passed, weakest_by_tags.get(tags, ()))
            for tags, (items, mature, reviews, passed) in counts.items()
        ]

    def _weakest_per_tags(
        self, wanted: dict[str, int], chunk: int = 500
    ) -> dict[str, tuple[tuple[int, str, int, int], ...]]:
        """The `wanted[tags]` lowest-EF reviewed items (then most lapses) of each tags value.

        Walks the items in that order a chunk at a time and stops once every group is
        full: usually after a few hundred items, where ranking within every group
        (a window function) sorts them all with their tags.
        """
        chosen: dict[str, list[int]] = {tags: [] for tags in wanted}
        open_groups = len(wanted)
        cursor = self.conn.execute(
            "SELECT id, card_id FROM items WHERE retired = 0 AND due IS NOT NULL "
            "ORDER BY ef, lapses DESC, id"
        )
        while open_groups:
            rows = cursor.fetchmany(chunk)
            if not rows:
                break
            tags_of = dict(
                self.conn.execute(
                    f"SELECT id, tags FROM cards WHERE id IN ({', '.join('?' * len(rows))})",
                    [card_id for _, card_id in rows],
                )
            )
            for item_id, card_id in rows:
                group = chosen[tags_of[card_id]]
                if len(group) < wanted[tags_of[card_id]]:
                    group.append(item_id)
                    open_groups -= len(group) == wanted[tags_of[card_id]]
        cursor.close()
        ids = [item_id for group in chosen.values() for item_id in group]
        details: dict[int, tuple[int, str, int, int]] = {}
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            for r in self.conn.execute(
                "SELECT i.id, c.type, i.ord, c.front, c.back, c.text, i.ef, i.lapses FROM items i "
                f"JOIN cards c ON c.id = i.card_id WHERE i.id IN ({', '.join('?' * len(part))})",
                part,
            ):
                details[r[0]] = (r[0], item_label(r[1], r[2], r[3], r[4], r[5]), r[6], r[7])
        return {tags: tuple(details[i] for i in group) for tags, group in chosen.items()}

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

    def summary(self, today: date) -> dict[str, Any]:
        """Totals for `stats`: cards in review (suspended ones counted apart, so the
        states in stats add up to cards + suspended), new, due, reviews, per deck."""
        decks = self.deck_counts(today)
        suspended = self._one("SELECT COUNT(*) FROM items WHERE suspended = 1 AND retired = 0")
        return {
            "cards": sum(d.total for d in decks),
            "suspended": suspended or 0,
            "new": sum(d.new for d in decks),
            "due_today": sum(d.due for d in decks),
            "reviews": self.review_count(),
            "decks": [
                {"id": d.id, "name": d.name, "cards": d.total, "new": d.new, "due_today": d.due}
                for d in decks
            ],
        }
