"""Fitting FSRS-6 parameters to the student's own review log (fsrs-rs's optimizer).

Pure: the log goes in, parameters come out. The caller decides when (in the
background, never while a review waits) and stores the result.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import fsrs_rs_python as fsrs_rs

from studyapp.memory.model import DEFAULT_PARAMETERS, Parameters, rating_for

__all__ = [
    "MIN_REVIEWS_TO_FIT",
    "REFIT_GROWTH",
    "LoggedReview",
    "by_item",
    "fit",
    "fsrs_reviews",
    "needs_fit",
    "training_items",
]

# Below this many reviews the defaults (fitted on ~10k Anki collections) predict
# better than anything fitted to so little; Anki's own optimizer asks for a
# similar amount before it changes much.
MIN_REVIEWS_TO_FIT = 1000
# Refit once the log has grown by a fifth since the last fit.
REFIT_GROWTH = 1.2


@dataclass(frozen=True, slots=True)
class LoggedReview:
    """One row of the review log, as fitting and evaluation read it (oldest first)."""

    item_id: int
    day: date
    grade: int
    # SM-2's interval in force before this answer (0: the item was new).
    sm2_interval: int


def by_item(log: Iterable[LoggedReview]) -> dict[int, list[LoggedReview]]:
    """The log split per item, each item's reviews in log order."""
    items: dict[int, list[LoggedReview]] = defaultdict(list)
    for review in log:
        items[review.item_id].append(review)
    return items


def fsrs_reviews(history: Sequence[LoggedReview]) -> list[fsrs_rs.FSRSReview]:
    """One item's history as fsrs-rs reviews: rating and days since the one before."""
    out = [fsrs_rs.FSRSReview(rating_for(history[0].grade), 0)]
    for before, now in itertools.pairwise(history):
        out.append(fsrs_rs.FSRSReview(rating_for(now.grade), max(0, (now.day - before.day).days)))
    return out


def training_items(log: Iterable[LoggedReview]) -> list[fsrs_rs.FSRSItem]:
    """One training item per review a day or more after the one before: its history so far."""
    items = []
    for history in by_item(log).values():
        reviews = fsrs_reviews(history)
        for end in range(1, len(reviews)):
            if history[end].day > history[end - 1].day:
                items.append(fsrs_rs.FSRSItem(reviews[: end + 1]))
    return items


def needs_fit(reviews_now: int, reviews_at_last_fit: int | None) -> bool:
    """Whether the log is big enough to fit, and has grown enough since the last fit."""
    if reviews_now < MIN_REVIEWS_TO_FIT:
        return False
    return reviews_at_last_fit is None or reviews_now >= reviews_at_last_fit * REFIT_GROWTH


def fit(log: Sequence[LoggedReview], minimum: int = MIN_REVIEWS_TO_FIT) -> Parameters:
    """FSRS-6 parameters fitted to `log`; the defaults while it holds fewer than `minimum`."""
    if len(log) < minimum:
        return DEFAULT_PARAMETERS
    items = training_items(log)
    if not items:
        return DEFAULT_PARAMETERS
    fitted = fsrs_rs.FSRS(list(DEFAULT_PARAMETERS)).compute_parameters(items)
    return tuple(float(w) for w in fitted)
