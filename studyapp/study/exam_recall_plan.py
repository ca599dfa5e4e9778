"""The exam plan to a target recall, fed from the store: projected recall on the day.

:mod:`studyapp.study.exam_plan` is pure; this module reads what it needs for one exam
(the scope's FSRS memory states, the fitted parameters, the student's answer
time and recent study minutes), runs it, and keeps the result for as long as
those inputs are unchanged: a plan runs the scope day by day to the exam a few
dozen times, seconds for a big scope, so the UI runs :func:`project` in a worker.

Cards never answered go in as the planner treats them: unseen, paced in as new.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from studyapp.store import Exam, Store
from studyapp.store.columns import tags_tuple
from studyapp.study.exam import MAX_DAYS_AHEAD, margin_days
from studyapp.study.exam_plan import (
    DEFAULT_TARGET,
    ExamGoal,
    ExamPlan,
    PlanCard,
    PlanDay,
    Projection,
    Tactic,
    default_minutes_per_day,
    plan_day,
    plan_exam,
    shortfall_line,
)
from studyapp.study.exam_recall import Memory, MemoryState

__all__ = [
    "MAX_MINUTES_PER_DAY",
    "RecallForecast",
    "RecallInputs",
    "cached_forecast",
    "load_line",
    "load_recall_inputs",
    "parse_minutes",
    "parse_target",
    "plan_review_ids",
    "project",
    "recall_json",
    "recall_line",
    "todays_plan",
    "topics_line",
]

# Without the student's own timing: seconds an answer takes.
DEFAULT_SECONDS_PER_ANSWER = 10.0
# A new card costs its first sight and the re-drills that follow a fail: about three answers.
ANSWERS_PER_NEW = 3.0
MAX_MINUTES_PER_DAY = 8 * 60.0
# Targets a student may ask for: below half is not a goal, 100% no model can promise.
MIN_TARGET, MAX_TARGET = 0.5, 0.99


def parse_target(text: str) -> float:
    """A target recall from "90", "90%" or "0.9"; ValueError with a readable message."""
    raw = text.strip().removesuffix("%").strip()
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"target {text.strip()!r} is not a number; write e.g. 90%") from None
    if value > 1:
        value /= 100
    if not MIN_TARGET <= value <= MAX_TARGET:
        raise ValueError(
            f"target {text.strip()} is out of range; give {MIN_TARGET:.0%} to {MAX_TARGET:.0%}"
        )
    return round(value, 4)


def parse_minutes(text: str) -> float:
    """A daily budget in minutes; ValueError with a readable message."""
    raw = text.strip().removesuffix("min").strip()
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"minutes {text.strip()!r} is not a number; write e.g. 30") from None
    if not 1 <= value <= MAX_MINUTES_PER_DAY:
        raise ValueError(
            f"minutes {text.strip()} is out of range; give 1 to {MAX_MINUTES_PER_DAY:.0f} a day"
        )
    return value


@dataclass(frozen=True, slots=True)
class RecallInputs:
    """Everything :func:`project` needs, read in one go; equal inputs, equal plan."""

    exam: Exam
    goal: ExamGoal
    cards: tuple[PlanCard, ...]
    parameters: tuple[float, ...]
    # The budget was not set: it is the student's recent median day.
    default_budget: bool


@dataclass(frozen=True, slots=True)
class RecallForecast:
    """Recall on the exam day if the plan is followed and if study stops today, what the
    plan costs a day, and the shortfall line when the target is out of reach."""

    goal: ExamGoal
    default_budget: bool
    if_followed: Projection
    if_stopped: Projection
    daily_minutes: tuple[float, ...]
    tactic: Tactic
    shortfall: str | None

    @property
    def peak_minutes(self) -> float:
        return max(self.daily_minutes, default=0.0)

    @property
    def average_minutes(self) -> float:
        days = self.daily_minutes
        return sum(days) / len(days) if days else 0.0


def _topic(deck_name: str, tags: tuple[str, ...]) -> str:
    # The first topic tag's top level (what the stats' mastery groups by), else the deck.
    from studyapp.stats import is_topic

    for tag in tags:
        if is_topic(tag):
            return tag.split("::", 1)[0]
    return deck_name


def load_recall_inputs(store: Store, exam: Exam, today: date) -> RecallInputs:
    """The plan's inputs for `exam` as of study day `today` (a few queries)."""
    names = store.decks.names()
    cards = tuple(
        PlanCard(
            item_id,
            _topic(names.get(deck_id, deck_id), tags_tuple(tags)),
            None
            if stability is None
            else MemoryState(stability, difficulty, date.fromisoformat(day)),
        )
        for item_id, deck_id, tags, stability, difficulty, day in store.exams.memory_items(exam)
    )
    per_answer = store.memory.seconds_per_answer(today) or DEFAULT_SECONDS_PER_ANSWER
    minutes = exam.minutes_per_day
    goal = ExamGoal(
        today=today,
        # An exam set too far ahead (before dates were limited) is planned only so far,
        # as the forecast replays it: the plan runs day by day.
        exam_date=min(exam.date, today + timedelta(days=MAX_DAYS_AHEAD)),
        target=exam.target if exam.target is not None else DEFAULT_TARGET,
        minutes_per_day=(
            minutes
            if minutes is not None
            else round(default_minutes_per_day(store.exams.daily_study_minutes(today)))
        ),
        seconds_per_review=per_answer,
        seconds_per_new=per_answer * ANSWERS_PER_NEW,
        window_days=margin_days(store),
    )
    return RecallInputs(exam, goal, cards, store.memory.parameters(), minutes is None)


_cache: dict[RecallInputs, tuple[RecallForecast, ExamPlan]] = {}
_cache_lock = threading.Lock()
# Plans kept: a few exams over a day or two of changing states.
_CACHE_SIZE = 16


def cached_forecast(inputs: RecallInputs) -> RecallForecast | None:
    """The forecast for these exact inputs if already worked out (no planning)."""
    with _cache_lock:
        found = _cache.get(inputs)
    return found[0] if found else None


def project(inputs: RecallInputs) -> RecallForecast:
    """Plan to the exam and project recall on the day; kept while the inputs are unchanged."""
    with _cache_lock:
        found = _cache.get(inputs)
    if found is not None:
        return found[0]
    plan = plan_exam(inputs.cards, inputs.goal, Memory(inputs.parameters))
    forecast = RecallForecast(
        goal=inputs.goal,
        default_budget=inputs.default_budget,
        if_followed=plan.if_followed,
        if_stopped=plan.if_stopped,
        daily_minutes=tuple(d.minutes for d in plan.days),
        tactic=plan.tactic,
        shortfall=shortfall_line(inputs.goal, plan.shortfall) if plan.shortfall else None,
    )
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[inputs] = (forecast, plan)
    return forecast


def todays_plan(inputs: RecallInputs, spent_minutes: float = 0.0) -> PlanDay:
    """What the plan studies today, with `spent_minutes` of the budget gone already: the
    day is planned afresh from the states as they are (one day: quick enough to build a
    session's queue with), with the tactic of the full plan if it was worked out."""
    with _cache_lock:
        found = _cache.get(inputs)
    tactic = found[0].tactic if found else Tactic(window_aim=inputs.goal.target)
    goal = replace(
        inputs.goal, minutes_per_day=max(0.0, inputs.goal.minutes_per_day - spent_minutes)
    )
    states = {card.item_id: card.memory for card in inputs.cards}
    return plan_day(states, goal.today, goal, tactic, Memory(inputs.parameters))


def plan_review_ids(
    store: Store, today: date, deck_id: str | None = None, tag: str | None = None
) -> list[int]:
    """The daily queue's exam reviews from the plan, for each coming exam given a target
    or a budget: today's final-window cards and reviews by gain in exam-day recall
    (cards that would be forgotten by the day come forward; what the day's budget left
    allows), those a session on `deck_id`/`tag` may show. Logged as exam reviews: SM-2
    is left alone.

    An exam with neither (one set before targets existed, or left at the defaults)
    keeps the final window's once-over alone (studyapp.study.exam); its projection still
    shows what following the plan would give.
    """
    ids: list[int] = []
    spent = store.exams.study_minutes_on(today)
    for exam in store.exams.active(today):
        if exam.date <= today or (exam.target is None and exam.minutes_per_day is None):
            continue
        day = todays_plan(load_recall_inputs(store, exam, today), spent)
        ids += store.exams.items_for_session([*day.window, *day.reviews], today, deck_id, tag)
    return list(dict.fromkeys(ids))


def recall_line(forecast: RecallForecast) -> str:
    """`recall on the day 91% with the plan · 64% if you stop today · target 90%`."""
    return (
        f"recall on the day {forecast.if_followed.overall:.0%} with the plan · "
        f"{forecast.if_stopped.overall:.0%} if you stop today · "
        f"target {forecast.goal.target:.0%}"
    )


def load_line(forecast: RecallForecast) -> str:
    """`plan: 30 min/day budget (your usual) · max 28, avg 17 min/day`."""
    usual = " (your usual)" if forecast.default_budget else ""
    return (
        f"plan: {forecast.goal.minutes_per_day:.0f} min/day budget{usual} · "
        f"max {forecast.peak_minutes:.0f}, avg {forecast.average_minutes:.0f} min/day"
    )


def topics_line(projection: Projection, limit: int = 4) -> str:
    """Per topic, weakest first: `pharm 72% · anatomy 88%` (and how many more)."""
    weakest = sorted(projection.by_topic.items(), key=lambda t: (t[1], t[0]))
    shown = " · ".join(f"{topic} {recall:.0%}" for topic, recall in weakest[:limit])
    more = len(weakest) - limit
    return shown + (f" · +{more} more" if more > 0 else "")


def _round_topics(by_topic: Mapping[str, float]) -> dict[str, float]:
    return {topic: round(recall, 4) for topic, recall in by_topic.items()}


def recall_json(forecast: RecallForecast) -> dict[str, Any]:
    """The exam's `recall` object in `studyapp stats --json`."""
    return {
        "target": forecast.goal.target,
        "minutes_per_day": forecast.goal.minutes_per_day,
        "minutes_per_day_is_default": forecast.default_budget,
        "if_followed": round(forecast.if_followed.overall, 4),
        "if_stopped": round(forecast.if_stopped.overall, 4),
        "by_topic": {
            "if_followed": _round_topics(forecast.if_followed.by_topic),
            "if_stopped": _round_topics(forecast.if_stopped.by_topic),
        },
        "daily_minutes": [round(m, 1) for m in forecast.daily_minutes],
        "shortfall": forecast.shortfall,
    }
