"""A shared deck folder's media: plain files only, never a link to the student's files;
only deck files are read as decks (not media/, not a killed convert's scratch)."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from click.testing import CliRunner

from studyapp.anki.media_files import SCRATCH_PREFIX
from studyapp.cli import cli

DECK = '[deck]\nid = "shared"\nname = "Shared"\n\n[[cards]]\nid = "c1"\nfront = "Q"\nback = "{}"\n'


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def shared_folder(tmp_path: Path, back: str = "A") -> Path:
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "deck.toml").write_text(DECK.replace("{}", back))
    return folder


def secret(tmp_path: Path) -> Path:
    path = tmp_path / "id_rsa"
    path.write_text("PRIVATE KEY")
    return path


def test_a_symlinked_media_file_is_not_copied_by_import(tmp_path):
    folder = shared_folder(tmp_path)
    (folder / "media").mkdir()
    (folder / "media" / "ok.png").write_bytes(b"png")
    (folder / "media" / "key.png").symlink_to(secret(tmp_path))
    result = run("--db", tmp_path / "s.db", "import", folder)
    assert result.exit_code == 0, result.output
    store_media = tmp_path / "studyapp-media"
    assert sorted(p.name for p in store_media.iterdir()) == ["ok.png"]
    assert "key.png: skipped, a symbolic link" in result.stderr


def test_a_symlinked_media_folder_is_not_followed_by_import(tmp_path):
    folder = shared_folder(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    (home / "id_rsa").write_text("PRIVATE KEY")
    (folder / "media").symlink_to(home)
    result = run("--db", tmp_path / "s.db", "import", folder)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "studyapp-media" / "id_rsa").exists()
    assert "media: skipped, a symbolic link" in result.stderr


def test_export_never_puts_a_linked_file_into_the_package(tmp_path):
    folder = shared_folder(tmp_path, back="[image: key.png] [image: ok.png]")
    (folder / "media").mkdir()
    (folder / "media" / "ok.png").write_bytes(b"png")
    (folder / "media" / "key.png").symlink_to(secret(tmp_path))
    out = tmp_path / "out.apkg"
    result = run("--db", tmp_path / "s.db", "export", folder, "-o", out)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        sent = json.loads(archive.read("media"))
        contents = [archive.read(name) for name in sent]
    assert list(sent.values()) == ["ok.png"] and b"PRIVATE KEY" not in b"".join(contents)


def test_a_media_file_named_toml_never_becomes_a_deck(tmp_path):
    folder = shared_folder(tmp_path)
    (folder / "media").mkdir()
    (folder / "media" / "evil.toml").write_text(DECK.replace("shared", "tp-mechanisms"))
    result = run("check", folder)
    assert result.exit_code == 0 and "ok: 1 deck, 1 cards" in result.output


def test_a_killed_converts_scratch_is_never_read_and_is_cleaned_up(tmp_path):
    out = shared_folder(tmp_path)
    scratch = out / f"{SCRATCH_PREFIX}999999999-abc"  # no such process
    scratch.mkdir()
    (scratch / "half.toml").write_text("[deck\n")
    assert run("check", out).exit_code == 0
    csv = tmp_path / "quiz.csv"
    csv.write_text("q,a\n")
    mine = out / f"{SCRATCH_PREFIX}{os.getpid()}-live"  # a convert still running
    mine.mkdir()
    assert run("convert", csv, "-o", out).exit_code == 0
    assert not scratch.exists() and mine.exists()
