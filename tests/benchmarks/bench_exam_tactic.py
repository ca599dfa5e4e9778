"""A session's exam reviews at start-up, cold and warm: the plan's tactic worked out or kept.

A deck of CARDS cards, every one answered (REVIEWS answers merged as history, memory
states rebuilt), and an exam on it DAYS days ahead. A fresh process opens the
database and asks for today's exam reviews (studyapp.study.exam_recall_plan
.plan_review_ids, what `studyapp review` waits for before its first card): cold, no
tactic kept, so the exam is planned (each tactic run to the exam day); then warm, a
fresh process again with the tactic kept in the database by the first. Both give the
same cards (checked).

    .venv/bin/python tests/benchmarks/bench_exam_tactic.py [--cards 1000 --days 60] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from studyapp.deckfile.reader import check_paths  # noqa: E402
from studyapp.store import Store  # noqa: E402
from studyapp.study.exam import set_exam  # noqa: E402
from tests.benchmarks.bench import child_env  # noqa: E402
from tests.benchmarks.bench_replay import anki_events, print_figures, write_deck  # noqa: E402

SESSION_START = textwrap.dedent("""
    import json, sys, time
    from datetime import date
    from studyapp.store import Store
    from studyapp.study.exam_recall_plan import plan_review_ids

    store = Store.open(sys.argv[1])
    wall, cpu = time.perf_counter(), time.process_time()
    ids = plan_review_ids(store, date.fromisoformat(sys.argv[2]))
    print(json.dumps({"s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
                      "ids": ids}))
    store.close()
""")


def build(folder: Path, cards: int, reviews: int, days: int) -> tuple[Path, date]:
    """The database, and the study day after its last answer (the exam `days` after it)."""
    decks, problems = check_paths([write_deck(folder, cards)])
    assert not problems
    db = folder / "bench.db"
    store = Store.open(db)
    store.decks.import_(decks)
    events = anki_events(cards, reviews)
    store.history.merge(events)
    log, newest = store.memory.log()
    store.memory.save(store.memory.parameters(), log, newest)
    today = events[-1].study_day + timedelta(days=1)
    set_exam(store, today + timedelta(days=days), deck_ids=("big",))
    store.close()
    return db, today


def session_start(db: Path, today: date) -> tuple[float, float, list[int]]:
    """Wall and CPU seconds a fresh process took for today's exam reviews, and them."""
    done = subprocess.run(
        [sys.executable, "-c", SESSION_START, str(db), today.isoformat()],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(),
    )
    if done.returncode != 0:
        raise SystemExit(f"child failed: {done.stderr[-2000:]}")
    figures = json.loads(done.stdout)
    return figures["s"], figures["cpu_s"], figures["ids"]


def run(cards: int, reviews: int, days: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db, today = build(Path(tmp), cards, reviews, days)
        cold_s, cold_cpu_s, cold_ids = session_start(db, today)
        warm_s, warm_cpu_s, warm_ids = session_start(db, today)
    if cold_ids != warm_ids:
        raise SystemExit("the kept tactic gave other exam reviews than planning did")
    return {
        "exam_reviews_cold_s": cold_s,
        "exam_reviews_cold_cpu_s": cold_cpu_s,
        "exam_reviews_warm_s": warm_s,
        "exam_reviews_warm_cpu_s": warm_cpu_s,
        "exam_reviews_today": len(cold_ids),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--reviews", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if min(args.cards, args.reviews, args.days) < 1:
        parser.error("--cards, --reviews and --days must be at least 1")
    print_figures(run(args.cards, args.reviews, args.days), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
