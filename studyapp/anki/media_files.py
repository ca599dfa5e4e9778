"""Which media files a deck folder offers, and the scratch folders a convert leaves.

A shared deck folder is untrusted: a symbolic link in it (a media file or the
media/ folder itself) could point at any file of the student's, e.g. ~/.ssh/id_rsa.
Links are never followed: neither import (copying into studyapp-media) nor export
(into the .apkg) takes anything but plain files lying in the folder itself.
"""

from __future__ import annotations

import glob
import os
import shutil
import stat
from pathlib import Path

from studyapp.processes import process_alive

SCRATCH_PREFIX = ".studyapp-convert-"


def plain_files(folder: Path | None) -> tuple[list[Path], list[Path]]:
    """The regular files directly in `folder` (sorted), and the links and others left out.

    A `folder` that is itself a symbolic link offers nothing (and is the one left out).
    """
    if folder is None:
        return [], []
    try:
        mode = folder.lstat().st_mode
    except OSError:
        return [], []
    if stat.S_ISLNK(mode):
        return [], [folder]
    if not stat.S_ISDIR(mode):
        return [], []
    files, left_out = [], []
    for entry in sorted(folder.iterdir()):
        mode = entry.lstat().st_mode
        if stat.S_ISREG(mode):
            files.append(entry)
        elif not stat.S_ISDIR(mode):
            left_out.append(entry)
    return files, left_out


def skipped_line(path: Path) -> str:
    """The line that says a media entry was left out, and why."""
    kind = "a symbolic link" if path.is_symlink() else "not a plain file"
    return f"{path}: skipped, {kind} (media are copied only from plain files)"


def scratch_prefix(lead: str = "") -> str:
    """The name a convert's scratch folder starts with: its process id says whose it is.

    `lead` names the OUT a scratch folder beside it belongs to (".OUT").
    """
    return f"{lead}{SCRATCH_PREFIX}{os.getpid()}-"


def remove_stale_scratch(folder: Path, lead: str = "") -> None:
    """Remove the scratch folders (named with `lead`) a killed convert left in `folder`,
    once their process is gone."""
    if not folder.is_dir():
        return
    start = f"{lead}{SCRATCH_PREFIX}"
    for entry in folder.glob(f"{glob.escape(start)}*"):
        owner = entry.name.removeprefix(start).split("-", 1)[0]
        if owner.isdigit() and process_alive(int(owner)):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
