from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from studyapp.cards import CardContent
from studyapp.cli import cli


@pytest.fixture
def runner(tmp_path, monkeypatch, no_bundled_decks):
    monkeypatch.setenv("STUDYAPP_DB", str(tmp_path / "env.db"))
    return CliRunner()


def test_check_ok(runner, sample_deck):
    result = runner.invoke(cli, ["check", str(sample_deck)])
    assert result.exit_code == 0, result.output
    assert "ok: 1 deck, 3 cards" in result.output


def test_check_reports_each_problem_on_one_line(runner, write_deck):
    bad = write_deck('[deck]\nid = "d"\nname = "D"\n[[cards]]\nid = "a"\nfrnt = "x"\nback = "y"\n')
    result = runner.invoke(cli, ["check", str(bad)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert f"{bad}:6: unknown key 'frnt' in a card (did you mean 'front'?)" in lines
    assert "Traceback" not in result.output + result.stderr


def test_import_is_all_or_nothing(runner, tmp_path, sample_deck, write_deck):
    bad = write_deck('[deck]\nid = "x"\nname = "X"\n[[cards]]\nid = 1\n', "bad.toml")
    db = tmp_path / "t.db"
    result = runner.invoke(cli, ["--db", str(db), "import", str(sample_deck), str(bad)])
    assert result.exit_code == 1
    assert "nothing imported" in result.stderr
    stats = runner.invoke(cli, ["--db", str(db), "stats", "--json"])
    assert json.loads(stats.output)["cards"] == 0


def test_import_then_decks_and_stats(runner, tmp_path, sample_deck):
    db = tmp_path / "t.db"
    result = runner.invoke(cli, ["--db", str(db), "import", str(sample_deck)])
    assert result.exit_code == 0
    assert "Sample::Mechanisms: new deck (3 notes added)" in result.output
    again = runner.invoke(cli, ["--db", str(db), "import", str(sample_deck)])
    assert "unchanged" in again.output
    decks = runner.invoke(cli, ["--db", str(db), "decks"])
    assert "Sample::Mechanisms" in decks.output and "5" in decks.output
    data = json.loads(runner.invoke(cli, ["--db", str(db), "stats", "--json"]).output)
    assert {k: data[k] for k in ("cards", "new", "due_today", "reviews")} == {
        "cards": 5,
        "new": 5,
        "due_today": 0,
        "reviews": 0,
    }
    assert data["decks"][0]["id"] == "sample" and data["decks"][0]["cards"] == 5


def test_env_var_selects_database(runner, tmp_path, sample_deck):
    runner.invoke(cli, ["import", str(sample_deck)])
    assert (tmp_path / "env.db").exists()


def test_database_errors_are_one_line(runner, tmp_path):
    notdb = tmp_path / "x.db"
    notdb.write_text("not a database")
    result = runner.invoke(cli, ["--db", str(notdb), "decks"])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0
    assert "not a StudyApp database" in result.stderr


def test_usage_error_exits_2(runner):
    assert runner.invoke(cli, ["check"]).exit_code == 2
    assert runner.invoke(cli, ["frobnicate"]).exit_code == 2


def _installed_studyapp() -> list[str]:
    exe = shutil.which("studyapp", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "studyapp"]


def test_installed_command_and_module(tmp_path, sample_deck):
    env = {**os.environ, "STUDYAPP_DB": str(tmp_path / "p.db")}
    for command in (_installed_studyapp(), [sys.executable, "-m", "studyapp"]):
        done = subprocess.run(
            [*command, "check", str(sample_deck)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        assert "ok: 1 deck" in done.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text("[deck\n")
    done = subprocess.run(
        [*_installed_studyapp(), "import", str(bad)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"{bad}:1: TOML syntax error" in done.stderr


def test_bundled_decks_are_valid_and_found_outside_checkout(tmp_path):
    env = {**os.environ, "STUDYAPP_DB": str(tmp_path / "p.db")}
    code = "from studyapp.locations import bundled_decks_dir; print(bundled_decks_dir())"
    where = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    ).stdout.strip()
    done = subprocess.run(
        [*_installed_studyapp(), "check", where],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr


def test_settings_show_set_and_reject(runner, tmp_path):
    db = ["--db", str(tmp_path / "s.db")]
    assert "new_per_day = 20" in runner.invoke(cli, [*db, "settings"]).output
    assert runner.invoke(cli, [*db, "settings", "new_per_day", "35"]).exit_code == 0
    assert runner.invoke(cli, [*db, "settings", "new_per_day"]).output.strip() == "35"
    bad = runner.invoke(cli, [*db, "settings", "new_per_day", "lots"])
    assert bad.exit_code == 1 and "whole number" in bad.stderr
    assert (
        runner.invoke(cli, [*db, "settings", "colour", "red"]).exit_code == 2
    )  # unknown name: usage
    assert runner.invoke(cli, [*db, "settings", "theme", "neon"]).exit_code == 1


def test_settings_range_message_for_a_negative_number(runner, tmp_path):
    db = ["--db", str(tmp_path / "s.db")]
    result = runner.invoke(cli, [*db, "settings", "new_per_day", "-5"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "studyapp: new_per_day must be between 0 and 9999, not -5"


def test_settings_per_deck_switches_and_more_new(runner, tmp_path, sample_deck):
    db = ["--db", str(tmp_path / "s.db")]
    assert runner.invoke(cli, [*db, "import", str(sample_deck)]).exit_code == 0
    assert runner.invoke(cli, [*db, "settings", "new_per_day.sample", "3"]).exit_code == 0
    assert runner.invoke(cli, [*db, "settings", "bury_siblings", "off"]).exit_code == 0
    shown = runner.invoke(cli, [*db, "settings"]).output
    assert "new_per_day.sample = 3" in shown and "bury_siblings = off" in shown
    assert runner.invoke(cli, [*db, "settings", "new_per_day.sample"]).output.strip() == "3"
    unknown = runner.invoke(cli, [*db, "settings", "new_per_day.nope", "3"])
    # An unknown deck id is a usage error everywhere (exit 2), as in `review --deck`.
    assert unknown.exit_code == 2 and "no deck with id 'nope'" in unknown.stderr
    more = runner.invoke(cli, [*db, "more-new", "10"])
    assert more.exit_code == 0 and "raised by 10" in more.output
    assert runner.invoke(cli, [*db, "more-new", "0"]).exit_code == 2


def test_db_in_a_missing_folder_is_an_error_not_a_new_database(runner, tmp_path):
    missing = tmp_path / "no-such-folder" / "study.db"
    result = runner.invoke(cli, ["--db", str(missing), "decks"])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"studyapp: {missing.parent}: no such folder for the database"
    assert not missing.parent.exists()


def test_first_run_makes_the_default_data_folder(runner, tmp_path, monkeypatch):
    # A new student: no --db, no $STUDYAPP_DB, and no data folder yet.
    monkeypatch.delenv("STUDYAPP_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "fresh-home" / "share"))
    result = runner.invoke(cli, ["decks"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fresh-home" / "share" / "studyapp" / "studyapp.db").is_file()


def test_decks_json(runner, tmp_path, sample_deck):
    db = ["--db", str(tmp_path / "s.db")]
    runner.invoke(cli, [*db, "import", str(sample_deck)])
    rows = json.loads(runner.invoke(cli, [*db, "decks", "--json"]).output)
    assert rows == [
        {"id": "sample", "name": "Sample::Mechanisms", "total": 5, "new": 5, "due_today": 0}
    ]


def test_long_work_is_silent_when_piped(tmp_path, sample_deck):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "studyapp",
            "--db",
            str(tmp_path / "p.db"),
            "import",
            str(sample_deck),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stderr == ""


def test_stats_fit_80_columns_and_the_heatmap_reads_without_colour(runner, tmp_path, sample_deck):
    db = ["--db", str(tmp_path / "s.db")]
    runner.invoke(cli, [*db, "import", str(sample_deck)])
    runner.invoke(cli, [*db, "more-new", "1"])
    from studyapp.store import Store

    store = Store.open(tmp_path / "s.db")
    store.personal.add(
        CardContent(
            front="A front long enough to need cutting " * 4, back="back", tags=("mechanism",)
        )
    )
    for item in [r[0] for r in store.conn.execute("SELECT id FROM items")]:
        store.reviews.grade(item, 2)
    store.close()
    output = runner.invoke(cli, [*db, "stats"], terminal_width=80).output
    assert max(len(line) for line in output.splitlines()) <= 80
    assert "↳ " in output  # the weakest card under its topic, not cut off
    assert "██" in output or "▓▓" in output


def test_more_new_reports_what_this_call_added(runner, tmp_path, sample_deck):
    db = ["--db", str(tmp_path / "s.db")]
    assert runner.invoke(cli, [*db, "import", str(sample_deck)]).exit_code == 0
    first = runner.invoke(cli, [*db, "more-new", "10"]).output
    assert first.startswith("Today's new-card limits are raised by 10;")
    second = runner.invoke(cli, [*db, "more-new", "5"]).output
    assert second.startswith("Today's new-card limits are raised by 5 (15 in all today);")


def test_a_mistyped_setting_gets_a_did_you_mean(runner, tmp_path):
    result = runner.invoke(cli, ["--db", str(tmp_path / "s.db"), "settings", "new_per_dya", "5"])
    assert result.exit_code == 2  # a usage error, like an unknown option
    assert result.stderr.startswith(
        "studyapp: unknown setting 'new_per_dya' (did you mean new_per_day? known: new_per_day, "
    )


# `studyapp stats` in a fresh interpreter, then what it loaded (on stderr, at exit).
STATS_CHILD = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))
sys.argv = ["studyapp", "--db", sys.argv[1], "stats", "--json"]
from studyapp.cli import main
main()
"""


def test_stats_loads_no_deck_file_reader_or_anki_code(tmp_path, sample_deck):
    """Every command paid for the deck-file reader (tomllib, its regexes) at start-up;
    only the commands that read deck files load it now (`stats` has a 0.5 s target)."""
    from studyapp.bundled import set_up_store
    from studyapp.deckfile.reader import load_deck
    from studyapp.store import Store

    store = Store.open(tmp_path / "s.db")
    store.decks.import_([load_deck(sample_deck)])
    set_up_store(store)  # as after the first start: the bundled decks are in
    store.close()
    done = subprocess.run(
        [sys.executable, "-c", STATS_CHILD, str(tmp_path / "s.db")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert "studyapp.stats" in loaded
    assert not {m for m in loaded if m.startswith(("studyapp.deckfile.reader", "studyapp.anki"))}
    assert "tomllib" not in loaded and "genanki" not in loaded
