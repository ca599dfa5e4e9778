"""`studyapp exam`: set, list, move, remove; bad input gets one line; stats --json lists exams."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from studyapp.cli import cli
from studyapp.store import SCHEMA_VERSION, Store


@pytest.fixture
def run(tmp_path, sample_deck, no_bundled_decks):
    db = tmp_path / "exam.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", str(db), "import", str(sample_deck)]).exit_code == 0

    def invoke(*args: str):
        return runner.invoke(cli, ["--db", str(db), *args])

    return invoke


def soon(days: int) -> str:
    # The CLI's today is the real one (rollover 04:00): stay clear of it.
    return (date.today() + timedelta(days=days)).isoformat()


def test_set_list_move_and_remove(run):
    assert "No exams set" in run("exam").output
    result = run("exam", soon(30), "--deck", "sample")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Set Sample::Mechanisms to {soon(30)}"
    assert lines[1].startswith(f"Sample::Mechanisms — {soon(30)} (in 3") and "days)" in lines[1]
    assert "seen 0/5 · 20 new/day (normal 20)" in lines[2]
    assert "100% reviewed in the final window" in lines[3]
    moved = run("exam", soon(40), "--tag", "ltr", "--name", "Sample::Mechanisms")
    assert moved.output.splitlines()[0] == f"Moved Sample::Mechanisms to {soon(40)}"
    assert "tag ltr" in moved.output and "seen 0/2" in moved.output
    assert run("exam", soon(50), "--name", "Final").exit_code == 0
    assert run("exam").output.count(" — ") == 2
    assert run("exam", "--remove", "Final").output == "Removed Final\n"
    assert run("exam").output.count(" — ") == 1


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["2020-01-01"], "studyapp: 2020-01-01 is in the past\n", 1),
        (["12/01/2027"], "studyapp: '12/01/2027' is not a date; write it as YYYY-MM-DD\n", 1),
        # Naming what does not exist is a usage error (exit 2), as in `review --deck`.
        (
            [soon(9), "--deck", "nope"],
            "studyapp: no deck with id 'nope' (see `studyapp decks`)\n",
            2,
        ),
        ([soon(9), "--tag", "nope"], "studyapp: no cards tagged 'nope'\n", 2),
        (["--remove", "Nope"], "studyapp: no exam named 'Nope'\n", 2),
    ],
)
def test_bad_input_gets_one_line_and_writes_nothing(run, args, message, code):
    result = run("exam", *args)
    assert result.exit_code == code
    assert result.stderr == message
    assert "No exams set" in run("exam").output


def test_usage_errors_exit_2(run):
    assert run("exam", "--deck", "sample").exit_code == 2
    assert run("exam", soon(3), "--remove", "x").exit_code == 2


def test_stats_json_lists_coming_exams(run):
    run("exam", soon(20), "--deck", "sample", "--name", "Anatomy")
    data = json.loads(run("stats", "--json").output)
    (entry,) = data["exams"]
    assert entry["name"] == "Anatomy" and entry["date"] == soon(20)
    assert entry["scope"] == {"decks": ["sample"], "tags": []}
    assert entry["new_left"] == 5 and entry["new_per_day"] == 20
    assert entry["days_left"] in (19, 20, 21)  # the study day rolls over at 04:00
    assert len(entry["forecast"]) == entry["days_left"] + 1
    assert set(entry["forecast"][0]) == {"date", "reviews", "new", "exam"}
    assert entry["final_window_coverage"] == 1.0


def test_the_review_log_accepts_exam_reviews_after_the_migration(tmp_path):
    store = Store.open(tmp_path / "m.db")
    conn = sqlite3.connect(tmp_path / "m.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'reviews'").fetchone()[0]
    assert "'exam'" in sql
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"reviews_item", "reviews_day"} <= indexes
    conn.close()
    store.close()


def test_moving_keeps_the_scope_unless_a_new_one_is_given(run):
    run("exam", soon(20), "--tag", "ltr", "--name", "Anatomy")
    moved = run("exam", soon(30), "--name", "Anatomy")
    assert moved.output.splitlines()[0] == f"Moved Anatomy to {soon(30)}"
    assert "tag ltr" in moved.output and "seen 0/2" in moved.output
    widened = run("exam", soon(31), "--name", "Anatomy", "--all-decks")
    assert "seen 0/5" in widened.output
    both = run("exam", soon(32), "--name", "Anatomy", "--all-decks", "--deck", "sample")
    assert both.exit_code == 2 and "not both" in both.output
