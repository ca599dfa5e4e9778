"""The whole exam plan: each tactic run day by day to the exam, the best one chosen.

The tactic (review retention, window aim) is chosen per plan by running each one
to the exam day with :func:`studyapp.study.exam_plan.plan_day`: the cheapest that
reaches the target, bettered while an extra minute still buys MIN_CARDS_PER_MINUTE
cards remembered. Projections assume the likely answer (good) for every review but
the last, whose chance of failing is counted; the plan is meant to be made again
each day from the real answers. When the target is out of reach, bisections find
what it would take (minutes a day, or days earlier).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from fsrs import Rating

from studyapp.study.exam_plan import (
    ExamGoal,
    ExamPlan,
    PlanCard,
    PlanDay,
    Projection,
    Shortfall,
    Tactic,
    plan_day,
)
from studyapp.study.exam_recall import Memory, MemoryState

__all__ = [
    "MAX_DAYS_EARLIER",
    "MAX_MINUTES_PER_DAY",
    "PILE_UP_FACTOR",
    "PILE_UP_MINUTES",
    "REVIEW_RETENTIONS",
    "WINDOW_AIMS",
    "choice_key",
    "plan_exam",
]

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
# Part of every choice_key: raise it when plan_exam would choose differently from the
# same inputs, so a tactic kept under the old choice is chosen again.
CHOICE_VERSION = 1


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
    chosen: Tactic | None = None,
    searched: tuple[float | None, int | None] | None = None,
) -> ExamPlan:
    """The day-by-day plan to the exam, its projections, and what it would take if short.
    `chosen`: the tactic chosen before from these very inputs (kept under their
    :func:`choice_key`): only it is run, not every tactic, for the same plan; `searched`:
    what the shortfall's searches found then (minutes a day, days earlier)."""
    memory = memory or Memory()
    if chosen is None:
        tactic, run = _best_run(cards, goal, memory)
    else:
        # Runs are deterministic: the chosen tactic's run is the one _best_run returned.
        tactic, run = chosen, _simulate(cards, goal, chosen, memory)
    followed = _projection(cards, run.recall)
    stopped = _projection(
        cards, {c.item_id: memory.recall(c.memory, goal.exam_date) for c in cards}
    )
    shortfall = None
    if explain_shortfall and followed.overall < goal.target:
        if chosen is None or searched is None:
            searched = (
                _minutes_needed(cards, goal, tactic, memory),
                _days_earlier(cards, goal, tactic, memory),
            )
        shortfall = Shortfall(followed.overall, *searched)
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


def choice_key(cards: Sequence[PlanCard], goal: ExamGoal, parameters: Sequence[float]) -> str:
    """A digest of everything :func:`plan_exam`'s tactic is chosen from (the cards in
    order with their memory states, the goal, the model's parameters; a card's topic
    moves only the projections): equal keys, equal tactic."""
    digest = hashlib.sha256(f"{CHOICE_VERSION}|{goal!r}|{tuple(parameters)!r}".encode())
    for card in cards:
        state = card.memory
        known = "" if state is None else f":{state.stability!r}:{state.difficulty!r}"
        digest.update(f"|{card.item_id}{known}:{state and state.last_day}".encode())
    return digest.hexdigest()
