"""What a review session reports (counts, its summary) and keeps for undo."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from studyapp.store import GradeResult


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
    # Time spent answering, each answer capped (studyapp.studytime).
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
    bucket: str  # "new" | "review" | "exam" | "redrill"
    quality: int
    redrill_added: bool
    duration_ms: int


@dataclass(frozen=True, slots=True)
class SetAside:
    """A suspend or bury from the review screen, kept so undo can take it back."""

    action: str  # "suspend" | "bury"
    item_id: int
    bucket: str
    buried_before: date | None
    dropped_redrills: tuple[int, ...]
