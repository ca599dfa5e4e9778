"""`studyapp lint` on a big deck: seconds for N cards (target: 4,000 cards in <= 2 s).

Writes one deck file of N cards (basic, reversed, cloze and note cards of a custom
note type, words drawn from a made-up vocabulary so cards differ as real ones do,
a few near-duplicates and mirror images among them), then times `lint_paths` on it
(validation included, as the command runs it): the median of `--runs` runs, each
in this process after one warm-up run, wall-clock and CPU time.

    .venv/bin/python tests/benchmarks/bench_lint.py [--cards 4000] [--runs 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGET_S = 2.0
TARGET_CARDS = 4000
SYLLABLES = ["ka", "lo", "mi", "ter", "usk", "ven", "dra", "pol", "sin", "or", "eth", "bar"]
NOTE_TYPE = """
[[note_types]]
name = "Vocab"
fields = ["Word", "Meaning", "Example"]
templates = [
  { name = "Recognise", front = "{{Word}}", back = "{{FrontSide}}<hr id=answer>{{Meaning}}" },
  { name = "Recall", front = "{{Meaning}}", back = "{{FrontSide}}<hr id=answer>{{Word}}" },
]
"""


def _vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    words = {"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(size * 2)}
    return sorted(words)[:size]


def deck_text(cards: int, seed: int = 22) -> str:
    """A valid deck file of `cards` cards."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)

    def phrase(n: int) -> str:
        return " ".join(rng.choices(vocab, k=n))

    lines = ['[deck]\nid = "bench-lint"\nname = "Bench lint"\n', NOTE_TYPE]
    for index in range(cards):
        lines.append(f'[[cards]]\nid = "c{index}"')
        kind = index % 20
        if index % 97 == 5 and index > 10:  # a near-duplicate of an earlier card
            lines.append(f'front = "What is the {phrase(1)} of {phrase(2)}?"\nback = "{phrase(3)}"')
        elif kind < 12:
            lines.append(f'front = "What is the {phrase(2)} of {phrase(2)}?"\nback = "{phrase(4)}"')
        elif kind < 15:
            lines.append(f'type = "reversed"\nfront = "{phrase(2)}"\nback = "{phrase(3)}"')
        elif kind < 18:
            lines.append(
                f'type = "cloze"\ntext = "The {{{{c1::{phrase(2)}}}}} of {phrase(3)} is '
                f'{{{{c2::{phrase(2)}}}}}."'
            )
        else:
            lines.append(
                f'type = "note"\nnote_type = "Vocab"\nfields = {{ Word = "{phrase(1)}", '
                f'Meaning = "{phrase(3)}", Example = "{phrase(6)}" }}'
            )
    return "\n".join(lines) + "\n"


def measure(cards: int, runs: int) -> dict[str, float | int | bool]:
    from studyapp.lint import lint_paths

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench-lint.toml"
        path.write_text(deck_text(cards))
        report = lint_paths([path])
        assert not report.problems, report.problems[:3]
        times, cpu = [], []
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            report = lint_paths([path])
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    seconds = statistics.median(times)
    return {
        "cards": cards,
        "lint_s": round(seconds, 3),
        # CPU time: what the figure is on a machine whose cores other work shares.
        "lint_cpu_s": round(statistics.median(cpu), 3),
        "findings": len(report.findings),
        # The target scales linearly: 2 s for 4,000 cards.
        "target_s": round(TARGET_S * cards / TARGET_CARDS, 3),
        "met": seconds <= TARGET_S * cards / TARGET_CARDS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=TARGET_CARDS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = measure(args.cards, args.runs)
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:10} {value}")


if __name__ == "__main__":
    main()
