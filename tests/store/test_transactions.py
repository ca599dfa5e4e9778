"""One transaction discipline: an autocommit connection, and `transaction()` the only way in."""

from __future__ import annotations

import sqlite3

import pytest

from studyapp.store import Store


def committed(path, key: str) -> str | None:
    """The value another connection sees: only what was committed."""
    other = sqlite3.connect(str(path))
    try:
        row = other.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    finally:
        other.close()
    return row[0] if row else None


def test_a_stray_write_cannot_turn_the_next_transaction_into_a_savepoint(tmp_path):
    store = Store.open(tmp_path / "s.db")
    # A write outside transaction() (as a test or a careless caller might do) ...
    store.conn.execute("INSERT INTO meta (key, value) VALUES ('stray', '1')")
    # ... then an ordinary one: both must be committed, visible to another connection.
    store.set_meta("after", "2")
    assert not store.conn.in_transaction
    assert committed(tmp_path / "s.db", "stray") == "1"
    assert committed(tmp_path / "s.db", "after") == "2"
    store.close()


def test_the_connection_is_in_autocommit_mode(tmp_path):
    store = Store.open(tmp_path / "s.db")
    assert store.conn.isolation_level is None
    assert Store.in_memory().conn.isolation_level is None
    store.close()


def test_a_nested_transaction_is_a_savepoint_of_the_outer_one(tmp_path):
    store = Store.open(tmp_path / "s.db")
    with store.transaction():
        store.set_meta("outer", "1")
        with pytest.raises(ValueError), store.transaction():
            store.set_meta("inner", "2")
            raise ValueError("the inner part fails")
        # Only the inner part is undone; the outer one is not yet visible elsewhere.
        assert store.get_meta("inner") is None
        assert committed(tmp_path / "s.db", "outer") is None
    assert committed(tmp_path / "s.db", "outer") == "1"
    assert committed(tmp_path / "s.db", "inner") is None
    store.close()


def test_a_failure_inside_the_outer_transaction_undoes_the_nested_ones(tmp_path):
    store = Store.open(tmp_path / "s.db")
    with pytest.raises(ValueError), store.transaction():
        with store.transaction():
            store.set_meta("inner", "2")
        raise ValueError("the outer part fails")
    assert committed(tmp_path / "s.db", "inner") is None
    # And the store is usable again at once.
    store.set_meta("next", "3")
    assert committed(tmp_path / "s.db", "next") == "3"
    store.close()


def test_a_transaction_begun_by_hand_is_refused_not_joined(tmp_path):
    from studyapp.store import DatabaseError

    store = Store.open(tmp_path / "s.db")
    store.conn.execute("BEGIN")
    with pytest.raises(DatabaseError, match="left open"):
        store.set_meta("joined", "1")
    store.conn.execute("ROLLBACK")
    store.set_meta("after", "2")
    assert committed(tmp_path / "s.db", "after") == "2"
    store.close()
