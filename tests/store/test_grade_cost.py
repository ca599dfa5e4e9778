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
    """Asked in every grade's read of the item: the item's index entries from the day's
    first review on, not each of its logged rows (a card reviewed for years has hundreds)."""
    store.decks.import_([load_deck(sample_deck)])
    item = item_ids(store)[0]
    store.reviews.grade(item, 4, now=NOW, today=TODAY)
    store.conn.execute("ANALYZE")
    statements = traced(
        store, lambda: store.reviews.grade(item, 4, now=NOW, today=TODAY, once_a_day=True)
    )
    read = next(sql for sql in statements if "FROM items WHERE id" in sql)
    plan = "\n".join(row[3] for row in store.conn.execute("EXPLAIN QUERY PLAN " + read))
    assert "reviews_item (item_id=? AND id>?)" in plan, plan
    assert "COVERING INDEX reviews_day (study_day=?)" in plan, plan
    # The item's state and that question are one statement, inside the transaction.
    begin = statements.index("BEGIN IMMEDIATE")
    assert statements.index(read) == begin + 1


def logged(store, item):
    return [
        (day, kind)
        for day, kind in store.conn.execute(
            "SELECT study_day, kind FROM reviews WHERE item_id = ? ORDER BY id", [item]
        )
    ]


def test_a_second_scheduled_answer_on_one_day_is_a_redrill(store, sample_deck):
    """No item is rescheduled twice in a study day by sessions (once_a_day): the second
    scheduled answer is logged as a re-drill and leaves the SM-2 state alone. Without it
    (a merge's reference order, an import) every scheduled answer reschedules."""
    store.decks.import_([load_deck(sample_deck)])
    a, b, c, d = item_ids(store)[:4]
    earlier = TODAY - timedelta(days=5)

    def grade(item, quality, day=TODAY, **kw):
        return store.reviews.grade(item, quality, now=NOW, today=day, once_a_day=True, **kw)

    first = grade(a, 4)
    again = grade(a, 1)
    assert (first.kind, again.kind) == ("scheduled", "redrill")
    assert again.before == again.after == first.after
    # A re-drill is no SM-2 review: the scheduled answer after it still reschedules.
    grade(b, 4, kind="redrill")
    assert grade(b, 4).kind == "scheduled"
    # Logged after today's answers but for an earlier day, as history merged from another
    # device is: a later id does not make it today's, nor today's answer that day's.
    grade(c, 4, earlier)
    assert grade(c, 3).kind == "scheduled"
    assert grade(c, 3, earlier).kind == "redrill"
    assert grade(a, 4, TODAY + timedelta(days=1)).kind == "scheduled"
    assert logged(store, a) == [
        (TODAY.isoformat(), "scheduled"),
        (TODAY.isoformat(), "redrill"),
        ((TODAY + timedelta(days=1)).isoformat(), "scheduled"),
    ]
    store.reviews.grade(d, 4, now=NOW, today=TODAY)
    assert store.reviews.grade(d, 2, now=NOW, today=TODAY).kind == "scheduled"


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


def test_a_grade_moves_no_deck_index_entry_and_its_event_id_leads_with_the_time(store, sample_deck):
    """The pages a grade writes: its item's due date is in items_due only (the deck
    index holds no date), and its event id starts with the answer's time, so new ids
    sit together at one place in reviews_event instead of on a random page each."""
    store.decks.import_([load_deck(sample_deck)])
    assert [row[2] for row in store.conn.execute("PRAGMA index_info(items_deck)")] == ["deck_id"]
    first, second = item_ids(store)[:2]
    store.reviews.grade(first, 4, now=NOW, today=TODAY)
    store.reviews.grade(second, 4, now=NOW + timedelta(seconds=1), today=TODAY)
    ids = [row[0] for row in store.conn.execute("SELECT event_id FROM reviews ORDER BY id")]
    millis = int(NOW.timestamp() * 1000)
    assert [i[:12] for i in ids] == [f"{millis:012x}", f"{millis + 1000:012x}"]
    assert ids == sorted(ids) and len({i[12:] for i in ids}) == 2
