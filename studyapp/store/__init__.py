"""The student's progress, in SQLite (plain sqlite3, autocommit; writes go through transaction()).

Tables:

* ``decks``   - one row per deck (from a deck file, or the personal deck);
* ``cards``   - one row per deck-file card (its text, tags, the student's note);
* ``items``   - one row per study item (a card makes 1..n), with its SM-2 state;
* ``reviews`` - the append-only review log: every graded answer with the
  state before and after, so undo restores a state exactly;
* ``meta``    - key/value facts (the bundled decks' fingerprint);
* ``exported_notes`` - what each Anki note looked like at its last export;
* ``exams``   - dates the student revises towards, with their decks and tags;
* ``memory_states``, ``memory_fits`` - FSRS-6 memory per item, fitted parameters.

Easiness is stored as integer hundredths (see :mod:`studyapp.study.sm2`). Dates are
ISO strings (they sort as dates). Every write is one transaction, taken with
BEGIN IMMEDIATE so two processes on one database queue instead of failing.

One module per concern, each a part (:class:`~.part.StorePart`) that owns its SQL;
:class:`Store` owns the connection and hangs the parts off itself (``store.reviews``, ...).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from studyapp.store.browse import Browse
from studyapp.store.columns import tag_clause, tag_names, tags_match
from studyapp.store.connection import StoreBase
from studyapp.store.decks import DeckImport, DeckNotOwned
from studyapp.store.errors import DATABASE_ERRORS, DatabaseError, InputError, StoreError
from studyapp.store.exams import Exams
from studyapp.store.exports import Exports
from studyapp.store.figures import Figures
from studyapp.store.fsrs_schedule import FsrsSchedule
from studyapp.store.history_import import HistoryImport
from studyapp.store.memory import Memory, MemoryFit
from studyapp.store.models import (
    ITEM_STATES,
    MATURE_DAYS,
    STATE_SQL,
    BrowseRow,
    DeckChanges,
    DeckCounts,
    Exam,
    GradeResult,
    ImportReport,
    StudyItem,
    TagGroup,
)
from studyapp.store.part import StorePart
from studyapp.store.personal import PERSONAL_DECK_ID, PERSONAL_DECK_NAME, PersonalCards
from studyapp.store.progress import Progress
from studyapp.store.queues import Queues
from studyapp.store.recall import Recall
from studyapp.store.reviews import REVIEW_KINDS, Reviews
from studyapp.store.schema import APPLICATION_ID, SCHEMA_VERSION
from studyapp.store.sync_actions import ActionMerge
from studyapp.store.sync_events import SyncEvents

__all__ = [
    "APPLICATION_ID",
    "DATABASE_ERRORS",
    "ITEM_STATES",
    "MATURE_DAYS",
    "PERSONAL_DECK_ID",
    "PERSONAL_DECK_NAME",
    "REVIEW_KINDS",
    "SCHEMA_VERSION",
    "STATE_SQL",
    "Browse",
    "BrowseRow",
    "DatabaseError",
    "DeckChanges",
    "DeckCounts",
    "DeckImport",
    "DeckNotOwned",
    "Exam",
    "Exams",
    "Exports",
    "Figures",
    "FsrsSchedule",
    "GradeResult",
    "HistoryImport",
    "ImportReport",
    "InputError",
    "Memory",
    "MemoryFit",
    "PersonalCards",
    "Progress",
    "Queues",
    "Recall",
    "Reviews",
    "Store",
    "StoreError",
    "StorePart",
    "StudyItem",
    "SyncEvents",
    "TagGroup",
    "tag_clause",
    "tag_names",
    "tags_match",
]


class Store(StoreBase):
    """The study database. Open one with :meth:`open`; tests may use :meth:`in_memory`.

    Its concerns are parts, each typed and usable alone (``store.reviews.grade(...)``,
    ``store.exams.active(today)``); the store itself owns the connection, transactions,
    backups and meta.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path | None = None) -> None:
        super().__init__(conn, path)
        self.decks = DeckImport(self)
        self.history = HistoryImport(self)
        self.sync = SyncEvents(self)
        self.queues = Queues(self)
        self.recall = Recall(self)
        self.reviews = Reviews(self)
        self.personal = PersonalCards(self)
        self.browse = Browse(self)
        self.progress = Progress(self)
        self.figures = Figures(self)
        self.exports = Exports(self)
        self.exams = Exams(self)
        self.memory = Memory(self)
        self.fsrs = FsrsSchedule(self)
        self.actions = ActionMerge(self)
