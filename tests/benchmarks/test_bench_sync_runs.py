"""The sync benchmark keeps working (a small log; its figures are not judged here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.test_bench_replay_runs import bench_figures

BENCH = Path(__file__).parent / "bench_sync.py"


@pytest.mark.slow
def test_bench_sync_runs_and_reports_its_figures():
    figures = bench_figures(BENCH, "--cards", "50", "--reviews", "500")
    assert set(figures) == {
        f"sync_{case}{cpu}_s" for case in ("first", "noop", "ten_grades") for cpu in ("", "_cpu")
    }
    assert all(value >= 0 for value in figures.values())
