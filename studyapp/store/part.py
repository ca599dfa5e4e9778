"""What every part of the store stands on: the store that owns the connection.

A part (``store.reviews``, ``store.exams``, ...) is a small typed object hung off the
:class:`~studyapp.store.Store`, as sqlite-utils hangs a ``Table`` off its ``Database``: a caller
that needs one concern can be given just that part. A part keeps nothing of the database's
but what it may cache (the memory part's fitted parameters); it reaches the connection,
transactions and meta through its store, so each part's SQL reads as it did when
the parts were mixins, and a call into another part goes through the store
(``self._store.memory.replay_item(...)``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from studyapp.store import Store


class StorePart:
    """One concern of the store and its SQL, over the store's connection."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def conn(self) -> sqlite3.Connection:
        return self._store.conn

    @property
    def path(self) -> Path | None:
        return self._store.path

    @property
    def damaged(self) -> bool:
        return self._store.damaged

    @property
    def clock(self) -> Callable[[], datetime]:
        return self._store.clock

    def transaction(self) -> AbstractContextManager[None]:
        return self._store.transaction()

    def backup_before(self, reason: str) -> None:
        self._store.backup_before(reason)

    def _rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        return self._store._rows(sql, params)

    def _one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        return self._store._one(sql, params)

    def get_meta(self, key: str) -> str | None:
        return self._store.get_meta(key)

    def set_meta(self, key: str, value: str) -> None:
        self._store.set_meta(key, value)

    def delete_meta(self, key: str) -> None:
        self._store.delete_meta(key)
