"""Clocks and timezones at their edges: counted, not dropped; one line, never a traceback."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from click.testing import CliRunner

from studyapp import stats
from studyapp.cli import cli
from studyapp.deckfile.reader import load_deck
from studyapp.store import Store
from tests.conftest import TODAY


def test_reviews_logged_after_today_by_a_timezone_change_are_counted(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    item = store.conn.execute("SELECT id FROM items ORDER BY id").fetchone()[0]
    # Studied in UTC+14, then the timezone moved to UTC-12: that day is "tomorrow" now.
    tomorrow = TODAY + timedelta(days=1)
    store.reviews.grade(item, 4, now=datetime(2026, 11, 23, 12), today=tomorrow, duration_ms=5000)
    figures = stats.compute(store, TODAY)
    assert figures.heatmap == {TODAY.isoformat(): 1}
    assert TODAY.isoformat() in figures.minutes_per_day
    assert figures.streak_days == 1


def test_an_exam_in_year_9999_is_refused_and_one_already_stored_does_not_crash(tmp_path):
    db = tmp_path / "e.db"
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(db), "exam", "9999-12-31"])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "years ahead" in result.stderr
    # One set before dates were limited: listing it and stats still answer.
    store = Store.open(db)
    store.exams.set("Far", date(9999, 12, 31), (), ())
    store.close()
    for args in (["exam"], ["stats", "--json"]):
        result = runner.invoke(cli, ["--db", str(db), *args])
        assert result.exit_code == 0, (args, result.output)
        assert "9999-12-31" in result.output
    assert runner.invoke(cli, ["--db", str(db), "exam", "--remove", "Far"]).exit_code == 0
