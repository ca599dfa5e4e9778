"""Predicted recall today, read off the memory states: what Stats and the study modes order by.

FSRS-6's curve (studyapp.memory.model) from each item's stability and last review;
the states themselves are kept by :mod:`studyapp.store.memory`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date

from studyapp.memory.model import Parameters, retrievability
from studyapp.store.columns import scope_clause
from studyapp.store.part import StorePart


class Recall(StorePart):
    """Predicted recall per topic and per item, from the stored memory states."""

    def recall_by_tags(
        self, today: date, parameters: Parameters, at_risk_below: float
    ) -> list[tuple[str, float, int, int]]:
        """Per distinct set of card tags: (tags, summed predicted recall today, cards, at risk).

        Summed in SQL where SQLite has its math functions (most builds); else in
        Python, row by row. Both use FSRS-6's curve (studyapp.memory.model).
        """
        decay = parameters[20]
        factor = 0.9 ** (-1 / decay) - 1
        # Recall falls below `at_risk_below` once days / stability passes this ratio.
        risk_ratio = (at_risk_below ** (-1 / decay) - 1) / factor
        scope = (
            "FROM memory_states m JOIN items i ON i.id = m.item_id "
            "JOIN cards c ON c.id = i.card_id WHERE i.retired = 0 AND i.suspended = 0"
        )
        elapsed = "MAX(0, julianday(:today) - julianday(m.last_day))"
        values = {"today": today.isoformat(), "factor": factor, "decay": decay}
        try:
            rows = self.conn.execute(
                f"SELECT c.tags, SUM(pow(1 + :factor * {elapsed} / m.stability, -:decay)), "
                f"COUNT(*), SUM({elapsed} / m.stability > :ratio) {scope} GROUP BY c.tags",
                {**values, "ratio": risk_ratio},
            ).fetchall()
            return [(tags, float(total), int(n), int(risk)) for tags, total, n, risk in rows]
        except sqlite3.OperationalError:
            pass  # no pow() in this SQLite: the same sums in Python
        sums: dict[str, list[float]] = {}
        for tags, stability, last_day in self.conn.execute(
            f"SELECT c.tags, m.stability, m.last_day {scope}"
        ):
            r = retrievability(parameters, stability, (today - date.fromisoformat(last_day)).days)
            cell = sums.setdefault(tags, [0.0, 0.0, 0.0])
            cell[0] += r
            cell[1] += 1
            cell[2] += r < at_risk_below
        return [(tags, c[0], int(c[1]), int(c[2])) for tags, c in sums.items()]

    def by_predicted_recall(
        self, item_ids: Sequence[int], today: date, deck_id: str | None, tag: str | None
    ) -> list[int]:
        """`item_ids` (all in that deck/tag) weakest first: lowest predicted recall today.

        Never-answered items keep their order after the rest. One decay serves
        every item, so recall falls as days-since / stability grows: SQL orders
        by that ratio, no curve computed per item.
        """
        scope, params = scope_clause(deck_id, tag)
        rank = {
            row[0]: n
            for n, row in enumerate(
                self.conn.execute(
                    "SELECT m.item_id FROM memory_states m JOIN items i ON i.id = m.item_id "
                    f"WHERE i.retired = 0{scope} "
                    "ORDER BY (julianday(?) - julianday(m.last_day)) / m.stability DESC, m.item_id",
                    [*params, today.isoformat()],
                )
            )
        }
        known = sorted((i for i in item_ids if i in rank), key=rank.__getitem__)
        return known + [i for i in item_ids if i not in rank]

    def weakest_by_recall(
        self, today: date, tag: str | None, limit: int, deck_id: str | None = None
    ) -> list[int]:
        """Reviewed items in study, lowest predicted recall today first.

        Items with SM-2 progress but no answers in the log (so no memory state)
        follow, weakest by EF then lapses, as before memory states.
        """
        scope, params = scope_clause(deck_id, tag)
        return [
            row[0]
            for row in self.conn.execute(
                "SELECT i.id FROM items i LEFT JOIN memory_states m ON m.item_id = i.id "
                "WHERE i.retired = 0 AND i.suspended = 0 "
                f"AND (i.due IS NOT NULL OR m.item_id IS NOT NULL){scope} "
                "ORDER BY m.item_id IS NULL, "
                "(julianday(?) - julianday(m.last_day)) / m.stability DESC, "
                "i.ef, i.lapses DESC, i.id LIMIT ?",
                [*params, today.isoformat(), limit],
            )
        ]
