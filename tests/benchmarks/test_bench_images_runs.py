"""The pictures benchmark keeps working (a small photo; its figures are not judged here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parent / "bench_images.py"


@pytest.mark.slow
def test_bench_images_runs_and_reports_both_formats():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--width", "640", "--height", "480", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert set(figures) == {"jpg", "png"}
    assert all(f["megapixels"] == 0.3 and f["peak_rss_mb"] > 0 for f in figures.values())
