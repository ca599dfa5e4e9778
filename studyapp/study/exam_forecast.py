"""The forecast towards an exam: SM-2 replayed day by day with the student's own grades.

:func:`simulate` is deterministic for a given seed: it runs the same rules a
real session follows (:mod:`studyapp.study.exam`: paced new cards, due reviews; the
exam reviews of the exam's plan, :mod:`studyapp.study.exam_recall_plan`, the same plan
the session takes them from, worked out with it), drawing each grade from the
distribution the student gave cards in that state (new, learning, young,
mature) over the last :data:`HISTORY_DAYS` days. Two runs: the daily load for a
student who studies every day, and the final-window coverage for one who
studies on the share of days this student did lately.

:func:`load_inputs` reads what it needs (a few queries, on the caller's
thread); :func:`simulate` may then run anywhere, e.g. in a worker thread.

Then what `studyapp exam` and `stats --json` say of each exam: this forecast and the
projected recall on the day.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from studyapp.store import MATURE_DAYS, Exam, Store
from studyapp.study import sm2
from studyapp.study.exam import (
    MAX_DAYS_AHEAD,
    exam_statuses,
    margin_days,
    raw_new_per_day,
    short_date,
    window_start,
)
from studyapp.study.exam_plan import Projection
from studyapp.study.exam_recall_plan import (
    KeptPlan,
    RecallForecast,
    RecallInputs,
    exam_projection,
    kept_plan,
    load_recall_inputs,
    planned_days,
)

HISTORY_DAYS = 90
# Until the student has graded cards in a state: a plausible spread, mostly passes.
DEFAULT_GRADES: Mapping[int, int] = {1: 1, 2: 1, 3: 2, 4: 4, 5: 2}


@dataclass(frozen=True, slots=True)
class DayLoad:
    day: date
    reviews: int
    new: int
    exam: int

    @property
    def total(self) -> int:
        return self.reviews + self.new + self.exam


@dataclass(frozen=True, slots=True)
class Forecast:
    days: tuple[DayLoad, ...]
    # Share of the scope reviewed at least once in the final window (0..1).
    final_window_coverage: float

    @property
    def average(self) -> float:
        return sum(d.total for d in self.days) / len(self.days) if self.days else 0.0

    @property
    def peak(self) -> int:
        return max((d.total for d in self.days), default=0)

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {"date": d.day.isoformat(), "reviews": d.reviews, "new": d.new, "exam": d.exam}
            for d in self.days
        ]


@dataclass(frozen=True)
class ForecastInputs:
    """Everything :func:`simulate` needs, read from the store in one go."""

    exam_date: date
    today: date
    margin: int
    normal_new_per_day: int
    # In deck order, unseen cards first.
    states: tuple[sm2.SM2State, ...]
    reviewed_in_window: frozenset[int]
    new_introduced_today: int
    grades: Mapping[str, Mapping[int, int]]
    study_share: float = 1.0
    seed: int = 0
    key: tuple[Any, ...] = field(default=())
    # Each state's item, and the exam's plan inputs: its exam reviews come from that plan
    # (with what is kept for them, if anything: then only its tactic is run).
    item_ids: tuple[int, ...] = ()
    recall: RecallInputs | None = None
    recall_kept: KeptPlan | None = None


def card_state(state: sm2.SM2State) -> str:
    """How :class:`studyapp.store` classes an item: new, learning, young or mature."""
    if state.due is None:
        return "new"
    if state.repetitions < 2:
        return "learning"
    return "young" if state.interval < MATURE_DAYS else "mature"


def load_inputs(store: Store, exam: Exam, today: date, new_per_day: int) -> ForecastInputs:
    margin = margin_days(store)
    start = window_start(exam.date, margin)
    rows = store.exams.forecast_items(exam, start)
    states = tuple(
        sm2.SM2State(ef, interval, reps, date.fromisoformat(due) if due else None, lapses)
        for ef, interval, reps, lapses, due, _, _ in rows
    )
    reviewed = frozenset(index for index, row in enumerate(rows) if row[5])
    _, introduced_today = store.exams.unseen(exam, today)
    since = today - timedelta(days=28)
    studied, first = store.exams.study_days_since(since)
    span = (today - max(first, since)).days + 1 if first else 0
    # A student with under a week of history is assumed to keep studying daily.
    share = studied / span if span >= 7 else 1.0
    grades = store.exams.grade_counts_by_state(today - timedelta(days=HISTORY_DAYS))
    recall = load_recall_inputs(store, exam, today)
    return ForecastInputs(
        exam_date=exam.date,
        today=today,
        margin=margin,
        normal_new_per_day=new_per_day,
        states=states,
        reviewed_in_window=reviewed,
        new_introduced_today=introduced_today,
        grades=grades,
        study_share=min(1.0, share),
        seed=exam.id,
        key=(exam, today, margin, new_per_day, len(states)),
        item_ids=tuple(row[6] for row in rows),
        recall=recall,
        recall_kept=kept_plan(store.exams, recall),
    )


def _planned_exam_reviews(inputs: ForecastInputs) -> dict[date, list[int]]:
    # Day -> the states (by index) the exam's plan gives an exam review that day.
    if inputs.recall is None:
        return {}
    index = {item_id: i for i, item_id in enumerate(inputs.item_ids)}
    return {
        day.day: [index[i] for i in day.window + day.reviews if i in index]
        for day in planned_days(inputs.recall, inputs.recall_kept)
    }


def _grade_sampler(
    grades: Mapping[str, Mapping[int, int]], rng: random.Random
) -> dict[str, tuple[list[int], list[int]]]:
    overall: dict[int, int] = {}
    for by_grade in grades.values():
        for grade, n in by_grade.items():
            overall[grade] = overall.get(grade, 0) + n
    fallback = overall or dict(DEFAULT_GRADES)
    table = {}
    for state in ("new", "learning", "young", "mature"):
        chosen = grades.get(state) or fallback
        table[state] = (list(chosen), list(chosen.values()))
    return table


def simulate(inputs: ForecastInputs, study_share: float | None = None) -> Forecast:
    """Replay each day from today to the exam day; deterministic for `inputs.seed`."""
    share = inputs.study_share if study_share is None else study_share
    rng = random.Random(inputs.seed)
    sampler = _grade_sampler(inputs.grades, rng)
    states = list(inputs.states)
    today, exam_date, margin = inputs.today, inputs.exam_date, inputs.margin
    start = window_start(exam_date, margin)
    # An exam set too far ahead (before dates were limited) is replayed only so far.
    last_day = min(exam_date, today + timedelta(days=MAX_DAYS_AHEAD))
    reviewed = set(inputs.reviewed_in_window)
    unseen = [i for i, s in enumerate(states) if s.due is None]
    unseen.reverse()  # pop() takes them in deck order
    # Due day -> cards; anything overdue is due today.
    due_on: dict[date, list[int]] = {}
    for index, state in enumerate(states):
        if state.due is not None:
            due_on.setdefault(max(state.due, today), []).append(index)
    planned = _planned_exam_reviews(inputs)
    carried: list[int] = []
    days: list[DayLoad] = []
    day = today
    while day <= last_day:
        due_today = due_on.pop(day, [])
        if day != today and rng.random() >= share:
            # A day off: today's work waits for the next day.
            due_on.setdefault(day + timedelta(days=1), []).extend(due_today)
            carried += planned.pop(day, [])
            days.append(DayLoad(day, 0, 0, 0))
            day += timedelta(days=1)
            continue
        in_window = day >= start
        due_set = set(due_today)

        def grade(index: int, day: date = day, in_window: bool = in_window) -> None:
            grades, weights = sampler[card_state(states[index])]
            after = sm2.review(states[index], rng.choices(grades, weights)[0], day)
            states[index] = after
            assert after.due is not None
            due_on.setdefault(after.due, []).append(index)
            if in_window:
                reviewed.add(index)

        for index in due_today:
            grade(index)
        already = inputs.new_introduced_today if day == today else 0
        pace = raw_new_per_day(len(unseen) + already, day, exam_date, margin)
        new = min(len(unseen), max(pace, inputs.normal_new_per_day) - already)
        for _ in range(max(0, new)):
            grade(unseen.pop())
        # The plan's exam reviews (a skipped day's wait for the next): not for a card
        # reviewed as due today or one SM-2 has not seen; SM-2 state untouched.
        exams = [
            i
            for i in dict.fromkeys([*carried, *planned.pop(day, [])])
            if i not in due_set and states[i].due is not None
        ]
        carried = []
        if in_window:
            reviewed.update(exams)
        days.append(DayLoad(day, len(due_today), max(0, new), len(exams)))
        day += timedelta(days=1)
    coverage = len(reviewed) / len(states) if states else 1.0
    return Forecast(tuple(days), coverage)


def forecast_exam(inputs: ForecastInputs) -> Forecast:
    """The daily load of a student who studies every day, and the coverage at their own pace."""
    daily = simulate(inputs, study_share=1.0)
    if inputs.study_share >= 1.0:
        return daily
    return Forecast(daily.days, simulate(inputs).final_window_coverage)


def forecast_line(forecast: Forecast) -> str:
    """`~35/day (max 52) · 100% reviewed in the final window`: cards a day, all kinds."""
    return (
        f"~{round(forecast.average)}/day (max {forecast.peak}) · "
        f"{forecast.final_window_coverage:.0%} reviewed in the final window"
    )


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


def exam_json(store: Store, today: date, new_per_day: int) -> list[dict[str, Any]]:
    """The `exams` list of `studyapp stats --json` (exams not yet past)."""

    out = []
    for status in exam_statuses(store, today, new_per_day):
        forecast = forecast_exam(load_inputs(store, status.exam, today, new_per_day))
        recall = exam_projection(store, status.exam, today)
        out.append(
            {
                "name": status.exam.name,
                "date": status.exam.date.isoformat(),
                "days_left": status.days_left,
                "scope": {"decks": list(status.exam.deck_ids), "tags": list(status.exam.tags)},
                "cards": status.total,
                "seen": status.seen,
                "new_left": status.unseen,
                "new_per_day": status.new_per_day,
                "final_window_start": status.window_start.isoformat(),
                "forecast": forecast.to_json(),
                "final_window_coverage": round(forecast.final_window_coverage, 4),
                "recall": recall_json(recall),
            }
        )
    return out


def report_lines(store: Store, today: date, new_per_day: int) -> list[str]:
    """What `studyapp exam` prints: each coming exam in numbers, then past ones with grades."""
    names = store.decks.names()
    lines: list[str] = []
    for status in exam_statuses(store, today, new_per_day):
        exam = status.exam
        forecast = forecast_exam(load_inputs(store, exam, today, new_per_day))
        days = status.days_left
        lines += [
            f"{exam.name} — {exam.date.isoformat()} "
            f"({'today' if days == 0 else f'in {days} day' + 's' * (days != 1)}) · "
            f"{exam.describe_scope(names)}",
            f"  seen {status.seen}/{status.total} · {status.new_per_day} new/day "
            f"(normal {status.normal_new_per_day}) · final window from "
            f"{short_date(status.window_start, today)}",
            f"  forecast {forecast_line(forecast)}",
        ]
        recall = exam_projection(store, exam, today)
        lines += [f"  {recall_line(recall)}", f"  {load_line(recall)}"]
        if recall.if_followed.by_topic:
            lines.append(f"  by topic, if followed: {topics_line(recall.if_followed)}")
        if recall.shortfall:
            lines.append(f"  short of target: {recall.shortfall}")
    margin = margin_days(store)
    for exam in store.exams.all():
        if exam.date >= today:
            continue
        grades = store.exams.window_grades(exam, window_start(exam.date, margin))
        answers = sum(grades.values())
        spread = " ".join(f"{g}:{grades.get(g, 0)}" for g in range(6))
        lines.append(
            f"{exam.name} — {exam.date.isoformat()} (past) · final-window grades {spread} "
            f"({answers} answer{'s' * (answers != 1)})"
        )
    return lines
