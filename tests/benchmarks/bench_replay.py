"""Merged history: time to merge a large Anki review log and replay SM-2 from the whole log.

A deck of CARDS cards gets REVIEWS reviews as Anki events (device "anki", ids
anki-<revlog id>, as an import of a package with scheduling brings them), merged
in one go (studyapp.store.history_import.merge_history): the insert, then the
replay of every reviewed item's state and every log row's before/after. Then the
same merge again (nothing new: it must cost little), then one more review from
another device (a sync's usual case).

    .venv/bin/python tests/benchmarks/bench_replay.py [--cards 5000 --reviews 100000] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from studyapp.deckfile.reader import check_paths  # noqa: E402
from studyapp.store import Store  # noqa: E402
from studyapp.study import sm2  # noqa: E402
from studyapp.sync.events import ReviewEvent  # noqa: E402

START = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)


def write_deck(folder: Path, cards: int) -> Path:
    path = folder / "big.toml"
    body = "".join(
        f'\n[[cards]]\nid = "c{n}"\nfront = "question {n}"\nback = "answer {n}"\n'
        for n in range(cards)
    )
    path.write_text(f'[deck]\nid = "big"\nname = "Big"\n{body}', encoding="utf-8")
    return path


def anki_events(cards: int, reviews: int, seed: int = 7) -> list[ReviewEvent]:
    """`reviews` answers spread over the cards and two years, a few a minute apart."""
    rng = random.Random(seed)
    events = []
    moment = START
    step = timedelta(days=730) / reviews
    for _ in range(reviews):
        moment += step
        ms = int(moment.timestamp() * 1000)
        card = rng.randrange(cards)
        events.append(
            ReviewEvent(
                event_id=f"anki-{ms}",
                device="anki",
                seq=ms,
                time=datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds"),
                study_day=sm2.study_day(moment),
                deck="big",
                card=f"c{card}",
                ord=0,
                grade=rng.choice((1, 3, 4, 4, 4, 5)),
                kind="scheduled",
                duration_ms=rng.randrange(2000, 20000),
            )
        )
    return events


def _timed(action) -> tuple[float, float, object]:
    """Wall and CPU seconds (CPU: what this process used, whatever else the machine runs)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def run(cards: int, reviews: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        decks, problems = check_paths([write_deck(folder, cards)])
        assert not problems
        store = Store.open(folder / "bench.db")
        store.decks.import_(decks)
        events = anki_events(cards, reviews)
        first, first_cpu, merged = _timed(lambda: store.history.merge(events))
        assert merged.added == reviews
        second, second_cpu, again = _timed(lambda: store.history.merge(events))
        assert again.added == 0
        last = events[-1]
        one = ReviewEvent(
            "other-1", "laptop", 1, (START + timedelta(days=731)).isoformat(timespec="milliseconds"),
            last.study_day + timedelta(days=1), "big", "c0", 0, 4, "scheduled", 3000,
        )  # fmt: skip
        one_more, one_more_cpu, counts = _timed(lambda: store.sync.merge([one]))
        assert counts.added == 1
        store.close()
    return {
        "merge_first_s": first,
        "merge_first_cpu_s": first_cpu,
        "merge_again_s": second,
        "merge_again_cpu_s": second_cpu,
        "merge_one_more_s": one_more,
        "merge_one_more_cpu_s": one_more_cpu,
    }


def print_figures(figures: dict[str, float], as_json: bool) -> None:
    """A benchmark's figures: one JSON object, or a line each."""
    if as_json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:24} {value:8.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=5000)
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    print_figures(run(args.cards, args.reviews), args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
