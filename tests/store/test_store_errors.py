"""One error type per meaning: the database failed (DatabaseError) or the input was refused
(InputError); the CLI reports either as one line."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from studyapp.cli import cli
from studyapp.settings import extend_new_cards, save_setting
from studyapp.store import DATABASE_ERRORS, DatabaseError, InputError, Store
from studyapp.study.exam import set_exam


def test_refused_input_is_an_input_error_not_a_database_one():
    store = Store.in_memory()
    for refused in (
        lambda: save_setting(store, "new_per_day", "lots"),
        lambda: save_setting(store, "new_per_day.nosuchdeck", "3"),
        lambda: extend_new_cards(store, date(2026, 12, 4), 0),
        lambda: set_exam(store, date(2026, 12, 24), deck_ids=("nosuchdeck",)),
        lambda: store.queues.item(999),
    ):
        with pytest.raises(InputError) as caught:
            refused()
        assert not isinstance(caught.value, DATABASE_ERRORS)


def test_a_file_that_is_not_a_database_is_a_database_error(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("not sqlite at all", encoding="utf-8")
    with pytest.raises(DatabaseError, match="not a StudyApp database"):
        Store.open(path)


# Within the five years an exam may be set ahead (studyapp.study.exam.MAX_DAYS_AHEAD).
IN_TWO_MONTHS = (date.today() + timedelta(days=60)).isoformat()


@pytest.mark.parametrize(
    ("args", "line", "code"),
    [
        (["settings", "new_per_day", "lots"], "new_per_day", 1),
        (["more-new", "5"], None, 0),  # works: no error at all
        # An unknown deck is a usage error (exit 2), as in `review --deck`.
        (["exam", IN_TWO_MONTHS, "--deck", "nosuchdeck"], "no deck with id 'nosuchdeck'", 2),
    ],
)
def test_the_cli_says_refused_input_in_one_line(tmp_path, args, line, code):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "s.db"), *args])
    if line is None:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == code
    assert result.stdout == ""
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("studyapp: ") and line in errors[0]
    assert "Traceback" not in result.output
