"""Escape sequences never reach the terminal from a command's output (issue 20, item 11).

Deck files refuse control characters at the door, but text can still arrive in the
database (older imports, Anki packages, the student's own exam names and settings), and
file names are the user's. Every command that shows such text prints it made visible.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from studyapp.cli import cli
from studyapp.store import Store

SOON = (date.today() + timedelta(days=60)).isoformat()

# An OSC window title, a CSI clear-screen, an OSC 52 clipboard write, and an 8-bit CSI.
HOSTILE = "x\x1b]0;owned\x07\x1b[2J\x1b]52;c;aGk=\x07\x9b31m"


def _no_escape(result) -> None:
    for text in (result.stdout, result.stderr):
        assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text, text
    assert "Traceback" not in result.stdout + result.stderr


@pytest.fixture
def hostile_db(tmp_path, sample_deck, no_bundled_decks):
    """A database whose deck name, deck id, card text and tags hold escape sequences,
    as an older import could have left them."""
    db = tmp_path / "t.db"
    assert CliRunner().invoke(cli, ["--db", str(db), "import", str(sample_deck)]).exit_code == 0
    store = Store.open(db)
    with store.transaction():
        store.conn.execute("UPDATE decks SET name = ?", (HOSTILE,))
        store.conn.execute(
            "UPDATE cards SET front = ?, back = ?, text = text || ?, tags = ?",
            (HOSTILE, HOSTILE, HOSTILE, HOSTILE),
        )
    store.close()
    return db


def test_exam_names_are_shown_made_visible(hostile_db):
    runner = CliRunner()
    base = ["--db", str(hostile_db), "exam"]
    result = runner.invoke(cli, [*base, SOON, "--name", HOSTILE])
    assert result.exit_code == 0, result.output
    assert "x␛]0;owned␇" in result.stdout
    _no_escape(result)
    listed = runner.invoke(cli, base)
    assert listed.exit_code == 0 and "x␛]0;owned␇" in listed.stdout
    _no_escape(listed)
    removed = runner.invoke(cli, [*base, "--remove", HOSTILE])
    assert removed.exit_code == 0 and removed.stdout.startswith("Removed x␛")
    _no_escape(removed)
    _no_escape(runner.invoke(cli, [*base, "--remove", HOSTILE]))  # unknown now: one line


def test_settings_do_not_echo_raw_values(tmp_path, no_bundled_decks):
    runner = CliRunner()
    base = ["--db", str(tmp_path / "t.db"), "settings"]
    folder = f"/tmp/{HOSTILE}"
    result = runner.invoke(cli, [*base, "sync_folder", folder])
    assert result.exit_code == 0, result.output
    _no_escape(result)
    for args in (["sync_folder"], [], ["new_per_day", HOSTILE], [HOSTILE]):
        _no_escape(runner.invoke(cli, [*base, *args]))


@pytest.mark.parametrize(
    "args",
    [
        ["decks"],
        ["decks", "--json"],
        ["stats"],
        ["stats", "--json"],
        ["review", "--deck", HOSTILE],
        ["review", "--tag", HOSTILE + "-none"],  # unknown tag: the app never opens
        ["exam", SOON, "--deck", HOSTILE],
    ],
)
def test_deck_names_card_text_and_tags_are_made_visible(hostile_db, args):
    result = CliRunner().invoke(cli, ["--db", str(hostile_db), *args])
    _no_escape(result)


def test_export_file_names_and_deck_names_are_made_visible(hostile_db, tmp_path):
    out = tmp_path / f"{HOSTILE}.apkg"
    result = CliRunner().invoke(cli, ["--db", str(hostile_db), "export", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "x␛]0;owned␇" in result.stdout
    _no_escape(result)


def test_backup_file_names_are_made_visible(tmp_path, sample_deck, no_bundled_decks):
    db = tmp_path / f"{HOSTILE}.db"
    runner = CliRunner()
    runner.invoke(cli, ["--db", str(db), "import", str(sample_deck)])
    runner.invoke(cli, ["--db", str(db), "import", str(sample_deck)])
    for args in (["backups"], ["restore", HOSTILE]):
        _no_escape(runner.invoke(cli, ["--db", str(db), *args]))
