from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest

from studyapp.cards import CardContent
from studyapp.deckfile.reader import load_deck
from studyapp.store import SCHEMA_VERSION, Store, StoreError
from tests.conftest import TODAY, review_session

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def item_ids(store):
    return [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY new_position")]


def test_import_creates_one_item_per_study_item(store, sample_deck):
    report = store.decks.import_([load_deck(sample_deck)])
    assert report.decks[0].created and report.decks[0].added == 3
    summary = store.progress.summary(TODAY)
    assert (summary["cards"], summary["new"], summary["due_today"], summary["reviews"]) == (
        5,
        5,
        0,
        0,
    )


def test_reimport_unchanged_writes_nothing(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    before = store.conn.total_changes
    report = store.decks.import_([load_deck(sample_deck)])
    assert not report.changed
    assert store.conn.total_changes == before


def test_edit_keeps_progress_and_removal_retires(store, sample_deck, write_deck):
    store.decks.import_([load_deck(sample_deck)])
    first = item_ids(store)[0]
    store.reviews.grade(first, 5, now=NOW, today=TODAY)
    store.reviews.set_note(store.queues.item(first).card_id, "my mnemonic")
    edited = sample_deck.read_text().replace('back = "Nociception"', 'back = "Nociceptive input"')
    edited = edited.split('[[cards]]\nid = "rev-1"')[0]  # drop the reversed and cloze cards
    report = store.decks.import_([load_deck(write_deck(edited, "edited.toml"))])
    changes = report.decks[0]
    assert (changes.updated, changes.retired, changes.added) == (1, 2, 0)
    item = store.queues.item(first)
    assert item.content.back == "Nociceptive input"
    assert item.state.repetitions == 1 and item.note == "my mnemonic"
    assert len(store.reviews.of(first)) == 1
    assert store.progress.summary(TODAY)["cards"] == 1
    # Putting the cards back restores them, with whatever history they had.
    report = store.decks.import_([load_deck(sample_deck)])
    assert report.decks[0].restored == 2
    assert store.progress.summary(TODAY)["cards"] == 5


def test_cloze_deletion_removed_retires_its_item(store, write_deck):
    path = write_deck(
        '[deck]\nid="d"\nname="D"\n[[cards]]\nid="c"\ntype="cloze"\ntext="{{c1::a}} {{c2::b}}"\n'
    )
    store.decks.import_([load_deck(path)])
    assert store.progress.summary(TODAY)["cards"] == 2
    path = write_deck(
        '[deck]\nid="d"\nname="D"\n[[cards]]\nid="c"\ntype="cloze"\ntext="{{c1::a}} b"\n'
    )
    store.decks.import_([load_deck(path)])
    assert store.progress.summary(TODAY)["cards"] == 1


def test_grade_logs_and_undo_restores_exactly(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    item = item_ids(store)[0]
    r1 = store.reviews.grade(item, 4, now=NOW, today=TODAY, duration_ms=1200)
    r2 = store.reviews.grade(item, 2, now=NOW, today=TODAY)
    assert r1.after.interval == 1 and r2.after.repetitions == 0
    log = store.reviews.of(item)
    assert [(r["grade"], r["kind"], r["study_day"]) for r in log] == [
        (4, "scheduled", "2026-11-23"),
        (2, "scheduled", "2026-11-23"),
    ]
    assert log[0]["duration_ms"] == 1200
    with pytest.raises(StoreError):
        store.reviews.undo(r1.review_id)  # not the latest
    store.reviews.undo(r2.review_id)
    assert store.reviews.item_state(item) == r1.after
    store.reviews.undo(r1.review_id)
    assert store.reviews.item_state(item) == r1.before
    assert store.reviews.of(item) == []


def test_redrill_and_cram_leave_state_alone(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    item = item_ids(store)[0]
    store.reviews.grade(item, 3, now=NOW, today=TODAY)
    state = store.reviews.item_state(item)
    store.reviews.grade(item, 5, now=NOW, today=TODAY, kind="redrill")
    store.reviews.grade(item, 1, now=NOW, today=TODAY, kind="cram")
    assert store.reviews.item_state(item) == state
    assert store.progress.summary(TODAY)["reviews"] == 2  # cram is not a review


def test_grade_rolls_back_on_failure(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    item = item_ids(store)[0]
    store.conn.execute(
        "CREATE TRIGGER boom BEFORE INSERT ON reviews BEGIN SELECT RAISE(ABORT, 'boom'); END"
    )
    with pytest.raises(StoreError):
        store.reviews.grade(item, 5, now=NOW, today=TODAY)
    assert store.reviews.item_state(item).repetitions == 0


def test_due_order_and_new_order(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    ids = item_ids(store)
    store.reviews.grade(ids[2], 4, now=NOW, today=date(2026, 11, 10))  # due 11-11
    store.reviews.grade(ids[1], 4, now=NOW, today=date(2026, 11, 20))  # due 11-21
    assert store.queues.due_item_ids(TODAY) == [ids[2], ids[1]]
    assert store.queues.new_item_ids(10, TODAY) == [ids[0], ids[3], ids[4]]
    assert store.queues.new_item_ids(10, TODAY, tag="mechanism") == [ids[0], ids[3], ids[4]]
    assert store.queues.new_item_ids(10, TODAY, tag="ltr") == []
    store.reviews.bury(ids[0], TODAY.replace(day=24))
    store.reviews.set_suspended(ids[3], True)
    assert store.queues.new_item_ids(10, TODAY) == [ids[4]]


def test_review_path_has_no_full_table_scans(store, sample_deck):
    """EXPLAIN QUERY PLAN of every statement the review path really runs."""
    import re

    store.decks.import_([load_deck(sample_deck)])
    store.conn.execute("ANALYZE")
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    session = review_session(store, today=TODAY, leech_threshold=8)
    session.answer(1)  # a fail: the leech check runs too
    session.answer(5)
    session.undo()
    session.current()
    store.conn.set_trace_callback(None)
    hot = [sql for sql in statements if re.match(r"\s*(SELECT|UPDATE|INSERT|DELETE)", sql, re.I)]
    assert len(hot) >= 8
    for sql in hot:
        plan = "\n".join(r[3] for r in store.conn.execute("EXPLAIN QUERY PLAN " + sql))
        # "SCAN t" without "USING ... INDEX" reads the whole table. Only the tables that
        # grow with the collection count (aliases i, c, r); decks has a handful of rows.
        big = r"^SCAN (items|cards|reviews|i|c|r)\b(?! USING)"
        assert not re.search(big, plan, re.M), (sql, plan)


def test_buried_cards_are_not_counted_due_until_they_come_back(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    ids = item_ids(store)
    store.reviews.grade(ids[2], 4, now=NOW, today=date(2026, 11, 10))  # due 11-11
    store.reviews.grade(ids[1], 4, now=NOW, today=date(2026, 11, 20))  # due 11-21
    assert [d.due for d in store.progress.deck_counts(TODAY)] == [2]
    store.reviews.bury(ids[2], TODAY + timedelta(days=1))
    assert store.queues.due_item_ids(TODAY) == [ids[1]]
    assert [d.due for d in store.progress.deck_counts(TODAY)] == [1]  # as the session will show
    assert store.queues.due_count_on(TODAY) == 1
    tomorrow = TODAY + timedelta(days=1)
    assert [d.due for d in store.progress.deck_counts(tomorrow)] == [2]
    assert store.queues.due_count_on(tomorrow) == 2


def test_personal_cards_survive_reimport(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    card = store.personal.add(CardContent(front="My front", back="My back", tags=("mine",)))
    store.personal.edit(card, CardContent(front="Edited front", back="My back", tags=("mine",)))
    store.decks.import_([load_deck(sample_deck)])
    assert store.progress.summary(TODAY)["cards"] == 6
    with pytest.raises(StoreError):
        store.personal.edit(1, CardContent(front="x", back="y"))  # a deck-file card


def test_schema_version_wal_and_busy_timeout(tmp_path):
    store = Store.open(tmp_path / "a.db")
    conn = store.conn
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    store.close()


def test_refuses_foreign_and_newer_databases(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(StoreError, match="not a StudyApp database"):
        Store.open(text)
    assert text.read_text() == "hello"
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a StudyApp database"):
        Store.open(other)
    newer = tmp_path / "newer.db"
    Store.open(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer StudyApp"):
        Store.open(newer)


def test_no_database_opened_at_import_time(tmp_path, monkeypatch):
    import subprocess
    import sys

    monkeypatch.setenv("STUDYAPP_DB", str(tmp_path / "never.db"))
    subprocess.run(
        [sys.executable, "-c", "import studyapp.cli, studyapp.store, studyapp.study.session"],
        check=True,
    )
    assert not (tmp_path / "never.db").exists()


def test_due_query_reads_only_its_index(store, sample_deck):
    """The query behind every session start never visits the items table."""
    store.decks.import_([load_deck(sample_deck)])
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    store.queues.due_item_ids(TODAY)
    store.conn.set_trace_callback(None)
    plan = "\n".join(r[3] for r in store.conn.execute("EXPLAIN QUERY PLAN " + statements[-1]))
    assert "USING COVERING INDEX items_due" in plan and "TEMP B-TREE" not in plan
