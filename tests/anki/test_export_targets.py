"""Export targets: folders, odd names, crashes, a full TMPDIR, a clock before 1980."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from studyapp import export_target
from studyapp.cli import cli
from studyapp.export_target import ExportTargetError, resolve_target


def export(tmp_path: Path, deck: Path, out: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(
        cli, ["--db", str(tmp_path / "e.db"), "export", str(deck), "-o", out], env=env
    )


def test_a_folder_gets_a_dated_file_inside_it(tmp_path, sample_deck):
    folder = tmp_path / "some-folder"
    folder.mkdir()
    result = export(tmp_path, sample_deck, f"{folder}/")
    assert result.exit_code == 0, result.output
    assert [p.name[:9] for p in folder.iterdir()] == ["StudyApp-"]
    assert not (tmp_path / "some-folder.apkg").exists()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "no file name given"),
        ("   ", "no file name given"),
        ("/", "will not write into the root folder"),
        ("x" * 250, "file name is too long"),
        ("x" * 256, "file name is too long"),
        ("x" * 300 + "/x.apkg", "no such folder"),
        ("missing-folder/", "no such folder"),
        ("missing-folder/x.apkg", "no such folder"),
    ],
)
def test_bad_targets_are_one_line_and_exit_1(tmp_path, sample_deck, monkeypatch, raw, message):
    monkeypatch.chdir(tmp_path)
    result = export(tmp_path, sample_deck, raw)
    assert result.exit_code == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*.apkg")) and not list(tmp_path.glob(".*.tmp"))


def test_dot_is_the_current_folder(tmp_path, sample_deck, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert export(tmp_path, sample_deck, ".").exit_code == 0
    assert len(list(tmp_path.glob("StudyApp-*.apkg"))) == 1


def test_a_file_inside_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(ExportTargetError, match="no such folder"):
        resolve_target(str(tmp_path / "f" / "x.apkg"), "d.apkg")


def test_stale_temp_files_of_dead_exports_are_cleaned(tmp_path, sample_deck):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    pid = int(dead.stdout)
    stale = tmp_path / f".out.apkg.{pid}.0123456789ab.tmp"
    stale.write_bytes(b"half a package")
    live = tmp_path / f".out.apkg.{os.getppid()}.0123456789ab.tmp"
    live.write_bytes(b"someone else's export in progress")
    assert export(tmp_path, sample_deck, str(tmp_path / "out.apkg")).exit_code == 0
    assert not stale.exists() and live.exists()
    assert not [p for p in tmp_path.glob(".*.tmp") if p != live]


def test_a_full_tmpdir_does_not_matter(tmp_path, sample_deck, monkeypatch):
    # Nothing is written to TMPDIR: a missing (so unwritable) one proves it.
    monkeypatch.setenv("TMPDIR", str(tmp_path / "no-such-tmp"))
    monkeypatch.setattr("tempfile.tempdir", None)
    result = export(tmp_path, sample_deck, str(tmp_path / "t.apkg"))
    assert result.exit_code == 0, result.output


def test_a_clock_before_1980_still_writes_a_valid_zip(tmp_path, sample_deck, monkeypatch):
    before_1980 = time.mktime((1975, 6, 1, 12, 0, 0, 0, 0, -1))
    monkeypatch.setattr(time, "time", lambda: before_1980)
    result = export(tmp_path, sample_deck, str(tmp_path / "old.apkg"))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "old.apkg") as package:
        assert package.testzip() is None
        assert {i.date_time[0] for i in package.infolist()} == {1980}


def test_a_clock_after_2107_still_writes_a_valid_zip(tmp_path, sample_deck, monkeypatch):
    in_2108 = time.mktime((2108, 6, 1, 12, 0, 0, 0, 0, -1))
    monkeypatch.setattr(time, "time", lambda: in_2108)
    result = export(tmp_path, sample_deck, str(tmp_path / "late.apkg"))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "late.apkg") as package:
        assert package.testzip() is None
        assert {i.date_time[0] for i in package.infolist()} == {2107}


def test_disk_full_while_writing_leaves_nothing(tmp_path, sample_deck, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_target, "write_zip", full)
    result = export(tmp_path, sample_deck, str(tmp_path / "full.apkg"))
    assert result.exit_code == 1 and "No space left on device" in result.stderr
    assert not list(tmp_path.glob("*full*")) and not list(tmp_path.glob(".*.tmp"))
