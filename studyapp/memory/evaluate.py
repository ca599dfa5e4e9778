"""How well a memory model predicts the student's answers, measured honestly.

A time-series split, as srs-benchmark does it: parameters are fitted on the
older part of the log and judged on the reviews that came after, which they
never saw. Four predictors are judged on the same reviews: FSRS-6 fitted,
FSRS-6 defaults, SM-2's intervals read as predictions (the benchmark's way:
the interval is when SM-2 expects 90% recall, R = 0.9 ** (t / I)), and the
constant guess of the student's average recall in the older part.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import fsrs_rs_python as fsrs_rs

from studyapp.memory.fit import LoggedReview, by_item, fit, fsrs_reviews
from studyapp.memory.model import DEFAULT_PARAMETERS, Parameters, recalled, retrievability

__all__ = ["TEST_SHARE", "Evaluation", "Scores", "evaluate", "log_loss", "rmse_bins"]

# The newest fifth of the log is held out; the rest is the past the fit sees.
TEST_SHARE = 0.2
_EPSILON = 1e-6


@dataclass(frozen=True, slots=True)
class Scores:
    """Log loss (lower is better; 0.693 is a coin toss) and RMSE(bins) (calibration)."""

    log_loss: float
    rmse_bins: float


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The four predictors judged on the same held-out reviews."""

    reviews: int
    fitted: Scores
    defaults: Scores
    sm2: Scores
    constant: Scores


@dataclass(frozen=True, slots=True)
class _Case:
    # One held-out review that every predictor can predict.
    index: int
    elapsed: int
    sm2_interval: int
    reviews_before: int
    lapses_before: int
    recalled: bool


def log_loss(predictions: Sequence[float], outcomes: Sequence[bool]) -> float:
    total = 0.0
    for p, y in zip(predictions, outcomes, strict=True):
        p = min(1 - _EPSILON, max(_EPSILON, p))
        total -= math.log(p if y else 1 - p)
    return total / len(predictions)


def _bin(value: int, base: float) -> int:
    # Logarithmic bins, as srs-benchmark's RMSE(bins) groups reviews.
    return 0 if value <= 0 else round(base ** math.floor(math.log(value) / math.log(base)))


def rmse_bins(
    predictions: Sequence[float], outcomes: Sequence[bool], keys: Sequence[tuple[int, int, int]]
) -> float:
    """Root mean squared gap between mean prediction and mean recall per bin, weighted by size."""
    sums: dict[tuple[int, int, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for p, y, key in zip(predictions, outcomes, keys, strict=True):
        cell = sums[key]
        cell[0] += p
        cell[1] += y
        cell[2] += 1
    squared = sum(n * ((p - y) / n) ** 2 for p, y, n in sums.values())
    return math.sqrt(squared / len(predictions))


def _cases(log: Sequence[LoggedReview]) -> list[_Case]:
    position = {id(review): index for index, review in enumerate(log)}
    out = []
    for history in by_item(log).values():
        lapses = 0
        for k, review in enumerate(history):
            if k and review.day > history[k - 1].day and review.sm2_interval > 0:
                out.append(
                    _Case(
                        position[id(review)],
                        (review.day - history[k - 1].day).days,
                        review.sm2_interval,
                        k,
                        lapses,
                        recalled(review.grade),
                    )
                )
            lapses += not recalled(review.grade)
    return sorted(out, key=lambda case: case.index)


def _fsrs_predictions(
    parameters: Parameters, log: Sequence[LoggedReview], cases: Sequence[_Case]
) -> list[float]:
    # Stability before each review, from the whole history before it.
    histories = by_item(log)
    ids = list(histories)
    items = []
    for item_id in ids:
        items.append(fsrs_rs.FSRSItem(fsrs_reviews(histories[item_id])))
    states = fsrs_rs.FSRS(list(parameters)).historical_memory_state_batch(items)
    stability_before: dict[int, float] = {}
    position = {id(review): index for index, review in enumerate(log)}
    for item_id, item_states in zip(ids, states, strict=True):
        for k, review in enumerate(histories[item_id][1:], start=1):
            stability_before[position[id(review)]] = item_states[k - 1].stability
    return [retrievability(parameters, stability_before[c.index], c.elapsed) for c in cases]


def _scores(predictions: Sequence[float], cases: Sequence[_Case]) -> Scores:
    outcomes = [case.recalled for case in cases]
    keys = [
        (_bin(c.elapsed, 3.62), _bin(c.reviews_before, 1.89), _bin(c.lapses_before + 1, 1.73))
        for c in cases
    ]
    return Scores(log_loss(predictions, outcomes), rmse_bins(predictions, outcomes, keys))


def _fit_past(past: Sequence[LoggedReview]) -> Parameters:
    # The older part of a log just big enough to fit is below the minimum; it is
    # fitted anyway, or "fitted" would be the defaults under another name.
    return fit(past, minimum=0)


def evaluate(
    log: Sequence[LoggedReview],
    fitter: Callable[[Sequence[LoggedReview]], Parameters] = _fit_past,
    test_share: float = TEST_SHARE,
) -> Evaluation | None:
    """Fit on the older reviews, score every predictor on the newer ones (None: nothing to score)."""
    cut = int(len(log) * (1 - test_share))
    cases = _cases(log)
    past = [case for case in cases if case.index < cut]
    held_out = [case for case in cases if case.index >= cut]
    if not past or not held_out:
        return None
    fitted = fitter(log[:cut])
    average = sum(case.recalled for case in past) / len(past)
    return Evaluation(
        reviews=len(held_out),
        fitted=_scores(_fsrs_predictions(fitted, log, held_out), held_out),
        defaults=_scores(_fsrs_predictions(DEFAULT_PARAMETERS, log, held_out), held_out),
        sm2=_scores([0.9 ** (c.elapsed / c.sm2_interval) for c in held_out], held_out),
        constant=_scores([average] * len(held_out), held_out),
    )
