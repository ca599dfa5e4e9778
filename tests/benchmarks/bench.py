"""StudyApp benchmarks: figures, not pass/fail tests.

    python tests/benchmarks/bench.py --cards 100000 --reviews 1000000 [--json]

Builds a synthetic collection of N cards through the real deck-file import and
M logged reviews spread over two years, then measures (medians over repeated
runs, each against its own baseline measured in the same run):

* import_s       importing an N-card deck file into an empty database,
                 vs. a bare tomllib parse + sqlite-utils insert_all of the same cards;
* first_card_s   launching the app in a fresh headless process until the first card
                 is on screen, vs. a one-widget Textual app painting once;
* grade_next_ms  grading a card and having the next one ready (domain level, durable
                 commit included): median and p95;
* export_s       exporting 10,000 cards to .apkg, vs. bare genanki for the same notes;
* peak_rss_mb    peak resident memory of the app process (first_card run);
* export_full_s / export_full_peak_rss_mb
                 exporting every item of the big collection to .apkg in a fresh
                 process (first export: no ledger), its time and peak memory; the
                 same export with the package stored, not deflated, beside it.
* first_card_loaded_s  first_card_s again (and its floor) with a busy loop on another core;
* stats_s        summary + every stats figure on the collection (what `stats --json`
                 and the Stats screen compute), in process; stats_cli_s the whole command;
* home_s, decks_s  a fresh process until home shows its deck counts / `studyapp decks`;
* import_peak_rss_mb  peak memory of a process importing the N-card deck file.
* memory_replay_s  rebuilding every FSRS memory state by replaying the whole log;
* memory_fit_s   the background refit: FSRS-6 fitted to the whole log, evaluated on a
                 time-series split, states rebuilt.

With --big-cards/--big-reviews, a second, bigger collection is built and home_s,
decks_s and import_peak_rss_mb are measured on it too (home_big_s, ...), with
their ratio to the first collection's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGETS = {
    "grade_next_ms": 0.5,  # median, Anki's Rust backend on 100k cards: ~0.47 ms here
    "first_card_ratio": 1.5,  # vs. a one-widget Textual app
    "import_ratio": 2.0,  # vs. tomllib + sqlite-utils insert_all
    "export_ratio": 1.2,  # vs. bare genanki
    "peak_rss_mb": 150,
    "export_full_peak_rss_mb": 150,
    "first_card_loaded_ratio": 1.5,  # the same, with the other core busy
    "stats_s": 0.5,
}
# With --big-*: home and `decks` on the 10x collection within 1.5x of the 1x one.
BIG_TARGETS = {"home_big_ratio": 1.5, "decks_big_ratio": 1.5}


def write_deck(
    path: Path, cards: int, deck_id: str = "bench", seed: int = 7, markdown_share: float = 0.05
) -> None:
    """A deck file of `cards` cards: mostly basic, some reversed and cloze, with tags.

    `markdown_share` of the fronts use emphasis; in the bundled decks 2% of fields use
    any Markdown, so 5% is on the heavy side of real decks.
    """
    rng = random.Random(seed)
    topics = [
        "mechanism::gate-control",
        "mechanism::sea",
        "mechanism::endplate-dysfunction",
        "mechanism::descending-inhibition",
        "evidence::rct",
        "foundations::definition",
    ]
    lines = [
        f'[deck]\nid = "{deck_id}"\nname = "Bench::{deck_id}"\n'
        'description = "Synthetic benchmark deck"\n'
    ]
    for n in range(cards):
        kind = rng.choices(("basic", "reversed", "cloze"), (8, 1, 1))[0]
        tag = rng.choice(topics)
        lines.append(f'[[cards]]\nid = "c{n}"')
        if kind != "basic":
            lines.append(f'type = "{kind}"')
        if kind == "cloze":
            lines.append(
                f'text = "Card {n}: pressure may gate {{{{c1::nociception {n}}}}} via '
                f'the {{{{c2::Gate Control Theory}}}}."'
            )
        else:
            pressure = "*pressure*" if rng.random() < markdown_share else "pressure"
            lines.append(f'front = "Question {n}: what does {pressure} gate at point {n}?"')
            lines.append(f'back = "Nociception, by the gate control theory ({n})."')
        lines.append(f'extra = "Why {n}: large-fibre input closes the gate."')
        lines.append('source = "Proposed Mechanisms › Pain Modulation"')
        lines.append(f'tags = ["{tag}"]\n')
    path.write_text("\n".join(lines), encoding="utf-8")


def median(values):
    return statistics.median(values)


def p95(values):
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


# -- import -------------------------------------------------------------------------


def bench_import(deck_path: Path, workdir: Path, repeat: int) -> dict:
    import sqlite_utils

    from studyapp.deckfile.reader import load_deck
    from studyapp.store import Store

    ours, bare = [], []
    for run in range(repeat):
        db = workdir / f"import-{run}.db"
        t = time.perf_counter()
        store = Store.open(db)
        store.decks.import_([load_deck(deck_path)])
        ours.append(time.perf_counter() - t)
        store.close()
        base_db = workdir / f"bare-{run}.db"
        t = time.perf_counter()
        data = tomllib.loads(deck_path.read_text(encoding="utf-8"))
        sqlite_utils.Database(base_db)["cards"].insert_all(
            data["cards"], alter=True, batch_size=5000
        )
        bare.append(time.perf_counter() - t)
        for path in (db, base_db):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    return {
        "import_s": median(ours),
        "import_bare_s": median(bare),
        "import_ratio": median(ours) / median(bare),
    }


# -- the big collection -------------------------------------------------------------------


def build_collection(deck_path: Path, db: Path, reviews: int, today: date, seed: int = 11):
    """Import the deck, then give it `reviews` logged answers spread over two years."""
    from studyapp.bundled import sync_bundled_decks
    from studyapp.deckfile.reader import load_deck
    from studyapp.store import Store

    store = Store.open(db)
    store.decks.import_([load_deck(deck_path)])
    sync_bundled_decks(store)
    rng = random.Random(seed)
    items = [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY id")]
    # About 70% of items have been studied; the reviews fall on them.
    studied = items[: int(len(items) * 0.7)]
    start = today - timedelta(days=730)

    def review_rows():
        # Generated while inserted: ten million rows never sit in memory at once.
        for n in range(reviews):
            item = studied[n % len(studied)]
            day = start + timedelta(days=rng.randrange(730))
            grade = rng.choices(range(6), (2, 3, 5, 15, 45, 30))[0]
            ef_before = rng.randrange(130, 300, 2)
            ivl_before = rng.randrange(0, 200)
            stamp = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
                seconds=rng.randrange(8 * 3600, 22 * 3600)
            )
            yield (
                item,
                stamp.isoformat(timespec="milliseconds"),
                day.isoformat(),
                grade,
                "scheduled",
                rng.randrange(2000, 20000),
                ef_before,
                ivl_before,
                2,
                0,
                day.isoformat(),
                max(130, ef_before - 14),
                max(1, ivl_before * 2),
                3,
                0,
                (day + timedelta(days=max(1, ivl_before * 2))).isoformat(),
            )

    with store.transaction():
        store.conn.executemany(
            "INSERT INTO reviews (item_id, reviewed_at, study_day, grade, kind, duration_ms, "
            "ef_before, interval_before, repetitions_before, lapses_before, due_before, "
            "ef_after, interval_after, repetitions_after, lapses_after, due_after) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            review_rows(),
        )
        # Studied items: spread due dates so that a realistic few hundred are due today.
        store.conn.executemany(
            "UPDATE items SET ef = ?, interval = ?, repetitions = ?, lapses = ?, due = ? "
            "WHERE id = ?",
            (
                (
                    rng.randrange(130, 300, 2),
                    ivl,
                    3,
                    rng.randrange(0, 4),
                    (today + timedelta(days=rng.randrange(-3, ivl + 1))).isoformat(),
                    item,
                )
                for item in studied
                for ivl in [rng.randrange(1, 400)]
            ),
        )
    store.conn.execute("ANALYZE")
    store.close()


# -- grade -> next card ---------------------------------------------------------------------


def bench_grade_next(db: Path, today: date, grades: int, seed: int = 5) -> dict:
    from studyapp.settings import Settings
    from studyapp.store import Store
    from studyapp.study.session import ReviewSession

    rng = random.Random(seed)
    store = Store.open(db)
    session = ReviewSession(store, Settings(leech_threshold=8), today=today)
    timings = []
    for _ in range(grades):
        if session.current() is None:
            break
        quality = rng.choices(range(6), (1, 1, 2, 10, 50, 36))[0]
        t = time.perf_counter()
        session.answer(quality)
        session.current()
        timings.append((time.perf_counter() - t) * 1000)
    store.close()
    return {
        "grade_next_ms": median(timings),
        "grade_next_p95_ms": p95(timings),
        "grade_next_samples": len(timings),
    }


# -- first card ------------------------------------------------------------------------------

# Both children report their own peak memory the same way.
PEAK_KB = textwrap.dedent("""
    import resource

    def peak_kb():
        # VmHWM is this program's own peak; ru_maxrss would carry over the parent's
        # peak across fork+exec, and the parent holds the whole synthetic collection.
        try:
            for line in open("/proc/self/status"):
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
""")

APP_CHILD = PEAK_KB + textwrap.dedent("""
    import sys
    from studyapp.store import Store
    from studyapp.ui.app import create_app
    from studyapp.ui.screens.review import ReviewScreen

    async def until_first_card(pilot):
        app = pilot.app
        while not (isinstance(app.screen, ReviewScreen)
                   and app.screen.session.current() is not None
                   and str(app.screen.query_one("#review-question").visual)):
            await pilot.pause()
        await pilot.pause()  # one more refresh: the card is painted
        app.exit()

    app = create_app(Store.open(sys.argv[1]), start="review")
    app.run(headless=True, size=(80, 24), auto_pilot=until_first_card)
    print(peak_kb())
""")

FLOOR_CHILD = PEAK_KB + textwrap.dedent("""
    from textual.app import App
    from textual.widgets import Static

    class OneWidget(App):
        def compose(self):
            yield Static("hello")

    async def until_painted(pilot):
        await pilot.pause()
        await pilot.pause()
        pilot.app.exit()

    OneWidget().run(headless=True, size=(80, 24), auto_pilot=until_painted)
    print(peak_kb())
""")


def child_env() -> dict[str, str]:
    """The environment of a timed child process: as an installed StudyApp runs.

    pip compiles an installed package's bytecode (Textual's is, here), but this
    machine sets PYTHONDONTWRITEBYTECODE, so our own modules would be compiled from
    source on every start: ~50 ms that no student pays. Children may write and read
    __pycache__, and each timed series starts after an untimed warm-up run.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _timed_child(code: str, *args: str) -> tuple[float, float]:
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(),
    )
    elapsed = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"child failed: {done.stderr[-2000:]}")
    rss_kb = int(done.stdout.strip().splitlines()[-1])
    return elapsed, rss_kb / 1024


def bench_first_card(db: Path, repeat: int) -> dict:
    app_runs, floor_runs, rss = [], [], []
    _timed_child(APP_CHILD, str(db))  # warm-up: bytecode cached, as after an install
    _timed_child(FLOOR_CHILD)
    for _ in range(repeat):
        elapsed, peak = _timed_child(APP_CHILD, str(db))
        app_runs.append(elapsed)
        rss.append(peak)
        floor_runs.append(_timed_child(FLOOR_CHILD)[0])
    return {
        "first_card_s": median(app_runs),
        "one_widget_app_s": median(floor_runs),
        "first_card_ratio": median(app_runs) / median(floor_runs),
        "peak_rss_mb": max(rss),
    }


# -- export ------------------------------------------------------------------------------------


def bench_export(workdir: Path, cards: int, repeat: int, markdown_share: float) -> dict:
    import genanki

    from studyapp.anki import decks_from_files, export_to_file
    from studyapp.deckfile.reader import load_deck
    from studyapp.store import Store

    deck_path = workdir / "export-deck.toml"
    write_deck(deck_path, cards, deck_id="export", markdown_share=markdown_share)
    deck = load_deck(deck_path)
    exported = decks_from_files([deck])
    ours, bare = [], []
    for run in range(repeat):
        store = Store.in_memory()  # a tutor exporting for the first time
        t = time.perf_counter()
        export_to_file(store, exported, workdir / f"ours-{run}.apkg")
        ours.append(time.perf_counter() - t)
        store.close()
        t = time.perf_counter()
        basic = genanki.Model(
            1,
            "Basic",
            fields=[{"name": n} for n in ("Front", "Back", "Extra", "Source")],
            templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"}],
        )
        reverse = genanki.Model(
            2,
            "Reversed",
            fields=basic.fields,
            templates=[
                *basic.templates,
                {"name": "Card 2", "qfmt": "{{Back}}", "afmt": "{{Front}}"},
            ],
        )
        cloze = genanki.Model(
            3,
            "Cloze",
            fields=[{"name": n} for n in ("Text", "Extra", "Source")],
            templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}"}],
            model_type=genanki.Model.CLOZE,
        )
        anki_deck = genanki.Deck(99, deck.name)
        for card in deck.cards:
            if card.content.type == "cloze":
                note = genanki.Note(
                    cloze,
                    [card.content.text, card.content.extra, card.content.source],
                    tags=list(card.content.tags),
                    guid=genanki.guid_for(card.id),
                )
            else:
                model = reverse if card.content.type == "reversed" else basic
                note = genanki.Note(
                    model,
                    [
                        card.content.front,
                        card.content.back,
                        card.content.extra,
                        card.content.source,
                    ],
                    tags=list(card.content.tags),
                    guid=genanki.guid_for(card.id),
                )
            anki_deck.add_note(note)
        genanki.Package(anki_deck).write_to_file(workdir / f"bare-{run}.apkg")
        bare.append(time.perf_counter() - t)
    return {
        "export_cards": cards,
        "export_s": median(ours),
        "export_bare_genanki_s": median(bare),
        "export_ratio": median(ours) / median(bare),
    }


EXPORT_FULL_CHILD = PEAK_KB + textwrap.dedent("""
    import sys, time, zipfile
    from pathlib import Path
    import studyapp.anki.apkg_writer as writer
    from studyapp.anki import decks_from_store, export_to_file
    from studyapp.store import Store

    db, out, deflate = sys.argv[1], Path(sys.argv[2]), sys.argv[3] == "deflate"
    if not deflate:
        writer.COMPRESSION = zipfile.ZIP_STORED
    store = Store.open(db)
    with store.transaction():  # every run is a first export: every note is new
        store.conn.execute("DELETE FROM exported_notes")
    t = time.perf_counter()
    result = export_to_file(store, decks_from_store(store), out)
    elapsed = time.perf_counter() - t
    print(elapsed, result.cards, out.stat().st_size)
    print(peak_kb())
""")


def bench_export_full(db: Path, workdir: Path, repeat: int) -> dict:
    """Every item of the big collection to .apkg, deflated (as shipped) and stored."""
    figures: dict = {}
    for mode in ("deflate", "stored"):
        times, peaks = [], []
        for _ in range(repeat):
            out = workdir / f"full-{mode}.apkg"
            done = subprocess.run(
                [sys.executable, "-c", EXPORT_FULL_CHILD, str(db), str(out), mode],
                capture_output=True,
                text=True,
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            if done.returncode != 0:
                raise SystemExit(f"export child failed: {done.stderr[-2000:]}")
            first, last = done.stdout.strip().splitlines()[-2:]
            elapsed, cards, size = first.split()
            times.append(float(elapsed))
            peaks.append(int(last) / 1024)
            out.unlink()
        prefix = "export_full" if mode == "deflate" else "export_full_stored"
        figures.update(
            {
                f"{prefix}_s": median(times),
                f"{prefix}_peak_rss_mb": max(peaks),
                f"{prefix}_package_mb": int(size) / 2**20,
            }
        )
    figures["export_full_cards"] = int(cards)
    return figures


def export_full_rows(results: dict) -> list[tuple[str, str, str, str]]:
    return [
        (
            "export_full_s",
            f"{results['export_full_s']:.2f} s",
            f"{results['export_full_cards']:,} cards, {results['export_full_package_mb']:.1f} MB "
            f"deflated; stored: {results['export_full_stored_s']:.2f} s, "
            f"{results['export_full_stored_package_mb']:.1f} MB",
            "",
        ),
        (
            "export_full_peak_rss_mb",
            f"{results['export_full_peak_rss_mb']:.0f} MB",
            f"stored: {results['export_full_stored_peak_rss_mb']:.0f} MB",
            "≤ 150 MB",
        ),
    ]


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def bench_memory(db: Path) -> dict:
    from tests.benchmarks.bench_scale import bench_memory as memory

    return memory(db)


def scale_figures(args, workdir: Path, deck_path: Path, db: Path, today: date) -> dict:
    """Stats, screen opens, import memory and loaded start-up (bench_scale.py)."""
    from tests.benchmarks import bench_scale

    results = bench_scale.bench_first_card_loaded(db, args.repeat)
    results.update(bench_scale.bench_stats(db, today, args.repeat))
    results.update(bench_scale.bench_open_times(db, args.repeat))
    results.update(bench_scale.bench_import_memory(deck_path, workdir))
    if args.big_cards:
        results.update(
            bench_scale.big_collection_figures(
                workdir, args.big_cards, args.big_reviews, args.repeat
            )
        )
        results["home_big_ratio"] = results["home_big_s"] / results["home_s"]
        results["decks_big_ratio"] = results["decks_big_s"] / results["decks_s"]
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs per median (default 5)")
    parser.add_argument("--grades", type=int, default=500, help="grades timed (default 500)")
    parser.add_argument("--export-cards", type=int, default=10_000)
    parser.add_argument(
        "--markdown-share",
        type=float,
        default=0.05,
        help="share of exported fronts using Markdown emphasis (default 0.05)",
    )
    parser.add_argument(
        "--big-cards", type=int, default=0, help="also a bigger collection (e.g. 1000000)"
    )
    parser.add_argument("--big-reviews", type=int, default=0, help="reviews in the bigger one")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    today = date.today()
    results: dict = {"cards": args.cards, "reviews": args.reviews, "machine": machine()}
    with tempfile.TemporaryDirectory(prefix="studyapp-bench-") as tmp:
        workdir = Path(tmp)
        os.environ["STUDYAPP_DB"] = str(workdir / "unused.db")
        deck_path = workdir / "bench.toml"
        write_deck(deck_path, args.cards)
        results.update(bench_import(deck_path, workdir, args.repeat))
        db = workdir / "collection.db"
        t = time.perf_counter()
        build_collection(deck_path, db, args.reviews, today)
        results["build_collection_s"] = time.perf_counter() - t
        # The log was written as raw rows: give it memory states (and a fit) as the app's
        # background worker would, before anything is timed on it.
        results.update(bench_memory(db))
        # The import runs and the collection leave hundreds of MB of dirty pages;
        # flushing them first keeps the OS's write-back out of the commits timed next.
        os.sync()
        results.update(bench_first_card(db, args.repeat))
        os.sync()
        results.update(bench_grade_next(db, today, args.grades))
        results.update(bench_export(workdir, args.export_cards, args.repeat, args.markdown_share))
        results["export_markdown_share"] = args.markdown_share
        results.update(bench_export_full(db, workdir, args.repeat))
        results.update(scale_figures(args, workdir, deck_path, db, today))
    targets = {**TARGETS, **(BIG_TARGETS if args.big_cards else {})}
    results["targets"] = targets
    results["meets"] = {key: results[key] <= limit for key, limit in targets.items()}
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(
            f"StudyApp benchmarks: {args.cards:,} cards, {args.reviews:,} reviews "
            f"({results['machine']['cpu']}, {results['machine']['cores']} cores)"
        )
        rows = [
            (
                "import_s",
                f"{results['import_s']:.2f} s",
                f"{results['import_ratio']:.2f}× bare tomllib+insert_all "
                f"({results['import_bare_s']:.2f} s)",
                "≤ 2×",
            ),
            (
                "first_card_s",
                f"{results['first_card_s']:.2f} s",
                f"{results['first_card_ratio']:.2f}× one-widget app "
                f"({results['one_widget_app_s']:.2f} s)",
                "≤ 1.5×",
            ),
            (
                "grade_next_ms",
                f"{results['grade_next_ms']:.3f} ms",
                f"p95 {results['grade_next_p95_ms']:.3f} ms",
                "≤ 0.5 ms",
            ),
            (
                "export_s",
                f"{results['export_s']:.2f} s",
                f"{results['export_ratio']:.2f}× bare genanki "
                f"({results['export_bare_genanki_s']:.2f} s, {args.export_cards:,} cards)",
                "≤ 1.2×",
            ),
            ("peak_rss_mb", f"{results['peak_rss_mb']:.0f} MB", "", "≤ 150 MB"),
            *export_full_rows(results),
        ]
        rows += scale_rows(results)
        for name, value, detail, target in rows:
            goal = f"target {target}" if target else ""
            print(f"  {name:<22} {value:>10}   {detail:<58} {goal}")
    return 0


def scale_rows(results: dict) -> list[tuple[str, str, str, str]]:
    from tests.benchmarks.bench_scale import scale_rows as rows

    return rows(results)


if __name__ == "__main__":
    sys.exit(main())
