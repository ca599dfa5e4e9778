"""`studyapp export` never replaces a package silently: it asks, or refuses without --force."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from studyapp.cli import cli


@pytest.fixture
def export(tmp_path, sample_deck):
    out = tmp_path / "out.apkg"
    out.write_bytes(b"the tutor's earlier package")

    def run(*extra: str, answer: str | None = None):
        args = ["--db", str(tmp_path / "e.db"), "export", str(sample_deck), "-o", str(out)]
        return CliRunner().invoke(cli, [*args, *extra], input=answer)

    return out, run


def test_not_a_terminal_refuses_without_force(export):
    out, run = export
    result = run()
    assert result.exit_code == 1
    assert result.stderr == f"studyapp: {out} exists; nothing exported (--force overwrites it)\n"
    assert out.read_bytes() == b"the tutor's earlier package"
    forced = run("--force")
    assert forced.exit_code == 0, forced.output
    assert out.read_bytes().startswith(b"PK")


def test_a_terminal_is_asked(export, monkeypatch):
    out, run = export
    monkeypatch.setattr("studyapp.cli.export._interactive", lambda: True)
    kept = run(answer="n\n")
    assert kept.exit_code == 1 and "Overwrite it?" in kept.output
    assert kept.stderr.endswith(f"studyapp: {out} kept; nothing exported\n")
    assert out.read_bytes() == b"the tutor's earlier package"
    replaced = run(answer="y\n")
    assert replaced.exit_code == 0 and out.read_bytes().startswith(b"PK")
