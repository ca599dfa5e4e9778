"""What one answer does: which kinds reschedule, what counts as a fail, when a card is a leech.

Pure rules over plain values (no SQL): the store calls them inside its grading
transaction, after reading the figures they need.
"""

from __future__ import annotations

from typing import Literal, get_args

# How an answer is logged. scheduled: the card's SM-2 review; redrill: a card failed
# earlier in the session, again (SM-2 step 7); cram: study ahead; exam: a final-window
# review before an exam (see studyapp.study.exam).
ReviewKind = Literal["scheduled", "redrill", "cram", "exam"]
REVIEW_KINDS: tuple[ReviewKind, ...] = get_args(ReviewKind)
# Only these change the SM-2 state; the others leave the card's schedule alone.
RESCHEDULING_KINDS: tuple[ReviewKind, ...] = ("scheduled",)
# Grades below this are fails (SM-2: 3 is a correct answer with difficulty).
PASSING_GRADE = 3


def review_kind(kind: str) -> ReviewKind:
    """`kind` as a ReviewKind; ValueError for anything else."""
    for known in REVIEW_KINDS:
        if kind == known:
            return known
    raise ValueError(f"unknown review kind {kind!r}")


def reschedules(kind: ReviewKind) -> bool:
    """Whether an answer of this kind applies SM-2 to the card."""
    return kind in RESCHEDULING_KINDS


def counts_as_fail(kind: ReviewKind, quality: int) -> bool:
    """A failed answer that counts towards a leech: only one that reschedules."""
    return reschedules(kind) and quality < PASSING_GRADE


def becomes_leech(fails: int, was_leech: bool, threshold: int | None) -> bool:
    """After a counted fail: whether the card, with `fails` counted fails now, turns into
    a leech (flagged and suspended). No threshold (None or 0): no leeches."""
    return bool(threshold) and not was_leech and fails >= (threshold or 0)


def stops_being_leech(fails: int, is_leech: bool, threshold: int | None) -> bool:
    """After an undo: whether a leech, down to `fails` counted fails, stops being one."""
    return bool(threshold) and is_leech and fails < (threshold or 0)
