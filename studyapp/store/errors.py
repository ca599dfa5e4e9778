"""What the store refuses, by meaning: the database failed, or the input was wrong.

Callers catch the one they mean: a `DatabaseError` says the file could not be read or
written (the UI titles it "Database problem"); an `InputError` says what the student
typed or chose is not acceptable, and the database is fine. `StoreError` is only their
common base, for the one place that reports either as one line (the CLI's group).
"""

from __future__ import annotations

import sqlite3


class StoreError(Exception):
    """Either of the two below; catch the one you mean."""


class DatabaseError(StoreError):
    """The database could not be opened, read or written; one clear line for the user."""


class InputError(StoreError):
    """Input the store will not take (an unknown deck, a bad setting); nothing was written."""


# What a caller may see go wrong with the database: our own line, and SQLite's own
# errors from reads outside a transaction (a damaged or vanished file). Callers catch
# this instead of importing sqlite3 themselves.
DATABASE_ERRORS: tuple[type[Exception], ...] = (DatabaseError, sqlite3.Error)
