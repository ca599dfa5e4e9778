"""Where converted decks and their media land: `convert -o OUT`, and the media of an import.

Both are all or nothing. A convert writes everything into a staging folder
beside OUT and moves it in whole; it never replaces a file already in OUT unless
told to (a tutor's hand edits). An import copies its media into a staging folder
before its transaction, names that folder in the same transaction, and moves
the files in after the commit, so a deck is never left without its media: an
import killed after its commit has its media moved in by the next one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from studyapp.anki.convert import Conversion
from studyapp.anki.deck_toml import deck_toml
from studyapp.anki.history_file import history_path
from studyapp.anki.media_files import (
    plain_files,
    remove_stale_scratch,
    scratch_prefix,
    skipped_line,
)
from studyapp.anki.notes import MEDIA_FOLDER, store_media_dir
from studyapp.store.decks import PENDING_MEDIA_KEY

if TYPE_CHECKING:
    from studyapp.store import Store


class OutputExists(Exception):
    """`convert -o` would replace files already in OUT."""

    def __init__(self, path: Path, count: int) -> None:
        self.path, self.count = path, count
        verb = f"and {count - 1} more already exist" if count > 1 else "already exists"
        super().__init__(f"{path} {verb}")


def write_media(conversion: Conversion, folder: Path) -> int:
    """Copy the converted decks' media files into `folder`; how many were copied."""
    if not conversion.media:
        return 0
    folder.mkdir(parents=True, exist_ok=True)
    for name, contents in conversion.media.items():
        target = folder / Path(name).name
        target.write_bytes(contents.media[name]())
    return len(conversion.media)


def _planned(conversion: Conversion, histories: Mapping[str, str]) -> list[Path]:
    """The paths, relative to OUT, that a convert writes."""
    files = [Path(f"{deck.id}.toml") for deck in conversion.decks]
    files += [history_path(Path(f"{deck_id}.toml")) for deck_id in histories]
    files += [Path(MEDIA_FOLDER) / Path(name).name for name in conversion.media]
    return files


def write_decks(
    conversion: Conversion,
    out: Path,
    force: bool = False,
    histories: Mapping[str, str] | None = None,
) -> list[Path]:
    """One deck file per deck under `out`, and the media in `out`/media/; `histories`:
    deck id -> the text of its review history file (studyapp.anki.history_file).

    OutputExists if a file is already there, unless `force`. Everything is
    written beside `out` first; a new `out` then arrives in one rename, and into
    an existing folder each file is moved in, all put back as they were if any
    move fails.
    """
    histories = histories or {}
    planned = _planned(conversion, histories)
    present = [out / rel for rel in planned if (out / rel).exists() or (out / rel).is_symlink()]
    if present and not force:
        raise OutputExists(present[0], len(present))
    out = out.resolve()  # "-o ." has a parent and a name too
    out.parent.mkdir(parents=True, exist_ok=True)
    # What a killed convert left, beside OUT or (unwritable parent) inside it.
    remove_stale_scratch(out.parent, lead=f".{out.name}")
    remove_stale_scratch(out)
    try:
        # Beside OUT, not inside it: a killed convert leaves nothing `check OUT` would read.
        staging = Path(tempfile.mkdtemp(prefix=scratch_prefix(f".{out.name}"), dir=out.parent))
    except PermissionError:
        if not out.is_dir():
            raise
        staging = Path(tempfile.mkdtemp(prefix=scratch_prefix(), dir=out))
    try:
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)
        for deck in conversion.decks:
            (staging / f"{deck.id}.toml").write_text(deck_toml(deck), encoding="utf-8")
        for deck_id, text in histories.items():
            history_path(staging / f"{deck_id}.toml").write_text(text, encoding="utf-8")
        write_media(conversion, staging / MEDIA_FOLDER)
        if not out.exists():
            os.replace(staging, out)
        else:  # never replace the folder itself: it may be someone's working directory
            _move_in(staging, out, planned)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / rel for rel in planned if rel.suffix == ".toml"]


def _move_in(staging: Path, out: Path, planned: Iterable[Path]) -> None:
    """Move the staged files into `out`; on any failure, put `out` back as it was."""
    previous = staging / ".previous"
    done: list[tuple[Path, Path | None]] = []  # (target, where its old file went)
    try:
        for index, rel in enumerate(planned):
            target = out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            kept = None
            if target.exists() or target.is_symlink():
                previous.mkdir(exist_ok=True)
                kept = previous / str(index)
                os.replace(target, kept)
            done.append((target, kept))
            os.replace(staging / rel, target)
    except BaseException:
        for target, kept in reversed(done):
            target.unlink(missing_ok=True)
            if kept is not None:
                os.replace(kept, target)
        raise


def stage_media(
    store: Store,
    deck_files: Iterable[Path],
    conversion: Conversion | None,
    skipped: list[str] | None = None,
) -> Path | None:
    """Copy an import's media into a staging folder beside the database's media folder.

    A conversion's media, and the media/ folder next to each imported deck file
    (plain files only: a link could point at any file of the student's; a line
    for each left out goes to `skipped`). None when there is nothing to copy.
    """
    folder = store_media_dir(store)
    if folder is None:
        return None
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".studyapp-media-incoming-", dir=folder.parent))
    try:
        copied = write_media(conversion, staging) if conversion is not None else 0
        for source in dict.fromkeys(path.parent / MEDIA_FOLDER for path in deck_files):
            files, left_out = plain_files(source)
            if skipped is not None:
                skipped.extend(skipped_line(path) for path in left_out)
            for file in files:
                shutil.copyfile(file, staging / file.name, follow_symlinks=False)
                copied += 1
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if not copied:
        staging.rmdir()
        return None
    return staging


def discard_staged(staging: Path | None) -> None:
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)


def finish_pending_media(store: Store, staging: Path | None = None) -> int:
    """Move committed media into the media folder: `staging`, or the one an import
    killed after its commit left (named in meta). How many files were moved."""
    pending = store.get_meta(PENDING_MEDIA_KEY) or None
    staging = staging or (Path(pending) if pending else None)
    folder = store_media_dir(store)
    if staging is None or folder is None:
        return 0
    moved = 0
    if staging.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        for file in sorted(staging.iterdir()):
            os.replace(file, folder / file.name)
            moved += 1
        staging.rmdir()
    if pending == str(staging):
        store.set_meta(PENDING_MEDIA_KEY, "")
    return moved
