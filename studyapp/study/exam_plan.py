"""An exam plan that spends a daily time budget where it raises exam-day recall most.

Pure: the scope's cards with their FSRS memory states go in, a day-by-day plan
and its projected exam-day recall come out. It only chooses what to study when;
the long-term scheduler's state is never its business (exam reviews are logged
as the scheduler says).

The exam is at the start of `exam_date`; study days run from `today` to the day
before. Each day, within the budget:

1. **New cards, paced**: the unseen cards are introduced before the final window
   opens (ceil(unseen / days left before it)); once it is open, before the exam.
2. **The final window** (the last `window_days` days): every card predicted below
   target on the exam day (or below the plan's window aim, when time allows) and
   not reviewed since the window opened is seen, spread evenly, weakest first.
3. **Reviews by gain per minute**: a card predicted below target on the exam day
   whose recall today has fallen to the plan's review retention is worth
   reviewing; they are taken in order of the gain in expected exam-day recall a
   review brings, per minute. Cards safe until the day wait.

The tactic (review retention, window aim) and the whole plan to the exam day are
chosen in :mod:`studyapp.study.exam_tactic`; this module holds the plan's records
and the one day's rules above.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from fsrs import Rating

from studyapp.study.exam_recall import Memory, MemoryState

__all__ = [
    "DEFAULT_MINUTES_PER_DAY",
    "DEFAULT_TARGET",
    "ExamGoal",
    "ExamPlan",
    "PlanCard",
    "PlanDay",
    "Projection",
    "Shortfall",
    "Tactic",
    "default_minutes_per_day",
    "plan_day",
    "shortfall_line",
]

DEFAULT_TARGET = 0.90
DEFAULT_MINUTES_PER_DAY = 30.0
DEFAULT_WINDOW_DAYS = 7


@dataclass(frozen=True, slots=True)
class PlanCard:
    """One card of the exam's scope. `memory` is None for a card never studied."""

    item_id: int
    topic: str
    memory: MemoryState | None


@dataclass(frozen=True, slots=True)
class ExamGoal:
    """What the student asks for, and what studying costs them."""

    today: date
    exam_date: date
    target: float = DEFAULT_TARGET
    minutes_per_day: float = DEFAULT_MINUTES_PER_DAY
    seconds_per_review: float = 10.0
    seconds_per_new: float = 30.0
    window_days: int = DEFAULT_WINDOW_DAYS
    # The student's daily new-card limit: a session introduces at least this many of the
    # scope's unseen cards a day (exams only ever raise it), so the plan does too.
    new_per_day: int = 0

    def __post_init__(self) -> None:
        if not 0.0 < self.target < 1.0:
            raise ValueError(f"target recall must be between 0 and 1, not {self.target}")
        if self.minutes_per_day < 0 or self.seconds_per_review <= 0 or self.seconds_per_new <= 0:
            raise ValueError("the budget must not be negative and answers must take time")
        if self.window_days < 0 or self.new_per_day < 0:
            raise ValueError("window_days and new_per_day must not be negative")


@dataclass(frozen=True, slots=True)
class PlanDay:
    """What to study on one day, and the minutes it takes."""

    day: date
    new: tuple[int, ...]
    window: tuple[int, ...]
    reviews: tuple[int, ...]
    minutes: float


@dataclass(frozen=True, slots=True)
class Projection:
    """Expected share of the scope remembered on the exam day, overall and per topic."""

    overall: float
    by_topic: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class Shortfall:
    """When the target is out of reach: what the budget gives, and what it would take.

    None for either figure: not reachable within the searches' limits
    (:mod:`studyapp.study.exam_tactic`).
    """

    expected: float
    minutes_needed: float | None
    days_earlier: int | None


@dataclass(frozen=True, slots=True)
class Tactic:
    """How a plan reviews: at which recall a card at risk is reviewed, and which cards
    the final window covers (those predicted below the target or this aim, the higher)."""

    review_retention: float = 0.90
    window_aim: float = DEFAULT_TARGET


@dataclass(frozen=True, slots=True)
class ExamPlan:
    days: tuple[PlanDay, ...]
    tactic: Tactic
    if_followed: Projection
    if_stopped: Projection
    shortfall: Shortfall | None


def default_minutes_per_day(daily_minutes: Sequence[float]) -> float:
    """The budget a student already keeps: the median of their recent study days' minutes."""
    studied = [m for m in daily_minutes if m > 0]
    return float(statistics.median(studied)) if studied else DEFAULT_MINUTES_PER_DAY


def shortfall_line(goal: ExamGoal, shortfall: Shortfall) -> str:
    """One line a student can act on, e.g. "at 30 min/day: 84% expected; 90% needs …"."""
    ways = []
    if shortfall.minutes_needed is not None:
        ways.append(f"{shortfall.minutes_needed:.0f} min/day")
    if shortfall.days_earlier is not None:
        ways.append(f"starting {shortfall.days_earlier} days earlier")
    needs = " or ".join(ways) if ways else "more than this plan can give"
    return (
        f"at {goal.minutes_per_day:.0f} min/day: {shortfall.expected:.0%} expected; "
        f"{goal.target:.0%} needs {needs}"
    )


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def plan_day(
    states: Mapping[int, MemoryState | None],
    day: date,
    goal: ExamGoal,
    tactic: Tactic,
    memory: Memory,
    window_done: int = 0,
) -> PlanDay:
    """What to study on `day`, given every card's memory state (in scope order): at its
    start, or later in the day with `window_done` exam reviews given already, which
    count against the final window's share for the day (a second sitting does not take
    tomorrow's)."""
    exam = goal.exam_date
    left = (exam - day).days
    if left < 1:
        return PlanDay(day, (), (), (), 0.0)
    budget = goal.minutes_per_day * 60.0
    spent = 0.0
    window_start = exam - timedelta(days=goal.window_days)

    unseen = [i for i, s in states.items() if s is None]
    new: list[int] = []
    if unseen:
        days_for_new = (window_start - day).days
        pace = max(
            goal.new_per_day, _ceil_div(len(unseen), days_for_new if days_for_new >= 1 else left)
        )
        for item_id in unseen[:pace]:
            if spent + goal.seconds_per_new > budget:
                break
            new.append(item_id)
            spent += goal.seconds_per_new

    seen = {i: s for i, s in states.items() if s is not None}
    at_exam = {i: memory.recall(s, exam) for i, s in seen.items()}
    # In the final window a review lands close to the exam: worth it for more cards.
    in_window = day >= window_start
    aim = max(goal.target, tactic.window_aim) if in_window else goal.target
    at_risk = {i for i, r in at_exam.items() if r < aim}

    window: list[int] = []
    if in_window:
        owed = sorted(
            (i for i in at_risk if seen[i].last_day < window_start),
            key=lambda i: (at_exam[i], i),
        )
        share = _ceil_div(len(owed) + window_done, left) - window_done
        for item_id in owed[: max(0, share)]:
            if spent + goal.seconds_per_review > budget:
                break
            window.append(item_id)
            spent += goal.seconds_per_review

    chosen = set(window)
    gains: list[tuple[float, int]] = []
    for item_id in at_risk - chosen:
        state = seen[item_id]
        now = memory.recall(state, day)
        if now > tactic.review_retention:
            continue
        gains.append((_expected_after_review(memory, state, day, exam) - at_exam[item_id], item_id))
    # Every review costs the same time, so gain per minute orders as gain does.
    gains.sort(key=lambda g: (-g[0], g[1]))
    reviews: list[int] = []
    for gain, item_id in gains:
        if gain <= 0 or spent + goal.seconds_per_review > budget:
            break
        reviews.append(item_id)
        spent += goal.seconds_per_review
    return PlanDay(day, tuple(new), tuple(window), tuple(reviews), spent / 60.0)


def _expected_after_review(memory: Memory, state: MemoryState, day: date, exam: date) -> float:
    # Exam-day recall after a review on `day`: remembered (good) or forgotten (again).
    now = memory.recall(state, day)
    good = memory.recall(memory.review(state, Rating.Good, day), exam)
    again = memory.recall(memory.review(state, Rating.Again, day), exam)
    return now * good + (1 - now) * again
