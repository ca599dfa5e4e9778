"""Clocks and timezones at their edges: counted, not dropped; one line, never a traceback."""

from __future__ import annotations

from datetime import datetime, timedelta

from studyapp import stats
from studyapp.deckfile import load_deck
from tests.conftest import TODAY


def test_reviews_logged_after_today_by_a_timezone_change_are_counted(store, sample_deck):
    store.import_decks([load_deck(sample_deck)])
    item = store.conn.execute("SELECT id FROM items ORDER BY id").fetchone()[0]
    # Studied in UTC+14, then the timezone moved to UTC-12: that day is "tomorrow" now.
    tomorrow = TODAY + timedelta(days=1)
    store.grade(item, 4, now=datetime(2026, 11, 23, 12), today=tomorrow, duration_ms=5000)
    figures = stats.compute(store, TODAY)
    assert figures.heatmap == {TODAY.isoformat(): 1}
    assert TODAY.isoformat() in figures.minutes_per_day
    assert figures.streak_days == 1
