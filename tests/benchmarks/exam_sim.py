"""Exam preparation, simulated: true exam-day recall and minutes spent, per strategy.

    python tests/benchmarks/exam_sim.py --seed 1 --learners 20 --days 60 --cards 300 --budget 15

Each learner's memory follows FSRS-6 with hidden parameters of their own (the
defaults, perturbed) and their own answer times. Every strategy prepares the same
learners for the same exam: `days` study days, `cards` unseen cards, at most
`budget` minutes a day (answers past the budget wait for tomorrow). A strategy
sees only the grades (SM-2 quality 0-5) and the learner's average answer times;
the figures judge it by the hidden truth: the share of the cards the learner
remembers at the start of the exam day, and the minutes they studied.

Strategies:

* studyapp      studyapp.study.exam_plan (FSRS-6 defaults fitted to nothing, grades only);
* sm2_deadline  SM-2 intervals (studyapp.study.sm2), new cards paced to the date
                before a 7-day margin, as Anki's Deadline2 add-on does;
* fsrs_fixed    FSRS-6 at a fixed desired retention of 0.90 (Anki with FSRS), same pacing;
* remnote       SM-2 and the pacing, plus every card not seen in the last 7 days
                shown once in that window (RemNote's exam scheduler);
* fsrs_advance  fsrs_fixed, and any budget left over spent advancing the cards
                with the lowest predicted exam-day recall (FSRS Helper's Advance).

Anki's order: due reviews (most overdue first), then new cards. Output: JSON with
the means over learners per strategy. Deterministic for a seed.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from studyapp.study import sm2
from studyapp.study.exam_plan import ExamGoal, PlanCard, Tactic, plan_day
from studyapp.study.exam_recall import DEFAULT_PARAMETERS, Memory, MemoryState, rating_for
from studyapp.study.exam_tactic import plan_exam

STRATEGIES = ("studyapp", "sm2_deadline", "fsrs_fixed", "remnote", "fsrs_advance")
SM2_STRATEGIES = ("sm2_deadline", "remnote")
MARGIN_DAYS = 7
DESIRED_RETENTION = 0.90
TARGET = 0.90
START = date(2027, 1, 4)
# py-fsrs's bounds on each FSRS-6 parameter (a learner's must stay inside).
_LOW = (0.001,) * 4 + (1.0, 0.001, 0.001, 0.001, 0.0, 0.0, 0.001, 0.001, 0.001, 0.001)
_LOW += (0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.1)
_HIGH = (100.0,) * 4 + (10.0, 4.0, 4.0, 0.75, 4.5, 0.8, 3.5, 5.0, 0.25, 0.9, 4.0, 1.0, 6.0)
_HIGH += (2.0, 2.0, 0.8, 0.8)


@dataclass
class Learner:
    """The hidden truth: FSRS-6 parameters and answer times."""

    memory: Memory
    seconds_per_review: float
    seconds_per_new: float
    rng: random.Random


def make_learner(rng: random.Random) -> Learner:
    w = list(DEFAULT_PARAMETERS)
    initial = sorted(w[i] * math.exp(rng.gauss(0, 0.5)) for i in range(4))
    w[0:4] = initial
    w[8] += rng.gauss(0, 0.25)
    w[11] *= math.exp(rng.gauss(0, 0.3))
    w[20] = rng.uniform(0.1, 0.6)
    w = [min(hi, max(lo, x)) for x, lo, hi in zip(w, _LOW, _HIGH, strict=True)]
    review = rng.uniform(6.0, 14.0)
    return Learner(Memory(w), review, review * rng.uniform(2.0, 3.0), rng)


def answer(learner: Learner, truth: MemoryState | None, day: date) -> int:
    """The learner's SM-2 grade: recalled with the hidden recall chance (first sight: 70%)."""
    recall = 0.7 if truth is None else learner.memory.recall(truth, day)
    if learner.rng.random() >= recall:
        return 1
    return learner.rng.choices((3, 4, 5), (0.15, 0.75, 0.10))[0]


@dataclass
class Course:
    """One learner preparing for one exam with one strategy."""

    learner: Learner
    cards: int
    exam: date
    budget_minutes: float
    # SM-2 state only for the SM-2 strategies: advancing a card daily would
    # grow its SM-2 interval past the calendar.
    track_sm2: bool = False
    truth: dict[int, MemoryState | None] = field(default_factory=dict)
    seen: dict[int, MemoryState | None] = field(default_factory=dict)  # FSRS defaults, grades
    sm2: dict[int, sm2.SM2State] = field(default_factory=dict)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        for i in range(self.cards):
            self.truth[i] = None
            self.seen[i] = None
            self.sm2[i] = sm2.SM2State()

    def study(self, day: date, items: list[int]) -> None:
        """Answer `items` in order until the day's budget runs out (each card once a day)."""
        budget = self.budget_minutes * 60.0
        spent, done = 0.0, set()
        estimate = Memory()
        for item in items:
            if item in done:
                continue
            new = self.truth[item] is None
            cost = self.learner.seconds_per_new if new else self.learner.seconds_per_review
            if spent + cost > budget:
                break
            grade = answer(self.learner, self.truth[item], day)
            rating = rating_for(grade)
            self.truth[item] = self.learner.memory.review(self.truth[item], rating, day)
            self.seen[item] = estimate.review(self.seen[item], rating, day)
            if self.track_sm2:
                self.sm2[item] = sm2.review(self.sm2[item], grade, day)
            spent += cost
            done.add(item)
        self.seconds += spent

    def exam_recall(self) -> float:
        truth = self.learner.memory
        return sum(truth.recall(s, self.exam) for s in self.truth.values()) / self.cards

    def unseen(self) -> list[int]:
        return [i for i, s in self.truth.items() if s is None]

    def paced_new(self, day: date) -> list[int]:
        # Deadline2: all new cards in before the margin (then before the exam).
        unseen = self.unseen()
        days = (self.exam - timedelta(days=MARGIN_DAYS) - day).days
        if days < 1:
            days = max(1, (self.exam - day).days)
        return unseen[: -(-len(unseen) // days)]


def sm2_due(course: Course, day: date) -> list[int]:
    due = [i for i, s in course.sm2.items() if s.due is not None and s.due <= day]
    return sorted(due, key=lambda i: (course.sm2[i].due, i))


def fsrs_due(course: Course, day: date, estimate: Memory) -> list[int]:
    due: list[tuple[date, int]] = []
    for i, s in course.seen.items():
        if s is not None:
            when = s.last_day + timedelta(days=estimate.interval(s, DESIRED_RETENTION))
            if when <= day:
                due.append((when, i))
    return [i for _, i in sorted(due)]


def window_once_over(course: Course, day: date) -> list[int]:
    # RemNote: every card not reviewed since the window opened, once, spread evenly.
    start = course.exam - timedelta(days=MARGIN_DAYS)
    if day < start:
        return []
    owed = [i for i, s in course.seen.items() if s is not None and s.last_day < start]
    left = max(1, (course.exam - day).days)
    return owed[: -(-len(owed) // left)]


def advance(course: Course, day: date, estimate: Memory, skip: set[int]) -> list[int]:
    # FSRS Helper's Advance: spare time goes to the cards least likely to be recalled.
    at_exam = [
        (estimate.recall(s, course.exam), i)
        for i, s in course.seen.items()
        if s is not None and i not in skip and s.last_day < day
    ]
    return [i for r, i in sorted(at_exam) if r < TARGET]


class StudyAppPlan:
    """studyapp.study.exam_plan, replanned weekly (its tactic), followed daily."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.memory = Memory()
        self.tactic = Tactic()

    def goal(self, day: date) -> ExamGoal:
        c = self.course
        return ExamGoal(
            today=day,
            exam_date=c.exam,
            target=TARGET,
            minutes_per_day=c.budget_minutes,
            seconds_per_review=c.learner.seconds_per_review,
            seconds_per_new=c.learner.seconds_per_new,
            window_days=MARGIN_DAYS,
        )

    def __call__(self, day: date) -> list[int]:
        c = self.course
        if (day - START).days % 7 == 0:
            cards = [PlanCard(i, "all", s) for i, s in c.seen.items()]
            plan = plan_exam(cards, self.goal(day), self.memory, explain_shortfall=False)
            self.tactic = plan.tactic
        today = plan_day(c.seen, day, self.goal(day), self.tactic, self.memory)
        return list(today.new + today.window + today.reviews)


def strategy(name: str, course: Course) -> Callable[[date], list[int]]:
    estimate = Memory()
    if name == "studyapp":
        return StudyAppPlan(course)
    if name == "sm2_deadline":
        return lambda day: sm2_due(course, day) + course.paced_new(day)
    if name == "fsrs_fixed":
        return lambda day: fsrs_due(course, day, estimate) + course.paced_new(day)
    if name == "remnote":
        return lambda day: (
            sm2_due(course, day) + window_once_over(course, day) + course.paced_new(day)
        )
    if name == "fsrs_advance":

        def advanced(day: date) -> list[int]:
            first = fsrs_due(course, day, estimate) + course.paced_new(day)
            return first + advance(course, day, estimate, set(first))

        return advanced
    raise ValueError(name)


def run(seed: int, learners: int, days: int, cards: int, budget: float) -> dict[str, object]:
    """Every strategy on the same cohort; the means over learners."""
    exam = START + timedelta(days=days)
    results: dict[str, dict[str, list[float]]] = {
        s: {"recall": [], "minutes": []} for s in STRATEGIES
    }
    for n in range(learners):
        for name in STRATEGIES:
            # The same learner (parameters, times, random stream) for every strategy.
            learner = make_learner(random.Random(f"{seed}:{n}"))
            course = Course(learner, cards, exam, budget, name in SM2_STRATEGIES)
            choose = strategy(name, course)
            day = START
            while day < exam:
                course.study(day, choose(day))
                day += timedelta(days=1)
            results[name]["recall"].append(course.exam_recall())
            results[name]["minutes"].append(course.seconds / 60.0)
    summary = {
        name: {
            "exam_recall": round(statistics.fmean(r["recall"]), 4),
            "reached_target": round(sum(x >= TARGET for x in r["recall"]) / learners, 3),
            "minutes_total": round(statistics.fmean(r["minutes"]), 1),
            "minutes_per_day": round(statistics.fmean(r["minutes"]) / days, 2),
        }
        for name, r in results.items()
    }
    return {
        "seed": seed,
        "learners": learners,
        "days": days,
        "cards": cards,
        "budget_minutes_per_day": budget,
        "target": TARGET,
        "strategies": summary,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--cards", type=int, default=300)
    parser.add_argument("--budget", type=float, default=15.0, help="minutes a day")
    args = parser.parse_args(argv)
    if args.learners < 1 or args.days < 1 or args.cards < 1 or args.budget <= 0:
        parser.error("learners, days, cards and budget must be positive")
    json.dump(run(args.seed, args.learners, args.days, args.cards, args.budget), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
