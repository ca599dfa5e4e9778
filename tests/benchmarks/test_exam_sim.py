"""The exam simulator runs, and StudyApp's plan holds its own against every baseline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SIM = Path(__file__).parent / "exam_sim.py"
ARGS = ["--seed", "1", "--learners", "3", "--days", "30", "--cards", "80", "--budget", "8"]


def _run() -> dict:
    done = subprocess.run(
        [sys.executable, str(SIM), *ARGS], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_exam_sim_reports_every_strategy_and_the_plan_is_best():
    report = _run()
    assert report["seed"] == 1 and report["learners"] == 3 and report["days"] == 30
    strategies = report["strategies"]
    assert set(strategies) == {"studyapp", "sm2_deadline", "fsrs_fixed", "remnote", "fsrs_advance"}
    for figures in strategies.values():
        assert set(figures) == {"exam_recall", "reached_target", "minutes_total", "minutes_per_day"}
        assert 0.0 <= figures["exam_recall"] <= 1.0
        # Nobody studies more than the budget.
        assert figures["minutes_per_day"] <= 8.0
    ours = strategies["studyapp"]
    strongest = max(
        (v for k, v in strategies.items() if k != "studyapp"), key=lambda v: v["exam_recall"]
    )
    assert ours["exam_recall"] >= strongest["exam_recall"]
    assert ours["minutes_total"] <= strongest["minutes_total"]


def test_exam_sim_is_deterministic_for_a_seed():
    assert _run() == _run()


def test_exam_sim_rejects_a_bad_flag():
    done = subprocess.run(
        [sys.executable, str(SIM), "--learners", "0"], capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
