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

The tactic (review retention, window aim) is chosen per plan by running each one
to the exam day: the cheapest that reaches the target, bettered while an extra
minute still buys MIN_CARDS_PER_MINUTE cards remembered. Projections assume the
likely answer (good) for every review but the last, whose chance of failing is
counted; the plan is meant to be made again each day from the real answers.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from fsrs import Rating

from studyapp.study.exam_recall import Memory, MemoryState

__all__ = [
    "DEFAULT_MINUTES_PER_DAY",
    "DEFAULT_TARGET",
    "PILE_UP_FACTOR",
    "PILE_UP_MINUTES",
    "ExamGoal",
    "ExamPlan",
    "PlanCard",
    "PlanDay",
    "Projection",
    "Shortfall",
    "Tactic",
    "default_minutes_per_day",
    "plan_day",
    "plan_exam",
    "shortfall_line",
]

DEFAULT_TARGET = 0.90
DEFAULT_MINUTES_PER_DAY = 30.0
DEFAULT_WINDOW_DAYS = 7
# The review retentions a plan chooses among: lower reviews less often.
REVIEW_RETENTIONS = (0.70, 0.80, 0.85, 0.90, 0.95)
# The final window's aims a plan chooses among (the target itself is always one):
# a window review lands close to the exam, so with time to spare it pays for cards
# predicted above the target too, whose true recall may be lower than predicted.
WINDOW_AIMS = (0.95, 0.98)
# How far the "what it would take" searches look.
MAX_MINUTES_PER_DAY = 8 * 60.0
MAX_DAYS_EARLIER = 365
# Beyond the target, more study is planned only while each extra minute is expected
# to keep this many more of the scope's cards in memory on the day.
MIN_CARDS_PER_MINUTE = 0.2
# A plan whose busiest day in the last week is more than this times its average day,
# and more than PILE_UP_MINUTES over it, piles work up at the end: a surprise for the
# student. It is planned only when no plan without a pile-up reaches the target.
PILE_UP_FACTOR = 1.5
PILE_UP_MINUTES = 1.0
PILE_UP_DAYS = 7
# Projections closer than this are a tie (then the cheaper plan wins).
_TIE = 0.002


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

    None for either figure: not reachable within MAX_MINUTES_PER_DAY / MAX_DAYS_EARLIER.
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


@dataclass(slots=True)
class _Run:
    days: list[PlanDay]
    # Per card: expected exam-day recall.
    recall: dict[int, float]

    @property
    def minutes(self) -> float:
        return sum(d.minutes for d in self.days)

    @property
    def piles_up(self) -> bool:
        if not self.days:
            return False
        average = self.minutes / len(self.days)
        busiest = max(d.minutes for d in self.days[-PILE_UP_DAYS:])
        return busiest > max(PILE_UP_FACTOR * average, average + PILE_UP_MINUTES)


def _simulate(cards: Sequence[PlanCard], goal: ExamGoal, tactic: Tactic, memory: Memory) -> _Run:
    # Follow the plan day by day, each review answered "good"; the last review's
    # chance of failing is kept so the exam-day figure is an expectation.
    states: dict[int, MemoryState | None] = {c.item_id: c.memory for c in cards}
    last_fail: dict[int, tuple[float, MemoryState]] = {}
    days: list[PlanDay] = []
    day = goal.today
    while day < goal.exam_date:
        plan = plan_day(states, day, goal, tactic, memory)
        days.append(plan)
        for item_id in plan.new:
            states[item_id] = memory.review(None, Rating.Good, day)
            last_fail.pop(item_id, None)
        for item_id in plan.window + plan.reviews:
            state = states[item_id]
            assert state is not None
            now = memory.recall(state, day)
            last_fail[item_id] = (1 - now, memory.review(state, Rating.Again, day))
            states[item_id] = memory.review(state, Rating.Good, day)
        day += timedelta(days=1)
    recall: dict[int, float] = {}
    for item_id, state in states.items():
        good = memory.recall(state, goal.exam_date)
        if item_id in last_fail:
            fail, again = last_fail[item_id]
            good = (1 - fail) * good + fail * memory.recall(again, goal.exam_date)
        recall[item_id] = good
    return _Run(days, recall)


def _projection(cards: Sequence[PlanCard], recall: Mapping[int, float]) -> Projection:
    if not cards:
        return Projection(1.0, {})
    topics: dict[str, list[float]] = {}
    for card in cards:
        topics.setdefault(card.topic, []).append(recall[card.item_id])
    overall = sum(recall[c.item_id] for c in cards) / len(cards)
    return Projection(overall, {t: sum(v) / len(v) for t, v in sorted(topics.items())})


def _score(run: _Run, cards: Sequence[PlanCard]) -> float:
    return sum(run.recall.values()) / max(1, len(cards))


def _best_run(cards: Sequence[PlanCard], goal: ExamGoal, memory: Memory) -> tuple[Tactic, _Run]:
    # Every tactic is tried (a few dozen day-by-day runs; fast for a course's scope),
    # then the cheapest is bettered step by step along the frontier, always by the
    # most recall per extra minute: up to the target whatever it costs, beyond it
    # only while a minute still buys MIN_CARDS_PER_MINUTE cards remembered. Plans that
    # pile up the last week are left out while one that does not reaches the target.
    runs = [
        (tactic, run)
        for tactic in (
            Tactic(retention, aim)
            for retention in REVIEW_RETENTIONS
            for aim in (goal.target, *(a for a in WINDOW_AIMS if a > goal.target))
        )
        for run in (_simulate(cards, goal, tactic, memory),)
    ]
    even = [tr for tr in runs if not tr[1].piles_up]
    if any(_score(run, cards) >= goal.target for _, run in even):
        runs = even
    runs.sort(key=lambda tr: (tr[1].minutes, -_score(tr[1], cards)))
    current = runs[0]
    while True:
        score, minutes = _score(current[1], cards), current[1].minutes
        dearer = [tr for tr in runs if _score(tr[1], cards) > score + _TIE]
        if not dearer:
            return current

        # Cards gained per extra minute (a free gain counts as infinitely good).
        def slope(tr: tuple[Tactic, _Run], score: float = score, minutes: float = minutes) -> float:
            extra = tr[1].minutes - minutes
            gained = (_score(tr[1], cards) - score) * len(cards)
            return math.inf if extra <= 0 else gained / extra

        step = max(dearer, key=slope)
        if score >= goal.target and slope(step) < MIN_CARDS_PER_MINUTE:
            return current
        current = step


def plan_exam(
    cards: Sequence[PlanCard],
    goal: ExamGoal,
    memory: Memory | None = None,
    *,
    explain_shortfall: bool = True,
) -> ExamPlan:
    """The day-by-day plan to the exam, its projections, and what it would take if short."""
    memory = memory or Memory()
    tactic, run = _best_run(cards, goal, memory)
    followed = _projection(cards, run.recall)
    stopped = _projection(
        cards, {c.item_id: memory.recall(c.memory, goal.exam_date) for c in cards}
    )
    shortfall = None
    if explain_shortfall and followed.overall < goal.target:
        shortfall = Shortfall(
            followed.overall,
            _minutes_needed(cards, goal, tactic, memory),
            _days_earlier(cards, goal, tactic, memory),
        )
    return ExamPlan(tuple(run.days), tactic, followed, stopped, shortfall)


def _reaches(cards: Sequence[PlanCard], goal: ExamGoal, tactic: Tactic, memory: Memory) -> bool:
    run = _simulate(cards, goal, tactic, memory)
    return sum(run.recall.values()) / max(1, len(cards)) >= goal.target


def _minutes_needed(
    cards: Sequence[PlanCard], goal: ExamGoal, tactic: Tactic, memory: Memory
) -> float | None:
    # The smallest whole number of minutes a day that reaches the target (bisection).
    def with_minutes(m: float) -> ExamGoal:
        return replace(goal, minutes_per_day=m)

    low, high = math.floor(goal.minutes_per_day), MAX_MINUTES_PER_DAY
    if not _reaches(cards, with_minutes(high), tactic, memory):
        return None
    while high - low > 1:
        mid = math.floor((low + high) / 2)
        if _reaches(cards, with_minutes(mid), tactic, memory):
            high = mid
        else:
            low = mid
    return high


def _days_earlier(
    cards: Sequence[PlanCard], goal: ExamGoal, tactic: Tactic, memory: Memory
) -> int | None:
    # The fewest extra study days before the exam, with the cards as they stand today,
    # that reach the target.
    def with_days(extra: int) -> ExamGoal:
        return replace(goal, exam_date=goal.exam_date + timedelta(days=extra))

    def reaches(extra: int) -> bool:
        return _reaches(cards, with_days(extra), tactic, memory)

    low, high = 0, 1
    while not reaches(high):
        low, high = high, high * 2
        if high > MAX_DAYS_EARLIER:
            if not reaches(MAX_DAYS_EARLIER):
                return None
            high = MAX_DAYS_EARLIER
            break
    while high - low > 1:
        mid = (low + high) // 2
        if reaches(mid):
            high = mid
        else:
            low = mid
    return high
