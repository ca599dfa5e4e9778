"""Benchmark figures at scale: stats, screen opens, import memory, start-up under load.

Called from bench.py's main(); kept apart so that bench.py's shared parts change little.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from tests.benchmarks.bench import (
    PEAK_KB,
    ROOT,
    _timed_child,
    bench_first_card,
    child_env,
    median,
)

HOME_CHILD = PEAK_KB + textwrap.dedent("""
    import sys
    from studyapp.store import Store
    from studyapp.ui.app import create_app

    async def until_home(pilot):
        from studyapp.ui.screens.home import HomeScreen

        app = pilot.app
        while not (isinstance(app.screen, HomeScreen)
                   and app.screen.query_one("#home-decks").row_count):
            await pilot.pause()
        await pilot.pause()  # one more refresh: the counts are painted
        app.exit()

    app = create_app(Store.open(sys.argv[1]), start="home")
    app.run(headless=True, size=(80, 24), auto_pilot=until_home)
    print(peak_kb())
""")

IMPORT_CHILD = PEAK_KB + textwrap.dedent("""
    import sys
    from pathlib import Path
    from studyapp.deckfile.reader import load_deck
    from studyapp.store import Store

    store = Store.open(sys.argv[2])
    store.decks.import_([load_deck(Path(sys.argv[1]))])
    store.close()
    print(peak_kb())
""")


def _timed_command(*args: str) -> float:
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "studyapp", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(),
    )
    elapsed = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"studyapp {' '.join(args)} failed: {done.stderr[-2000:]}")
    return elapsed


def _median_of(run: Callable[[], float], repeat: int) -> float:
    return median([run() for _ in range(repeat)])


def bench_stats(db: Path, today: date, repeat: int) -> dict:
    """The whole of `stats`: summary and every figure, on a freshly opened store."""
    from studyapp import stats
    from studyapp.store import Store

    def once() -> float:
        store = Store.open(db)
        t = time.perf_counter()
        store.progress.summary(today)
        stats.compute(store, today)
        elapsed = time.perf_counter() - t
        store.close()
        return elapsed

    return {
        "stats_s": _median_of(once, repeat),
        "stats_cli_s": _median_of(
            lambda: _timed_command("--db", str(db), "stats", "--json"), repeat
        ),
    }


def bench_memory(db: Path) -> dict:
    """The memory model's background work on the whole collection (studyapp.store.memory).

    memory_replay_s: read the log and rebuild every item's state by replay;
    memory_fit_s: the refit the app runs in a worker (fit, time-series evaluation,
    rebuild). Leaves the collection fitted, as the app would.
    """
    from datetime import UTC, datetime

    from studyapp.store import Store

    store = Store.open(db)
    t = time.perf_counter()
    log, newest = store.memory.log()
    store.memory.save(store.memory.parameters(), log, newest)
    replay_s = time.perf_counter() - t
    del log
    t = time.perf_counter()
    store.memory.refresh(datetime.now(UTC))
    fit_s = time.perf_counter() - t
    store.close()
    return {"memory_replay_s": replay_s, "memory_fit_s": fit_s}


def bench_open_times(db: Path, repeat: int, suffix: str = "") -> dict:
    """A fresh process until home shows its counts, and `studyapp decks`."""
    return {
        f"home{suffix}_s": _median_of(lambda: _timed_child(HOME_CHILD, str(db))[0], repeat),
        f"decks{suffix}_s": _median_of(lambda: _timed_command("--db", str(db), "decks"), repeat),
    }


def bench_import_memory(deck_path: Path, workdir: Path, suffix: str = "") -> dict:
    """Peak memory of a fresh process importing the deck file into an empty database."""
    db = workdir / f"import-memory{suffix}.db"
    elapsed, peak_mb = _timed_child(IMPORT_CHILD, str(deck_path), str(db))
    for extra in ("", "-wal", "-shm"):
        Path(f"{db}{extra}").unlink(missing_ok=True)
    return {f"import{suffix}_peak_rss_mb": peak_mb, f"import{suffix}_child_s": elapsed}


def bench_first_card_loaded(db: Path, repeat: int) -> dict:
    """first_card_s and its one-widget floor again, with a busy loop on another core."""
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        figures = bench_first_card(db, repeat)
    finally:
        busy.kill()
        busy.wait()
    return {
        "first_card_loaded_s": figures["first_card_s"],
        "one_widget_app_loaded_s": figures["one_widget_app_s"],
        "first_card_loaded_ratio": figures["first_card_ratio"],
    }


def big_collection_figures(workdir: Path, cards: int, reviews: int, repeat: int) -> dict:
    """Build the bigger collection; home, `decks` and import memory on it."""
    from tests.benchmarks.bench import build_collection, write_deck

    deck_path = workdir / "big.toml"
    write_deck(deck_path, cards, deck_id="big")
    results: dict = {"big_cards": cards, "big_reviews": reviews}
    results.update(bench_import_memory(deck_path, workdir, suffix="_big"))
    db = workdir / "big.db"
    t = time.perf_counter()
    build_collection(deck_path, db, reviews, date.today())
    results["build_big_collection_s"] = time.perf_counter() - t
    os.sync()
    results.update(bench_open_times(db, repeat, suffix="_big"))
    return results


def scale_rows(results: dict) -> list[tuple[str, str, str, str]]:
    """Table rows for the figures above (those that were measured)."""
    rows = [
        (
            "first_card_loaded_s",
            f"{results['first_card_loaded_s']:.2f} s",
            f"{results['first_card_loaded_ratio']:.2f}× one-widget app, other core busy "
            f"({results['one_widget_app_loaded_s']:.2f} s)",
            "≤ 1.5×",
        ),
        ("stats_s", f"{results['stats_s']:.3f} s", "summary + every figure", "≤ 0.5 s"),
        ("memory_replay_s", f"{results['memory_replay_s']:.2f} s", "rebuild by replay", ""),
        ("memory_fit_s", f"{results['memory_fit_s']:.2f} s", "fit + evaluate + rebuild", ""),
        ("stats_cli_s", f"{results['stats_cli_s']:.2f} s", "`studyapp stats --json`", ""),
        ("home_s", f"{results['home_s']:.2f} s", "fresh process until counts shown", ""),
        ("decks_s", f"{results['decks_s']:.2f} s", "`studyapp decks`", ""),
        ("import_peak_rss_mb", f"{results['import_peak_rss_mb']:.0f} MB", "", ""),
    ]
    if "home_big_s" in results:
        big = f"{results['big_cards']:,} cards, {results['big_reviews']:,} reviews"
        rows += [
            (
                "home_big_s",
                f"{results['home_big_s']:.2f} s",
                f"{results['home_big_ratio']:.2f}× home_s ({big})",
                "≤ 1.5×",
            ),
            (
                "decks_big_s",
                f"{results['decks_big_s']:.2f} s",
                f"{results['decks_big_ratio']:.2f}× decks_s",
                "≤ 1.5×",
            ),
            (
                "import_big_peak_rss_mb",
                f"{results['import_big_peak_rss_mb']:.0f} MB",
                f"importing {results['big_cards']:,} cards",
                "",
            ),
        ]
    return rows
