"""Disk full, read-only databases and fuzzed deck files: a clear error, nothing half-written."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyapp.cli import cli
from studyapp.deckfile.reader import check_paths, load_deck
from studyapp.store import Store, StoreError
from tests.conftest import SAMPLE_DECK, TODAY


def big_deck(path: Path, cards: int) -> Path:
    body = "".join(
        f'[[cards]]\nid = "c{n}"\nfront = "{"question " * 30}{n}"\nback = "{"answer " * 30}"\n\n'
        for n in range(cards)
    )
    path.write_text(f'[deck]\nid = "big"\nname = "Big"\n\n{body}', encoding="utf-8")
    return path


def test_disk_full_during_import_writes_nothing(tmp_path, sample_deck):
    store = Store.open(tmp_path / "full.db")
    store.decks.import_([load_deck(sample_deck)])
    before = store.progress.summary(TODAY)
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    # SQLite reports a capped database exactly as a full disk: SQLITE_FULL.
    store.conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    with pytest.raises(StoreError, match="disk is full"):
        store.decks.import_([load_deck(big_deck(tmp_path / "big.toml", 2000))])
    assert store.progress.summary(TODAY) == before
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.close()


async def test_disk_full_while_grading_keeps_the_card_and_the_app(tmp_path, make_app):
    from studyapp.ui.screens.review import ReviewScreen

    deck = tmp_path / "sample.toml"
    deck.write_text(SAMPLE_DECK, encoding="utf-8")
    store = Store.open(tmp_path / "g.db")
    store.decks.import_([load_deck(deck)])
    app = make_app(store, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        first = app.screen.session.current().id
        # The failure SQLite raises when the disk fills, at the moment of the grade.
        store.conn.execute(
            "CREATE TRIGGER full BEFORE INSERT ON reviews "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
        await pilot.press("space", "5")
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.session.current().id == first  # still there, not lost
        assert any("disk is full" in n.message for n in app._notifications)
        assert store.reviews.of(first) == [] and store.reviews.item_state(first).due is None
        store.conn.execute("DROP TRIGGER full")
        await pilot.press("5")  # space is free again: the same press now saves
        assert [r["grade"] for r in store.reviews.of(first)] == [5]
    store.close()


def _make_read_only(paths: list[Path]) -> bool:
    """Read-only for this process. Root ignores file modes, so it needs the immutable flag."""
    if os.geteuid() != 0:
        for path in paths:
            os.chmod(path, 0o555 if path.is_dir() else 0o444)
        return True
    done = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True)
    return done.returncode == 0


def _make_writable(paths: list[Path]) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", *map(str, paths)], capture_output=True)
    for path in paths:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


@pytest.fixture
def read_only_db(tmp_path):
    """A database (and its folder) this process may read but not write."""
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "ro.db"
    deck = tmp_path / "sample.toml"
    deck.write_text(SAMPLE_DECK, encoding="utf-8")
    store = Store.open(db)
    store.decks.import_([load_deck(deck)])
    store.close()  # the last connection checkpoints and removes the -wal/-shm files
    paths = [*folder.iterdir(), folder]
    if not _make_read_only(paths):
        pytest.skip("cannot make a file read-only here (chattr unavailable)")
    yield db, deck
    _make_writable(paths)


def test_read_only_database_gives_one_clear_line(read_only_db):
    db, deck = read_only_db
    before = db.read_bytes()
    runner = CliRunner()
    for args in (["import", str(deck)], ["decks"], ["settings", "new_per_day", "5"]):
        result = runner.invoke(cli, ["--db", str(db), *args])
        assert result.exit_code in (0, 1), (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), args
        if result.exit_code == 1:
            assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)
            assert result.stderr.startswith("studyapp: "), result.stderr
    assert db.read_bytes() == before
    result = runner.invoke(cli, ["--db", str(db), "import", str(deck)])
    assert result.exit_code == 1 and "read-only" in result.stderr, result.stderr


def test_unwritable_database_folder_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(cli, ["--db", str(blocker / "sub" / "s.db"), "decks"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.count("\n") == 1


# -- fuzzing deck files ---------------------------------------------------------------------

TOML_PIECES = st.sampled_from(
    [
        "[deck]\n",
        'id = "d"\n',
        'name = "D"\n',
        "[[cards]]\n",
        'id = "c1"\n',
        'id = "c1"\n',
        'front = "F"\n',
        'back = "B"\n',
        'type = "cloze"\n',
        'text = "{{c1::x}}"\n',
        'text = "{{c1::open"\n',
        'tags = ["a b", "ok::t"]\n',
        "tags = 3\n",
        'frnt = "typo"\n',
        'front = """multi\nline"""\n',
        "= broken\n",
        "[deck\n",
        "x = [[[[1]]]]\n",
        'front = "\\u0000"\n',
        'back = "\U0001f600 \u202e \ufeff"\n',
        "\n",
        "# comment\n",
        'cards = "not a table"\n',
        "[[deck]]\n",
        "description = 5\n",
    ]
)


@st.composite
def deck_texts(draw):
    pieces = draw(st.lists(TOML_PIECES, max_size=25))
    noise = draw(st.text(max_size=40))
    huge = "x" * draw(st.sampled_from([0, 10, 200_000]))
    nesting = draw(st.sampled_from([0, 50, 5000]))
    text = "".join(pieces)
    if huge:
        text += f'[[cards]]\nid = "huge"\nfront = "{huge}"\nback = "b"\n'
    if nesting:
        text += "deep = " + "[" * nesting + "]" * nesting + "\n"
    position = draw(st.integers(0, len(text)))
    return text[:position] + noise + text[position:]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=deck_texts())
def test_fuzzed_deck_files_never_crash_and_never_half_import(tmp_path, text):
    path = tmp_path / "fuzz.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    decks, problems = check_paths([path])
    assert bool(decks) != bool(problems)
    for problem in problems:
        assert str(problem).startswith(str(path))
    db = tmp_path / "fuzz.db"
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(db), "import", str(path)])
    assert result.exit_code in (0, 1), result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    if result.exit_code == 1 and db.exists():
        conn = sqlite3.connect(db)
        assert conn.execute("SELECT COUNT(*) FROM cards WHERE deck_id = 'd'").fetchone()[0] == 0
        conn.close()
    db.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_are_a_clear_problem(tmp_path, data):
    path = tmp_path / "bytes.toml"
    path.write_bytes(data)
    decks, problems = check_paths([path])
    assert bool(decks) != bool(problems)
