"""Backups of the study database, kept the way Anki keeps them.

A consistent copy (SQLite's backup API, the WAL included) is taken before the
day's first write and before every migration or import, into a folder of its
own per database inside the data folder. Rotation keeps the newest copy of
each of the last 7 days and of each of the last 4 weeks (and the few newest).
A damaged database is marked so nothing more is written to it until a backup
is restored.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from studyapp.locations import backups_dir

KEEP_DAILY = 7
KEEP_WEEKLY = 4
KEEP_NEWEST = 5
_NAME_RE = re.compile(r"(\d{4}-\d\d-\d\dT\d{6})-([a-z]+)(?:-\d+)?\.db")
_STAMP = "%Y-%m-%dT%H%M%S"
DAMAGED_MARKER = "DAMAGED"


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    taken_at: datetime
    reason: str  # daily | import | upgrade | restore

    @property
    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0


def backup_folder(db_path: Path) -> Path:
    """This database's folder of backups (its name, plus a hash of where it lives)."""
    where = hashlib.sha256(str(Path(db_path).resolve()).encode()).hexdigest()[:8]
    return backups_dir() / f"{Path(db_path).stem}-{where}"


def list_backups(db_path: Path) -> list[Backup]:
    """This database's backups, newest first."""
    folder = backup_folder(db_path)
    found: list[Backup] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for path in entries:
        match = _NAME_RE.fullmatch(path.name)
        if match and path.is_file():
            found.append(Backup(path, datetime.strptime(match.group(1), _STAMP), match.group(2)))
    found.sort(key=lambda b: (b.taken_at, b.path.name), reverse=True)
    return found


def has_backup_on(db_path: Path, day: date) -> bool:
    return any(b.taken_at.date() == day for b in list_backups(db_path))


def take_backup(conn: sqlite3.Connection, db_path: Path, reason: str, now: datetime) -> Path:
    """Copy the open database `conn` into its backup folder; rotate; return the copy's path.

    Written under a temporary name and renamed when complete: a crash leaves no
    half backup that looks like a whole one. Raises OSError or sqlite3.Error.
    """
    folder = backup_folder(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{now.strftime(_STAMP)}-{reason}"
    target = folder / f"{stem}.db"
    counter = 2
    while target.exists():
        target = folder / f"{stem}-{counter}.db"
        counter += 1
    partial = folder / f".{target.name}.partial"
    try:
        dest = sqlite3.connect(str(partial))
        try:
            conn.backup(dest)
            # One self-contained file: no -wal/-shm beside a backup.
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    rotate(db_path)
    return target


def rotate(db_path: Path) -> list[Path]:
    """Delete backups beyond the newest per day (7 days) and per week (4 weeks); return them."""
    backups = list_backups(db_path)
    keep: set[Path] = {b.path for b in backups[:KEEP_NEWEST]}
    days: dict[date, Path] = {}
    weeks: dict[tuple[int, int], Path] = {}
    for backup in backups:  # newest first: the first seen of a day or week is its newest
        days.setdefault(backup.taken_at.date(), backup.path)
        weeks.setdefault(backup.taken_at.isocalendar()[:2], backup.path)
    keep.update(list(days.values())[:KEEP_DAILY])
    keep.update(list(weeks.values())[:KEEP_WEEKLY])
    removed = []
    for backup in backups:
        if backup.path not in keep:
            backup.path.unlink(missing_ok=True)
            removed.append(backup.path)
    return removed


def is_good(path: Path) -> bool:
    """Whether `path` is a readable SQLite database that passes `PRAGMA quick_check`."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            return bool(conn.execute("PRAGMA quick_check").fetchone()[0] == "ok")
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def newest_good_backup(db_path: Path) -> Backup | None:
    return next((b for b in list_backups(db_path) if is_good(b.path)), None)


def mark_damaged(db_path: Path) -> None:
    """Remember that this database is damaged: it is not written to again until a restore."""
    folder = backup_folder(db_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / DAMAGED_MARKER).touch()
    except OSError:
        pass  # the in-process flag still stops writes; the next open finds the damage again


def is_marked_damaged(db_path: Path) -> bool:
    return (backup_folder(db_path) / DAMAGED_MARKER).exists()


def damaged_advice(db_path: Path) -> str:
    """What to do about a damaged database, naming the newest good backup."""
    good = newest_good_backup(db_path)
    if good is None:
        return (
            "no good backup was found; move the file aside and import your decks again "
            "(progress in it may be lost)"
        )
    return f"restore the newest good backup with: studyapp restore {good.path}"


def resolve_backup(db_path: Path, name: str) -> Path | None:
    """A backup named by path, or by its file name in this database's backup folder."""
    candidate = Path(name).expanduser()
    if candidate.is_file():
        return candidate
    in_folder = backup_folder(db_path) / name
    return in_folder if in_folder.is_file() else None


def restore(db_path: Path, backup: Path, now: datetime) -> Path | None:
    """Put `backup` in place of the database, keeping the current file aside.

    Returns where the current file was put (None if there was none). Raises
    ValueError when `backup` is not a good database, OSError on a file error.
    """
    if not is_good(backup):
        raise ValueError(f"{backup} is not a good StudyApp backup (it fails SQLite's check)")
    db_path = Path(db_path)
    staged = db_path.with_name(f".{db_path.name}.restoring")
    src = sqlite3.connect(f"file:{backup}?mode=ro&immutable=1", uri=True)
    try:
        dest = sqlite3.connect(str(staged))
        try:
            src.backup(dest)
        finally:
            dest.close()
    except sqlite3.Error:
        staged.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    aside: Path | None = None
    if db_path.exists():
        aside = db_path.with_name(f"{db_path.name}.before-restore-{now.strftime(_STAMP)}")
        os.replace(db_path, aside)
        for suffix in ("-wal", "-shm"):
            sidecar = db_path.with_name(db_path.name + suffix)
            if sidecar.exists():
                os.replace(sidecar, aside.with_name(aside.name + suffix))
    os.replace(staged, db_path)
    (backup_folder(db_path) / DAMAGED_MARKER).unlink(missing_ok=True)
    return aside
