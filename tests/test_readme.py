"""README's set-up commands are the ones CI runs."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    command = next(line for line in ci_lines if "pytest" in line and "pip install" in line)
    assert command in readme


def test_readme_has_an_install_and_start_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install . && .venv/bin/studyapp" in readme
