"""A damaged database: one line naming it and the newest good backup, exit 1, no more writes."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from studyapp.cards import CardContent
from studyapp.cli import cli
from studyapp.store import Store, StoreError, backups
from studyapp.store.schema import MIGRATIONS
from tests.paths import FIXTURES


def damage(db: Path) -> None:
    """Corrupt every b-tree page but the first: what a bad disk sector does to a page."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db.read_bytes())
    size = int.from_bytes(data[16:18], "big")
    for page in range(1, len(data) // size):
        data[page * size] = 0x07  # not a valid page type
    db.write_bytes(bytes(data))


@pytest.fixture
def imported(tmp_path, sample_deck) -> Path:
    db = tmp_path / "study.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "import", str(sample_deck)])
    assert result.exit_code == 0, result.output
    return db


def test_import_and_first_write_of_the_day_take_backups(imported):
    found = backups.list_backups(imported)
    assert [b.reason for b in found] == ["import"]
    assert backups.is_good(found[0].path)
    assert not list(found[0].path.parent.glob("*.db-*"))  # one self-contained file


def test_damaged_database_is_one_line_and_names_the_newest_good_backup(imported, sample_deck):
    newest = backups.list_backups(imported)[0].path
    damage(imported)
    before = imported.read_bytes()
    for command in (["decks"], ["stats"], ["import", str(sample_deck)], ["export", "-o", "x"]):
        result = CliRunner().invoke(cli, ["--db", str(imported), *command])
        assert result.exit_code == 1, (command, result.output)
        line = result.stderr.strip()
        assert "\n" not in line and "Traceback" not in line
        assert f"{imported}: the database is damaged" in line
        assert f"studyapp restore {newest}" in line
    assert imported.read_bytes() == before  # nothing more was written


def test_restore_brings_a_backup_back_and_keeps_the_damaged_file_aside(imported):
    damage(imported)
    CliRunner().invoke(cli, ["--db", str(imported), "decks"])
    newest = backups.list_backups(imported)[0]
    listing = CliRunner().invoke(cli, ["--db", str(imported), "backups"])
    assert newest.path.name in listing.output
    result = CliRunner().invoke(cli, ["--db", str(imported), "restore", newest.path.name])
    assert result.exit_code == 0, result.output
    aside = list(imported.parent.glob("study.db.before-restore-*"))
    assert len(aside) == 1 and not backups.is_good(aside[0])
    assert backups.is_good(imported)
    store = Store.open(imported)  # the damage mark went with the damaged file
    store.close()


def test_restore_refuses_a_file_that_is_not_a_good_database(imported, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database")
    before = imported.read_bytes()
    result = CliRunner().invoke(cli, ["--db", str(imported), "restore", str(junk)])
    assert result.exit_code == 1 and "not a good StudyApp backup" in result.stderr
    assert imported.read_bytes() == before


def test_rotation_keeps_seven_daily_and_four_weekly(tmp_path):
    store = Store.open(tmp_path / "r.db")
    start = datetime(2026, 1, 1, 9, 0)
    for day in range(60):
        for hour in (9, 15):
            when = start + timedelta(days=day, hours=hour - 9)
            backups.take_backup(store.conn, store.path, "daily", when)
    kept = backups.list_backups(store.path)
    days = {b.taken_at.date() for b in kept}
    newest_days = {(start + timedelta(days=59 - k)).date() for k in range(7)}
    assert newest_days <= days
    weeks = {b.taken_at.isocalendar()[:2] for b in kept}
    assert len(weeks) >= 4
    assert len(kept) <= backups.KEEP_DAILY + backups.KEEP_WEEKLY + backups.KEEP_NEWEST
    store.close()


def test_daily_backup_once_a_day_before_the_first_write(tmp_path):
    store = Store.open(tmp_path / "d.db")
    store.set_meta("a", "1")
    store.set_meta("b", "2")
    assert [b.reason for b in backups.list_backups(store.path)] == ["daily"]
    store.close()


def test_upgrade_takes_a_rotating_backup(tmp_path):
    fixture = FIXTURES / "schema_v1.db"
    db = tmp_path / "old.db"
    db.write_bytes(fixture.read_bytes())
    Store.open(db).close()
    assert "upgrade" in [b.reason for b in backups.list_backups(db)]


def test_personal_deck_migration_moves_the_students_cards(tmp_path, monkeypatch):
    from studyapp.store import connection, schema
    from studyapp.store.action_log import ActionLog

    # A database as the rename found it: built up to the rename, with later migrations to come.
    rename = next(version for version, sql in MIGRATIONS.items() if "@personal" in sql)
    for module in (schema, connection):
        monkeypatch.setattr(module, "SCHEMA_VERSION", rename + 1)
    # A database from before the action log (schema 14) logs no actions.
    monkeypatch.setattr(ActionLog, "_record_action", lambda *_args: None)
    store = Store.open(tmp_path / "m.db")
    card = store.personal.add(CardContent(front="front", back="back"))
    with store.transaction():
        store.conn.execute("PRAGMA defer_foreign_keys = ON")
        for table, column in (("decks", "id"), ("cards", "deck_id"), ("items", "deck_id")):
            store.conn.execute(f"UPDATE {table} SET {column} = 'personal'")
        # Back to just before the personal-deck migration (later ones may follow it).
        personal = next(v for v, sql in MIGRATIONS.items() if "@personal" in sql)
        store.conn.execute(f"PRAGMA user_version = {personal}")
    store.close()
    monkeypatch.undo()
    assert any("@personal" in sql for sql in MIGRATIONS.values())
    store = Store.open(tmp_path / "m.db")
    assert store.conn.execute("SELECT deck_id FROM cards WHERE id = ?", [card]).fetchone() == (
        "@personal",
    )
    assert store.conn.execute("SELECT id FROM decks").fetchall() == [("@personal",)]
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    store.close()


def test_a_write_after_damage_was_seen_is_refused(tmp_path):
    store = Store.open(tmp_path / "w.db")
    store.note_error(sqlite3.DatabaseError("database disk image is malformed"))
    with pytest.raises(StoreError, match="damaged"):
        store.set_meta("x", "y")
    store.close()
    with pytest.raises(StoreError, match="damaged"):
        Store.open(tmp_path / "w.db")
