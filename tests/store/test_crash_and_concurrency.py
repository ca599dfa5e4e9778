"""Real processes: kill -9 mid-session loses no shown grade; two processes share one database."""

from __future__ import annotations

import fcntl
import os
import re
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import textwrap
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_DECK

ANSI = re.compile(r"\x1b\[[0-9;?<=>]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


def review_count(db: Path) -> int:
    conn = sqlite3.connect(db, timeout=10)
    try:
        return conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
    finally:
        conn.close()


class Terminal:
    """`studyapp` in a pseudo-terminal of 80×24, read like a person reads the screen."""

    def __init__(self, args: list[str], env: dict):
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.process = subprocess.Popen(
            args,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.output = ""
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self.output += ANSI.sub("", chunk.decode("utf-8", "replace"))

    def wait_for(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if text in self.output:
                    return
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never appeared on screen")

    def press(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        os.close(self.master)


@pytest.fixture
def deck_db(tmp_path):
    deck = tmp_path / "sample.toml"
    deck.write_text(SAMPLE_DECK, encoding="utf-8")
    db = tmp_path / "crash.db"
    env = {**os.environ, "STUDYAPP_DB": str(db), "TERM": "xterm-256color"}
    subprocess.run(
        [sys.executable, "-m", "studyapp", "import", str(deck)],
        env=env,
        check=True,
        capture_output=True,
    )
    return db, env


@pytest.mark.slow
def test_kill_9_mid_session_keeps_every_grade_whose_next_card_was_shown(deck_db):
    db, env = deck_db
    term = Terminal([sys.executable, "-m", "studyapp", "review"], env)
    try:
        term.wait_for("Done 0")
        for shown in range(1, 4):
            term.press(" ")
            term.wait_for("0 blackout")
            term.press("4")
            # The next card is on screen: its grade must already be in the database.
            term.wait_for(f"Done {shown}")
        term.press(" ")
        term.press("5")  # no waiting: killed while this grade may be in flight
    finally:
        term.kill()
    assert review_count(db) >= 3
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


REVIEWER = textwrap.dedent("""
    import sys
    from datetime import date, timedelta
    from studyapp.study.session import ReviewSession
    from studyapp.settings import Settings
    from studyapp.store import Store

    store = Store.open(sys.argv[1])
    done = 0
    for sitting in range(int(sys.argv[2])):
        # Each sitting a year later, so every card is due again.
        today = date(2026, 11, 23) + timedelta(days=365 * sitting)
        session = ReviewSession(store, Settings(new_per_day=1000), today=today)
        while session.current() is not None and done < int(sys.argv[2]):
            session.answer(5 if done % 3 else 2)
            done += 1
        if done >= int(sys.argv[2]):
            break
    print(done)
""")


@pytest.mark.slow
def test_two_processes_review_the_same_database(tmp_path, deck_db):
    db, env = deck_db
    per_process = 60
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", REVIEWER, str(db), str(per_process)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [w.communicate(timeout=120) for w in workers]
    for worker, (out, err) in zip(workers, outputs, strict=False):
        assert worker.returncode == 0, err
        assert "locked" not in err
        assert out.strip() == str(per_process)
    assert review_count(db) == 2 * per_process
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
