"""FSRS-6 memory states: stability, difficulty and the day of the last retrieval.

SM-2 keeps scheduling; this model only says how likely the student is to
remember. Every retrieval counts (scheduled, re-drill, cram, exam), because
each one changes memory whatever the scheduler does with it. The arithmetic is
fsrs-rs (the Rust FSRS that Anki uses), so a step and a replay are the same
code: replaying a log gives exactly the state that stepping it did.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import fsrs_rs_python as fsrs_rs

__all__ = [
    "DEFAULT_PARAMETERS",
    "GRADE_TO_RATING",
    "MemoryState",
    "Parameters",
    "Retrieval",
    "rating_for",
    "recalled",
    "replay",
    "replay_many",
    "retrievability",
    "step",
]

Parameters = tuple[float, ...]
DEFAULT_PARAMETERS: Parameters = tuple(fsrs_rs.DEFAULT_PARAMETERS)

# SM-2 grades 0-5 to FSRS ratings 1-4. Every fail (0, 1, 2) is Again: FSRS
# knows one kind of forgetting. The passes keep their order: 3 "correct with
# serious difficulty" is Hard, 4 "after some hesitation" Good, 5 "perfect" Easy.
GRADE_TO_RATING: dict[int, int] = {0: 1, 1: 1, 2: 1, 3: 2, 4: 3, 5: 4}


def rating_for(grade: int) -> int:
    """The FSRS rating (1 Again … 4 Easy) of an SM-2 grade."""
    try:
        return GRADE_TO_RATING[grade]
    except KeyError:
        raise ValueError(f"grade must be 0-5, not {grade!r}") from None


def recalled(grade: int) -> bool:
    """Whether an answer counts as remembered (what the model predicts)."""
    return grade >= 3


@dataclass(frozen=True, slots=True)
class Retrieval:
    """One answer as the memory model sees it: the study day and the grade."""

    day: date
    grade: int


@dataclass(frozen=True, slots=True)
class MemoryState:
    """An item's memory after its last retrieval. Stability is in days."""

    stability: float
    difficulty: float
    last_day: date
    reviews: int


@lru_cache(maxsize=8)
def _model(parameters: Parameters) -> fsrs_rs.FSRS:
    # Building the model checks and fills the parameters; once per parameter set.
    return fsrs_rs.FSRS(list(parameters))


def _elapsed(before: date, after: date) -> int:
    # A clock set back must not make time run backwards.
    return max(0, (after - before).days)


def step(parameters: Parameters, state: MemoryState | None, retrieval: Retrieval) -> MemoryState:
    """The memory state after one more retrieval (None: the item's first)."""
    rating = rating_for(retrieval.grade)
    if state is None:
        current, elapsed, count = None, 0, 0
    else:
        current = fsrs_rs.MemoryState(state.stability, state.difficulty)
        elapsed, count = _elapsed(state.last_day, retrieval.day), state.reviews
    # Desired retention only shapes intervals, which this model does not use.
    nexts = _model(parameters).next_states(current, 0.9, elapsed)
    memory = (nexts.again, nexts.hard, nexts.good, nexts.easy)[rating - 1].memory
    return MemoryState(memory.stability, memory.difficulty, retrieval.day, count + 1)


def replay(parameters: Parameters, log: Sequence[Retrieval]) -> MemoryState | None:
    """The memory state an item's whole log (oldest first) leads to."""
    return replay_many(parameters, [log])[0]


def _item(log: Sequence[Retrieval]) -> fsrs_rs.FSRSItem:
    reviews = [fsrs_rs.FSRSReview(rating_for(log[0].grade), 0)]
    reviews += [
        fsrs_rs.FSRSReview(rating_for(now.grade), _elapsed(before.day, now.day))
        for before, now in itertools.pairwise(log)
    ]
    return fsrs_rs.FSRSItem(reviews)


def replay_many(
    parameters: Parameters, logs: Sequence[Sequence[Retrieval]]
) -> list[MemoryState | None]:
    """Replay many items' logs at once (one call into fsrs-rs: fast)."""
    wanted = [i for i, log in enumerate(logs) if log]
    results: list[MemoryState | None] = [None] * len(logs)
    if not wanted:
        return results
    states = _model(parameters).memory_state_batch([_item(logs[i]) for i in wanted])
    for i, memory in zip(wanted, states, strict=True):
        log = logs[i]
        results[i] = MemoryState(memory.stability, memory.difficulty, log[-1].day, len(log))
    return results


def retrievability(parameters: Parameters, stability: float, elapsed_days: float) -> float:
    """Predicted chance of recall `elapsed_days` after the last retrieval (FSRS-6's curve).

    R = (1 + factor * t / S) ** -decay, with decay = w20 and the factor that
    makes R = 0.9 when t = S.
    """
    decay = parameters[20]
    factor = 0.9 ** (-1 / decay) - 1
    return float((1 + factor * max(0.0, elapsed_days) / stability) ** -decay)
