"""The counts behind the progress figures (forecast, heatmap, retention, states, EF spread).

The store reads them; :mod:`studyapp.stats` shapes them into figures. Most come from
`review_days`, the log summed per study day by triggers (schema.KEPT_COUNTS).
"""

from __future__ import annotations

from datetime import date

from studyapp.store.models import STATE_SQL
from studyapp.store.part import StorePart


class Figures(StorePart):
    """Read-only counts for studyapp.stats."""

    def due_per_day(self, first: date, last: date) -> dict[date, int]:
        """Active items due on each day up to `last`; overdue ones counted on `first`."""
        return {
            date.fromisoformat(day): n
            for day, n in self.conn.execute(
                "SELECT MAX(due, ?), COUNT(*) FROM items WHERE due IS NOT NULL AND suspended = 0 "
                "AND retired = 0 AND due <= ? GROUP BY MAX(due, ?)",
                [first.isoformat(), last.isoformat(), first.isoformat()],
            )
        }

    def reviews_per_day(self, first: date, last: date) -> dict[str, int]:
        """Answers that are not cram, per study day (ISO) from `first` to `last`; days
        without any left out, in order. Days after `last` (logged before the timezone
        moved west) count as `last`."""
        return dict(
            self.conn.execute(
                "SELECT MIN(study_day, ?) AS day, SUM(reviews) FROM review_days "
                "WHERE kind != 'cram' AND study_day >= ? GROUP BY day "
                "HAVING SUM(reviews) > 0 ORDER BY day",
                [last.isoformat(), first.isoformat()],
            )
        )

    def studied_ms_per_day(self, first: date, last: date) -> dict[str, int]:
        """Time studied per study day (ISO) from `first`, in ms: each answer capped
        (studyapp.study.studytime), as review_days keeps it. Days after `last` count as `last`."""
        return dict(
            self.conn.execute(
                "SELECT MIN(study_day, ?) AS day, SUM(duration_ms) FROM review_days "
                "WHERE study_day >= ? GROUP BY day HAVING SUM(reviews) > 0 ORDER BY day",
                [last.isoformat(), first.isoformat()],
            )
        )

    def retention_counts(self, first: date | None) -> tuple[int, int, int, int, int, int]:
        """Scheduled reviews of seen cards since `first` (None: all time), and how many
        passed: overall, young (interval under 21 days before) and mature, as
        (overall, passed, young, passed, mature, passed)."""
        row = self.conn.execute(
            "SELECT COALESCE(SUM(reviews), 0), COALESCE(SUM(reviews * passed), 0), "
            "COALESCE(SUM(reviews * (1 - mature)), 0), "
            "COALESCE(SUM(reviews * (1 - mature) * passed), 0), "
            "COALESCE(SUM(reviews * mature), 0), COALESCE(SUM(reviews * mature * passed), 0) "
            "FROM review_days WHERE kind = 'scheduled' AND first = 0 AND study_day >= ?",
            [first.isoformat() if first else ""],
        ).fetchone()
        overall, passed, young, young_passed, mature, mature_passed = (int(n) for n in row)
        return overall, passed, young, young_passed, mature, mature_passed

    def state_counts(self) -> dict[str, int]:
        """Active items per state (models.ITEM_STATES; states with none left out), and the
        retired ones under "retired"."""
        counts: dict[str, int] = dict(
            self.conn.execute(
                f"SELECT {STATE_SQL}, COUNT(*) FROM items i WHERE i.retired = 0 GROUP BY 1"
            )
        )
        counts["retired"] = self._one("SELECT COUNT(*) FROM items WHERE retired = 1") or 0
        return counts

    def ef_counts(self) -> dict[int, int]:
        """Reviewed, active items per easiness (integer hundredths)."""
        return dict(
            self.conn.execute(
                "SELECT ef, COUNT(*) FROM items WHERE due IS NOT NULL AND retired = 0 GROUP BY ef"
            )
        )
