"""Opening the database (creating or upgrading it), transactions and meta facts."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from studyapp.store import backups, restore
from studyapp.store.errors import DatabaseError, StoreError
from studyapp.store.schema import APPLICATION_ID, SCHEMA, SCHEMA_VERSION, migrate, run_script

BUSY_TIMEOUT_MS = 10_000


# SQLite's primary result codes for a damaged file.
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


def is_damage(exc: BaseException) -> bool:
    """Whether `exc` says the database file itself is damaged (not busy, full or read-only)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return True
    text = str(exc)
    return "malformed" in text or "not a database" in text


def damaged_message(path: Path | None, exc: BaseException | str | None = None) -> str:
    """The one line for a damaged database: which file, and what to do."""
    if path is None:
        return f"the database is damaged ({exc}); nothing more will be written to it"
    detail = f" ({exc})" if exc is not None else ""
    return (
        f"{path}: the database is damaged{detail}; nothing more will be written to it; "
        f"{backups.damaged_advice(path)}"
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


class StoreBase:
    """The connection and what every concern shares: transactions, row helpers, meta."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None = None) -> None:
        # Autocommit: SQLite's own, so nothing opens a transaction behind our back;
        # `transaction()` is the only way one begins.
        conn.isolation_level = None
        self.conn = conn
        self.path = path  # None for an in-memory database: no backups then
        # How many `transaction()` blocks are open: the store's own count, never
        # `conn.in_transaction`, decides whether a block nests as a savepoint.
        self._depth = 0
        # Once damage is seen, every write is refused (see `transaction`).
        self.damaged = False
        self._daily_backup_checked = False
        self.clock: Callable[[], datetime] = datetime.now
        # The shared open lock (an fd): a restore is refused while it is held.
        self._open_lock: int | None = None

    # -- opening -----------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str) -> Self:
        """Open (creating or upgrading) the database at `path`."""
        path = Path(path)
        lock: int | None = None
        if str(path) != ":memory:":
            _refuse_foreign_file(path)
            if backups.is_marked_damaged(path):
                raise DatabaseError(damaged_message(path))
            interrupted = restore.interrupted_restore(path)
            if interrupted is not None:
                raise DatabaseError(interrupted)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(f"cannot create {path.parent}: {exc.strerror}") from None
            try:
                lock = restore.hold_open_lock(path)
            except restore.DatabaseInUse as exc:
                raise DatabaseError(str(exc)) from None
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
            store = cls(conn, None if str(path) == ":memory:" else path)
            store._open_lock = lock
            store._prepare(path)
        except BaseException as exc:
            # A refused file is let go at once: no -wal/-shm left beside it.
            if conn is not None:
                conn.close()
            if lock is not None:
                os.close(lock)
            if not isinstance(exc, sqlite3.DatabaseError):
                raise
            if is_damage(exc) and str(path) != ":memory:":
                backups.mark_damaged(path)
                raise DatabaseError(damaged_message(path, exc)) from None
            raise DatabaseError(f"{path}: {_describe(exc, path)}") from None
        return store

    @classmethod
    def in_memory(cls) -> Self:
        """A database in memory, gone when closed (the tests' scratch store)."""
        store = cls(sqlite3.connect(":memory:"))
        store._prepare(None)
        return store

    def _prepare(self, path: Path | None) -> None:
        conn = self.conn
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if app_id != APPLICATION_ID and (tables or version):
            raise DatabaseError(f"{path} is not a StudyApp database; refusing to touch it")
        if version > SCHEMA_VERSION:
            raise DatabaseError(
                f"{path} was written by a newer StudyApp (schema {version}, this one knows "
                f"{SCHEMA_VERSION}); upgrade StudyApp to open it"
            )
        if path is not None and conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a committed grade survives power loss, not just a crash.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        if version == 0:
            # A new file: nothing to back up before creating it.
            self._daily_backup_checked = True
            with self.transaction():
                run_script(conn, SCHEMA)
                migrate(conn, 1)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self._daily_backup_checked = False
        elif version < SCHEMA_VERSION:
            if path is not None:
                self._backup(path.with_name(f"{path.name}.v{version}.bak"))
                self.backup_before("upgrade")
            with self.transaction():
                migrate(conn, version)

    def _backup(self, target: Path) -> None:
        """A consistent copy (WAL content included) through SQLite's backup API."""
        try:
            dest = sqlite3.connect(str(target))
            try:
                self.conn.backup(dest)
            finally:
                dest.close()
        except (sqlite3.Error, OSError) as exc:
            raise DatabaseError(
                f"cannot write the backup {target} before upgrading: {exc}"
            ) from None

    def backup_before(self, reason: str) -> None:
        """A rotating backup before a migration or an import; failing it stops the change.

        Call it outside a transaction: inside one it does nothing (the copy must
        not wait on the transaction's own lock); callers that group an import
        with other writes take the backup first.
        """
        if self.path is None or self._depth:
            return
        try:
            backups.take_backup(self.conn, self.path, reason, self.clock())
        except (sqlite3.Error, OSError) as exc:
            raise DatabaseError(
                f"{self.path}: cannot write a backup before the {reason} ({_describe(exc)}); "
                "nothing changed"
            ) from None
        self._daily_backup_checked = True

    def _before_write(self) -> None:
        """Refuse to write to a damaged database; take the day's first backup."""
        if self.damaged:
            raise DatabaseError(damaged_message(self.path))
        if self.path is None or self._daily_backup_checked:
            return
        self._daily_backup_checked = True
        now = self.clock()
        if not backups.has_backup_on(self.path, now.date()):
            # A failed daily backup must not stop a grade from being saved; the
            # next start tries again.
            with contextlib.suppress(sqlite3.Error, OSError):
                backups.take_backup(self.conn, self.path, "daily", now)

    def note_error(self, exc: BaseException) -> str:
        """Record a database error seen anywhere; its one line, naming the file and what to do."""
        if isinstance(exc, StoreError):
            return str(exc)  # already said in full by the store
        if is_damage(exc):
            self.damaged = True
            if self.path is not None:
                backups.mark_damaged(self.path)
            return damaged_message(self.path, exc)
        where = f"{self.path}: " if self.path is not None else ""
        return f"{where}{_describe(exc, self.path)}"

    def database_file(self) -> str | None:
        """The file this store reads, so a worker thread can open its own connection."""
        row = self.conn.execute("PRAGMA database_list").fetchone()
        return str(row[2]) if row and row[2] else None

    def close(self) -> None:
        self.conn.close()
        if self._open_lock is not None:
            os.close(self._open_lock)  # the lock goes with the fd
            self._open_lock = None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction, taken up front (BEGIN IMMEDIATE) so it never deadlocks.

        Inside another one it is a savepoint: its failure undoes its own writes only.
        """
        if self._depth:
            with self._savepoint():
                yield
            return
        self._before_write()
        if self.conn.in_transaction:
            # Someone ran BEGIN by hand and left it open: refuse rather than nest in it.
            raise DatabaseError("a transaction was left open outside the store; nothing written")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise DatabaseError(f"database is busy or unavailable: {_describe(exc)}") from None
        self._depth = 1
        try:
            try:
                yield
            except sqlite3.DatabaseError as exc:
                self._rollback()
                if is_damage(exc):
                    raise DatabaseError(self.note_error(exc)) from None
                raise DatabaseError(f"could not save, nothing written: {_describe(exc)}") from None
            except BaseException:
                self._rollback()
                raise
            try:
                self.conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                self._rollback()
                if is_damage(exc):
                    raise DatabaseError(self.note_error(exc)) from None
                raise DatabaseError(f"could not save: {_describe(exc)}") from None
        finally:
            self._depth = 0

    def _rollback(self) -> None:
        # SQLite may have rolled back already (a full disk, ROLLBACK in a trigger).
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    @contextlib.contextmanager
    def _savepoint(self) -> Iterator[None]:
        name = f"nested_{self._depth}"
        self.conn.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield
        except BaseException:
            # A failure that ended the whole transaction (ROLLBACK in a trigger)
            # leaves no savepoint to go back to.
            if self.conn.in_transaction:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
            raise
        else:
            self.conn.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    def _rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=False)) for row in cursor]

    def _one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    # -- meta --------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        value: str | None = self._one("SELECT value FROM meta WHERE key = ?", [key])
        return value

    def meta_with_prefix(self, prefix: str) -> dict[str, str]:
        """Every meta fact whose key starts with `prefix` (the prefix cut off)."""
        rows = self.conn.execute(
            "SELECT key, value FROM meta WHERE key > ? AND key < ?", [prefix, prefix + "\uffff"]
        )
        return {key[len(prefix) :]: value for key, value in rows}

    def delete_meta(self, key: str) -> None:
        with self.transaction():
            self.conn.execute("DELETE FROM meta WHERE key = ?", [key])

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )


def _read_only(path: Path) -> bool:
    """Whether SQLite cannot write `path` or create its -wal/-shm files beside it."""
    try:
        if path.exists():
            with path.open("ab"):
                pass
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError:
        return True
    return False


def _refuse_foreign_file(path: Path) -> None:
    """Refuse a file that exists but is not an SQLite database, before SQLite touches it."""
    problem = restore.not_a_plain_file(path)
    if problem is not None:
        raise DatabaseError(problem)
    try:
        with path.open("rb") as f:
            header = f.read(16)
    except FileNotFoundError:
        return
    except IsADirectoryError:
        raise DatabaseError(f"{path} is a folder, not a database file") from None
    except OSError as exc:
        raise DatabaseError(f"cannot open {path}: {exc.strerror}") from None
    if header and header != b"SQLite format 3\x00":
        if backups.list_backups(path):
            # We kept backups of this very file: it was ours, and is now damaged.
            backups.mark_damaged(path)
            raise DatabaseError(damaged_message(path, "its header is not SQLite's"))
        raise DatabaseError(f"{path} is not a StudyApp database; refusing to touch it")


def _describe(exc: BaseException, path: Path | None = None) -> str:
    text = str(exc) or type(exc).__name__
    if path is not None and "unable to open" in text and _read_only(path):
        return "the database is read-only (the file or its folder cannot be written)"
    if "readonly" in text or "read-only" in text:
        return "the database is read-only"
    if "disk" in text and "full" in text:
        return "the disk is full (free some space and try again)"
    if "locked" in text or "busy" in text:
        return "the database is locked by another program (close it and try again)"
    return text
