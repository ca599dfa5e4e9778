"""Restore keeps what it promises: the old file aside, one restore at a time, never while open."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from studyapp.cli import cli
from studyapp.store import SCHEMA_VERSION, Store, StoreError, backups, restore
from tests.store.test_database_failures import damage

NOW = datetime(2026, 11, 23, 12, 0, 0)


def db_with(path: Path, value: str) -> Path:
    """A StudyApp database whose meta `mark` is `value`, closed (no -wal beside it)."""
    store = Store.open(path)
    store.set_meta("mark", value)
    store.close()
    return path


def mark(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return str(conn.execute("SELECT value FROM meta WHERE key = 'mark'").fetchone()[0])
    finally:
        conn.close()


def run_cli(env_db: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`studyapp` in a process of its own (so its locks are its own)."""
    return subprocess.run(
        [sys.executable, "-m", "studyapp", "--db", str(env_db), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )


@pytest.fixture
def dbs(tmp_path) -> tuple[Path, Path, Path]:
    """The database (mark 'current') and two backups (marks 'one', 'two')."""
    return (
        db_with(tmp_path / "study.db", "current"),
        db_with(tmp_path / "one.db", "one"),
        db_with(tmp_path / "two.db", "two"),
    )


def test_two_restores_in_one_second_keep_both_previous_files(dbs):
    db, one, two = dbs
    first = restore.restore(db, one, NOW)
    second = restore.restore(db, two, NOW)
    assert first is not None and second is not None and first != second
    assert (mark(first), mark(second), mark(db)) == ("current", "one", "two")


def test_restore_never_replaces_an_existing_kept_aside_file(dbs):
    db, one, _ = dbs
    taken = db.with_name(f"{db.name}.before-restore-{NOW:%Y-%m-%dT%H%M%S}")
    taken.write_bytes(b"the student's own file")
    aside = restore.restore(db, one, NOW)
    assert aside is not None and aside != taken and mark(aside) == "current"
    assert taken.read_bytes() == b"the student's own file"


def test_concurrent_restores_serialise_and_keep_every_previous_file(dbs):
    db, one, two = dbs
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "studyapp", "--db", str(db), "restore", str(source)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for source in (one, two)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    kept = sorted(db.parent.glob("study.db.before-restore-*"))
    assert len(kept) == 2
    assert [*sorted(mark(k) for k in kept), mark(db)] in (
        ["current", "one", "two"],
        ["current", "two", "one"],
    )
    assert not list(db.parent.glob(".study.db.restoring*"))


@pytest.mark.parametrize(
    ("call", "nth"), [("link", 1), ("replace", 1), ("replace", 2), ("unlink", 1)]
)
def test_a_crash_at_any_point_of_restore_leaves_a_database_in_place(dbs, monkeypatch, call, nth):
    db, one, _ = dbs

    class Killed(BaseException):
        pass

    real = getattr(os, call)
    calls = []

    def crash_on_nth(*args, **kwargs):
        calls.append(args)
        if len(calls) == nth:
            raise Killed
        return real(*args, **kwargs)

    monkeypatch.setattr(os, call, crash_on_nth)
    crashed = False
    try:
        restore.restore(db, one, NOW)
    except Killed:
        crashed = True
    monkeypatch.undo()
    assert db.exists() and mark(db) == ("current" if crashed else "one")
    if crashed:
        assert (
            not [  # no second name for the live file posing as a kept copy
                p for p in db.parent.glob("study.db.before-restore-*") if os.path.samefile(p, db)
            ]
        )
    Store.open(db).close()


def test_restores_racing_in_one_process_and_one_second_keep_every_previous_file(dbs):
    db, one, two = dbs
    errors: list[BaseException] = []

    def run(source: Path) -> None:
        try:
            restore.restore(db, source, NOW)
        except BaseException as exc:  # collected: a thread's failure must fail the test
            errors.append(exc)

    for _ in range(4):
        threads = [threading.Thread(target=run, args=(s,)) for s in (one, two)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert errors == []
    kept = list(db.parent.glob("study.db.before-restore-*"))
    assert len(kept) == 8
    assert sorted(mark(k) for k in kept).count("current") == 1


def test_what_a_killed_restore_left_is_cleared_by_the_next(dbs):
    db, one, _ = dbs
    # Killed between keeping the old file aside (a hard link) and renaming the copy in.
    alias = db.with_name(f"{db.name}.before-restore-2026-11-22T100000")
    os.link(db, alias)
    staged = db_with(db.with_name(f".{db.name}.restoring-999999-abcd"), "staged")
    aside = restore.restore(db, one, NOW)
    assert not alias.exists() and not staged.exists()
    assert aside is not None and mark(aside) == "current" and mark(db) == "one"


def test_an_interrupted_restore_is_said_not_papered_over_with_an_empty_database(tmp_path):
    # What an older restore left when killed between its two renames: no database.
    db = tmp_path / "study.db"
    staged = db_with(tmp_path / ".study.db.restoring", "staged")
    result = CliRunner().invoke(cli, ["--db", str(db), "decks"])
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert "\n" not in line and "restore into it was interrupted" in line and str(staged) in line
    assert not db.exists()


def test_restore_is_refused_while_the_app_has_the_database_open(dbs):
    db, one, _ = dbs
    app = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from studyapp.store import Store; s = Store.open(sys.argv[1]); "
            "print('open', flush=True); sys.stdin.readline(); s.set_meta('mark', 'graded'); "
            "s.close()",
            str(db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert app.stdout is not None and app.stdout.readline() == "open\n"
        result = run_cli(db, "restore", str(one))
    finally:
        app.communicate("\n", timeout=30)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "is open in StudyApp or another program" in (
        result.stderr
    )
    assert not list(db.parent.glob("study.db.before-restore-*"))
    assert mark(db) == "graded"  # the open app's grade went to the database, not aside


def test_restore_is_refused_while_another_program_has_the_database_open(dbs):
    db, one, _ = dbs
    other = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "c.execute('SELECT 1 FROM meta').fetchone(); print('open', flush=True); "
            "sys.stdin.readline()",
            str(db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout is not None and other.stdout.readline() == "open\n"
        result = run_cli(db, "restore", str(one))
    finally:
        other.communicate("\n", timeout=30)
    assert result.returncode == 1 and "is open" in result.stderr
    assert mark(db) == "current"


def foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()


def newer(path: Path) -> None:
    db_with(path, "newer")
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()


def damaged(path: Path) -> None:
    db_with(path, "damaged")
    damage(path)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.write_bytes(b""), "it is empty"),
        (foreign, "another program's SQLite database"),
        (newer, "written by a newer StudyApp"),
        (damaged, "it is damaged"),
    ],
    ids=["empty", "foreign", "newer", "damaged"],
)
def test_restore_refuses_what_the_app_cannot_use(dbs, tmp_path, make, reason):
    db = dbs[0]
    bad = tmp_path / "bad.db"
    make(bad)
    before = db.read_bytes()
    result = CliRunner().invoke(cli, ["--db", str(db), "restore", str(bad)])
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert "\n" not in line and "not a good StudyApp backup" in line and reason in line
    assert db.read_bytes() == before
    assert not list(db.parent.glob("study.db.before-restore-*"))


def test_a_good_backup_restores_and_the_app_opens_it(dbs):
    db, one, _ = dbs
    result = CliRunner().invoke(cli, ["--db", str(db), "restore", str(one)])
    assert result.exit_code == 0, result.output
    assert mark(db) == "one" and backups.is_good(db)
    store = Store.open(db)
    assert store.get_meta("mark") == "one"
    store.close()


def test_opening_waits_for_a_restore_under_way_then_says_so(dbs, monkeypatch):
    db = dbs[0]
    monkeypatch.setattr(restore, "OPEN_WAIT_SECONDS", 0.2)
    with restore._locked(db, restore.OPEN_LOCK, restore.fcntl.LOCK_EX) as got:
        assert got
        with pytest.raises(StoreError, match="a restore of this database is under way"):
            Store.open(db)


def test_backups_survive_a_clock_that_was_in_the_future(tmp_path):
    store = Store.open(tmp_path / "f.db")
    for day in range(1, 11):  # ten backups while the clock said 2031
        backups.take_backup(store.conn, store.path, "daily", datetime(2031, 1, day, 9))
    written = [
        backups.take_backup(store.conn, store.path, "daily", datetime(2026, 11, day, 9))
        for day in range(20, 24)
    ]
    kept = {b.path for b in backups.list_backups(store.path)}
    assert set(written) <= kept  # not one of today's clock was deleted as it was written
    assert sum(b.taken_at.year == 2031 for b in backups.list_backups(store.path)) >= 1
    assert len(kept) <= 1 + 2 * backups.KEEP_NEWEST + backups.KEEP_DAILY + backups.KEEP_WEEKLY
    store.close()


def test_backups_in_one_second_never_overwrite_one_another(tmp_path):
    store = Store.open(tmp_path / "s.db")
    folder = backups.backup_folder(store.path)
    folder.mkdir(parents=True, exist_ok=True)
    taken = folder / f"{NOW:%Y-%m-%dT%H%M%S}-daily.db"
    taken.write_bytes(b"written by another process this second")
    first = backups.take_backup(store.conn, store.path, "daily", NOW)
    second = backups.take_backup(store.conn, store.path, "daily", NOW)
    assert len({taken, first, second}) == 3
    assert taken.read_bytes() == b"written by another process this second"
    assert backups.is_good(first) and backups.is_good(second)
    assert not list(folder.glob(".*.partial"))
    store.close()


def test_a_killed_backups_partial_file_is_cleaned_up(tmp_path):
    store = Store.open(tmp_path / "p.db")
    folder = backups.backup_folder(store.path)
    folder.mkdir(parents=True, exist_ok=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=-1)
    try:
        killed = folder / f".2026-11-22T090000-daily.db.{dead.pid}.partial"
        legacy = folder / ".2026-11-21T090000-daily.db.partial"
        running = folder / f".2026-11-23T090000-daily.db.{live.pid}.partial"
        for path in (killed, legacy, running):
            path.write_bytes(b"x" * 4096)
        backups.take_backup(store.conn, store.path, "daily", NOW)
        assert not killed.exists() and not legacy.exists()
        assert running.exists()  # a backup still being written is left alone
    finally:
        live.communicate(b"", timeout=30)
    store.close()


def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.db"
    os.mkfifo(path)
    return path


def test_a_fifo_as_the_database_is_refused_not_waited_on(tmp_path):
    pipe = fifo(tmp_path)
    good = db_with(tmp_path / "good.db", "good")
    for args in (["decks"], ["restore", str(good)]):
        result = run_cli(pipe, *args)
        assert result.returncode == 1, result.stderr
        assert result.stderr.count("\n") == 1 and "not a plain file" in result.stderr
    env_run = subprocess.run(
        [sys.executable, "-m", "studyapp", "decks"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "STUDYAPP_DB": str(pipe)},
    )
    assert env_run.returncode == 1 and "not a plain file" in env_run.stderr


def test_a_device_as_the_database_is_refused_and_nothing_is_made_beside_it(tmp_path):
    journal = Path("/dev/null-journal")
    existed = journal.exists()
    result = subprocess.run(
        [sys.executable, "-m", "studyapp", "decks"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "STUDYAPP_DB": "/dev/null"},
    )
    assert result.returncode == 1 and "/dev/null is not a plain file" in result.stderr
    assert journal.exists() == existed


def test_a_test_that_undoes_its_patches_keeps_its_own_data_folder(
    monkeypatch, isolated_data_dir, tmp_path
):
    """The crash tests above undo their own patches before opening the store: the
    backups (and the open lock) must still go to the test's data folder, not home."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "elsewhere"))
    monkeypatch.undo()
    store = Store.open(tmp_path / "study.db")
    store.close()
    assert backups.backup_folder(tmp_path / "study.db").is_relative_to(isolated_data_dir)
    assert (backups.backup_folder(tmp_path / "study.db") / restore.OPEN_LOCK).exists()
