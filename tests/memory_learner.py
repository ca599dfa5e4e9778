"""A simulated learner whose FSRS-6 parameters the tests know and the code does not.

Its memory follows py-fsrs (an implementation independent of the fsrs-rs the
app uses) with its own parameters; SM-2 schedules it, as the app does.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import fsrs

from studyapp.memory.fit import LoggedReview
from studyapp.study import sm2

# A student who forgets faster than the average Anki user and whose curve is steeper.
TRUE_PARAMETERS = (
    0.05, 0.2, 0.5, 2.0, 6.9, 0.6, 2.5, 0.01, 1.0, 0.25, 1.0, 1.9,
    0.09, 0.35, 1.9, 0.4, 2.2, 0.5, 0.09, 0.06, 0.45,
)  # fmt: skip
_RATING = {1: fsrs.Rating.Again, 2: fsrs.Rating.Hard, 3: fsrs.Rating.Good, 4: fsrs.Rating.Easy}


def simulate(items: int = 400, days: int = 240, seed: int = 7) -> list[LoggedReview]:
    """The log of `items` cards, ten new a day, reviewed when SM-2 says, for `days` days."""
    rng = random.Random(seed)
    memory = fsrs.Scheduler(
        TRUE_PARAMETERS, learning_steps=(), relearning_steps=(), enable_fuzzing=False
    )
    start = date(2026, 1, 1)
    cards = {i: fsrs.Card(card_id=i + 1) for i in range(items)}
    states = {i: sm2.SM2State() for i in range(items)}
    log: list[LoggedReview] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        new = range(offset * 10, min(items, offset * 10 + 10))
        due = [i for i, s in states.items() if s.due is not None and s.due <= day]
        for i in [*due, *new]:
            card, state = cards[i], states[i]
            if state.due is None:
                grade = rng.choices([1, 3, 4, 5], [0.3, 0.2, 0.4, 0.1])[0]
            elif rng.random() < memory.get_card_retrievability(card, moment):
                grade = rng.choices([3, 4, 5], [0.15, 0.7, 0.15])[0]
            else:
                grade = rng.choice([0, 1, 2])
            log.append(LoggedReview(i, day, grade, state.interval))
            rating = {0: 1, 1: 1, 2: 1, 3: 2, 4: 3, 5: 4}[grade]
            cards[i], _ = memory.review_card(card, _RATING[rating], moment)
            states[i] = sm2.review(state, grade, day)
    return log
