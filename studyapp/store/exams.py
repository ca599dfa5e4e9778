"""Exams: the dates, each one's scope, and the queries that pace and complete it."""

from __future__ import annotations

from datetime import date
from typing import Any

from studyapp.store.action_log import ActionLog
from studyapp.store.columns import scope_clause, tag_clause
from studyapp.store.connection import utcnow
from studyapp.store.models import Exam

# The state a scheduled answer was given in, from the review log's "before" columns.
_STATE_BEFORE_SQL = (
    "CASE WHEN due_before IS NULL THEN 'new' WHEN repetitions_before < 2 THEN 'learning' "
    "WHEN interval_before < 21 THEN 'young' ELSE 'mature' END"
)


def exam_clause(exam: Exam) -> tuple[str, list[Any]]:
    """` AND (...)` restricting items `i` to an exam's decks or tags (all items if neither)."""
    parts: list[str] = []
    params: list[Any] = []
    if exam.deck_ids:
        parts.append(f"i.deck_id IN ({', '.join('?' * len(exam.deck_ids))})")
        params += exam.deck_ids
    if exam.tags:
        tag_sql: list[str] = []
        for tag in exam.tags:
            sql, tag_params = tag_clause(tag)
            tag_sql.append(sql)
            params += tag_params
        parts.append(f"i.card_id IN (SELECT c.id FROM cards c WHERE {' OR '.join(tag_sql)})")
    return (f" AND ({' OR '.join(parts)})" if parts else ""), params


def exam_value(exam: Exam) -> dict[str, Any]:
    """An exam as an action event's value (what `apply_exam` reads)."""
    return {
        "date": exam.date.isoformat(),
        "decks": list(exam.deck_ids),
        "tags": list(exam.tags),
        "target": exam.target,
        "minutes_per_day": exam.minutes_per_day,
    }


_ACTIVE = "i.suspended = 0 AND i.retired = 0"
_EXAM_COLUMNS = "id, name, exam_date, deck_ids, tags, target, minutes_per_day"


class Exams(ActionLog):
    """Exams and what planning towards them reads (changes logged for other devices)."""

    @staticmethod
    def _exam_from(row: tuple[Any, ...]) -> Exam:
        return Exam(
            id=row[0],
            name=row[1],
            date=date.fromisoformat(row[2]),
            deck_ids=tuple(row[3].split()),
            tags=tuple(row[4].split()),
            target=row[5],
            minutes_per_day=row[6],
        )

    def all(self) -> list[Exam]:
        """Every exam, past ones included, by date."""
        return [
            self._exam_from(r)
            for r in self.conn.execute(
                f"SELECT {_EXAM_COLUMNS} FROM exams ORDER BY exam_date, name"
            )
        ]

    def active(self, today: date) -> list[Exam]:
        """Exams on `today` or later, nearest first."""
        return [
            self._exam_from(r)
            for r in self.conn.execute(
                f"SELECT {_EXAM_COLUMNS} FROM exams WHERE exam_date >= ? ORDER BY exam_date, name",
                [today.isoformat()],
            )
        ]

    def set(
        self,
        name: str,
        when: date,
        deck_ids: tuple[str, ...],
        tags: tuple[str, ...],
        *,
        keep_scope: bool = False,
        target: float | None = None,
        minutes_per_day: float | None = None,
    ) -> tuple[Exam, bool]:
        """Add an exam, or move (and, unless `keep_scope`, re-scope) the one of that name;
        True when it is new. A new exam always takes the scope given; a moved one keeps
        its target and budget unless they are given (None: kept, or the default if new)."""
        rescope = "" if keep_scope else ", deck_ids = excluded.deck_ids, tags = excluded.tags"
        rescope += "".join(
            f", {column} = excluded.{column}"
            for column, value in (("target", target), ("minutes_per_day", minutes_per_day))
            if value is not None
        )
        with self.transaction():
            existed = self._one("SELECT id FROM exams WHERE name = ?", [name]) is not None
            self.conn.execute(
                "INSERT INTO exams (name, exam_date, deck_ids, tags, created_at, target, "
                "minutes_per_day) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                f"exam_date = excluded.exam_date{rescope}",
                [
                    name,
                    when.isoformat(),
                    " ".join(deck_ids),
                    " ".join(tags),
                    utcnow().isoformat(timespec="seconds"),
                    target,
                    minutes_per_day,
                ],
            )
            row = self.conn.execute(
                f"SELECT {_EXAM_COLUMNS} FROM exams WHERE name = ?", [name]
            ).fetchone()
            exam = self._exam_from(row)
            self._record_action("exam", (name,), exam_value(exam))
        return exam, not existed

    def remove(self, name: str) -> bool:
        with self.transaction():
            removed = self.conn.execute("DELETE FROM exams WHERE name = ?", [name]).rowcount > 0
            if removed:
                self._record_action("exam_deleted", (name,), {})
        return removed

    def apply_exam(self, name: str, value: dict[str, Any] | None, stamp: str) -> None:
        """Make exam `name` what another device's event says (None: removed); in a
        transaction. The value was checked at the door (studyapp.sync.eventfile)."""
        if value is None:
            self.conn.execute("DELETE FROM exams WHERE name = ?", [name])
            return
        self.conn.execute(
            "INSERT INTO exams (name, exam_date, deck_ids, tags, target, minutes_per_day, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
            "exam_date = excluded.exam_date, deck_ids = excluded.deck_ids, tags = excluded.tags, "
            "target = excluded.target, minutes_per_day = excluded.minutes_per_day",
            [
                name,
                value["date"],
                " ".join(value["decks"]),
                " ".join(value["tags"]),
                value["target"],
                value["minutes_per_day"],
                stamp,
            ],
        )

    # -- counting the scope ----------------------------------------------------------

    def scope_total(self, exam: Exam) -> int:
        """Study items in the exam's scope (not suspended, not retired)."""
        scope, params = exam_clause(exam)
        return self._one(f"SELECT COUNT(*) FROM items i WHERE {_ACTIVE}{scope}", params) or 0

    def unseen(self, exam: Exam, today: date) -> tuple[int, int]:
        """The scope's unseen items now, and how many of it were first seen on `today`."""
        scope, params = exam_clause(exam)
        row = self.conn.execute(
            f"SELECT (SELECT COUNT(*) FROM items i WHERE i.due IS NULL AND {_ACTIVE}{scope}), "
            "(SELECT COUNT(*) FROM reviews r JOIN items i ON i.id = r.item_id "
            "WHERE r.study_day = ? AND r.kind = 'scheduled' AND r.due_before IS NULL"
            f"{scope})",
            [*params, today.isoformat(), *params],
        ).fetchone()
        return row[0], row[1]

    def new_item_ids(
        self, exam: Exam, limit: int, today: date, deck_id: str | None, tag: str | None
    ) -> list[int]:
        """The exam scope's new items in deck order (within a session's scope), at most `limit`."""
        if limit <= 0:
            return []
        scope, params = scope_clause(deck_id, tag)
        in_exam, exam_params = exam_clause(exam)
        return [
            r[0]
            for r in self.conn.execute(
                f"SELECT i.id FROM items i WHERE i.due IS NULL AND {_ACTIVE} "
                f"AND (i.buried_until IS NULL OR i.buried_until <= ?){scope}{in_exam} "
                "ORDER BY i.new_position LIMIT ?",
                [today.isoformat(), *params, *exam_params, limit],
            )
        ]

    # -- the final window ----------------------------------------------------------

    def reviews_on(self, exam: Exam, day: date) -> int:
        """Scope items given an exam review on study day `day`."""
        scope, params = exam_clause(exam)
        return (
            self._one(
                "SELECT COUNT(DISTINCT r.item_id) FROM reviews r JOIN items i ON i.id = r.item_id "
                f"WHERE r.study_day = ? AND r.kind = 'exam'{scope}",
                [day.isoformat(), *params],
            )
            or 0
        )

    def window_grades(self, exam: Exam, window_start: date) -> dict[int, int]:
        """Grades given to scope items in the final window (cram aside): grade -> answers."""
        scope, params = exam_clause(exam)
        return dict(
            self.conn.execute(
                "SELECT r.grade, COUNT(*) FROM reviews r JOIN items i ON i.id = r.item_id "
                f"WHERE r.study_day BETWEEN ? AND ? AND r.kind != 'cram'{scope} "
                "GROUP BY r.grade ORDER BY r.grade",
                [window_start.isoformat(), exam.date.isoformat(), *params],
            )
        )

    # -- what the forecast replays -------------------------------------------------

    def forecast_items(self, exam: Exam, window_start: date) -> list[tuple[Any, ...]]:
        """The scope's items in deck order: (ef, interval, repetitions, lapses, due, reviewed
        since the window opened, item id)."""
        scope, params = exam_clause(exam)
        return self.conn.execute(
            "SELECT i.ef, i.interval, i.repetitions, i.lapses, i.due, "
            "i.id IN (SELECT item_id FROM reviews WHERE study_day >= ? AND kind != 'cram'), i.id "
            f"FROM items i WHERE {_ACTIVE}{scope} "
            "ORDER BY i.due IS NOT NULL, i.new_position",
            [window_start.isoformat(), *params],
        ).fetchall()

    def grade_counts_by_state(self, since: date) -> dict[str, dict[int, int]]:
        """Scheduled grades since `since`, by the card's state when graded: state -> grade -> n."""
        counts: dict[str, dict[int, int]] = {}
        for state, grade, n in self.conn.execute(
            f"SELECT {_STATE_BEFORE_SQL}, grade, COUNT(*) FROM reviews "
            "WHERE study_day >= ? AND kind = 'scheduled' GROUP BY 1, 2",
            [since.isoformat()],
        ):
            counts.setdefault(state, {})[grade] = n
        return counts

    def study_days_since(self, since: date) -> tuple[int, date | None]:
        """Days with a review (cram aside) since `since`, and the first such day."""
        row = self.conn.execute(
            "SELECT COUNT(DISTINCT study_day), MIN(study_day) FROM reviews "
            "WHERE study_day >= ? AND kind != 'cram'",
            [since.isoformat()],
        ).fetchone()
        return row[0], date.fromisoformat(row[1]) if row[1] else None

    # -- what the recall plan reads (studyapp.study.exam_recall_plan) ------------------------

    def memory_items(self, exam: Exam) -> list[tuple[int, str, str, Any, Any, Any]]:
        """The scope's items, reviewed first then new in deck order: (item id, deck id,
        card tags, stability, difficulty, last day); the memory columns NULL if never
        answered."""
        scope, params = exam_clause(exam)
        return self.conn.execute(
            "SELECT i.id, i.deck_id, c.tags, m.stability, m.difficulty, m.last_day "
            "FROM items i JOIN cards c ON c.id = i.card_id "
            "LEFT JOIN memory_states m ON m.item_id = i.id "
            f"WHERE {_ACTIVE}{scope} ORDER BY m.item_id IS NULL, i.new_position, i.id",
            params,
        ).fetchall()

    def daily_study_minutes(self, today: date, days: int = 28) -> list[float]:
        """Minutes studied on each day with answers in the `days` before `today` (cram aside)."""
        since = date.fromordinal(today.toordinal() - days)
        return [
            ms / 60000
            for (ms,) in self.conn.execute(
                "SELECT SUM(duration_ms) FROM review_days WHERE study_day >= ? "
                "AND study_day < ? AND kind != 'cram' GROUP BY study_day",
                [since.isoformat(), today.isoformat()],
            )
        ]

    def kept_tactic(self, exam_id: int, chosen_from: str) -> tuple[float, float] | None:
        """The (review retention, window aim) kept for the exam's plan, if it was chosen
        from exactly `chosen_from` (a digest of the plan's inputs); else None."""
        row = self._kept(exam_id, chosen_from)
        return (row[0], row[1]) if row else None

    def kept_shortfall(
        self, exam_id: int, chosen_from: str
    ) -> tuple[float | None, int | None] | None:
        """What the shortfall's searches found for the kept plan (minutes a day needed,
        days earlier; None: out of reach), if worked out for exactly `chosen_from`."""
        row = self._kept(exam_id, chosen_from)
        return (row[3], row[4]) if row and row[2] else None

    def _kept(self, exam_id: int, chosen_from: str) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self.conn.execute(
            "SELECT review_retention, window_aim, shortfall_known, minutes_needed, "
            "days_earlier FROM exam_tactics WHERE exam_id = ? AND chosen_from = ?",
            [exam_id, chosen_from],
        ).fetchone()
        return row

    def keep_tactic(
        self,
        exam_id: int,
        chosen_from: str,
        review_retention: float,
        window_aim: float,
        shortfall: tuple[float | None, int | None] | None = None,
    ) -> None:
        """Keep the exam's plan tactic and what it was chosen from, in place of the last
        one (nothing is kept for an exam not in the database); with `shortfall`, what
        the plan would take if short (see :meth:`kept_shortfall`)."""
        minutes, days = shortfall if shortfall is not None else (None, None)
        with self.transaction():
            self.conn.execute(
                "INSERT INTO exam_tactics (exam_id, chosen_from, review_retention, window_aim, "
                "shortfall_known, minutes_needed, days_earlier) "
                "SELECT id, ?, ?, ?, ?, ?, ? FROM exams WHERE id = ? "
                "ON CONFLICT (exam_id) DO UPDATE SET chosen_from = excluded.chosen_from, "
                "review_retention = excluded.review_retention, "
                "window_aim = excluded.window_aim, shortfall_known = excluded.shortfall_known, "
                "minutes_needed = excluded.minutes_needed, days_earlier = excluded.days_earlier",
                [
                    chosen_from,
                    review_retention,
                    window_aim,
                    shortfall is not None,
                    minutes,
                    days,
                    exam_id,
                ],
            )

    def change_mark(self) -> tuple[int, int]:
        """Changes written through this connection and commits through any other (SQLite's
        data_version): two equal marks, nothing was written in between."""
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        return self.conn.total_changes, version

    def study_minutes_on(self, day: date) -> float:
        """Minutes studied on `day` (cram aside): what a day's budget has spent already."""
        ms = self._one(
            "SELECT SUM(duration_ms) FROM review_days WHERE study_day = ? AND kind != 'cram'",
            [day.isoformat()],
        )
        return (ms or 0) / 60000

    def items_for_session(
        self, item_ids: list[int], today: date, deck_id: str | None, tag: str | None
    ) -> list[int]:
        """Of `item_ids` (in their order), those a session on that deck/tag may show today as
        exam reviews: in study (SM-2 has seen them), not suspended, retired or buried."""
        if not item_ids:
            return []
        scope, params = scope_clause(deck_id, tag)
        wanted = ", ".join("?" * len(item_ids))
        allowed = {
            r[0]
            for r in self.conn.execute(
                f"SELECT i.id FROM items i WHERE i.id IN ({wanted}) AND i.due IS NOT NULL "
                f"AND {_ACTIVE} AND (i.buried_until IS NULL OR i.buried_until <= ?){scope}",
                [*item_ids, today.isoformat(), *params],
            )
        }
        return [i for i in item_ids if i in allowed]
