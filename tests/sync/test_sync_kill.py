"""kill -9 during `studyapp sync`: no review lost on either side; the next sync finishes the job."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from studyapp.deckfile.reader import check_paths
from studyapp.store import Store
from studyapp.sync.eventfile import FILE_SUFFIX, read_events
from studyapp.sync.folder import sync_folder

CARDS = 300


def _deck(folder: Path) -> Path:
    path = folder / "big.toml"
    cards = "".join(
        f'\n[[cards]]\nid = "c{n}"\nfront = "question {n}"\nback = "answer {n}"\n'
        for n in range(CARDS)
    )
    path.write_text(f'[deck]\nid = "big"\nname = "Big"\n{cards}', encoding="utf-8")
    return path


def _device(db: Path, deck: Path, rounds: int, start: datetime) -> Store:
    store = Store.open(db)
    decks, problems = check_paths([deck])
    assert not problems
    store.decks.import_(decks)
    items = [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY id")]
    with store.transaction():  # one commit: the test is about the sync, not the grading
        for day in range(rounds):
            for n, item in enumerate(items):
                moment = start + timedelta(days=day, seconds=n)
                store.reviews.grade(item, (n + day) % 6, now=moment)
    return store


def _count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.slow
def test_kill_9_during_sync_loses_nothing(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    deck = _deck(tmp_path)
    a = _device(tmp_path / "a.db", deck, 5, datetime(2026, 11, 1, 8, tzinfo=UTC))
    b = _device(tmp_path / "b.db", deck, 1, datetime(2026, 11, 1, 20, tzinfo=UTC))
    sync_folder(a, folder)
    b_device = b.sync.device_id()
    b.close()
    own, total = CARDS, 6 * CARDS
    for delay in (0.3, 0.5, 0.7, 0.9, 1.2):
        process = subprocess.Popen(
            [sys.executable, "-m", "studyapp", "--db", str(tmp_path / "b.db"), "sync", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        # The merge is one transaction: all of a's reviews, or none.
        assert _count(tmp_path / "b.db") in (own, total)
        if _count(tmp_path / "b.db") == total:
            break
    b = Store.open(tmp_path / "b.db")
    report = sync_folder(b, folder)
    assert not report.problems
    assert _count(tmp_path / "b.db") == total
    written = read_events((folder / f"{b_device}{FILE_SUFFIX}").read_bytes(), "b", b_device)
    assert written.problem is None and len({e.event_id for e in written.events}) == total
    assert sync_folder(a, folder).merged == own
    states = "SELECT i.ord, c.card_key, ef, interval, repetitions, lapses, due FROM items i "
    states += "JOIN cards c ON c.id = i.card_id ORDER BY 2"
    assert a.conn.execute(states).fetchall() == b.conn.execute(states).fetchall()
    a.close()
    b.close()
