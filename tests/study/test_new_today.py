"""One count of "new today": home, `studyapp decks` and the session agree, siblings held
back and buried cards left out."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner

from studyapp.cli import cli
from studyapp.deckfile.reader import load_deck
from studyapp.settings import load_settings
from studyapp.study.daily_queue import new_today
from studyapp.study.session import ReviewSession, Scope
from tests.conftest import TODAY


@pytest.fixture
def loaded(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    return store


def session_new(store, deck_id=None) -> int:
    session = ReviewSession(
        store,
        load_settings(store),
        today=TODAY,
        scope=Scope(deck_id=deck_id),
        clock=lambda: datetime(2026, 11, 23, 12),
    )
    return session.counts().new


def test_siblings_wait_so_new_today_is_what_the_session_shows(loaded):
    # Five unseen items: a basic card, a reversed card's two directions, two clozes of one note.
    settings = load_settings(loaded)
    assert new_today(loaded, TODAY, settings, "sample") == session_new(loaded, "sample") == 3
    assert new_today(loaded, TODAY, settings) == session_new(loaded) == 3


def test_a_buried_card_is_not_new_today(loaded):
    (basic,) = [
        r[0]
        for r in loaded.conn.execute(
            "SELECT i.id FROM items i JOIN cards c ON c.id = i.card_id WHERE c.type = 'basic'"
        )
    ]
    loaded.reviews.bury(basic, TODAY + timedelta(days=1))
    settings = load_settings(loaded)
    assert new_today(loaded, TODAY, settings, "sample") == session_new(loaded, "sample") == 2


def test_decks_command_shows_homes_columns_and_count(tmp_path, sample_deck, no_bundled_decks):
    db = ["--db", str(tmp_path / "d.db")]
    runner = CliRunner()
    assert runner.invoke(cli, [*db, "import", str(sample_deck)]).exit_code == 0
    header, row = runner.invoke(cli, [*db, "decks"]).output.splitlines()
    assert header.split() == ["Deck", "ID", "New", "Due", "Cards"]
    assert row.split()[-3:] == ["3", "0", "5"]


def test_burying_one_direction_keeps_the_other_away_that_day(store, write_deck):
    deck = write_deck(
        '[deck]\nid = "rev"\nname = "Rev"\n[[cards]]\nid = "r"\ntype = "reversed"\n'
        'front = "f"\nback = "b"\n',
        "rev.toml",
    )
    store.decks.import_([load_deck(deck)])
    first = ReviewSession(store, today=TODAY, clock=lambda: datetime(2026, 11, 23, 12))
    assert first.counts().new == 1  # one direction a day
    first.bury_current()
    assert first.current() is None
    # A second sitting the same day: the other direction waits for tomorrow too.
    again = ReviewSession(store, today=TODAY, clock=lambda: datetime(2026, 11, 23, 13))
    assert again.current() is None and new_today(store, TODAY, load_settings(store)) == 0
    tomorrow = ReviewSession(
        store, today=TODAY + timedelta(days=1), clock=lambda: datetime(2026, 11, 24, 12)
    )
    assert tomorrow.current() is not None and tomorrow.counts().new == 1
