"""Memory states (FSRS-6) per study item, and the parameters they were computed with.

Kept current by grading (a step in the grading transaction) and undo (a replay
of the item's log); rebuilt whole when parameters change. Fitting and
evaluating are pure functions in :mod:`studyapp.memory`; ``store.memory.refresh``
runs them outside any transaction and writes the result in one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studyapp.memory.fit import LoggedReview, by_item, fit, needs_fit
from studyapp.memory.model import (
    DEFAULT_PARAMETERS,
    MemoryState,
    Parameters,
    Retrieval,
    replay,
    replay_many,
    step,
)
from studyapp.memory.schedule import DEFAULT_RETENTION, RETENTION_RANGE, fsrs_due
from studyapp.store.part import StorePart
from studyapp.study import sm2

if TYPE_CHECKING:
    # Loaded where they are used: fitting, evaluating and simulating are background
    # and Stats work, not a grade's or start-up's.
    from studyapp.memory.evaluate import Evaluation
    from studyapp.memory.simulate import CardToSimulate

# Set by the migration that adds memory states (and by anything that merges
# history in): the states must be rebuilt by replay before they are read.
STALE_KEY = "memory_stale"
# The scheduler settings as studyapp.settings stores them (meta "setting.<name>"):
# the store reads them to keep each state's FSRS due date and to pick the due column.
SCHEDULER_KEY = "setting.scheduler"
RETENTION_KEY = "setting.desired_retention"


@dataclass(frozen=True, slots=True)
class MemoryFit:
    """A fit to the student's log: when, on how many reviews, how well it predicted.

    `parameters` are what is in use: the fitted ones, or the defaults when
    the fitted ones predicted the held-out reviews worse.
    """

    fitted_at: datetime
    reviews: int
    parameters: Parameters
    evaluation: Evaluation | None


def _evaluation_json(evaluation: Evaluation | None) -> str | None:
    if evaluation is None:
        return None
    scores = {
        name: {"log_loss": s.log_loss, "rmse_bins": s.rmse_bins}
        for name, s in (
            ("fitted", evaluation.fitted),
            ("defaults", evaluation.defaults),
            ("sm2", evaluation.sm2),
            ("constant", evaluation.constant),
        )
    }
    return json.dumps({"reviews": evaluation.reviews, **scores})


def _evaluation_from(text: str | None) -> Evaluation | None:
    if not text:
        return None
    from studyapp.memory.evaluate import Evaluation, Scores

    data: dict[str, Any] = json.loads(text)
    scores = {
        name: Scores(float(data[name]["log_loss"]), float(data[name]["rmse_bins"]))
        for name in ("fitted", "defaults", "sm2", "constant")
    }
    return Evaluation(reviews=int(data["reviews"]), **scores)


def _retention(raw: str | None) -> float:
    """The stored `desired_retention` setting, or its default when unset or out of range."""
    try:
        value = float(raw) if raw is not None else DEFAULT_RETENTION
    except ValueError:
        return DEFAULT_RETENTION
    low, high = RETENTION_RANGE
    return value if low <= value <= high else DEFAULT_RETENTION


def refresh_memory_at(path: Path) -> str | None:
    """`store.memory.refresh` on the database at `path`, through a connection of its own.

    What the app runs in a child process (see ui.app.StudyApp.refresh_memory).
    """
    from studyapp.store import Store

    store = Store.open(path)
    try:
        return store.memory.refresh(datetime.now(UTC))
    finally:
        store.close()


class Memory(StorePart):
    """Memory states and fitted parameters."""

    # (newest fit id, its parameters): see parameters().
    _memory_parameters: tuple[int | None, Parameters] | None = None

    # -- parameters ------------------------------------------------------------------

    def last_fit(self) -> MemoryFit | None:
        """The latest fit (None: the defaults are in use)."""
        row = self.conn.execute(
            "SELECT fitted_at, reviews, parameters, evaluation FROM memory_fits "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return MemoryFit(
            datetime.fromisoformat(row[0]),
            int(row[1]),
            tuple(float(w) for w in json.loads(row[2])),
            _evaluation_from(row[3]),
        )

    def parameters(self) -> Parameters:
        """The parameters in use: the latest fit's, else FSRS-6's defaults."""
        return self._parameters_of_fit(self._one("SELECT MAX(id) FROM memory_fits"))

    def _parameters_of_fit(self, newest: int | None) -> Parameters:
        # Asked on every grade: parsed once per fit. The worker's fits come through
        # another connection, so the caller reads the newest fit id each time.
        cached = self._memory_parameters
        if cached is not None and cached[0] == newest:
            return cached[1]
        text = self._one("SELECT parameters FROM memory_fits WHERE id = ?", [newest])
        parameters = tuple(float(w) for w in json.loads(text)) if text else DEFAULT_PARAMETERS
        self._memory_parameters = (newest, parameters)
        return parameters

    # -- states ----------------------------------------------------------------------

    def state(self, item_id: int) -> MemoryState | None:
        row = self.conn.execute(
            "SELECT stability, difficulty, last_day, reviews FROM memory_states WHERE item_id = ?",
            [item_id],
        ).fetchone()
        if row is None:
            return None
        return MemoryState(row[0], row[1], date.fromisoformat(row[2]), row[3])

    def item_retrievals(self, item_id: int) -> list[Retrieval]:
        return [
            Retrieval(date.fromisoformat(day), grade)
            for day, grade in self.conn.execute(
                "SELECT study_day, grade FROM reviews WHERE item_id = ? ORDER BY study_day, id",
                [item_id],
            )
        ]

    def _write_memory(
        self,
        item_id: int,
        state: MemoryState | None,
        parameters: Parameters,
        retention: float | None = None,
    ) -> None:
        if state is None:
            self.conn.execute("DELETE FROM memory_states WHERE item_id = ?", [item_id])
            return
        if retention is None:
            retention = self.desired_retention()
        self.conn.execute(
            "INSERT OR REPLACE INTO memory_states "
            "(item_id, stability, difficulty, last_day, reviews, fsrs_due) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                item_id,
                state.stability,
                state.difficulty,
                state.last_day.isoformat(),
                state.reviews,
                fsrs_due(parameters, state, retention).isoformat(),
            ],
        )

    # -- FSRS as the scheduler ---------------------------------------------------------

    def fsrs_scheduling(self) -> bool:
        """Whether FSRS sets due dates (the `scheduler` setting is `fsrs`); else SM-2 does."""
        return self.get_meta(SCHEDULER_KEY) == "fsrs"

    def desired_retention(self) -> float:
        """The `desired_retention` setting (its default when unset or out of range)."""
        return _retention(self.get_meta(RETENTION_KEY))

    def remember_answer(self, item_id: int, grade: int, day: date) -> None:
        """The grade hook: one step from the stored state (inside grading's transaction).

        An item with no state but earlier answers (a database from before memory
        states) is replayed whole instead, so its state is right from its first grade.
        """
        # One statement for all a step reads: it runs on every grade.
        newest_fit, retention, *stored = self.conn.execute(
            "SELECT (SELECT MAX(id) FROM memory_fits), (SELECT value FROM meta WHERE key = ?), "
            "m.stability, m.difficulty, m.last_day, m.reviews "
            "FROM (SELECT 1) LEFT JOIN memory_states m ON m.item_id = ?",
            [RETENTION_KEY, item_id],
        ).fetchone()
        parameters = self._parameters_of_fit(newest_fit)
        state: MemoryState | None
        if stored[0] is None:
            state = replay(parameters, self.item_retrievals(item_id))
        else:
            stability, difficulty, last_day, reviews = stored
            previous = MemoryState(stability, difficulty, date.fromisoformat(last_day), reviews)
            state = step(parameters, previous, Retrieval(day, grade))
        self._write_memory(item_id, state, parameters, _retention(retention))

    def replay_item(self, item_id: int) -> None:
        """The undo hook: the item's state from what remains of its log."""
        parameters = self.parameters()
        self._write_memory(item_id, replay(parameters, self.item_retrievals(item_id)), parameters)

    # -- the whole log ---------------------------------------------------------------

    def log(self) -> tuple[list[LoggedReview], int]:
        """Every review, oldest first, and the newest review id (what a rebuild saw)."""
        rows = self.conn.execute(
            # In study-day order: reviews merged from another device (studyapp.sync) have
            # later ids than this device's answers of later days.
            "SELECT item_id, study_day, grade, interval_before, id FROM reviews "
            "ORDER BY study_day, id"
        ).fetchall()
        days: dict[str, date] = {}
        log = [
            LoggedReview(item, days.setdefault(day, date.fromisoformat(day)), grade, interval)
            for item, day, grade, interval, _ in rows
        ]
        return log, max((row[4] for row in rows), default=0)

    def save(
        self,
        parameters: Parameters,
        log: Sequence[LoggedReview],
        newest_id: int,
        fitted: MemoryFit | None = None,
    ) -> None:
        """Replace every memory state by a replay of `log` with `parameters` (and record the fit).

        The replay runs before the write transaction; answers given meanwhile
        (or undone) are caught up inside it, so no answer is lost.
        """
        histories = by_item(log)
        ids = list(histories)
        states = replay_many(
            parameters,
            [[Retrieval(r.day, r.grade) for r in histories[item_id]] for item_id in ids],
        )
        with self.transaction():
            if fitted is not None:
                self.conn.execute(
                    "INSERT INTO memory_fits (fitted_at, reviews, parameters, evaluation) "
                    "VALUES (?, ?, ?, ?)",
                    [
                        fitted.fitted_at.isoformat(timespec="seconds"),
                        fitted.reviews,
                        json.dumps(list(fitted.parameters)),
                        _evaluation_json(fitted.evaluation),
                    ],
                )
            self.conn.execute("DELETE FROM memory_states")
            retention = self.desired_retention()
            self.conn.executemany(
                "INSERT INTO memory_states "
                "(item_id, stability, difficulty, last_day, reviews, fsrs_due) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        item_id,
                        s.stability,
                        s.difficulty,
                        s.last_day.isoformat(),
                        s.reviews,
                        fsrs_due(parameters, s, retention).isoformat(),
                    )
                    for item_id, s in zip(ids, states, strict=True)
                    if s is not None
                ],
            )
            count = self._one("SELECT COUNT(*) FROM reviews WHERE id <= ?", [newest_id])
            if count != len(log):
                # A review was undone meanwhile: replay every item with fewer answers.
                changed = self.conn.execute(
                    "SELECT m.item_id FROM memory_states m WHERE m.reviews != "
                    "(SELECT COUNT(*) FROM reviews r WHERE r.item_id = m.item_id)"
                ).fetchall()
            else:
                changed = []
            later = self.conn.execute(
                "SELECT DISTINCT item_id FROM reviews WHERE id > ?", [newest_id]
            ).fetchall()
            for (item_id,) in {*changed, *later}:
                self.replay_item(item_id)
            self.conn.execute("DELETE FROM meta WHERE key = ?", [STALE_KEY])

    def refresh(self, now: datetime) -> str | None:
        """Bring memory up to date: rebuild if stale, refit if the log has grown enough.

        Slow on a big log (seconds): callers run it in the background. Returns
        what it did, for a status line (None: nothing to do).
        """
        log, newest = self.log()
        last = self.last_fit()
        if needs_fit(len(log), last.reviews if last else None):
            from studyapp.memory.evaluate import evaluate

            parameters, evaluation = fit(log), evaluate(log)
            if evaluation is not None and evaluation.fitted.log_loss > evaluation.defaults.log_loss:
                # Fitted to the past, the student's own parameters predicted the newer
                # reviews worse than the defaults did: keep the defaults until they do not.
                parameters = DEFAULT_PARAMETERS
            record = MemoryFit(now, len(log), parameters, evaluation)
            self.save(parameters, log, newest, record)
            return f"memory model fitted on {len(log)} reviews"
        if self.get_meta(STALE_KEY):
            self.save(self.parameters(), log, newest)
            return "memory states rebuilt"
        return None

    # -- what stats and study modes read -----------------------------------------------

    def answers_logged(self) -> int:
        """Answers in the log (kept counts: no scan of the log)."""
        return int(self._one("SELECT COALESCE(SUM(reviews), 0) FROM review_days") or 0)

    def fit_due(self) -> bool:
        """Whether `refresh` has work: a rebuild, or a (re)fit the log has grown into."""
        if self.get_meta(STALE_KEY):
            return True
        # Checked as the app starts: the last fit's size alone, not its parsed figures.
        last_fit_reviews = self._one("SELECT reviews FROM memory_fits ORDER BY id DESC LIMIT 1")
        return needs_fit(self.answers_logged(), last_fit_reviews)

    # -- what `studyapp simulate` starts from -------------------------------------------

    def cards_to_simulate(self) -> list[CardToSimulate]:
        """Every studied card in review: its memory state and its SM-2 state."""
        from studyapp.memory.simulate import CardToSimulate

        return [
            CardToSimulate(
                MemoryState(r[0], r[1], date.fromisoformat(r[2]), r[3]),
                sm2.SM2State(r[4], r[5], r[6], date.fromisoformat(r[8]), r[7]),
            )
            for r in self.conn.execute(
                "SELECT m.stability, m.difficulty, m.last_day, m.reviews, "
                "i.ef, i.interval, i.repetitions, i.lapses, i.due FROM memory_states m "
                "JOIN items i ON i.id = m.item_id "
                "WHERE i.retired = 0 AND i.suspended = 0 AND i.due IS NOT NULL"
            )
        ]

    def seconds_per_answer(self, today: date, days: int = 30) -> float | None:
        """The student's mean time per answer lately (time studied: each answer capped)."""
        row = self.conn.execute(
            "SELECT SUM(duration_ms), SUM(reviews) FROM review_days WHERE study_day >= ?",
            [(today - timedelta(days=days - 1)).isoformat()],
        ).fetchone()
        return row[0] / row[1] / 1000 if row and row[1] and row[0] else None
