"""The SM-2 scheduler, exactly as Piotr Woźniak published it (SuperMemo 2, 1987).

A pure module: no I/O, no clock, no third-party imports. Which reading of the
SM-2 text each rule follows, and why:

* Quality is an integer 0-5. Anything else is a caller bug and raises.
* Easiness (EF) is updated on *every* grade, passes and fails alike, as in
  SuperMemo's reference code: EF' = EF + (0.1 - (5-q)(0.08 + (5-q)*0.02)),
  floored at 1.3, with no upper bound. (Some readings skip the update on a
  fail; the reference code does not.)
* A pass (q >= 3) grows the interval: 1 day after the first success, 6 after
  the second, then ceil(I * EF) using the EF from *before* this review's
  update - the reference code computes the interval first, then EF.
* Intervals stop at MAX_INTERVAL_DAYS (100 years, Anki's own maximum): SM-2 sets
  no bound, and a long history replayed (an imported Anki log) would otherwise grow
  past any calendar (16 passes at EF 2.5 pass the year 9999).
* A fail (q < 3) restarts repetitions from the beginning (interval 1 day)
  but keeps the (lowered) EF, as step 6 of the text says.
* Step 7 (repeat items graded below 4 in the same session) is a session
  concern and lives in :mod:`studyapp.study.session`; it never touches this state.
* EF moves in steps of exactly 0.02, so it is held as integer hundredths.
  Binary floats drift: grades 5,5,0,4,5,5 would give ceil(6 * 2.0000000000000004)
  = 13 days where SM-2 says 12.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

__all__ = [
    "INITIAL_EF_HUNDREDTHS",
    "MAX_INTERVAL_DAYS",
    "MIN_EF_HUNDREDTHS",
    "QUALITY_LABELS",
    "QUALITY_MEANINGS",
    "SM2State",
    "ef_delta_hundredths",
    "preview_intervals",
    "review",
    "study_day",
    "validate_quality",
]

INITIAL_EF_HUNDREDTHS = 250
MIN_EF_HUNDREDTHS = 130
DEFAULT_ROLLOVER_HOUR = 4

# Short names for the grade keys, and SM-2's own meaning of each grade.
QUALITY_LABELS: dict[int, str] = {
    0: "blackout",
    1: "wrong",
    2: "almost",
    3: "hard",
    4: "good",
    5: "perfect",
}
QUALITY_MEANINGS: dict[int, str] = {
    0: "complete blackout",
    1: "incorrect, but the answer seemed familiar",
    2: "incorrect, but the answer seemed easy to recall",
    3: "correct, with serious difficulty",
    4: "correct, after some hesitation",
    5: "perfect response",
}


@dataclass(frozen=True, slots=True)
class SM2State:
    """One study item's scheduling state. The default is a new card."""

    ef_hundredths: int = INITIAL_EF_HUNDREDTHS
    interval: int = 0
    repetitions: int = 0
    due: date | None = None
    # Lapses count fails of an item that had been learned (repetitions > 0),
    # as Anki counts them; SM-2 itself does not need them.
    lapses: int = 0

    @property
    def easiness(self) -> Decimal:
        """EF as an exact decimal (2.5, 1.3, ...)."""
        return Decimal(self.ef_hundredths) / 100

    @property
    def is_new(self) -> bool:
        return self.due is None


def validate_quality(quality: object) -> int:
    """Return `quality` if it is an int 0-5; raise TypeError/ValueError otherwise."""
    # bool is an int subclass; True as a grade is always a bug.
    if isinstance(quality, bool) or not isinstance(quality, int):
        raise TypeError(f"quality must be an int 0-5, not {type(quality).__name__}")
    if not 0 <= quality <= 5:
        raise ValueError(f"quality must be 0-5, not {quality}")
    return quality


def ef_delta_hundredths(quality: int) -> int:
    """EF change for a grade, in hundredths: +10, 0, -14, -32, -54, -80 for q = 5..0."""
    d = 5 - validate_quality(quality)
    return 10 - d * (8 + 2 * d)


# Anki's default (and largest useful) maximum interval.
MAX_INTERVAL_DAYS = 36_500


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def review(state: SM2State, quality: int, today: date) -> SM2State:
    """Apply one graded review and return the new state."""
    validate_quality(quality)
    if quality >= 3:
        if state.repetitions == 0:
            interval = 1
        elif state.repetitions == 1:
            interval = 6
        else:
            interval = min(_ceil_div(state.interval * state.ef_hundredths, 100), MAX_INTERVAL_DAYS)
        repetitions = state.repetitions + 1
        lapses = state.lapses
    else:
        interval = 1
        repetitions = 0
        lapses = state.lapses + (1 if state.repetitions > 0 else 0)
    ef = max(MIN_EF_HUNDREDTHS, state.ef_hundredths + ef_delta_hundredths(quality))
    return replace(
        state,
        ef_hundredths=ef,
        interval=interval,
        repetitions=repetitions,
        due=today + timedelta(days=interval),
        lapses=lapses,
    )


def preview_intervals(state: SM2State, today: date) -> dict[int, int]:
    """The interval in days each grade 0-5 would give, for labelling the grade keys."""
    return {q: review(state, q, today).interval for q in range(6)}


def study_day(now: datetime, rollover_hour: int = DEFAULT_ROLLOVER_HOUR) -> date:
    """The study day `now` belongs to: a new day starts at `rollover_hour` local time.

    `now` should be a local time; reviewing at 01:00 still counts for the
    evening before, as in Anki.
    """
    if not 0 <= rollover_hour <= 23:
        raise ValueError(f"rollover hour must be 0-23, not {rollover_hour}")
    return (now - timedelta(hours=rollover_hour)).date()
