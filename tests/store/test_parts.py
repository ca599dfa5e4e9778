"""The store's parts: typed objects over the one connection its store owns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from studyapp.deckfile.reader import load_deck
from studyapp.store import Memory, Reviews, Store, StorePart
from tests.conftest import TODAY

PARTS = (
    "decks",
    "history",
    "sync",
    "queues",
    "reviews",
    "personal",
    "browse",
    "progress",
    "figures",
    "exports",
    "exams",
    "memory",
    "fsrs",
)


def test_every_part_reads_and_writes_through_its_store(store):
    for name in PARTS:
        part = getattr(store, name)
        assert isinstance(part, StorePart), name
        assert part.conn is store.conn and part.path == store.path, name
        with part.transaction():
            # The part's transaction is the store's own: one nesting depth, one BEGIN.
            assert store._depth == 1 and store.conn.in_transaction, name
        assert not store.conn.in_transaction
    # Two stores never share a part.
    other = Store.in_memory()
    try:
        assert other.reviews is not store.reviews and other.reviews.conn is other.conn
    finally:
        other.close()


def test_writes_through_two_parts_in_one_transaction_stand_or_fall_together(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    item = store.queues.new_item_ids(1, TODAY)[0]
    with pytest.raises(RuntimeError), store.transaction():
        store.exams.set("Anatomy", TODAY + timedelta(days=30), ("sample",), ())
        store.reviews.set_suspended(item, True)
        raise RuntimeError("the caller changed its mind")
    assert store.exams.all() == [] and not store.queues.item(item).suspended
    with store.transaction():
        store.exams.set("Anatomy", TODAY + timedelta(days=30), ("sample",), ())
        store.reviews.set_suspended(item, True)
    assert [e.name for e in store.exams.all()] == ["Anatomy"]
    assert store.queues.item(item).suspended


def test_a_caller_given_one_part_works_with_just_that_part(store, sample_deck):
    """Grading through `Reviews` alone keeps the `Memory` part current (they meet in the store)."""
    store.decks.import_([load_deck(sample_deck)])
    item = store.queues.new_item_ids(1, TODAY)[0]

    def answer(reviews: Reviews, item_id: int) -> int:
        now = datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC)
        return reviews.grade(item_id, 4, now=now, today=TODAY).review_id

    def remembered(memory: Memory, item_id: int) -> bool:
        return memory.state(item_id) is not None

    assert not remembered(store.memory, item)
    review_id = answer(store.reviews, item)
    assert remembered(store.memory, item)
    store.reviews.undo(review_id)
    assert not remembered(store.memory, item)
