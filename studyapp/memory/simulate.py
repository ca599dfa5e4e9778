"""What a scheduler would ask of the student: reviews and minutes per day ahead.

A Monte Carlo run over the student's own cards: each card starts from its
memory state (and, for SM-2, its SM-2 state); on each review day the student
remembers with the model's predicted chance, is graded 4 (remembered) or 1
(forgotten), and the scheduler sets the next review. FSRS schedules each card
for when recall falls to the desired retention; SM-2 schedules as it does.
New cards are left out: the load shown is what the cards already studied ask.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from studyapp.memory.model import MemoryState, Parameters, Retrieval, retrievability, step
from studyapp.memory.schedule import RETENTION_RANGE, fsrs_interval
from studyapp.study import sm2

__all__ = [
    "DEFAULT_DAYS",
    "DEFAULT_RETENTIONS",
    "DEFAULT_SECONDS_PER_ANSWER",
    "RETENTION_RANGE",
    "CardToSimulate",
    "Load",
    "fsrs_interval",
    "retentions_to_compare",
    "simulate_load",
]

# What `studyapp simulate` and the Settings screen's "Help me decide" compare by default.
DEFAULT_RETENTIONS = (0.80, 0.85, 0.90, 0.95)
DEFAULT_DAYS = 30
# Before the student has timed answers: a typical flashcard answer.
DEFAULT_SECONDS_PER_ANSWER = 8.0


@dataclass(frozen=True, slots=True)
class CardToSimulate:
    memory: MemoryState
    sm2: sm2.SM2State


@dataclass(frozen=True, slots=True)
class Load:
    """One scheduler's daily load over the days simulated (index 0: today)."""

    scheduler: str  # "sm2" or "fsrs@0.90"
    reviews: list[int]
    minutes: list[float]
    # Predicted recall on the last day, averaged over the cards: what the load buys.
    recall_at_end: float | None

    @property
    def reviews_per_day(self) -> float:
        return sum(self.reviews) / len(self.reviews)

    @property
    def minutes_per_day(self) -> float:
        return sum(self.minutes) / len(self.minutes)


def retentions_to_compare(desired: float | None) -> tuple[float, ...]:
    """The default retentions, with the student's own desired retention among them."""
    chosen = {round(r, 2) for r in DEFAULT_RETENTIONS}
    if desired is not None:
        chosen.add(round(desired, 2))
    return tuple(sorted(chosen))


def _run(
    parameters: Parameters,
    cards: Sequence[CardToSimulate],
    today: date,
    days: int,
    retention: float | None,
    seconds_per_review: float,
    rng: random.Random,
) -> Load:
    reviews = [0] * days
    end = today + timedelta(days=days - 1)
    recall_sum = 0.0
    for card in cards:
        memory, schedule = card.memory, card.sm2
        if retention is None:
            due = schedule.due or today
        else:
            due = memory.last_day + timedelta(
                days=fsrs_interval(parameters, memory.stability, retention)
            )
        due = max(due, today)
        while due <= end:
            elapsed = (due - memory.last_day).days
            remembered = rng.random() < retrievability(parameters, memory.stability, elapsed)
            grade = 4 if remembered else 1
            reviews[(due - today).days] += 1
            memory = step(parameters, memory, Retrieval(due, grade))
            if retention is None:
                schedule = sm2.review(schedule, grade, due)
                next_due = schedule.due or due + timedelta(days=1)
            else:
                next_due = due + timedelta(
                    days=fsrs_interval(parameters, memory.stability, retention)
                )
            due = max(next_due, due + timedelta(days=1))
        recall_sum += retrievability(parameters, memory.stability, (end - memory.last_day).days)
    label = "sm2" if retention is None else f"fsrs@{retention:.2f}"
    return Load(
        label,
        reviews,
        [n * seconds_per_review / 60 for n in reviews],
        recall_sum / len(cards) if cards else None,
    )


def simulate_load(
    parameters: Parameters,
    cards: Sequence[CardToSimulate],
    today: date,
    days: int,
    retentions: Sequence[float],
    seconds_per_review: float,
    seed: int = 0,
) -> list[Load]:
    """SM-2's load, then FSRS's at each desired retention, over `days` days from `today`."""
    for r in retentions:
        if not RETENTION_RANGE[0] <= r <= RETENTION_RANGE[1]:
            raise ValueError(f"desired retention must be 0.70-0.97, not {r}")
    return [
        _run(parameters, cards, today, days, r, seconds_per_review, random.Random(seed))
        for r in (None, *retentions)
    ]
