"""The merged-history benchmark keeps working (a small log; its figures are not judged here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parent / "bench_replay.py"


def bench_figures(bench: Path, *args: str) -> dict[str, float]:
    """A benchmark script's figures, run with `args` and --json (it must succeed)."""
    done = subprocess.run(
        [sys.executable, str(bench), *args, "--json"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


@pytest.mark.slow
def test_bench_replay_runs_and_reports_its_figures():
    figures = bench_figures(BENCH, "--cards", "50", "--reviews", "500")
    assert set(figures) == {
        f"merge_{case}{cpu}_s" for case in ("first", "again", "one_more") for cpu in ("", "_cpu")
    }
    assert all(value >= 0 for value in figures.values())
