"""What one grade costs the database: the statements grade->next runs, kept few and cheap.

The figure itself (grade_next_ms) is measured by tests/benchmarks/bench.py; these tests
hold the shape of the work that figure depends on, and that the cheaper forms still
answer the same.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from studyapp.deckfile.reader import load_deck
from tests.conftest import TODAY, review_session

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def item_ids(store):
    return [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY new_position")]


def traced(store, action) -> list[str]:
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        action()
    finally:
        store.conn.set_trace_callback(None)
    return statements


def test_already_reviewed_today_reads_only_the_days_entries(store, sample_deck):
    """Asked before every grade: the item's index entries from the day's first review on,
    not each of its logged rows (a card reviewed for years has hundreds)."""
    store.decks.import_([load_deck(sample_deck)])
    item = item_ids(store)[0]
    store.reviews.grade(item, 4, now=NOW, today=TODAY)
    store.conn.execute("ANALYZE")
    sql = traced(store, lambda: store.queues.scheduled_on(item, TODAY))[-1]
    plan = "\n".join(
        row[3]
        for row in store.conn.execute(
            "EXPLAIN QUERY PLAN " + sql,
            {
                "item": item,
                "day": TODAY.isoformat(),
            },
        )
    )
    assert "reviews_item (item_id=? AND id>?)" in plan, plan
    assert "COVERING INDEX reviews_day (study_day=?)" in plan, plan


def test_already_reviewed_today_counts_only_that_days_scheduled_review(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    a, b, c = item_ids(store)[:3]
    earlier = TODAY - timedelta(days=5)
    store.reviews.grade(a, 4, now=NOW, today=TODAY)
    store.reviews.grade(b, 4, now=NOW, today=TODAY, kind="redrill")  # a re-drill is no SM-2 review
    # Logged after today's answers but for an earlier day, as history merged from another
    # device is: a later id does not make it today's.
    store.reviews.grade(b, 4, now=NOW, today=earlier)
    store.reviews.grade(c, 4, now=NOW, today=earlier)
    store.reviews.grade(c, 3, now=NOW, today=TODAY)
    assert store.queues.scheduled_on(a, TODAY) and store.queues.scheduled_on(c, TODAY)
    assert not store.queues.scheduled_on(b, TODAY)
    assert store.queues.scheduled_on(b, earlier) and store.queues.scheduled_on(c, earlier)
    assert not store.queues.scheduled_on(a, earlier)
    assert not store.queues.scheduled_on(a, TODAY - timedelta(days=1))  # a day with no reviews


def test_a_grade_reads_the_memory_parameters_once(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    session = review_session(store, today=TODAY)
    session.answer(4)  # the first grade parses the parameters once for the store
    statements = traced(store, lambda: session.answer(4))
    assert sum("FROM memory_fits" in sql for sql in statements) == 1
    # Still kept in the grading transaction.
    begin = next(n for n, sql in enumerate(statements) if sql.startswith("BEGIN"))
    commit = next(n for n, sql in enumerate(statements) if sql == "COMMIT")
    writes = [n for n, sql in enumerate(statements) if "INTO memory_states" in sql]
    assert writes and all(begin < n < commit for n in writes)


def test_a_grade_writes_its_review_row_once_with_its_event_id(store, sample_deck):
    import re

    store.decks.import_([load_deck(sample_deck)])
    store.conn.execute("CREATE TEMP TABLE rewritten (id INTEGER)")
    store.conn.execute(
        "CREATE TEMP TRIGGER watch_event_id AFTER UPDATE OF event_id ON main.reviews "
        "BEGIN INSERT INTO rewritten VALUES (new.id); END"
    )
    first, second = item_ids(store)[:2]
    store.reviews.grade(first, 4, now=NOW, today=TODAY)
    store.reviews.grade(second, 2, now=NOW, today=TODAY)
    assert store.conn.execute("SELECT COUNT(*) FROM rewritten").fetchone()[0] == 0
    ids = [row[0] for row in store.conn.execute("SELECT event_id FROM reviews")]
    assert len(set(ids)) == 2 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
