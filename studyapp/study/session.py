"""A review session: which card comes next, siblings, re-drills (SM-2 step 7) and undo.

Pure domain logic over a :class:`~studyapp.store.Store`; the TUI drives it
and the benchmarks time it. Every grade is committed by the store before the
next card is chosen, so quitting at any moment loses nothing already graded.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from datetime import date, datetime, timedelta
from time import monotonic

from studyapp.settings import Settings, new_card_extension
from studyapp.store import GradeResult, Store, StudyItem
from studyapp.study import sm2

# Scope and new_card_budget are part of the session's interface.
from studyapp.study.daily_queue import DailyQueue, Scope, build_queue, new_card_budget
from studyapp.study.review_rules import ReviewKind
from studyapp.study.session_records import (
    Answer,
    Bucket,
    Counts,
    Redrill,
    SessionMode,
    SetAside,
    SetAsideAction,
    Summary,
    session_mode,
)
from studyapp.study.studytime import studied_ms

__all__ = ["Counts", "ReviewSession", "Scope", "Summary", "new_card_budget"]

# A card graded below 4 comes back after this many other cards (SM-2 step 7).
REDRILL_GAP = 3
REDRILL_THRESHOLD = 4
WEAK_SPOTS_SIZE = 20


class ReviewSession:
    """The queue for one sitting. Call :meth:`current`, then :meth:`answer` or :meth:`undo`."""

    def __init__(
        self,
        store: Store,
        settings: Settings | None = None,
        *,
        today: date | None = None,
        scope: Scope = Scope(),
        mode: SessionMode = "scheduled",
        ahead_days: int | None = None,
        weak_limit: int = WEAK_SPOTS_SIZE,
        rollover_hour: int = 4,
        clock: Callable[[], datetime] = datetime.now,
    ):
        """`settings`: the student's (new cards per day, siblings, interleaving, leeches);
        the defaults when None."""
        self.store = store
        self.settings = settings or Settings()
        self.scope = scope
        self.mode = session_mode(mode)
        self.rollover_hour = rollover_hour
        self.last_became_leech = False
        self._clock = clock
        # The study day follows the clock: `_clock_day` is what the clock said when
        # `today` was last set, so a rollover mid-session moves `today` on.
        self._clock_day = sm2.study_day(clock(), rollover_hour)
        self.today = today or self._clock_day
        self._ahead_days = ahead_days
        self._weak_limit = weak_limit
        queue = self._build_queue()
        self._card_of = queue.card_of
        self._review: deque[int] = deque(queue.review)
        self._exam: deque[int] = deque(queue.exam)
        self._new: deque[int] = deque(queue.new)
        self._redrill: list[Redrill] = [Redrill(item_id, 0) for item_id in queue.owed]
        self._current: tuple[int, Bucket] | None = None
        self._current_item: StudyItem | None = None
        self._last_card: int | None = None
        self._history: list[Answer | SetAside] = []
        self._shown_at = monotonic()
        self._advance()

    # -- the queue -------------------------------------------------------------

    def _build_queue(self) -> DailyQueue:
        return build_queue(
            self.store,
            self.today,
            deck_id=self.scope.deck_id,
            tag=self.scope.tag,
            mode=self.mode,
            ahead_days=self._ahead_days,
            weak_limit=self._weak_limit,
            bury_siblings=self.settings.bury_siblings,
            interleave=self.settings.interleave,
            new_budget=self._new_card_budget,
            decks_with_own_limit=self.settings.deck_new_per_day.keys(),
        )

    def _new_card_budget(self, deck_id: str | None) -> int:
        settings = self.settings
        return new_card_budget(
            self.store, self.today, settings.new_per_day, settings.deck_new_per_day, deck_id
        )

    def _take_ready_redrill(self, avoid_card: bool) -> int | None:
        for index, redrill in enumerate(self._redrill):
            if redrill.gap <= 0 and not (avoid_card and self._is_sibling_of_last(redrill.item_id)):
                del self._redrill[index]
                return redrill.item_id
        return None

    def _is_sibling_of_last(self, item_id: int) -> bool:
        return self._last_card is not None and self._card_of.get(item_id) == self._last_card

    def _pop_unrelated(self, queue: deque[int]) -> int | None:
        """The first item of `queue` that is not a sibling of the card just shown."""
        for index, item_id in enumerate(queue):
            if not self._is_sibling_of_last(item_id):
                del queue[index]
                return item_id
        return None

    def _advance(self) -> None:
        """Choose the next card: a ready re-drill, then due reviews, exam reviews, new cards.

        A sibling of the card just shown (when siblings are not buried) comes only
        when nothing else is left.
        """
        if self._current is not None:
            self._last_card = self._card_of.get(self._current[0])
        self._current = self._next_unrelated() or self._next_any()
        self._current_item = self.store.queues.item(self._current[0]) if self._current else None
        self._shown_at = monotonic()

    def _next_unrelated(self) -> tuple[int, Bucket] | None:
        item_id = self._take_ready_redrill(avoid_card=True)
        if item_id is not None:
            return (item_id, "redrill")
        queues: tuple[tuple[deque[int], Bucket], ...] = (
            (self._review, "review"),
            (self._exam, "exam"),
            (self._new, "new"),
        )
        for queue, bucket in queues:
            item_id = self._pop_unrelated(queue)
            if item_id is not None:
                return (item_id, bucket)
        # Only siblings left in the queues: a waiting re-drill comes a little early.
        waiting = sorted(
            (r.gap, index)
            for index, r in enumerate(self._redrill)
            if not self._is_sibling_of_last(r.item_id)
        )
        if waiting:
            return (self._redrill.pop(waiting[0][1]).item_id, "redrill")
        return None

    def _next_any(self) -> tuple[int, Bucket] | None:
        item_id = self._take_ready_redrill(avoid_card=False)
        if item_id is not None:
            return (item_id, "redrill")
        if self._review:
            return (self._review.popleft(), "review")
        if self._exam:
            return (self._exam.popleft(), "exam")
        if self._new:
            return (self._new.popleft(), "new")
        if self._redrill:
            # Nothing else left: waiting re-drills come now, soonest first.
            self._redrill.sort(key=lambda entry: entry.gap)
            return (self._redrill.pop(0).item_id, "redrill")
        return None

    def current(self) -> StudyItem | None:
        """The card to show now, or None when the session is done."""
        return self._current_item

    @property
    def current_kind(self) -> Bucket | None:
        """'new', 'review', 'exam' or 'redrill' for the current card."""
        return self._current[1] if self._current else None

    def counts(self) -> Counts:
        bucket = self._current[1] if self._current else None
        return Counts(
            done=sum(isinstance(entry, Answer) for entry in self._history),
            new=len(self._new) + (bucket == "new"),
            review=len(self._review) + (bucket == "review"),
            redrill=len(self._redrill) + (bucket == "redrill"),
            exam=len(self._exam) + (bucket == "exam"),
        )

    def _reschedules(self) -> bool:
        # Re-drills, exam reviews and cram do not reschedule: the card keeps its due date.
        return self.mode == "scheduled" and self.current_kind not in ("redrill", "exam")

    def preview(self) -> dict[int, int]:
        """Days until the next review for each grade 0-5 of the current card."""
        item = self._current_item
        if item is None:
            return {}
        if not self._reschedules():
            due = item.state.due
            days = (due - self.today).days if due else 0
            return dict.fromkeys(range(6), days)
        return sm2.preview_intervals(item.state, self.today)

    def preview_ease(self) -> dict[int, int]:
        """How each grade 0-5 would change the current card's EF, in hundredths (0 for
        answers that do not reschedule)."""
        item = self._current_item
        if item is None:
            return {}
        if not self._reschedules():
            return dict.fromkeys(range(6), 0)
        before = item.state.ef_hundredths
        return {q: sm2.review(item.state, q, self.today).ef_hundredths - before for q in range(6)}

    # -- answering -------------------------------------------------------------

    def _answer_kind(self, bucket: Bucket) -> ReviewKind:
        """How an answer is logged: cram, a re-drill, an exam review, or the card's SM-2 review."""
        if self.mode != "scheduled":
            return "cram"
        if bucket == "redrill":
            return "redrill"
        if bucket == "exam":
            return "exam"
        # Graded once_a_day: the store logs it as a re-drill if the card already had its
        # review today (another session or process had it queued too).
        return "scheduled"

    def answer(self, quality: int) -> GradeResult:
        """Grade the current card (committed before returning) and move on."""
        sm2.validate_quality(quality)
        if self._current is None:
            raise RuntimeError("the session is finished")
        self.follow_clock()
        item_id, bucket = self._current
        duration_ms = int((monotonic() - self._shown_at) * 1000)
        result = self.store.reviews.grade(
            item_id,
            quality,
            now=self._clock().astimezone(),
            today=self.today,
            kind=self._answer_kind(bucket),
            once_a_day=True,
            duration_ms=duration_ms,
            leech_threshold=self.settings.leech_threshold,
        )
        self.last_became_leech = result.became_leech
        for entry in self._redrill:
            entry.gap -= 1
        # A leech is suspended now: it does not come back in this session.
        redrill = quality < REDRILL_THRESHOLD and not result.became_leech
        if redrill:
            self._redrill.append(Redrill(item_id, REDRILL_GAP))
        self._history.append(Answer(result, bucket, quality, redrill, duration_ms))
        self._advance()
        return result

    def follow_clock(self) -> bool:
        """Start the new study day if the rollover hour has passed; True if it did.

        The grade about to be given counts on the new day; cards that became due,
        the new day's exam reviews and its new-card budget join the queue.
        """
        day = sm2.study_day(self._clock(), self.rollover_hour)
        if day <= self._clock_day:
            return False
        self.today += day - self._clock_day
        self._clock_day = day
        if self.mode == "scheduled":
            queue = self._build_queue()
            self._card_of.update(queue.card_of)
            current = {self._current[0]} if self._current else set()
            queued = set(self._review) | current | {r.item_id for r in self._redrill}
            self._review.extend(i for i in queue.review if i not in queued)
            self._exam = deque(i for i in queue.exam if i not in current)
            new = [i for i in queue.new if i not in current]
            budget = self._new_card_budget(self.scope.deck_id)
            if self.current_kind == "new" and new and len(new) >= budget:
                # The card on screen, if new, is graded on the new day: it takes one place.
                new.pop()
            self._new = deque(new)
            if self._current is None:
                self._advance()
        return True

    @property
    def can_undo(self) -> bool:
        return bool(self._history)

    def last_action(self) -> str | None:
        """What undo would take back: 'grade', 'suspend' or 'bury'."""
        if not self._history:
            return None
        last = self._history[-1]
        return "grade" if isinstance(last, Answer) else last.action

    def undo(self) -> StudyItem | None:
        """Take back the last action of this session (a grade, suspend or bury); that card
        is shown again. The database is changed first: if that fails, nothing moves."""
        if not self._history:
            return None
        last = self._history[-1]
        if isinstance(last, Answer):
            self.store.reviews.undo(last.result.review_id, self.settings.leech_threshold)
            item_id, bucket = last.result.item_id, last.bucket
            if last.redrill_added:
                # The entry it added is the newest one for that item.
                for index in range(len(self._redrill) - 1, -1, -1):
                    if self._redrill[index].item_id == item_id:
                        del self._redrill[index]
                        break
            for entry in self._redrill:
                entry.gap += 1
        else:
            if last.action == "suspend":
                self.store.reviews.set_suspended(last.item_id, False)
            else:
                self.store.reviews.bury(last.item_id, last.buried_before)
            item_id, bucket = last.item_id, last.bucket
            self._redrill.extend(Redrill(i, REDRILL_GAP) for i in last.dropped_redrills)
        self._history.pop()
        self._push_back_current()
        self._current = (item_id, bucket)
        self._current_item = self.store.queues.item(item_id)
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
            self._redrill.insert(0, Redrill(item_id, 0))

    def _set_aside(self, action: SetAsideAction, buried_before: date | None) -> None:
        """Drop the current card from this session (after suspend or bury), undoably."""
        assert self._current is not None
        item_id, bucket = self._current
        dropped = tuple(r.item_id for r in self._redrill if r.item_id == item_id)
        self._redrill = [r for r in self._redrill if r.item_id != item_id]
        self._history.append(SetAside(action, item_id, bucket, buried_before, dropped))
        self._advance()

    def suspend_current(self) -> None:
        if self._current:
            self.store.reviews.set_suspended(self._current[0], True)
            self._set_aside("suspend", None)

    def bury_current(self) -> None:
        """Out of review until tomorrow's study day."""
        if self._current:
            before = self.store.reviews.bury(self._current[0], self.today + timedelta(days=1))
            self._set_aside("bury", before)

    def refresh_current(self) -> None:
        """Reload the current card (after its note changed)."""
        if self._current:
            self._current_item = self.store.queues.item(self._current[0])

    # -- the end -------------------------------------------------------------

    def new_limit_reached(self) -> bool:
        """Whether today's new-card limit (for this scope) holds back unseen cards."""
        scope = self.scope
        return (
            self.mode == "scheduled"
            and self._new_card_budget(scope.deck_id) == 0
            and bool(self.store.queues.new_item_ids(1, self.today, scope.deck_id, scope.tag))
        )

    def new_limit_today(self) -> int:
        """Today's new-card limit for this scope, with any Custom Study extension."""
        new_per_day = self.settings.new_per_day
        own = self.settings.deck_new_per_day.get(self.scope.deck_id or "")
        limit = new_per_day if own is None else min(own, new_per_day)
        return limit + new_card_extension(self.store, self.today)

    def summary(self) -> Summary:
        answers = [a for a in self._history if isinstance(a, Answer)]
        scope = self.scope
        return Summary(
            reviewed=len(answers),
            grades=Counter(a.quality for a in answers),
            seconds=studied_ms(a.duration_ms for a in answers) / 1000,
            next_due=self.store.queues.next_due_date(self.today, scope.deck_id, scope.tag),
            due_tomorrow=self.store.queues.due_count_on(
                self.today + timedelta(days=1), scope.deck_id, scope.tag
            ),
            new_waiting=self.new_limit_reached(),
        )
