"""The exam-tactic benchmark keeps working (a small scope; its figures are not judged here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.benchmarks.test_bench_replay_runs import bench_figures

BENCH = Path(__file__).parent / "bench_exam_tactic.py"


@pytest.mark.slow
def test_bench_exam_tactic_runs_and_reports_its_figures():
    figures = bench_figures(BENCH, "--cards", "60", "--reviews", "600", "--days", "20")
    assert set(figures) == {
        *(f"exam_reviews_{run}{cpu}_s" for run in ("cold", "warm") for cpu in ("", "_cpu")),
        "exam_reviews_today",
        *(
            f"{shown}_{run}_s"
            for shown in ("exam_cli", "stats_json", "home_exam_line")
            for run in ("cold", "warm")
        ),
    }
    assert all(value >= 0 for value in figures.values())


def test_bench_exam_tactic_rejects_a_bad_flag():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--days", "0"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr
