"""Restoring a backup: checked first, serialised, never while the database is open.

The path never lacks a database: the current file is hard-linked to a fresh
kept-aside name (never overwriting one), then the staged, synced copy is renamed
over it, so a crash at any moment leaves the old file or the new one. Restores of
one database serialise on a lock; one is refused while any process has the
database open (the open lock every Store holds, and SQLite's own read lock).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import sqlite3
import stat
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from studyapp.store.backups import DAMAGED_MARKER, NAME_STAMP, backup_folder
from studyapp.store.schema import APPLICATION_ID, SCHEMA_VERSION

# Held shared by every open Store, exclusively by a restore while it swaps files.
OPEN_LOCK = "open.lock"
# Held by a restore from start to end: two restores of one database take turns.
RESTORE_LOCK = "restore.lock"
# How long opening waits for a restore under way before saying so.
OPEN_WAIT_SECONDS = 10.0
# SQLite's unix locking: every connection to a WAL database holds a read lock
# on these bytes of the database file for as long as it is open.
_SQLITE_SHARED_FIRST = 0x40000002
_SQLITE_SHARED_SIZE = 510


class DatabaseInUse(ValueError):
    """The database is open somewhere, so it cannot be swapped for a backup now."""


def unusable_reason(path: Path) -> str | None:
    """Why the app could not use the database file at `path`, or None if it can."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return "it is not a plain file"
        if info.st_size == 0:
            return "it is empty (0 bytes)"
        with open(path, "rb") as f:
            if f.read(16) != b"SQLite format 3\x00":
                return "it is not an SQLite database"
    except OSError as exc:
        return f"it cannot be read: {exc.strerror}"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if app_id != APPLICATION_ID or version < 1:
                return "it is another program's SQLite database, not StudyApp's"
            if version > SCHEMA_VERSION:
                return (
                    f"it was written by a newer StudyApp (schema {version}; "
                    f"this one knows {SCHEMA_VERSION})"
                )
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                return "it is damaged: it fails SQLite's check"
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"it is damaged: {exc}"
    return None


def not_a_plain_file(path: Path) -> str | None:
    """Why `path` cannot be a database (a FIFO, a device, a folder), or None if it can.

    Checked before anything opens it: opening a FIFO blocks for ever, and SQLite
    beside a device (`/dev/null`) would create `/dev/null-journal`.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot open {path}: {exc.strerror}"
    if stat.S_ISDIR(mode):
        return f"{path} is a folder, not a database file"
    if not stat.S_ISREG(mode):
        return f"{path} is not a plain file (a pipe or a device); a database must be a file"
    return None


@contextlib.contextmanager
def _locked(db_path: Path, name: str, how: int) -> Iterator[bool]:
    """Hold lock file `name` of this database with flock `how`; yields whether it was got."""
    folder = backup_folder(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / name, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, how)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing lets the lock go


def hold_open_lock(db_path: Path) -> int | None:
    """Take the shared open lock for a Store; its fd, to close when the Store closes.

    Waits for a restore under way (they take seconds); raises DatabaseInUse if one
    takes longer than OPEN_WAIT_SECONDS. None when the lock file cannot be made
    (an unwritable data folder): the database still opens, unguarded.
    """
    try:
        folder = backup_folder(db_path)
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / OPEN_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None
    deadline = time.monotonic() + OPEN_WAIT_SECONDS
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                raise DatabaseInUse(
                    f"{db_path}: a restore of this database is under way; try again when it ends"
                ) from None
            time.sleep(0.05)


def _open_elsewhere(db_path: Path) -> bool:
    """Whether any other process holds SQLite's read lock on the database file."""
    try:
        fd = os.open(db_path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, _SQLITE_SHARED_SIZE, _SQLITE_SHARED_FIRST)
    except OSError:
        return True
    finally:
        os.close(fd)  # our probe lock goes with it
    return False


def _staging_names(db_path: Path) -> list[Path]:
    prefix = f".{db_path.name}.restoring"
    with contextlib.suppress(OSError):
        return [p for p in db_path.parent.iterdir() if p.name.startswith(prefix)]
    return []


def interrupted_restore(db_path: Path) -> str | None:
    """One line if the database is missing where a restore left a staged copy; else None."""
    if db_path.exists():
        return None
    staged = _staging_names(db_path)
    if not staged:
        return None
    return (
        f"{db_path} is missing: a restore into it was interrupted (its copy is {staged[0]}); "
        "run `studyapp restore` again, or rename that copy to the database's name"
    )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _clean_killed_restores(db_path: Path) -> None:
    """Remove what a killed restore left: its staged copy, and a kept-aside name that is
    only a second name (a hard link) for the database itself, not a copy of an old one."""
    for stale in _staging_names(db_path):
        stale.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        for entry in db_path.parent.iterdir():
            aside = entry.name.startswith(f"{db_path.name}.before-restore-")
            if aside and _same_file(entry, db_path):
                entry.unlink(missing_ok=True)


def _place_aside(source: Path, name: str) -> Path:
    """Give `source` a new name `name` (or `name-2`, …) beside it, never replacing a file.

    A hard link where the file system has them (the current name stays in place);
    else an exclusive-create copy.
    """
    counter = 1
    while True:
        aside = source.with_name(name if counter == 1 else f"{name}-{counter}")
        try:
            os.link(source, aside)
            return aside
        except FileExistsError:
            counter += 1
            continue
        except OSError:
            pass  # no hard links here: copy instead
        try:
            with open(source, "rb") as src, open(aside, "xb") as dest:
                shutil.copyfileobj(src, dest, 1 << 20)
                dest.flush()
                os.fsync(dest.fileno())
            return aside
        except FileExistsError:
            counter += 1


def _stage(backup: Path, db_path: Path) -> Path:
    """A complete, synced copy of `backup` beside the database under a name of its own."""
    staged = db_path.with_name(f".{db_path.name}.restoring-{os.getpid()}-{secrets.token_hex(4)}")
    src = sqlite3.connect(f"file:{backup}?mode=ro&immutable=1", uri=True)
    try:
        dest = sqlite3.connect(str(staged))
        try:
            src.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
        with open(staged, "rb+") as f:
            os.fsync(f.fileno())
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    return staged


def _checkpoint(db_path: Path) -> None:
    """Fold the current file's WAL into it (the last connection to close removes the WAL)."""
    with contextlib.suppress(sqlite3.Error):
        conn = sqlite3.connect(f"file:{db_path}?mode=rw", uri=True)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def restore(db_path: Path, backup: Path, now: datetime) -> Path | None:
    """Put `backup` in place of the database, keeping the current file aside.

    Returns where the current file was kept (None if there was none). Raises
    ValueError when `backup` is not a database this StudyApp can use,
    DatabaseInUse while the database is open anywhere, OSError or sqlite3.Error
    on a file error; in every case the database is unchanged. At every moment
    the database's path holds either the old file or the new one.
    """
    db_path = Path(db_path)
    why = unusable_reason(backup)
    if why is not None:
        raise ValueError(f"{backup} is not a good StudyApp backup: {why}")
    problem = not_a_plain_file(db_path)
    if problem is not None:
        raise ValueError(problem)
    in_use = DatabaseInUse(
        f"{db_path} is open in StudyApp or another program; close it, then restore"
    )
    with (
        _locked(db_path, RESTORE_LOCK, fcntl.LOCK_EX) as _,
        _locked(db_path, OPEN_LOCK, fcntl.LOCK_EX | fcntl.LOCK_NB) as got,
    ):
        if not got or _open_elsewhere(db_path):
            raise in_use
        _clean_killed_restores(db_path)
        staged = _stage(backup, db_path)
        aside: Path | None = None
        try:
            if db_path.exists():
                _checkpoint(db_path)
                aside = _place_aside(db_path, f"{db_path.name}.before-restore-{now:{NAME_STAMP}}")
                wal = db_path.with_name(db_path.name + "-wal")
                if wal.exists():  # not folded in (a damaged file): kept with it
                    _place_aside(wal, aside.name + "-wal")
                # A WAL left beside the new file would be replayed into it.
                for suffix in ("-wal", "-shm"):
                    db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
            os.replace(staged, db_path)
            _sync_folder(db_path.parent)
        except BaseException:
            # The database is still the old file: a second name for it is no copy.
            if aside is not None and _same_file(aside, db_path):
                aside.unlink(missing_ok=True)
            raise
        finally:
            staged.unlink(missing_ok=True)
    (backup_folder(db_path) / DAMAGED_MARKER).unlink(missing_ok=True)
    return aside
