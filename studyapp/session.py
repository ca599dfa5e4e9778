"""A review session: which card comes next, re-drills (SM-2 step 7) and undo.

Pure domain logic over a :class:`~studyapp.store.Store`; the TUI drives it
and the benchmarks time it. Every grade is committed by the store before the
next card is chosen, so quitting at any moment loses nothing already graded.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from time import monotonic

from studyapp import exam, sm2
from studyapp.store import GradeResult, Store, StudyItem

DEFAULT_NEW_PER_DAY = 20
# A card graded below 4 comes back after this many other cards (SM-2 step 7).
REDRILL_GAP = 3
REDRILL_THRESHOLD = 4
WEAK_SPOTS_SIZE = 20
# scheduled: the SM-2 review; cram: study ahead; weak: lowest-EF cards of a topic.
# Only "scheduled" changes SM-2 state; the others are logged as cram.
MODES = ("scheduled", "cram", "weak")


def new_card_budget(store: Store, day: date, new_per_day: int) -> int:
    """How many new cards study day `day` may still introduce (more when an exam needs it)."""
    return max(0, exam.daily_new_limit(store, day, new_per_day) - store.new_introduced_on(day))


@dataclass(frozen=True, slots=True)
class Scope:
    """What a session studies: everything, one deck, or one tag (and its children)."""

    deck_id: str | None = None
    tag: str | None = None

    def describe(self, deck_names: dict[str, str] | None = None) -> str:
        if self.deck_id:
            return (deck_names or {}).get(self.deck_id, self.deck_id)
        if self.tag:
            return f"tag {self.tag}"
        return "all decks"


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
    grades: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    next_due: date | None = None
    due_tomorrow: int = 0
    # Unseen cards held back by the daily new-card limit.
    new_waiting: bool = False

    @property
    def accuracy(self) -> float | None:
        total = sum(self.grades.values())
        return sum(n for g, n in self.grades.items() if g >= 3) / total if total else None


@dataclass(frozen=True, slots=True)
class _Answer:
    """One graded answer, kept so undo can take it back."""

    result: GradeResult
    bucket: str  # "new" | "review" | "exam" | "redrill"
    quality: int
    redrill_added: bool


class ReviewSession:
    """The queue for one sitting. Call :meth:`current`, then :meth:`answer` or :meth:`undo`."""

    def __init__(
        self,
        store: Store,
        *,
        today: date | None = None,
        scope: Scope = Scope(),
        mode: str = "scheduled",
        ahead_days: int | None = None,
        weak_limit: int = WEAK_SPOTS_SIZE,
        new_per_day: int = DEFAULT_NEW_PER_DAY,
        leech_threshold: int | None = None,
        rollover_hour: int = 4,
        clock=datetime.now,
    ):
        if mode not in MODES:
            raise ValueError(f"unknown session mode {mode!r}")
        self.store = store
        self.scope = scope
        self.mode = mode
        self.rollover_hour = rollover_hour
        self.leech_threshold = leech_threshold
        self.last_became_leech = False
        self._clock = clock
        # The study day follows the clock: `_clock_day` is what the clock said when
        # `today` was last set, so a rollover mid-session moves `today` on.
        self._clock_day = sm2.study_day(clock(), rollover_hour)
        self.today = today or self._clock_day
        self.new_per_day = new_per_day
        self._exam: deque[int] = deque()
        owed: list[int] = []
        if mode == "cram":
            # Study ahead: nothing here changes the schedule (answers are logged as cram).
            self._review = deque(
                store.cram_item_ids(self.today, scope.deck_id, scope.tag, ahead_days)
            )
            self._new = deque()
        elif mode == "weak":
            self._review = deque(
                item_id
                for item_id, *_ in store.weakest_items(
                    scope.tag, weak_limit, scope.deck_id, include_suspended=False
                )
            )
            self._new = deque()
        else:
            new_budget = new_card_budget(store, self.today, new_per_day)
            self._review = deque(store.due_item_ids(self.today, scope.deck_id, scope.tag))
            self._new = deque(
                exam.new_item_ids(store, new_budget, self.today, scope.deck_id, scope.tag)
            )
            # Final-window reviews before an exam: logged as "exam", schedule untouched.
            due = set(self._review)
            self._exam = deque(
                i
                for i in exam.exam_review_ids(store, self.today, scope.deck_id, scope.tag)
                if i not in due
            )
            queued = due | set(self._new) | set(self._exam)
            # Re-drills owed from an earlier sitting today (the student quit and came back).
            owed = [
                i
                for i in store.pending_redrills(self.today, scope.deck_id, scope.tag)
                if i not in queued
            ]
        # Each re-drill waits for `gap` more cards; 0 means it is ready now.
        self._redrill: list[list[int]] = [[item_id, 0] for item_id in owed]
        self._current: tuple[int, str] | None = None
        self._history: list[_Answer] = []
        self._started = monotonic()
        self._shown_at = monotonic()
        self._advance()

    # -- the queue -------------------------------------------------------------

    def _take_ready_redrill(self) -> int | None:
        for index, (item_id, gap) in enumerate(self._redrill):
            if gap <= 0:
                del self._redrill[index]
                return item_id
        return None

    def _advance(self) -> None:
        """Choose the next card: a ready re-drill, then due reviews, then new cards."""
        item_id = self._take_ready_redrill()
        if item_id is not None:
            self._current = (item_id, "redrill")
        elif self._review:
            self._current = (self._review.popleft(), "review")
        elif self._exam:
            self._current = (self._exam.popleft(), "exam")
        elif self._new:
            self._current = (self._new.popleft(), "new")
        elif self._redrill:
            # Nothing else left: waiting re-drills come now, soonest first.
            self._redrill.sort(key=lambda entry: entry[1])
            self._current = (self._redrill.pop(0)[0], "redrill")
        else:
            self._current = None
        self._current_item: StudyItem | None = (
            self.store.item(self._current[0]) if self._current else None
        )
        self._shown_at = monotonic()

    def current(self) -> StudyItem | None:
        """The card to show now, or None when the session is done."""
        return self._current_item

    @property
    def current_kind(self) -> str | None:
        """'new', 'review', 'exam' or 'redrill' for the current card."""
        return self._current[1] if self._current else None

    def counts(self) -> Counts:
        new = len(self._new) + (self._current[1] == "new" if self._current else 0)
        review = len(self._review) + (self._current[1] == "review" if self._current else 0)
        redrill = len(self._redrill) + (self._current[1] == "redrill" if self._current else 0)
        exam_ = len(self._exam) + (self._current[1] == "exam" if self._current else 0)
        return Counts(done=len(self._history), new=new, review=review, redrill=redrill, exam=exam_)

    def preview(self) -> dict[int, int]:
        """Days until the next review for each grade 0-5 of the current card."""
        if self._current_item is None:
            return {}
        if self._current[1] in ("redrill", "exam") or self.mode != "scheduled":
            # Re-drills, exam reviews and cram do not reschedule: the card keeps its due date.
            due = self._current_item.state.due
            days = (due - self.today).days if due else 0
            return dict.fromkeys(range(6), days)
        return sm2.preview_intervals(self._current_item.state, self.today)

    # -- answering -------------------------------------------------------------

    def answer(self, quality: int) -> GradeResult:
        """Grade the current card (committed before returning) and move on."""
        sm2.validate_quality(quality)
        if self._current is None:
            raise RuntimeError("the session is finished")
        self.follow_clock()
        item_id, bucket = self._current
        duration_ms = int((monotonic() - self._shown_at) * 1000)
        if self.mode != "scheduled":
            kind = "cram"
        elif bucket in ("redrill", "exam"):
            kind = bucket
        else:
            kind = "scheduled"
        result = self.store.grade(
            item_id,
            quality,
            now=self._clock().astimezone(),
            today=self.today,
            kind=kind,
            duration_ms=duration_ms,
            leech_threshold=self.leech_threshold,
        )
        self.last_became_leech = result.became_leech
        for entry in self._redrill:
            entry[1] -= 1
        # A leech is suspended now: it does not come back in this session.
        redrill = quality < REDRILL_THRESHOLD and not result.became_leech
        if redrill:
            self._redrill.append([item_id, REDRILL_GAP])
        self._history.append(_Answer(result, bucket, quality, redrill))
        self._advance()
        return result

    def follow_clock(self) -> bool:
        """Start the new study day if the rollover hour has passed; True if it did.

        The grade about to be given counts on the new day; cards that became due
        and the new day's new-card budget join the queue.
        """
        day = sm2.study_day(self._clock(), self.rollover_hour)
        if day <= self._clock_day:
            return False
        self.today += day - self._clock_day
        self._clock_day = day
        if self.mode == "scheduled":
            scope = self.scope
            current = {self._current[0]} if self._current else set()
            queued = set(self._review) | current | {i for i, _ in self._redrill}
            self._review.extend(
                i
                for i in self.store.due_item_ids(self.today, scope.deck_id, scope.tag)
                if i not in queued
            )
            budget = new_card_budget(self.store, self.today, self.new_per_day)
            # The card on screen, if new, is graded on the new day: it takes one place.
            budget = max(0, budget - (self.current_kind == "new"))
            self._new = deque(
                i
                for i in self.store.new_item_ids(budget, self.today, scope.deck_id, scope.tag)
                if i not in current
            )
            if self._current is None:
                self._advance()
        return True

    def undo(self) -> StudyItem | None:
        """Take back the last answer of this session; that card is shown again."""
        if not self._history:
            return None
        last = self._history.pop()
        self.store.undo_review(last.result.review_id, self.leech_threshold)
        if last.redrill_added:
            # The entry it added is the newest one for that item.
            for index in range(len(self._redrill) - 1, -1, -1):
                if self._redrill[index][0] == last.result.item_id:
                    del self._redrill[index]
                    break
        for entry in self._redrill:
            entry[1] += 1
        self._push_back_current()
        self._current = (last.result.item_id, last.bucket)
        self._current_item = self.store.item(last.result.item_id)
        self._shown_at = monotonic()
        return self._current_item

    def _push_back_current(self) -> None:
        if self._current is None:
            return
        item_id, bucket = self._current
        if bucket == "review":
            self._review.appendleft(item_id)
        elif bucket == "new":
            self._new.appendleft(item_id)
        elif bucket == "exam":
            self._exam.appendleft(item_id)
        else:
            self._redrill.insert(0, [item_id, 0])

    def skip_current(self) -> None:
        """Drop the current card from this session (after suspend or bury)."""
        if self._current is None:
            return
        item_id = self._current[0]
        self._redrill = [e for e in self._redrill if e[0] != item_id]
        self._advance()

    def suspend_current(self) -> None:
        if self._current:
            self.store.set_suspended(self._current[0], True)
            self.skip_current()

    def bury_current(self) -> None:
        """Out of review until tomorrow's study day."""
        if self._current:
            self.store.bury(self._current[0], self.today + timedelta(days=1))
            self.skip_current()

    def refresh_current(self) -> None:
        """Reload the current card (after its note changed)."""
        if self._current:
            self._current_item = self.store.item(self._current[0])

    # -- the end -------------------------------------------------------------

    def summary(self) -> Summary:
        grades = Counter(a.quality for a in self._history)
        return Summary(
            reviewed=len(self._history),
            grades=grades,
            seconds=monotonic() - self._started,
            next_due=self.store.next_due_date(self.today),
            due_tomorrow=self.store.due_count_on(self.today + timedelta(days=1)),
            # Cram and weak-spot sessions take no new cards: no limit to speak of.
            new_waiting=self.mode == "scheduled"
            and bool(self.store.new_item_ids(1, self.today, self.scope.deck_id, self.scope.tag)),
        )
