"""Databases from earlier schema versions upgrade in place, after a backup; newer ones are refused."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from studyapp.cli import cli
from studyapp.store import SCHEMA_VERSION, Store, StoreError
from tests.paths import FIXTURES

FIXTURE_V1 = FIXTURES / "schema_v1.db"


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def test_v1_database_upgrades_after_a_backup(tmp_path):
    db = tmp_path / "study.db"
    shutil.copy(FIXTURE_V1, db)
    original = db.read_bytes()
    store = Store.open(db)
    assert user_version(db) == SCHEMA_VERSION
    backup = tmp_path / "study.db.v1.bak"
    assert backup.exists() and user_version(backup) == 1
    backup_conn = sqlite3.connect(backup)
    assert backup_conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 2
    backup_conn.close()
    # Progress, notes and history survive the upgrade; the new table is there.
    assert store.progress.review_count() == 2
    notes = [r[0] for r in store.conn.execute("SELECT note FROM cards WHERE note != ''")]
    assert notes == ["kept across the upgrade"]
    store.exports.record([("g", "h", 100, "d", "c", "0", "basic")])
    assert store.exports.notes(["g", "other"]) == {"g": ("h", 100, "0")}
    store.close()
    assert original != db.read_bytes()
    # Opening again does not back up or migrate again.
    backup.unlink()
    Store.open(db).close()
    assert not backup.exists()


def test_newer_database_is_refused_and_untouched(tmp_path):
    db = tmp_path / "newer.db"
    shutil.copy(FIXTURE_V1, db)
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match="newer StudyApp"):
        Store.open(db)
    assert db.read_bytes() == before
    result = CliRunner().invoke(cli, ["--db", str(db), "decks"])
    assert result.exit_code == 1
    assert "newer StudyApp" in result.stderr and "Traceback" not in result.stderr
