"""The exam plan to a target recall, fed from the store: projected recall on the day.

The planner (:mod:`studyapp.study.exam_plan`, :mod:`studyapp.study.exam_tactic`) is
pure; this module reads what it needs for one exam (the scope's FSRS memory states,
the fitted parameters, the student's answer time and recent study minutes), runs it,
and keeps the result for as long as those inputs are unchanged: a plan runs the
scope day by day to the exam a few dozen times, seconds for a big scope, so the UI
runs :func:`project` in a worker. Across processes the database keeps what a plan
chose (its tactic, a short plan's shortfall) under a digest of those inputs: a
projection or a session with the same inputs then runs that tactic alone.

Cards never answered go in as the planner treats them: unseen, paced in as new.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from studyapp.settings import load_settings
from studyapp.store import Exam, Exams, Store
from studyapp.store.columns import tags_tuple
from studyapp.store.errors import DatabaseError
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
    shortfall_line,
)
from studyapp.study.exam_recall import Memory, MemoryState
from studyapp.study.exam_tactic import choice_key, plan_exam

__all__ = [
    "MAX_MINUTES_PER_DAY",
    "KeptPlan",
    "RecallForecast",
    "RecallInputs",
    "cached_forecast",
    "exam_projection",
    "kept_plan",
    "load_recall_inputs",
    "parse_minutes",
    "parse_target",
    "plan_review_ids",
    "planned_days",
    "project",
    "todays_plan",
]

# Without the student's own timing: seconds an answer takes.
DEFAULT_SECONDS_PER_ANSWER = 10.0
# A new card costs its first sight and the re-drills that follow a fail: about three answers.
ANSWERS_PER_NEW = 3.0
MIN_MINUTES_PER_DAY, MAX_MINUTES_PER_DAY = 1.0, 8 * 60.0
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
    if not MIN_MINUTES_PER_DAY <= value <= MAX_MINUTES_PER_DAY:
        raise ValueError(
            f"minutes {text.strip()} is out of range; "
            f"give {MIN_MINUTES_PER_DAY:.0f} to {MAX_MINUTES_PER_DAY:.0f} a day"
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
            # Never under the least a student may set: a few seconds' study a day
            # would otherwise leave a plan that plans nothing.
            else max(
                MIN_MINUTES_PER_DAY,
                round(default_minutes_per_day(store.exams.daily_study_minutes(today))),
            )
        ),
        seconds_per_review=per_answer,
        seconds_per_new=per_answer * ANSWERS_PER_NEW,
        window_days=margin_days(store),
        new_per_day=load_settings(store).new_per_day,
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
    return _planned(inputs)[0]


def planned_days(inputs: RecallInputs, kept: KeptPlan | None = None) -> tuple[PlanDay, ...]:
    """The days of the plan :func:`project` projects (kept with it); `kept`: what the
    database keeps for these inputs (:func:`kept_plan`), so only its tactic is run."""
    return _planned(inputs, kept)[1].days


def _planned(inputs: RecallInputs, kept: KeptPlan | None = None) -> tuple[RecallForecast, ExamPlan]:
    with _cache_lock:
        found = _cache.get(inputs)
    if found is not None:
        return found
    plan = plan_exam(
        inputs.cards,
        inputs.goal,
        Memory(inputs.parameters),
        chosen=kept.tactic if kept else None,
        searched=kept.shortfall if kept else None,
    )
    forecast = RecallForecast(
        goal=inputs.goal,
        default_budget=inputs.default_budget,
        if_followed=plan.if_followed,
        if_stopped=plan.if_stopped,
        daily_minutes=tuple(d.minutes for d in plan.days),
        tactic=plan.tactic,
        shortfall=shortfall_line(inputs.goal, plan.shortfall) if plan.shortfall else None,
    )
    global _plans_made
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[inputs] = (forecast, plan)
        _plans_made += 1
    return forecast, plan


@dataclass(frozen=True, slots=True)
class KeptPlan:
    """What the database keeps for a plan's inputs: its tactic, and what the shortfall's
    searches found (None: not worked out yet)."""

    tactic: Tactic
    shortfall: tuple[float | None, int | None] | None


def kept_plan(exams: Exams, inputs: RecallInputs) -> KeptPlan | None:
    """What is kept in the database for exactly these inputs (by digest), if anything."""
    return _kept(exams, inputs, _choice_key(inputs))


def _kept(exams: Exams, inputs: RecallInputs, key: str) -> KeptPlan | None:
    row = exams.kept_tactic(inputs.exam.id, key)
    if row is None:
        return None
    return KeptPlan(Tactic(*row), exams.kept_shortfall(inputs.exam.id, key))


def _choice_key(inputs: RecallInputs) -> str:
    return choice_key(inputs.cards, inputs.goal, inputs.parameters)


def exam_projection(store: Store, exam: Exam, today: date) -> RecallForecast:
    """The one projection of `exam` as of `today`: what home, the Exams dialog, `studyapp
    exam` and `stats --json` show, from the same inputs and plan the session follows.
    With a tactic (and shortfall) kept for exactly these inputs only that tactic is run;
    else the exam is planned and what it found kept for the next process."""
    inputs = load_recall_inputs(store, exam, today)
    key = _choice_key(inputs)
    kept = _kept(store.exams, inputs, key)
    forecast, plan = _planned(inputs, kept)
    short = plan.shortfall
    if kept is None or (short is not None and kept.shortfall is None):
        # Safe beside a session (home's worker has a connection of its own): one row
        # upserted in a short transaction, of the inputs this plan read, so a row may
        # be stale (then planned again) but never wrong. A cache: a busy or read-only
        # file still shows the projection (the next write says why).
        searched = None if short is None else (short.minutes_needed, short.days_earlier)
        with contextlib.suppress(DatabaseError):
            store.exams.keep_tactic(exam.id, key, *_tactic_row(forecast.tactic), searched)
    return forecast


def _tactic_row(tactic: Tactic) -> tuple[float, float]:
    return tactic.review_retention, tactic.window_aim


_tactics: dict[RecallInputs, Tactic] = {}
# Plans worked out so far: a day planned with the default tactic is planned again once
# the full plan's is known.
_plans_made = 0


def _tactic(inputs: RecallInputs, full_plan: bool, kept: Exams | None) -> Tactic:
    # The full plan's tactic: from the projection if worked out, else kept in the
    # database (`kept`) for these very inputs, else planned without the shortfall's
    # searches (all a day needs); the default one if not waited for. A full plan's
    # tactic is kept for the next start (not without `full_plan`: home writes nothing).
    with _cache_lock:
        found = _cache.get(inputs)
        tactic = found[0].tactic if found else _tactics.get(inputs)
    key = None
    if kept is not None:
        key = _choice_key(inputs)
        row = kept.kept_tactic(inputs.exam.id, key)
        if row is not None:
            if tactic is None:
                tactic = Tactic(*row)
                _remember(inputs, tactic)
            return tactic
    if tactic is None:
        if not full_plan:
            return Tactic(window_aim=inputs.goal.target)
        tactic = plan_exam(
            inputs.cards, inputs.goal, Memory(inputs.parameters), explain_shortfall=False
        ).tactic
        _remember(inputs, tactic)
    if kept is not None and key is not None and full_plan:
        kept.keep_tactic(inputs.exam.id, key, *_tactic_row(tactic))
    return tactic


def _remember(inputs: RecallInputs, tactic: Tactic) -> None:
    global _plans_made
    with _cache_lock:
        if len(_tactics) >= _CACHE_SIZE:
            _tactics.pop(next(iter(_tactics)))
        _tactics[inputs] = tactic
        _plans_made += 1


def todays_plan(
    inputs: RecallInputs,
    spent_minutes: float = 0.0,
    exam_reviews_done: int = 0,
    *,
    full_plan: bool = True,
    kept: Exams | None = None,
) -> PlanDay:
    """What the plan studies today, with `spent_minutes` of the budget gone already and
    `exam_reviews_done` exam reviews given: the day is planned afresh from the states as
    they are (one day), with the tactic of the full plan, the one :func:`project` shows.
    Without `full_plan` (a count on home, on the UI thread), a plan not worked out (nor
    kept) yet is not waited for: the default tactic. With `kept` (the store's exams),
    the tactic is read from and kept in the database, so the next start need not plan
    again."""
    tactic = _tactic(inputs, full_plan, kept)
    goal = replace(
        inputs.goal, minutes_per_day=max(0.0, inputs.goal.minutes_per_day - spent_minutes)
    )
    states = {card.item_id: card.memory for card in inputs.cards}
    return plan_day(states, goal.today, goal, tactic, Memory(inputs.parameters), exam_reviews_done)


# Each store's planned exam reviews for a day, kept while nothing in the database and
# no plan has changed: home counts new cards once per deck, and one day's plan (a few
# queries and the scope's states read) serves them all.
_planned_ids: weakref.WeakKeyDictionary[Store, tuple[tuple[Any, ...], list[int]]] = (
    weakref.WeakKeyDictionary()
)


def _state(store: Store, today: date, full_plan: bool) -> tuple[Any, ...]:
    return (today, full_plan, store.exams.change_mark(), _plans_made)


def plan_review_ids(
    store: Store,
    today: date,
    deck_id: str | None = None,
    tag: str | None = None,
    *,
    full_plan: bool = True,
) -> list[int]:
    """The daily queue's exam reviews from each coming exam's plan (its own target and
    budget, or the defaults: 90%, the student's median study day): today's final-window
    cards below target and reviews by gain in exam-day recall (cards that would be
    forgotten by the day come forward; what the day's budget left allows), those a
    session on `deck_id`/`tag` may show. Logged as exam reviews: SM-2 is left alone.
    `full_plan`: see :func:`todays_plan`.
    """
    with _cache_lock:
        known = _planned_ids.get(store)
    if known is not None and known[0] == _state(store, today, full_plan):
        ids = known[1]
    else:
        ids = []
        spent = store.exams.study_minutes_on(today)
        for exam in store.exams.active(today):
            if exam.date <= today:
                continue
            inputs = load_recall_inputs(store, exam, today)
            done = store.exams.reviews_on(exam, today)
            day = todays_plan(inputs, spent, done, full_plan=full_plan, kept=store.exams)
            ids += [*day.window, *day.reviews]
        # As it is now: planning may have worked out a full plan (reading changes nothing).
        state = _state(store, today, full_plan)
        with _cache_lock:
            _planned_ids[store] = (state, ids)
    return list(dict.fromkeys(store.exams.items_for_session(ids, today, deck_id, tag)))
