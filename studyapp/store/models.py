"""The records the store hands out, and how a study item is classed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from studyapp.cards import CardContent
from studyapp.cardtext import Faces
from studyapp.study import sm2
from studyapp.study.review_rules import ReviewKind

if TYPE_CHECKING:
    from studyapp.store.history_import import HistoryMerge


@dataclass(frozen=True, slots=True)
class StudyItem:
    """Everything the review screen needs about one study item."""

    id: int
    card_id: int
    deck_id: str
    deck_name: str
    card_key: str
    ord: int
    content: CardContent
    note: str
    state: sm2.SM2State
    suspended: bool

    @property
    def faces(self) -> Faces:
        return self.content.faces(self.ord)


@dataclass(frozen=True, slots=True)
class GradeResult:
    review_id: int
    item_id: int
    before: sm2.SM2State
    after: sm2.SM2State
    # This answer reached the leech threshold: the item is now suspended and flagged.
    became_leech: bool = False
    # How it was logged: with once_a_day, a second scheduled answer in a day is a re-drill.
    kind: ReviewKind = "scheduled"


@dataclass
class DeckChanges:
    """What importing one deck did."""

    deck_id: str
    deck_name: str
    created: bool = False
    added: int = 0
    updated: int = 0
    retired: int = 0
    restored: int = 0
    renamed: bool = False
    described: bool = False
    removed: bool = False  # the whole deck left the set it came from

    @property
    def changed(self) -> bool:
        return bool(
            self.created
            or self.renamed
            or self.described
            or self.added
            or self.updated
            or self.retired
            or self.restored
            or self.removed
        )

    def summary(self) -> str:
        """One line: what changed, counted in notes (a deck file's entries, an Anki
        package's notes), which the first count says: "cards" are what the student
        reviews, and a reversed note is two of them."""
        if not self.changed:
            return f"{self.deck_name}: unchanged"
        counts = [
            (n, word)
            for n, word in (
                (self.added, "added"),
                (self.updated, "updated"),
                (self.retired, "retired"),
                (self.restored, "restored"),
            )
            if n
        ]
        # The unit once, on the first count: "(1 note added, 2 updated)".
        parts = [
            f"{n} note{'s' * (n != 1)} {word}" if i == 0 else f"{n} {word}"
            for i, (n, word) in enumerate(counts)
        ]
        head = (
            "new deck"
            if self.created
            else "removed"
            if self.removed
            else "renamed"
            if self.renamed
            else "updated"
        )
        return f"{self.deck_name}: {head}" + (f" ({', '.join(parts)})" if parts else "")


@dataclass
class ImportReport:
    decks: list[DeckChanges] = field(default_factory=list)
    # The review history that came with the import (an Anki package's log), if any.
    history: HistoryMerge | None = None

    @property
    def changed(self) -> bool:
        return any(d.changed for d in self.decks)


# How a study item is classed for browsing and stats. SM-2 has no learning
# steps, so "learning" is the fixed 1- and 6-day steps (fewer than two
# successful repetitions); "young" and "mature" split at 21 days, as Anki does.
ITEM_STATES = ("new", "learning", "young", "mature", "suspended")
MATURE_DAYS = 21
STATE_SQL = (
    "CASE WHEN i.suspended THEN 'suspended' WHEN i.due IS NULL THEN 'new' "
    "WHEN i.repetitions < 2 THEN 'learning' "
    f"WHEN i.interval < {MATURE_DAYS} THEN 'young' ELSE 'mature' END"
)


@dataclass(frozen=True, slots=True)
class BrowseRow:
    item_id: int
    card_id: int
    deck_name: str
    personal: bool
    label: str
    tags: tuple[str, ...]
    state: str
    ef_hundredths: int
    interval: int
    due: date | None
    lapses: int


@dataclass(frozen=True, slots=True)
class DeckCounts:
    id: str
    name: str
    total: int
    new: int
    due: int


@dataclass(frozen=True, slots=True)
class Exam:
    """A date the student revises towards, and what it covers (no decks and no tags: all)."""

    id: int
    name: str
    date: date
    deck_ids: tuple[str, ...]
    tags: tuple[str, ...]
    # Target recall on the day (0-1) and daily budget in minutes; None: the defaults.
    target: float | None = None
    minutes_per_day: float | None = None

    def describe_scope(self, deck_names: dict[str, str] | None = None) -> str:
        names = [(deck_names or {}).get(d, d) for d in self.deck_ids]
        names += [f"tag {t}" for t in self.tags]
        return ", ".join(names) if names else "all decks"


class TagGroup(NamedTuple):
    """Figures for the items whose card has one exact value of cards.tags.

    (A NamedTuple: only stats uses it, and a dataclass costs start-up time to build.)
    """

    tags: str
    items: int  # active items
    mature: int  # of those, reviewed with an interval of 21 days or more
    recent_reviews: int  # scheduled reviews (not first sight) since the window's start
    recent_passed: int  # of those, graded 3 or more
    # The lowest-EF reviewed active items, then most lapses: (id, label, ef, lapses).
    weakest: tuple[tuple[int, str, int, int], ...]
