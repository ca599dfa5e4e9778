"""Unknown review scopes are usage errors; the study day follows the clock mid-session."""

from __future__ import annotations

from datetime import datetime

import pytest
from click.testing import CliRunner

from studyapp.cli import cli
from studyapp.deckfile.reader import load_deck
from studyapp.study.session import ReviewSession
from tests.conftest import review_session


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--deck", "no-such-id", "no deck with id 'no-such-id' (known: sample)"),
        (
            "--tag",
            "nope",
            "no cards tagged 'nope' (known: ltr, mechanism, mechanism::gate-control)",
        ),
    ],
)
def test_unknown_deck_or_tag_exits_2_listing_the_known_ones(
    tmp_path, sample_deck, option, value, message, no_bundled_decks
):
    db = str(tmp_path / "s.db")
    assert CliRunner().invoke(cli, ["--db", db, "import", str(sample_deck)]).exit_code == 0
    result = CliRunner().invoke(cli, ["--db", db, "review", option, value])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"studyapp: {message}"


def test_a_session_open_across_the_rollover_grades_into_the_new_day(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    now = [datetime(2026, 11, 23, 23, 0)]
    # Siblings kept apart only (not buried): the new day offers its whole budget.
    session = review_session(
        store, clock=lambda: now[0], new_per_day=2, rollover_hour=4, bury_siblings=False
    )
    assert session.today.isoformat() == "2026-11-23"
    assert session.counts().new == 2
    session.answer(5)
    session.answer(5)
    assert session.current() is None  # the day's two new cards are done
    now[0] = datetime(2026, 11, 24, 4, 30)  # past the rollover hour
    assert session.follow_clock()
    assert session.today.isoformat() == "2026-11-24"
    assert session.counts().new == 2  # the new day's budget
    first = session.current()
    session.answer(4)
    day = store.conn.execute(
        "SELECT study_day FROM reviews WHERE item_id = ? ORDER BY id DESC", [first.id]
    ).fetchone()[0]
    assert day == "2026-11-24"


def test_the_grade_after_the_rollover_uses_the_new_day(store, sample_deck):
    store.decks.import_([load_deck(sample_deck)])
    now = [datetime(2026, 11, 23, 3, 59)]
    session = ReviewSession(store, clock=lambda: now[0], rollover_hour=4)
    assert session.today.isoformat() == "2026-11-22"
    item = session.current()
    now[0] = datetime(2026, 11, 23, 4, 1)
    result = session.answer(5)
    day, due = store.conn.execute(
        "SELECT study_day, due_after FROM reviews WHERE item_id = ?", [item.id]
    ).fetchone()
    assert day == "2026-11-23" and due == "2026-11-24"
    assert result is not None
