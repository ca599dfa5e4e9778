"""What a session start reads: the cards set aside come from the buried items alone.

The figure (first_card_s) is measured by tests/benchmarks/bench.py; this holds the shape
of the query behind it, and that it still answers the same.
"""

from __future__ import annotations

import shutil
from datetime import timedelta

from studyapp.deckfile.reader import load_deck
from studyapp.store import Store
from tests.conftest import TODAY
from tests.paths import FIXTURES

FIXTURE_V1 = FIXTURES / "schema_v1.db"


def item_ids(store):
    return [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY new_position")]


def card_of(store, item_id):
    return store.conn.execute("SELECT card_id FROM items WHERE id = ?", [item_id]).fetchone()[0]


def test_cards_set_aside_read_the_buried_items_index_not_every_item(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    store.conn.execute("ANALYZE")
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    store.queues.cards_set_aside(TODAY)
    store.conn.set_trace_callback(None)
    plan = "\n".join(r[3] for r in store.conn.execute("EXPLAIN QUERY PLAN " + statements[-1]))
    assert "USING COVERING INDEX items_buried (buried_until>?)" in plan, plan


def test_cards_set_aside_are_those_buried_past_the_day(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    first, second, third = item_ids(store)[:3]
    store.reviews.bury(first, TODAY + timedelta(days=1))
    store.reviews.bury(second, TODAY)  # back today: not set aside
    store.reviews.bury(third, TODAY - timedelta(days=3))  # long back
    assert store.queues.cards_set_aside(TODAY) == {card_of(store, first)}
    assert store.queues.cards_set_aside(TODAY - timedelta(days=1)) == {
        card_of(store, first),
        card_of(store, second),
    }
    store.reviews.bury(first, None)
    assert store.queues.cards_set_aside(TODAY) == set()


def test_an_upgraded_database_has_the_buried_items_index(tmp_path):
    db = tmp_path / "study.db"
    shutil.copy(FIXTURE_V1, db)
    store = Store.open(db)
    names = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "items_buried" in names
    store.close()
