"""What a review session reports (counts, its summary) and keeps for undo."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, get_args

from studyapp.store import GradeResult

# What a session studies. scheduled: the SM-2 reviews and new cards; cram: study ahead;
# weak: the lowest-EF cards of a topic. Only "scheduled" changes SM-2 state; the others'
# answers are logged as cram.
SessionMode = Literal["scheduled", "cram", "weak"]
SESSION_MODES: tuple[SessionMode, ...] = get_args(SessionMode)
# Which queue the card on screen came from.
Bucket = Literal["new", "review", "exam", "redrill"]
# What set a card aside from the review screen.
SetAsideAction = Literal["suspend", "bury"]


def session_mode(mode: str) -> SessionMode:
    """`mode` as a SessionMode; ValueError for anything else."""
    for known in SESSION_MODES:
        if mode == known:
            return known
    raise ValueError(f"unknown session mode {mode!r}")


@dataclass(slots=True)
class Redrill:
    """A card failed this session, waiting to come back (SM-2 step 7)."""

    item_id: int
    # How many more cards come first; 0 or less: ready now.
    gap: int


@dataclass(frozen=True, slots=True)
class Counts:
    done: int
    new: int
    review: int
    redrill: int
    exam: int = 0

    @property
    def left(self) -> int:
        return self.new + self.review + self.redrill + self.exam


@dataclass
class Summary:
    reviewed: int = 0
    grades: Counter[int] = field(default_factory=Counter)
    # Time spent answering, each answer capped (studyapp.study.studytime).
    seconds: float = 0.0
    next_due: date | None = None
    due_tomorrow: int = 0
    # Unseen cards held back by the daily new-card limit (not by suspending or burying).
    new_waiting: bool = False

    @property
    def accuracy(self) -> float | None:
        total = sum(self.grades.values())
        return sum(n for g, n in self.grades.items() if g >= 3) / total if total else None


@dataclass(frozen=True, slots=True)
class Answer:
    """One graded answer, kept so undo can take it back."""

    result: GradeResult
    bucket: Bucket
    quality: int
    redrill_added: bool
    duration_ms: int


@dataclass(frozen=True, slots=True)
class SetAside:
    """A suspend or bury from the review screen, kept so undo can take it back."""

    action: SetAsideAction
    item_id: int
    bucket: Bucket
    buried_before: date | None
    dropped_redrills: tuple[int, ...]
