"""The lint benchmark keeps working (a small deck; its figures are not judged here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parent / "bench_lint.py"


@pytest.mark.slow
def test_bench_lint_runs_and_reports():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--cards", "200", "--runs", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["cards"] == 200 and figures["lint_s"] > 0 and figures["target_s"] == 0.1
    assert figures["findings"] > 0  # the deck's planted near-duplicates are found
