"""Day-level FSRS-6 memory maths for exam planning (py-fsrs's scheduler, no I/O).

The planner works in whole study days: a review happens on a day, recall is
asked for on a day. py-fsrs does the stability and difficulty updates; this
module only converts days to the UTC datetimes it wants and holds the state.
Learning steps are off, so every answer moves the long-term memory state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from fsrs import Card, Rating, Scheduler, State

__all__ = ["DEFAULT_PARAMETERS", "Memory", "MemoryState", "rating_for"]

DEFAULT_PARAMETERS: tuple[float, ...] = tuple(Scheduler().parameters)

# SM-2 grades 0-2 are fails; 3 hard, 4 good, 5 easy (the memory model's mapping).
_GRADE_TO_RATING = {
    0: Rating.Again,
    1: Rating.Again,
    2: Rating.Again,
    3: Rating.Hard,
    4: Rating.Good,
    5: Rating.Easy,
}


def rating_for(grade: int) -> Rating:
    """The FSRS rating of an SM-2 grade 0-5."""
    try:
        return _GRADE_TO_RATING[grade]
    except KeyError:
        raise ValueError(f"grade must be 0-5, not {grade!r}") from None


@dataclass(frozen=True, slots=True)
class MemoryState:
    """One card's memory after its last review. Stability is in days."""

    stability: float
    difficulty: float
    last_day: date


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


class Memory:
    """FSRS-6 with one parameter set: recall on a day, the state after a review."""

    def __init__(self, parameters: Sequence[float] = DEFAULT_PARAMETERS) -> None:
        self._scheduler = Scheduler(
            parameters=tuple(parameters),
            learning_steps=(),
            relearning_steps=(),
            enable_fuzzing=False,
        )
        self._decay = -float(parameters[20])
        # The factor that makes recall 0.9 after `stability` days.
        self._factor = 0.9 ** (1 / self._decay) - 1

    def recall(self, state: MemoryState | None, day: date) -> float:
        """Predicted chance of recall on `day` (0 for a card never studied)."""
        if state is None:
            return 0.0
        elapsed = max(0, (day - state.last_day).days)
        return float((1 + self._factor * elapsed / state.stability) ** self._decay)

    def review(self, state: MemoryState | None, rating: Rating, day: date) -> MemoryState:
        """The memory state after a review on `day` with `rating` (None: first sight)."""
        if state is None:
            card = Card(card_id=1, state=State.Learning, step=0)
        else:
            card = Card(
                card_id=1,
                state=State.Review,
                stability=state.stability,
                difficulty=state.difficulty,
                last_review=_midnight(state.last_day),
            )
        after, _log = self._scheduler.review_card(card, rating, _midnight(day))
        assert after.stability is not None and after.difficulty is not None
        return MemoryState(after.stability, after.difficulty, day)

    def interval(self, state: MemoryState, retention: float) -> int:
        """Days until recall falls to `retention` (at least one)."""
        days: float = state.stability / self._factor * (retention ** (1 / self._decay) - 1)
        return max(1, round(days))
