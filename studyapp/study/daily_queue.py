"""What one sitting studies, in which order: due reviews, exam reviews, new cards, owed
re-drills.

Siblings (a reversed card's two directions, one note's cloze deletions) give each
other away when studied the same day. As Anki does, once one of them is studied
(or queued) today, the others wait for another day; with that turned off they are
only kept apart (see ReviewSession). Reviews are shuffled across decks, in an order
fixed for the study day.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date

from studyapp.settings import Settings, new_card_extension
from studyapp.store import Store
from studyapp.study import exam
from studyapp.study.session_records import SessionMode


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


def new_card_budget(
    store: Store,
    day: date,
    new_per_day: int,
    deck_new_per_day: Mapping[str, int] | None = None,
    deck_id: str | None = None,
) -> int:
    """How many new cards study day `day` may still introduce: in all decks together, or in
    deck `deck_id` (within its own limit, if it has one, and the total).

    Custom Study's extension for the day raises every limit by the same number; an exam
    that needs more new cards a day raises the total (studyapp.study.exam).
    """
    extra = new_card_extension(store, day)
    total = exam.daily_new_limit(store, day, new_per_day)
    budget = total + extra - store.queues.new_introduced_on(day)
    own = (deck_new_per_day or {}).get(deck_id) if deck_id else None
    if own is not None:
        budget = min(budget, own + extra - store.queues.new_introduced_on(day, deck_id))
    return max(0, budget)


@dataclass(slots=True)
class DailyQueue:
    review: list[int]
    # Reviews from an exam's plan: logged as "exam", the schedule untouched.
    exam: list[int]
    new: list[int]
    # Re-drills owed from an earlier sitting today (the student quit and came back).
    owed: list[int]
    # Each queued item's card: siblings share one.
    card_of: dict[int, int]


def build_queue(
    store: Store,
    today: date,
    *,
    deck_id: str | None,
    tag: str | None,
    mode: SessionMode,
    ahead_days: int | None,
    weak_limit: int,
    bury_siblings: bool,
    interleave: bool,
    new_budget: Callable[[str | None], int],
    decks_with_own_limit: Collection[str],
    full_plan: bool = True,
) -> DailyQueue:
    """The queue for a session; `new_budget(deck_id)` says how many new cards that deck
    (None: all decks together) may still introduce today. `full_plan`: wait for each
    exam's full plan, the one it projects (see exam_recall_plan.todays_plan)."""
    if mode == "cram":
        # Study ahead: nothing here changes the schedule (answers are logged as cram).
        review = store.queues.cram_item_ids(today, deck_id, tag, ahead_days)
        if ahead_days is None:
            # Cramming a topic: what the student is likeliest to have forgotten first.
            review = store.recall.by_predicted_recall(review, today, deck_id, tag)
        return DailyQueue(review, [], [], [], store.queues.card_ids_of(review))
    if mode == "weak":
        # Weak spots: the lowest predicted recall today (studyapp.memory), not the lowest EF.
        review = store.recall.weakest_by_recall(today, tag, weak_limit, deck_id)
        return DailyQueue(review, [], [], [], store.queues.card_ids_of(review))
    due_items = store.queues.due_items(today, deck_id, tag)
    card_of = dict(due_items)
    review = [item_id for item_id, _ in due_items]
    due = set(card_of)
    if interleave:
        # Quitting and coming back the same day finds the same order.
        random.Random(today.toordinal()).shuffle(review)
    owed = store.queues.pending_redrills(today, deck_id, tag)
    card_of.update(store.queues.card_ids_of(owed))
    # A card studied today, or one whose other direction was buried today, is "taken".
    taken: set[int] = (
        store.queues.cards_studied_on(today) | store.queues.cards_set_aside(today)
        if bury_siblings
        else set()
    )
    if bury_siblings:
        review = _one_per_card(review, card_of, taken)
    # Each exam's plan for today (studyapp.study.exam_recall_plan): its final window's cards
    # below target, then cards that would be forgotten by the exam day, by gain.
    planned = _exam_review_ids(store, today, deck_id, tag, full_plan)
    exams = [i for i in planned if i not in due]
    if exams:
        card_of.update(store.queues.card_ids_of(exams))
        if bury_siblings:
            exams = _one_per_card(exams, card_of, taken)
    new = _new_cards(
        store, today, deck_id, tag, new_budget, decks_with_own_limit, taken, bury_siblings, card_of
    )
    queued = set(review) | set(exams) | set(new)
    return DailyQueue(review, exams, new, [i for i in owed if i not in queued], card_of)


def _exam_review_ids(
    store: Store, today: date, deck_id: str | None, tag: str | None, full_plan: bool
) -> list[int]:
    """The exam reviews of each coming exam's plan for today (none without an exam)."""
    if not store.exams.active(today):
        return []
    # Loaded only with an exam to plan for: the planner and py-fsrs cost ~15 ms of
    # every start otherwise.
    from studyapp.study.exam_recall_plan import plan_review_ids

    return plan_review_ids(store, today, deck_id, tag, full_plan=full_plan)


def _one_per_card(item_ids: list[int], card_of: dict[int, int], taken: set[int]) -> list[int]:
    """The items whose card is not `taken` yet, one per card (taking it)."""
    kept = []
    for item_id in item_ids:
        if card_of[item_id] not in taken:
            taken.add(card_of[item_id])
            kept.append(item_id)
    return kept


def _new_cards(
    store: Store,
    today: date,
    deck_id: str | None,
    tag: str | None,
    new_budget: Callable[[str | None], int],
    decks_with_own_limit: Collection[str],
    taken: set[int],
    bury_siblings: bool,
    card_of: dict[int, int],
) -> list[int]:
    """Today's new cards, within the total and each deck's own limit: those of the nearest
    exams' scopes first, then deck order."""
    budget = new_budget(deck_id)
    if budget <= 0:
        return []
    first = store.queues.item_rows(exam.exam_new_item_ids(store.exams, budget, today, deck_id, tag))
    firsts = {row[0] for row in first}
    candidates = itertools.chain(
        first,
        (
            row
            for row in store.queues.new_items_in_order(today, deck_id, tag)
            if row[0] not in firsts
        ),
    )
    deck_budgets: dict[str, int] = {}
    chosen: list[int] = []
    for item_id, card_id, item_deck in candidates:
        if card_id in taken:
            continue  # a sibling of a card studied or queued today
        if item_deck in decks_with_own_limit:
            if item_deck not in deck_budgets:
                deck_budgets[item_deck] = new_budget(item_deck)
            if deck_budgets[item_deck] <= 0:
                continue
            deck_budgets[item_deck] -= 1
        if bury_siblings:
            taken.add(card_id)
        card_of[item_id] = card_id
        chosen.append(item_id)
        if len(chosen) >= budget:
            break
    return chosen


def new_today(store: Store, today: date, settings: Settings, deck_id: str | None = None) -> int:
    """New cards a scheduled review of `deck_id` (None: all decks) would show today: the
    one count of "new today" that home and `studyapp decks` show. It is the session's own
    queue, so limits, siblings held back by a card studied or due today, and buried cards
    are left out exactly as the session leaves them out."""
    queue = build_queue(
        store,
        today,
        deck_id=deck_id,
        tag=None,
        mode="scheduled",
        ahead_days=None,
        weak_limit=0,
        bury_siblings=settings.bury_siblings,
        interleave=False,
        new_budget=lambda deck: new_card_budget(
            store, today, settings.new_per_day, settings.deck_new_per_day, deck
        ),
        decks_with_own_limit=settings.deck_new_per_day.keys(),
        # Home counts on the UI thread: an exam's plan not worked out yet is not waited
        # for (its tactic only decides which cards are exam reviews, so which siblings wait).
        full_plan=False,
    )
    return len(queue.new)
