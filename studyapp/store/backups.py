"""Backups of the study database, kept the way Anki keeps them.

A consistent copy (SQLite's backup API, the WAL included) is taken before the
day's first write and before every migration or import, into a folder of its
own per database inside the data folder. Rotation keeps the newest copy of
each of the last 7 days and of each of the last 4 weeks (and the few newest);
backups dated after "now" (a clock that was in the future) are ranked on their
own, so they can never push out the copy just written. A damaged database is
marked so nothing more is written to it until a backup is restored.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from studyapp.locations import backups_dir
from studyapp.processes import process_alive

KEEP_DAILY = 7
KEEP_WEEKLY = 4
KEEP_NEWEST = 5
_NAME_RE = re.compile(r"(\d{4}-\d\d-\d\dT\d{6})-([a-z]+)(?:-\d+)?\.db")
NAME_STAMP = "%Y-%m-%dT%H%M%S"
DAMAGED_MARKER = "DAMAGED"
# `.NAME.PID.partial`: a backup being written (older versions left `.NAME.partial`).
_PARTIAL_RE = re.compile(r"\..+?(?:\.(\d+))?\.partial")


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
            found.append(
                Backup(path, datetime.strptime(match.group(1), NAME_STAMP), match.group(2))
            )
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
    stem = f"{now.strftime(NAME_STAMP)}-{reason}"
    clean_stale_partials(folder)
    partial = folder / f".{stem}.db.{os.getpid()}.partial"
    try:
        dest = sqlite3.connect(str(partial))
        try:
            conn.backup(dest)
            # One self-contained file: no -wal/-shm beside a backup.
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
        target = _publish(partial, folder, stem)
    finally:
        partial.unlink(missing_ok=True)
    rotate(db_path, now, keep=target)
    return target


def _publish(partial: Path, folder: Path, stem: str) -> Path:
    """Give the whole copy `partial` the first free name `STEM.db`, `STEM-2.db`, …

    A hard link fails rather than replace a file: a backup another process wrote
    in the same second is never overwritten.
    """
    counter = 1
    while True:
        target = folder / (f"{stem}.db" if counter == 1 else f"{stem}-{counter}.db")
        counter += 1
        try:
            os.link(partial, target)
            return target
        except FileExistsError:
            continue
        except OSError:
            if not target.exists():  # no hard links on this file system
                os.replace(partial, target)
                return target


def clean_stale_partials(folder: Path) -> list[Path]:
    """Remove `.partial` files that backups which no longer run (killed, crashed) left."""
    removed: list[Path] = []
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            match = _PARTIAL_RE.fullmatch(entry.name)
            if match and not (match.group(1) and process_alive(int(match.group(1)))):
                with contextlib.suppress(OSError):
                    entry.unlink()
                    removed.append(entry)
    return removed


def rotate(db_path: Path, now: datetime | None = None, keep: Path | None = None) -> list[Path]:
    """Delete backups beyond the newest per day (7 days) and per week (4 weeks); return them.

    `keep` (the copy just written) is never deleted. Backups dated after `now`
    come from a clock that was in the future: the newest few of them are kept
    and ranked apart, so they never crowd out the backups of today's clock.
    """
    backups = list_backups(db_path)
    future = [b for b in backups if now is not None and b.taken_at > now]
    present = [b for b in backups if b not in future]
    kept: set[Path] = {b.path for b in present[:KEEP_NEWEST]}
    kept.update(b.path for b in future[:KEEP_NEWEST])
    if keep is not None:
        kept.add(keep)
    days: dict[date, Path] = {}
    weeks: dict[tuple[int, int], Path] = {}
    for backup in present:  # newest first: the first seen of a day or week is its newest
        days.setdefault(backup.taken_at.date(), backup.path)
        weeks.setdefault(backup.taken_at.isocalendar()[:2], backup.path)
    kept.update(list(days.values())[:KEEP_DAILY])
    kept.update(list(weeks.values())[:KEEP_WEEKLY])
    removed = []
    for backup in backups:
        if backup.path not in kept:
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
