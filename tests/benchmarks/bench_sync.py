"""`studyapp sync DIR` on a long history: the first sync, one with nothing new, one after 10 grades.

Device A holds CARDS cards and REVIEWS reviews of its own (built as
bench_replay builds a history, then made this device's), or a copy of --db (an
existing collection, never changed). A's first sync writes its whole log to an
empty folder (timed). Device B is a copy of A given a device id of its own; it
syncs, and A syncs once to read B's file (neither timed). Then A syncs with
nothing new (timed), and after 10 grades on each device, B then A (A's timed:
10 events written, 10 merged and written).

    .venv/bin/python tests/benchmarks/bench_sync.py [--cards 20000 --reviews 200000]
        [--db COLLECTION] [--json]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from studyapp.deckfile.reader import check_paths  # noqa: E402
from studyapp.store import Store  # noqa: E402
from studyapp.sync.folder import sync_folder  # noqa: E402
from tests.benchmarks.bench_replay import (  # noqa: E402
    START,
    _timed,
    anki_events,
    print_figures,
    write_deck,
)

GRADES = 10


def build(folder: Path, cards: int, reviews: int) -> Path:
    """A collection whose reviews were all made on this device."""
    decks, problems = check_paths([write_deck(folder, cards)])
    assert not problems
    path = folder / "a.db"
    store = Store.open(path)
    store.decks.import_(decks)
    assert store.history.merge(anki_events(cards, reviews)).added == reviews
    with store.transaction():  # as if answered here: this device's own events
        store.conn.execute("UPDATE reviews SET origin_device = NULL, origin_seq = NULL")
    store.close()
    return path


def _grade(store: Store, minutes: int) -> None:
    items = [row[0] for row in store.conn.execute(f"SELECT id FROM items LIMIT {GRADES}")]
    moment = START + timedelta(days=3650, minutes=minutes)
    for n, item in enumerate(items):
        store.reviews.grade(item, 4, now=moment + timedelta(seconds=n))


def run(cards: int, reviews: int, db: Path | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shared = work / "shared"
        shared.mkdir()
        if db is None:
            a_path = build(work, cards, reviews)
        else:
            a_path = work / "a.db"
            shutil.copy(db, a_path)
        shutil.copy(a_path, work / "b.db")
        a = Store.open(a_path)
        first, first_cpu, report = _timed(lambda: sync_folder(a, shared))
        assert not report.problems, report.problems
        b = Store.open(work / "b.db")
        b.sync.become_new_device()
        assert not sync_folder(b, shared).problems
        assert not sync_folder(a, shared).problems
        noop, noop_cpu, report = _timed(lambda: sync_folder(a, shared))
        assert (report.merged, report.written) == (0, 0)
        _grade(a, 0)
        _grade(b, 1)
        assert sync_folder(b, shared).written == GRADES
        ten, ten_cpu, report = _timed(lambda: sync_folder(a, shared))
        assert (report.merged, report.written) == (GRADES, 2 * GRADES), report
        a.close()
        b.close()
    return {
        "sync_first_s": first,
        "sync_first_cpu_s": first_cpu,
        "sync_noop_s": noop,
        "sync_noop_cpu_s": noop_cpu,
        "sync_ten_grades_s": ten,
        "sync_ten_grades_cpu_s": ten_cpu,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=20_000)
    parser.add_argument("--reviews", type=int, default=200_000)
    parser.add_argument("--db", type=Path, help="start from a copy of this collection")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    print_figures(run(args.cards, args.reviews, args.db), args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
