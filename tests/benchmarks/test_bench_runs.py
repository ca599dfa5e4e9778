"""The benchmark script keeps working (tiny sizes; its figures are not judged here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parent / "bench.py"


@pytest.mark.slow
def test_bench_runs_and_reports_every_figure():
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--cards",
            "300",
            "--reviews",
            "2000",
            "--repeat",
            "1",
            "--grades",
            "20",
            "--export-cards",
            "200",
            "--big-cards",
            "600",
            "--big-reviews",
            "4000",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    for key in (
        "import_s",
        "import_ratio",
        "first_card_s",
        "first_card_ratio",
        "grade_next_ms",
        "grade_next_p95_ms",
        "export_s",
        "export_ratio",
        "peak_rss_mb",
        "export_full_s",
        "export_full_peak_rss_mb",
        "first_card_loaded_ratio",
        "stats_s",
        "stats_cli_s",
        "memory_replay_s",
        "memory_fit_s",
        "home_s",
        "decks_s",
        "import_peak_rss_mb",
        "home_big_ratio",
        "decks_big_ratio",
        "import_big_peak_rss_mb",
        "machine",
    ):
        assert key in figures
    assert figures["grade_next_samples"] == 20
    assert all(figures[k] > 0 for k in ("import_s", "first_card_s", "export_s", "peak_rss_mb"))
    assert all(figures[k] > 0 for k in ("stats_s", "home_s", "home_big_s", "decks_big_s"))
    assert set(figures["meets"]) >= {"stats_s", "home_big_ratio", "decks_big_ratio"}
