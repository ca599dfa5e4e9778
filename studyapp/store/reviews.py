"""Grading (SM-2 applied in the same transaction as the log row), undo, suspend, bury."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from typing import Any

from studyapp.store.action_log import ActionLog
from studyapp.store.columns import iso, parse_date, state_columns, state_from
from studyapp.store.connection import utcnow
from studyapp.store.errors import InputError
from studyapp.store.models import GradeResult
from studyapp.study import sm2
from studyapp.study.review_rules import (
    PASSING_GRADE,
    RESCHEDULING_KINDS,
    REVIEW_KINDS,
    ReviewKind,
    becomes_leech,
    counts_as_fail,
    reschedules,
    review_kind,
    stops_being_leech,
)

__all__ = ["REVIEW_KINDS", "ReviewKind", "Reviews"]


def new_event_id(now: datetime) -> str:
    """A review's event id: 32 hex digits, the answer's time in milliseconds first.

    The random 80 bits make it unique across devices; the time in front puts each new
    id beside the last ones in the reviews_event index (a random id lands on a random
    page of it: one more page to read and write on every grade).
    """
    return f"{int(now.timestamp() * 1000) & 0xFFFF_FFFF_FFFF:012x}{os.urandom(10).hex()}"


_RESCHEDULING_SQL = ", ".join(f"'{kind}'" for kind in RESCHEDULING_KINDS)
_ITEM_STATE_SQL = "SELECT ef, interval, repetitions, lapses, due FROM items WHERE id = :item"
_ITEM_STATE_AND_DAY_SQL = (
    "SELECT ef, interval, repetitions, lapses, due, EXISTS (SELECT 1 FROM reviews "
    "INDEXED BY reviews_item WHERE item_id = :item "
    "AND id >= (SELECT MIN(id) FROM reviews WHERE study_day = :day) "
    f"AND study_day = :day AND kind IN ({_RESCHEDULING_SQL})) FROM items WHERE id = :item"
)


class Reviews(ActionLog):
    """Grading and the other actions on one item (each answer also moves its memory state;
    suspend, bury and notes are logged for other devices)."""

    def item_state(self, item_id: int) -> sm2.SM2State:
        state, _ = self._state_for_grade(item_id, None)
        return state

    def _state_for_grade(self, item_id: int, day: date | None) -> tuple[sm2.SM2State, bool]:
        """The item's SM-2 state and, with `day`, whether it had its SM-2 review that day.

        One statement: a grade asks both. Every review of `day` has an id at least the
        day's first (reviews_day finds it at once), so only the item's entries in
        reviews_item from there on are read, not each of its rows in the table.
        """
        if day is None:
            row = self.conn.execute(_ITEM_STATE_SQL, {"item": item_id}).fetchone()
        else:
            row = self.conn.execute(
                _ITEM_STATE_AND_DAY_SQL, {"item": item_id, "day": day.isoformat()}
            ).fetchone()
        if row is None:
            raise InputError(f"no study item {item_id}")
        state = sm2.SM2State(
            ef_hundredths=row[0],
            interval=row[1],
            repetitions=row[2],
            lapses=row[3],
            due=parse_date(row[4]),
        )
        return state, bool(row[5]) if day is not None else False

    # -- grading -----------------------------------------------------------------

    def grade(
        self,
        item_id: int,
        quality: int,
        *,
        now: datetime | None = None,
        today: date | None = None,
        kind: ReviewKind = "scheduled",
        duration_ms: int | None = None,
        leech_threshold: int | None = None,
        once_a_day: bool = False,
    ) -> GradeResult:
        """Record one answer and (for a scheduled review) apply SM-2; one transaction.

        `now` is the moment of the answer (UTC is stored); `today` the study day
        it counts for. Re-drills and cram answers are logged but leave the
        SM-2 state alone. With `once_a_day` (a study session), a scheduled answer to
        an item that already had its SM-2 review that day (another session or process
        had it queued too) is logged as a re-drill: no card is rescheduled twice in a
        day. A scheduled fail that brings the item's fails to `leech_threshold` makes
        it a leech: flagged and suspended (the rules are studyapp.study.review_rules).
        """
        sm2.validate_quality(quality)
        kind = review_kind(kind)
        now = now or utcnow()
        today = today or sm2.study_day(now.astimezone())
        with self.transaction():
            # Asked inside the write transaction: no other process can grade between.
            asks = once_a_day and reschedules(kind)
            before, reviewed = self._state_for_grade(item_id, today if asks else None)
            if reviewed:
                kind = "redrill"
            after = sm2.review(before, quality, today) if reschedules(kind) else before
            if after != before:
                self.conn.execute(
                    "UPDATE items SET ef = ?, interval = ?, repetitions = ?, lapses = ?, due = ? "
                    "WHERE id = ?",
                    [
                        after.ef_hundredths,
                        after.interval,
                        after.repetitions,
                        after.lapses,
                        iso(after.due),
                        item_id,
                    ],
                )
            # The event id in the row as written (the reviews_event_id trigger would write
            # the row twice), led by the time: new ids land together in reviews_event.
            cursor = self.conn.execute(
                "INSERT INTO reviews (item_id, reviewed_at, study_day, grade, kind, duration_ms, "
                "ef_before, interval_before, repetitions_before, lapses_before, due_before, "
                "ef_after, interval_after, repetitions_after, lapses_after, due_after, event_id) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    item_id,
                    now.astimezone(UTC).isoformat(timespec="milliseconds"),
                    today.isoformat(),
                    quality,
                    kind,
                    duration_ms,
                    *state_columns(before).values(),
                    *state_columns(after).values(),
                    new_event_id(now),
                ],
            )
            # Read the figures the leech rule needs only after a fail that counts.
            became_leech = (
                counts_as_fail(kind, quality)
                and bool(leech_threshold)
                and becomes_leech(*self._leech_figures(item_id), leech_threshold)
            )
            if became_leech:
                self.conn.execute(
                    "UPDATE items SET leech = 1, suspended = 1 WHERE id = ?", [item_id]
                )
            self._store.memory.remember_answer(item_id, quality, today)
        return GradeResult(int(cursor.lastrowid or 0), item_id, before, after, became_leech, kind)

    def _leech_figures(self, item_id: int) -> tuple[int, bool]:
        """What the leech rules read, in one statement: counted fails, and whether the item
        is a leech now."""
        fails, leech = self.conn.execute(
            f"SELECT (SELECT COUNT(*) FROM reviews WHERE item_id = ? AND kind IN "
            f"({_RESCHEDULING_SQL}) AND grade < ?), (SELECT leech FROM items WHERE id = ?)",
            [item_id, PASSING_GRADE, item_id],
        ).fetchone()
        return int(fails), bool(leech)

    def undo(self, review_id: int, leech_threshold: int | None = None) -> int:
        """Take back review `review_id`: restore the state before it and delete its row.

        Only the latest review of an item can be undone (older ones have
        later reviews built on them). An item that this answer made a leech
        stops being one. Returns the item id.
        """
        with self.transaction():
            rows = self._rows("SELECT * FROM reviews WHERE id = ?", [review_id])
            if not rows:
                raise InputError(f"no review {review_id} to undo")
            row = rows[0]
            latest = self._one("SELECT MAX(id) FROM reviews WHERE item_id = ?", [row["item_id"]])
            if latest != review_id:
                raise InputError("only an item's latest review can be undone")
            before = state_from(row, "_before")
            self.conn.execute(
                "UPDATE items SET ef = ?, interval = ?, repetitions = ?, lapses = ?, due = ? "
                "WHERE id = ?",
                [
                    before.ef_hundredths,
                    before.interval,
                    before.repetitions,
                    before.lapses,
                    iso(before.due),
                    row["item_id"],
                ],
            )
            self.conn.execute("DELETE FROM reviews WHERE id = ?", [review_id])
            self._store.memory.replay_item(row["item_id"])
            if leech_threshold and stops_being_leech(
                *self._leech_figures(row["item_id"]), leech_threshold
            ):
                self.conn.execute(
                    "UPDATE items SET leech = 0, suspended = 0 WHERE id = ?", [row["item_id"]]
                )
        return int(row["item_id"])

    def of(self, item_id: int) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM reviews WHERE item_id = ? ORDER BY id", [item_id])

    # -- item actions --------------------------------------------------------------

    def set_suspended(self, item_id: int, suspended: bool) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE items SET suspended = ? WHERE id = ?", [int(suspended), item_id]
            )
            self._record_item_action(item_id, "suspend", {"suspended": suspended})

    def bury(self, item_id: int, until: date | None) -> date | None:
        """Keep an item out of review until study day `until` (None: not buried).

        Returns what it was buried until before, so undo can put it back.
        """
        with self.transaction():
            before = parse_date(self._one("SELECT buried_until FROM items WHERE id = ?", [item_id]))
            self.conn.execute(
                "UPDATE items SET buried_until = ? WHERE id = ?", [iso(until), item_id]
            )
            self._record_item_action(item_id, "bury", {"until": iso(until)})
        return before

    def set_note(self, card_id: int, note: str) -> None:
        """The student's own note on a card; import never touches it."""
        with self.transaction():
            self.conn.execute("UPDATE cards SET note = ? WHERE id = ?", [note, card_id])
            self._record_card_action(card_id, "note", {"note": note})
