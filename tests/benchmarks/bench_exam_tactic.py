"""An exam's plan at start-up, cold and warm: the tactic (and shortfall) worked out or kept.

A deck of CARDS cards, every one answered (REVIEWS answers merged as history, the
memory model fitted to them as the app does, states rebuilt), and an exam on it
DAYS days ahead. Each figure is a fresh process on that database, cold (nothing
kept: the exam is planned, each tactic run to the exam day, and a short plan's
shortfall searched) and then warm (what the cold run kept in the database):

* exam_reviews: today's exam reviews (studyapp.study.exam_recall_plan.plan_review_ids,
  what `studyapp review` waits for before its first card); both runs give the same
  cards (checked);
* exam_cli, stats_json: the whole `studyapp exam` / `studyapp stats --json` command,
  the same output both runs (checked);
* home_exam_line: the app until home shows the exam line's recall on the day.

    .venv/bin/python tests/benchmarks/bench_exam_tactic.py [--cards 1000 --days 60] [--json]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from studyapp.bundled import set_up_store  # noqa: E402
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

# A command on the benchmark's study day (the database's), not the machine's.
COMMAND = textwrap.dedent("""
    import sys
    from datetime import date
    import studyapp.cli.base as base

    day = date.fromisoformat(sys.argv[1])
    base.Context.today = lambda self: day
    from studyapp.cli import cli

    cli(sys.argv[2:], prog_name="studyapp")
""")

# The app on that day until home's exam line shows the recall on the day; prints the
# moment it did (the forecast's worker may still run: the process's end is not timed).
HOME = textwrap.dedent("""
    import sys, time
    from datetime import date, datetime, time as clock_time
    from studyapp.store import Store
    from studyapp.ui.app import create_app

    noon = datetime.combine(date.fromisoformat(sys.argv[2]), clock_time(12))

    async def until_exam_line(pilot):
        from studyapp.ui.screens.home import HomeScreen
        from studyapp.ui.widgets.exam_line import ExamLine

        app = pilot.app
        while True:
            if isinstance(app.screen, HomeScreen):
                line = app.screen.query_one(ExamLine)
                if line.status and (line.status.exam, line.status.today) in line.recall:
                    break
            await pilot.pause()
        await pilot.pause()  # one more refresh: the line is painted
        print(time.time(), flush=True)
        app.exit()

    app = create_app(Store.open(sys.argv[1]), start="home", clock=lambda: noon)
    app.run(headless=True, size=(80, 24), auto_pilot=until_exam_line)
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
    today = events[-1].study_day + timedelta(days=1)
    # Fitted and rebuilt as the app would have done by now (nor `stats` refits in a run).
    store.memory.refresh(datetime.combine(today, datetime.min.time(), UTC))
    set_up_store(store)
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


def _child(code: str, *args: str) -> tuple[float, str]:
    # Wall seconds of a fresh process, and what it printed.
    start = time.time()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT,
        env=child_env(),
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"child failed: {done.stderr[-2000:]}")
    return time.time() - start, done.stdout


def _forget(db: Path) -> None:
    # Cold: nothing kept (as on a new day, or after an answer).
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM exam_tactics")
    conn.close()


def projections(db: Path, today: date) -> dict[str, float]:
    """`studyapp exam`, `stats --json` and home's exam line, cold then warm."""
    figures: dict[str, float] = {}
    for name, code, args in (
        ("exam_cli", COMMAND, (today.isoformat(), "--db", str(db), "exam")),
        ("stats_json", COMMAND, (today.isoformat(), "--db", str(db), "stats", "--json")),
        ("home_exam_line", HOME, (str(db), today.isoformat())),
    ):
        outputs = []
        for run in ("cold", "warm"):
            if run == "cold":
                _forget(db)
            start = time.time()
            seconds, out = _child(code, *args)
            if code is HOME:
                seconds, out = float(out.split()[-1]) - start, ""
            figures[f"{name}_{run}_s"] = seconds
            outputs.append(out)
        if outputs[0] != outputs[1]:
            raise SystemExit(f"{name}: the kept plan showed other figures than planning did")
    return figures


def run(cards: int, reviews: int, days: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db, today = build(Path(tmp), cards, reviews, days)
        cold_s, cold_cpu_s, cold_ids = session_start(db, today)
        warm_s, warm_cpu_s, warm_ids = session_start(db, today)
        shown = projections(db, today)
    if cold_ids != warm_ids:
        raise SystemExit("the kept tactic gave other exam reviews than planning did")
    return {
        "exam_reviews_cold_s": cold_s,
        "exam_reviews_cold_cpu_s": cold_cpu_s,
        "exam_reviews_warm_s": warm_s,
        "exam_reviews_warm_cpu_s": warm_cpu_s,
        "exam_reviews_today": len(cold_ids),
        **shown,
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
