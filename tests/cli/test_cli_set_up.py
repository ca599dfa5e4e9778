"""Every command that names a deck or tag sees the bundled decks, a fresh database included:
the set-up the app's factory does is the CLI context's too (README's own examples)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from studyapp.cli import cli
from studyapp.store import Store


@pytest.fixture
def opened(monkeypatch):
    """Stand in for the app: what the CLI would have opened it with."""
    calls: list[dict[str, object]] = []

    def fake_run(store, **options):
        calls.append({"cards": store.progress.summary(date.today())["cards"], **options})
        return 0

    monkeypatch.setattr("studyapp.ui.app.run", fake_run)
    return calls


@pytest.mark.parametrize(
    "args", [["review", "--deck", "tp-foundations"], ["review", "--tag", "mechanism"]]
)
def test_review_names_a_bundled_deck_or_tag_on_a_fresh_database(tmp_path, opened, args):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "fresh.db"), *args])
    assert result.exit_code == 0, result.output
    (call,) = opened
    assert call["cards"] > 0 and call["sync_bundled"] is False  # set up once, by the CLI
    assert str(call["startup_message"]).startswith("Welcome! Imported 5 bundled decks")


def test_exam_names_a_bundled_deck_on_a_fresh_database(tmp_path):
    db = tmp_path / "fresh.db"
    when = (date.today() + timedelta(days=30)).isoformat()
    result = CliRunner().invoke(cli, ["--db", str(db), "exam", when, "--deck", "tp-mechanisms"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Set Trigger Points::Mechanisms to {when}")
    store = Store.open(db)
    try:
        (exam,) = store.exams.all()
        assert exam.deck_ids == ("tp-mechanisms",) and store.exams.scope_total(exam) > 0
    finally:
        store.close()


def test_the_app_is_set_up_once_and_says_so_once(tmp_path, opened):
    db = str(tmp_path / "fresh.db")
    assert CliRunner().invoke(cli, ["--db", db]).exit_code == 0
    assert CliRunner().invoke(cli, ["--db", db]).exit_code == 0
    first, second = opened
    assert str(first["startup_message"]).startswith("Welcome!")
    assert second["startup_message"] is None and first["cards"] == second["cards"]


def test_the_app_itself_does_no_set_up_the_factory_does(tmp_path):
    from studyapp.ui.app import StudyApp, create_app

    store = Store.open(tmp_path / "fresh.db")
    try:
        assert StudyApp(store).startup_message is None and store.decks.names() == {}
        app = create_app(store)
        assert str(app.startup_message).startswith("Welcome!") and len(store.decks.names()) == 5
    finally:
        store.close()
