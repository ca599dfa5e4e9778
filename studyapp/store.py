"""The student's progress, in SQLite through sqlite-utils.

Tables:

* ``decks``   - one row per deck (from a deck file, or the personal deck);
* ``cards``   - one row per deck-file card (its text, tags, the student's note);
* ``items``   - one row per study item (a card makes 1..n), with its SM-2 state;
* ``reviews`` - the append-only review log: every graded answer with the
  state before and after, so undo restores a state exactly;
* ``meta``    - key/value facts (the bundled decks' fingerprint).

Easiness is stored as integer hundredths (see :mod:`studyapp.sm2`). Dates are
ISO strings (they sort as dates). Every write is one transaction, taken with
BEGIN IMMEDIATE so two processes on one database queue instead of failing.
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from studyapp import sm2
from studyapp.cardtext import Faces, faces, item_label
from studyapp.deckfile import Card, Deck

SCHEMA_VERSION = 4
# "STDY": marks a file as ours, so a foreign SQLite file is refused.
APPLICATION_ID = 0x53544459
PERSONAL_DECK_ID = "personal"
PERSONAL_DECK_NAME = "My Cards"
BUSY_TIMEOUT_MS = 10_000

REVIEW_KINDS = ("scheduled", "redrill", "cram")


class StoreError(Exception):
    """A database problem worth one clear line to the user."""


@dataclass(frozen=True, slots=True)
class StudyItem:
    """Everything the review screen needs about one study item."""

    id: int
    card_id: int
    deck_id: str
    deck_name: str
    card_key: str
    type: str
    ord: int
    front: str
    back: str
    text: str
    extra: str
    source: str
    tags: tuple[str, ...]
    note: str
    state: sm2.SM2State
    suspended: bool

    @property
    def faces(self) -> Faces:
        return faces(self.type, self.ord, self.front, self.back, self.text)


@dataclass(frozen=True, slots=True)
class GradeResult:
    review_id: int
    item_id: int
    before: sm2.SM2State
    after: sm2.SM2State
    # This answer reached the leech threshold: the item is now suspended and flagged.
    became_leech: bool = False


@dataclass
class DeckChanges:
    """What importing one deck did."""

    deck_id: str
    deck_name: str
    created: bool = False
    added: int = 0
    updated: int = 0
    retired: int = 0
    restored: int = 0
    renamed: bool = False
    described: bool = False
    removed: bool = False  # the whole deck left the set it came from

    @property
    def changed(self) -> bool:
        return bool(self.created or self.renamed or self.described or self.added
                     or self.updated or self.retired or self.restored or self.removed)

    def summary(self) -> str:
        if not self.changed:
            return f"{self.deck_name}: unchanged"
        parts = [f"{n} {word}" for n, word in (
            (self.added, "added"), (self.updated, "updated"),
            (self.retired, "retired"), (self.restored, "restored")) if n]
        head = ("new deck" if self.created else "removed" if self.removed
                else "renamed" if self.renamed else "updated")
        return f"{self.deck_name}: {head}" + (f" ({', '.join(parts)})" if parts else "")


@dataclass
class ImportReport:
    decks: list[DeckChanges] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(d.changed for d in self.decks)


# How a study item is classed for browsing and stats. SM-2 has no learning
# steps, so "learning" is the fixed 1- and 6-day steps (fewer than two
# successful repetitions); "young" and "mature" split at 21 days, as Anki does.
ITEM_STATES = ("new", "learning", "young", "mature", "suspended")
MATURE_DAYS = 21
STATE_SQL = (
    "CASE WHEN i.suspended THEN 'suspended' WHEN i.due IS NULL THEN 'new' "
    "WHEN i.repetitions < 2 THEN 'learning' "
    f"WHEN i.interval < {MATURE_DAYS} THEN 'young' ELSE 'mature' END")


@dataclass(frozen=True, slots=True)
class BrowseRow:
    item_id: int
    card_id: int
    deck_name: str
    personal: bool
    label: str
    tags: tuple[str, ...]
    state: str
    ef_hundredths: int
    interval: int
    due: date | None
    lapses: int


@dataclass(frozen=True, slots=True)
class DeckCounts:
    id: str
    name: str
    total: int
    new: int
    due: int


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _date(s: str | None) -> date | None:
    return date.fromisoformat(s) if s else None


def _tags_column(tags: Iterable[str]) -> str:
    # Space-padded so "tag or child tag" is a LIKE on ' tag ' / ' tag::'.
    tags = list(tags)
    return f" {' '.join(tags)} " if tags else ""


def _tags_tuple(column: str | None) -> tuple[str, ...]:
    return tuple((column or "").split())


def tag_clause(tag: str) -> tuple[str, list[str]]:
    """SQL on cards.tags matching `tag` and its children (`mechanism` matches `mechanism::sea`)."""
    return ("(c.tags LIKE ? ESCAPE '\\' OR c.tags LIKE ? ESCAPE '\\')",
            [f"% {_like_escape(tag)} %", f"% {_like_escape(tag)}::%"])


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _new_position(deck_position: int, card_position: int, ord_: int) -> int:
    # Deck order, then card order in the file, then item ordinal.
    return (deck_position << 40) | (card_position << 12) | ord_


def _state_from(row: dict, suffix: str = "") -> sm2.SM2State:
    return sm2.SM2State(
        ef_hundredths=row[f"ef{suffix}"],
        interval=row[f"interval{suffix}"],
        repetitions=row[f"repetitions{suffix}"],
        due=_date(row[f"due{suffix}"]),
        lapses=row[f"lapses{suffix}"],
    )


def _state_columns(state: sm2.SM2State, suffix: str = "") -> dict:
    return {
        f"ef{suffix}": state.ef_hundredths,
        f"interval{suffix}": state.interval,
        f"repetitions{suffix}": state.repetitions,
        f"lapses{suffix}": state.lapses,
        f"due{suffix}": _iso(state.due),
    }


_SCHEMA = """
CREATE TABLE decks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    personal INTEGER NOT NULL DEFAULT 0,
    retired INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE cards (
    id INTEGER PRIMARY KEY,
    deck_id TEXT NOT NULL REFERENCES decks(id),
    card_key TEXT NOT NULL,
    type TEXT NOT NULL,
    front TEXT NOT NULL DEFAULT '',
    back TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    extra TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    retired INTEGER NOT NULL DEFAULT 0,
    modified_at TEXT NOT NULL,
    UNIQUE (deck_id, card_key)
);
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    card_id INTEGER NOT NULL REFERENCES cards(id),
    deck_id TEXT NOT NULL,
    ord INTEGER NOT NULL,
    new_position INTEGER NOT NULL,
    ef INTEGER NOT NULL DEFAULT 250,
    interval INTEGER NOT NULL DEFAULT 0,
    repetitions INTEGER NOT NULL DEFAULT 0,
    lapses INTEGER NOT NULL DEFAULT 0,
    due TEXT,
    suspended INTEGER NOT NULL DEFAULT 0,
    buried_until TEXT,
    retired INTEGER NOT NULL DEFAULT 0,
    UNIQUE (card_id, ord)
);
-- The review path: "next due" and "next new" are index range scans.
CREATE INDEX items_due ON items (due) WHERE due IS NOT NULL AND suspended = 0 AND retired = 0;
CREATE INDEX items_new ON items (new_position) WHERE due IS NULL AND suspended = 0 AND retired = 0;
CREATE INDEX items_deck ON items (deck_id, due);
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items(id),
    reviewed_at TEXT NOT NULL,
    study_day TEXT NOT NULL,
    grade INTEGER NOT NULL CHECK (grade BETWEEN 0 AND 5),
    kind TEXT NOT NULL CHECK (kind IN ('scheduled', 'redrill', 'cram')),
    duration_ms INTEGER,
    ef_before INTEGER NOT NULL,
    interval_before INTEGER NOT NULL,
    repetitions_before INTEGER NOT NULL,
    lapses_before INTEGER NOT NULL,
    due_before TEXT,
    ef_after INTEGER NOT NULL,
    interval_after INTEGER NOT NULL,
    repetitions_after INTEGER NOT NULL,
    lapses_after INTEGER NOT NULL,
    due_after TEXT
);
CREATE INDEX reviews_item ON reviews (item_id, id);
CREATE INDEX reviews_day ON reviews (study_day);
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

# What each Anki note looked like when last exported, and the modification
# time it was given: an unchanged note keeps its time, so Anki updates only the
# notes that really changed. (Added in schema 2.)
_EXPORTED_NOTES = """
CREATE TABLE exported_notes (
    guid TEXT PRIMARY KEY,
    content_sha256 TEXT NOT NULL,
    mtime INTEGER NOT NULL
);
"""

# Migrations from version N to N+1, run in order inside one transaction, after
# a backup copy of the file is written next to it. A new database is created
# at version 1 and migrated the same way, so both end in the same schema.
MIGRATIONS: dict[int, str] = {
    1: _EXPORTED_NOTES,
    # Leeches: failed too often, suspended and flagged (the flag survives re-import).
    2: "ALTER TABLE items ADD COLUMN leech INTEGER NOT NULL DEFAULT 0",
    # The due query at the start of every session reads only this index (every
    # column it needs, in its order), not one table row per due card.
    3: "DROP INDEX items_due; CREATE INDEX items_due ON items "
       "(due, id, buried_until, suspended, retired) "
       "WHERE due IS NOT NULL AND suspended = 0 AND retired = 0",
}


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # executescript() would commit the open transaction; run statement by statement.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _migrate(conn: sqlite3.Connection, from_version: int) -> None:
    for version in range(from_version, SCHEMA_VERSION):
        _run_script(conn, MIGRATIONS[version])
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Store:
    """The study database. Open one with :meth:`open`; tests may inject a Database."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._db = None

    @property
    def db(self):
        """The connection as a sqlite_utils.Database, for bulk inserts and savepoints.

        Made on first use: the review path runs plain statements, and leaving
        sqlite-utils (and its plugins) unimported saves the app ~45 ms at start.
        """
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    # -- opening -----------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str) -> "Store":
        """Open (creating or upgrading) the database at `path`."""
        path = Path(path)
        if str(path) != ":memory:":
            _refuse_foreign_file(path)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create {path.parent}: {exc.strerror}") from None
        try:
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
            store = cls(conn)
            store._prepare(path)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: {_describe(exc, path)}") from None
        return store

    @classmethod
    def memory(cls) -> "Store":
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
            raise StoreError(f"{path} is not a StudyApp database; refusing to touch it")
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{path} was written by a newer StudyApp (schema {version}, this one knows "
                f"{SCHEMA_VERSION}); upgrade StudyApp to open it")
        if path is not None and conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a committed grade survives power loss, not just a crash.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        if version == 0:
            with self.transaction():
                _run_script(conn, _SCHEMA)
                _migrate(conn, 1)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        elif version < SCHEMA_VERSION:
            if path is not None:
                self._backup(path.with_name(f"{path.name}.v{version}.bak"))
            with self.transaction():
                _migrate(conn, version)

    def _backup(self, target: Path) -> None:
        """A consistent copy (WAL content included) through SQLite's backup API."""
        try:
            dest = sqlite3.connect(str(target))
            try:
                self.conn.backup(dest)
            finally:
                dest.close()
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot write the backup {target} before upgrading: {exc}") from None

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction, taken up front (BEGIN IMMEDIATE) so it never deadlocks."""
        if self.conn.in_transaction:
            with self.db.atomic():
                yield
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"database is busy or unavailable: {_describe(exc)}") from None
        try:
            yield
        except sqlite3.DatabaseError as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise StoreError(f"could not save, nothing written: {_describe(exc)}") from None
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise StoreError(f"could not save: {_describe(exc)}") from None

    def _rows(self, sql: str, params: Sequence | dict = ()) -> list[dict]:
        cursor = self.conn.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor]

    def _one(self, sql: str, params: Sequence | dict = ()):
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    # -- meta --------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        return self._one("SELECT value FROM meta WHERE key = ?", [key])

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])

    # -- importing decks ---------------------------------------------------------

    def import_decks(self, decks: Sequence[Deck], now: datetime | None = None) -> ImportReport:
        """Bring the database in line with `decks`, in one transaction.

        New cards arrive new; edited cards keep their SM-2 state and history;
        cards gone from a file are retired (out of review, history kept).
        An unchanged deck writes nothing.
        """
        stamp = (now or _utcnow()).isoformat(timespec="seconds")
        report = ImportReport()
        with self.transaction():
            for deck in decks:
                report.decks.append(self._import_deck(deck, stamp))
        return report

    def retire_decks(self, deck_ids: Iterable[str],
                     now: datetime | None = None) -> list[DeckChanges]:
        """Take whole decks out of review, in one transaction; their history is kept.

        For decks whose file is gone from a set that is known whole (the bundled
        decks). Importing the deck again brings it and its cards back.
        """
        stamp = (now or _utcnow()).isoformat(timespec="seconds")
        changes = []
        with self.transaction():
            for deck_id in deck_ids:
                row = self.conn.execute("SELECT name, retired, personal FROM decks WHERE id = ?",
                                        [deck_id]).fetchone()
                if row is None or row[1] or row[2]:
                    continue
                cards = self.conn.execute(
                    "UPDATE cards SET retired = 1, modified_at = ? WHERE deck_id = ? "
                    "AND retired = 0", [stamp, deck_id]).rowcount
                self.conn.execute("UPDATE items SET retired = 1 WHERE deck_id = ? AND retired = 0",
                                  [deck_id])
                self.conn.execute("UPDATE decks SET retired = 1 WHERE id = ?", [deck_id])
                changes.append(DeckChanges(deck_id, row[0], retired=cards, removed=True))
        return changes

    def _import_deck(self, deck: Deck, stamp: str) -> DeckChanges:
        conn = self.conn
        changes = DeckChanges(deck.id, deck.name)
        row = conn.execute("SELECT name, description, position, retired, personal FROM decks "
                           "WHERE id = ?", [deck.id]).fetchone()
        if row is None:
            position = (self._one("SELECT MAX(position) FROM decks") or 0) + 1
            conn.execute("INSERT INTO decks (id, name, description, position) VALUES (?, ?, ?, ?)",
                         [deck.id, deck.name, deck.description, position])
            changes.created = True
        else:
            name, description, position, retired, personal = row
            if personal:
                raise StoreError(f"deck id '{deck.id}' is reserved for your personal cards")
            if (name, description, retired) != (deck.name, deck.description, 0):
                conn.execute("UPDATE decks SET name = ?, description = ?, retired = 0 "
                             "WHERE id = ?", [deck.name, deck.description, deck.id])
                changes.renamed = name != deck.name
                changes.described = description != deck.description

        existing = {r["card_key"]: r for r in self._rows(
            "SELECT id, card_key, type, front, back, text, extra, source, tags, position, retired "
            "FROM cards WHERE deck_id = ?", [deck.id])}
        if not existing:
            self._insert_new_cards(deck, position, stamp, changes)
            return changes

        items_by_card: dict[int, dict[int, dict]] = {}
        for r in self._rows("SELECT id, card_id, ord, retired, new_position FROM items "
                            "WHERE deck_id = ?", [deck.id]):
            items_by_card.setdefault(r["card_id"], {})[r["ord"]] = r
        next_card_id = (self._one("SELECT MAX(id) FROM cards") or 0) + 1
        new_items: list[dict] = []
        for card_position, card in enumerate(deck.cards):
            content = self._card_columns(card, card_position)
            old = existing.pop(card.id, None)
            if old is None:
                conn.execute(
                    "INSERT INTO cards (id, deck_id, card_key, type, front, back, text, extra, "
                    "source, tags, position, modified_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    [next_card_id, deck.id, card.id, *content.values(), stamp])
                card_row_id = next_card_id
                next_card_id += 1
                changes.added += 1
                current_items: dict[int, dict] = {}
            else:
                card_row_id = old["id"]
                current_items = items_by_card.get(card_row_id, {})
                old_content = {k: old[k] for k in content}
                # Moving a card within the file is not an edit of its text.
                text_changed = ({**old_content, "position": 0} != {**content, "position": 0})
                if old["retired"]:
                    changes.restored += 1
                elif text_changed:
                    changes.updated += 1
                if old_content != content or old["retired"]:
                    conn.execute(
                        "UPDATE cards SET type=?, front=?, back=?, text=?, extra=?, source=?, "
                        "tags=?, position=?, retired=0, modified_at=CASE WHEN ? THEN ? "
                        "ELSE modified_at END WHERE id=?",
                        [*content.values(), text_changed or bool(old["retired"]), stamp,
                         card_row_id])
            wanted = card.ords
            for ord_ in wanted:
                new_position = _new_position(position, card_position, ord_)
                item = current_items.get(ord_)
                if item is None:
                    new_items.append({"card_id": card_row_id, "deck_id": deck.id, "ord": ord_,
                                      "new_position": new_position})
                elif item["retired"] or item["new_position"] != new_position:
                    conn.execute("UPDATE items SET retired = 0, new_position = ? WHERE id = ?",
                                 [new_position, item["id"]])
            for ord_, item in current_items.items():
                if ord_ not in wanted and not item["retired"]:
                    conn.execute("UPDATE items SET retired = 1 WHERE id = ?", [item["id"]])
        if new_items:
            self.db["items"].insert_all(new_items, batch_size=5000)
        for old in existing.values():
            if not old["retired"]:
                conn.execute("UPDATE cards SET retired = 1, modified_at = ? WHERE id = ?",
                             [stamp, old["id"]])
                conn.execute("UPDATE items SET retired = 1 WHERE card_id = ?", [old["id"]])
                changes.retired += 1
        return changes

    @staticmethod
    def _card_columns(card: Card, position: int) -> dict:
        return {"type": card.type, "front": card.front, "back": card.back, "text": card.text,
                "extra": card.extra, "source": card.source, "tags": _tags_column(card.tags),
                "position": position}

    def _insert_new_cards(self, deck: Deck, position: int, stamp: str,
                          changes: DeckChanges) -> None:
        """Fast path for a deck with no cards yet: two bulk inserts."""
        first_id = (self._one("SELECT MAX(id) FROM cards") or 0) + 1
        card_rows = []
        item_rows = []
        for offset, card in enumerate(deck.cards):
            card_id = first_id + offset
            card_rows.append({"id": card_id, "deck_id": deck.id, "card_key": card.id,
                              **self._card_columns(card, offset), "modified_at": stamp})
            for ord_ in card.ords:
                item_rows.append({"card_id": card_id, "deck_id": deck.id, "ord": ord_,
                                  "new_position": _new_position(position, offset, ord_)})
        self.db["cards"].insert_all(card_rows, batch_size=5000)
        self.db["items"].insert_all(item_rows, batch_size=5000)
        changes.added = len(card_rows)

    # -- reading -----------------------------------------------------------------

    _ITEM_SELECT = (
        "SELECT i.id, i.card_id, i.deck_id, d.name AS deck_name, c.card_key, c.type, i.ord, "
        "c.front, c.back, c.text, c.extra, c.source, c.tags, c.note, i.ef, i.interval, "
        "i.repetitions, i.lapses, i.due, i.suspended "
        "FROM items i JOIN cards c ON c.id = i.card_id JOIN decks d ON d.id = i.deck_id ")

    @staticmethod
    def _item_from(row: dict) -> StudyItem:
        return StudyItem(
            id=row["id"], card_id=row["card_id"], deck_id=row["deck_id"],
            deck_name=row["deck_name"], card_key=row["card_key"], type=row["type"],
            ord=row["ord"], front=row["front"], back=row["back"], text=row["text"],
            extra=row["extra"], source=row["source"], tags=_tags_tuple(row["tags"]),
            note=row["note"], state=_state_from(row), suspended=bool(row["suspended"]))

    def item(self, item_id: int) -> StudyItem:
        rows = self._rows(self._ITEM_SELECT + "WHERE i.id = ?", [item_id])
        if not rows:
            raise StoreError(f"no study item {item_id}")
        return self._item_from(rows[0])

    def item_state(self, item_id: int) -> sm2.SM2State:
        row = self.conn.execute(
            "SELECT ef, interval, repetitions, lapses, due FROM items WHERE id = ?",
            [item_id]).fetchone()
        if row is None:
            raise StoreError(f"no study item {item_id}")
        return sm2.SM2State(ef_hundredths=row[0], interval=row[1], repetitions=row[2],
                            lapses=row[3], due=_date(row[4]))

    def _scope(self, deck_id: str | None, tag: str | None) -> tuple[str, list]:
        clauses, params = [], []
        if deck_id:
            clauses.append("i.deck_id = ?")
            params.append(deck_id)
        if tag:
            sql, tag_params = tag_clause(tag)
            clauses.append(f"i.card_id IN (SELECT c.id FROM cards c WHERE {sql})")
            params.extend(tag_params)
        return "".join(f" AND {c}" for c in clauses), params

    def due_item_ids(self, today: date, deck_id: str | None = None,
                     tag: str | None = None) -> list[int]:
        """Due and overdue items, most overdue first."""
        scope, params = self._scope(deck_id, tag)
        return [r[0] for r in self.conn.execute(
            "SELECT i.id FROM items i WHERE i.due IS NOT NULL AND i.suspended = 0 "
            "AND i.retired = 0 AND i.due <= ? AND (i.buried_until IS NULL OR i.buried_until <= ?)"
            f"{scope} ORDER BY i.due, i.id", [today.isoformat(), today.isoformat(), *params])]

    def new_item_ids(self, limit: int, today: date, deck_id: str | None = None,
                     tag: str | None = None) -> list[int]:
        """New items in deck order, at most `limit`."""
        if limit <= 0:
            return []
        scope, params = self._scope(deck_id, tag)
        return [r[0] for r in self.conn.execute(
            "SELECT i.id FROM items i WHERE i.due IS NULL AND i.suspended = 0 AND i.retired = 0 "
            f"AND (i.buried_until IS NULL OR i.buried_until <= ?){scope} "
            "ORDER BY i.new_position LIMIT ?", [today.isoformat(), *params, limit])]

    def new_introduced_on(self, day: date) -> int:
        """How many new items got their first scheduled grade on study day `day`."""
        return self._one(
            "SELECT COUNT(*) FROM reviews WHERE study_day = ? AND kind = 'scheduled' "
            "AND due_before IS NULL", [day.isoformat()]) or 0

    def pending_redrills(self, day: date, deck_id: str | None = None,
                         tag: str | None = None) -> list[int]:
        """Items whose latest answer today was below 4: SM-2 step 7 still owes a re-drill."""
        scope, params = self._scope(deck_id, tag)
        return [r[0] for r in self.conn.execute(
            "SELECT r.item_id FROM reviews r JOIN items i ON i.id = r.item_id "
            "WHERE r.id IN (SELECT MAX(id) FROM reviews WHERE study_day = ? "
            "AND kind IN ('scheduled', 'redrill') GROUP BY item_id) "
            "AND r.grade < 4 AND i.suspended = 0 AND i.retired = 0 "
            f"AND (i.buried_until IS NULL OR i.buried_until <= ?){scope} ORDER BY r.id",
            [day.isoformat(), day.isoformat(), *params])]

    def next_due_date(self, after: date) -> date | None:
        return _date(self._one(
            "SELECT MIN(due) FROM items WHERE due IS NOT NULL AND suspended = 0 "
            "AND retired = 0 AND due > ?", [after.isoformat()]))

    def due_count_on(self, day: date) -> int:
        """Reviews due on or before `day` and not buried past it (not counting new cards)."""
        return self._one(
            "SELECT COUNT(*) FROM items WHERE due IS NOT NULL AND suspended = 0 "
            "AND retired = 0 AND due <= :day AND (buried_until IS NULL OR buried_until <= :day)",
            {"day": day.isoformat()}) or 0

    def deck_counts(self, today: date) -> list[DeckCounts]:
        """Per active deck: active study items, new ones, and those due today.

        Due counts what a review today would show: a buried card waits for tomorrow.
        """
        rows = self._rows(
            "SELECT d.id, d.name, COUNT(i.id) AS total, COALESCE(SUM(i.due IS NULL), 0) AS new, "
            "COALESCE(SUM(i.due <= :today AND (i.buried_until IS NULL "
            "OR i.buried_until <= :today)), 0) AS due "
            "FROM decks d LEFT JOIN items i ON i.deck_id = d.id AND i.retired = 0 "
            "AND i.suspended = 0 "
            "WHERE d.retired = 0 GROUP BY d.id ORDER BY d.position", {"today": today.isoformat()})
        return [DeckCounts(r["id"], r["name"], r["total"], r["new"], r["due"]) for r in rows]

    def deck_names(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self.conn.execute(
            "SELECT id, name FROM decks WHERE retired = 0 ORDER BY position")}

    def review_count(self) -> int:
        return self._one("SELECT COUNT(*) FROM reviews WHERE kind IN ('scheduled', 'redrill')") or 0

    # -- grading -----------------------------------------------------------------

    def grade(self, item_id: int, quality: int, *, now: datetime | None = None,
              today: date | None = None, kind: str = "scheduled",
              duration_ms: int | None = None,
              leech_threshold: int | None = None) -> GradeResult:
        """Record one answer and (for a scheduled review) apply SM-2; one transaction.

        `now` is the moment of the answer (UTC is stored); `today` the study day
        it counts for. Re-drills and cram answers are logged but leave the
        SM-2 state alone. A scheduled fail that brings the item's fails to
        `leech_threshold` makes it a leech: flagged and suspended.
        """
        sm2.validate_quality(quality)
        if kind not in REVIEW_KINDS:
            raise ValueError(f"unknown review kind {kind!r}")
        now = now or _utcnow()
        today = today or sm2.study_day(now.astimezone())
        with self.transaction():
            before = self.item_state(item_id)
            after = sm2.review(before, quality, today) if kind == "scheduled" else before
            if after != before:
                self.conn.execute(
                    "UPDATE items SET ef = ?, interval = ?, repetitions = ?, lapses = ?, due = ? "
                    "WHERE id = ?", [after.ef_hundredths, after.interval, after.repetitions,
                                     after.lapses, _iso(after.due), item_id])
            cursor = self.conn.execute(
                "INSERT INTO reviews (item_id, reviewed_at, study_day, grade, kind, duration_ms, "
                "ef_before, interval_before, repetitions_before, lapses_before, due_before, "
                "ef_after, interval_after, repetitions_after, lapses_after, due_after) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [item_id, now.astimezone(timezone.utc).isoformat(timespec="milliseconds"),
                 today.isoformat(), quality, kind, duration_ms,
                 *_state_columns(before).values(), *_state_columns(after).values()])
            became_leech = False
            if kind == "scheduled" and quality < 3 and leech_threshold:
                if (self.fail_count(item_id) >= leech_threshold
                        and not self._one("SELECT leech FROM items WHERE id = ?", [item_id])):
                    self.conn.execute("UPDATE items SET leech = 1, suspended = 1 WHERE id = ?",
                                      [item_id])
                    became_leech = True
        return GradeResult(cursor.lastrowid, item_id, before, after, became_leech)

    def fail_count(self, item_id: int) -> int:
        """Scheduled answers below 3: what makes a leech."""
        return self._one("SELECT COUNT(*) FROM reviews WHERE item_id = ? AND kind = 'scheduled' "
                         "AND grade < 3", [item_id]) or 0

    def undo_review(self, review_id: int, leech_threshold: int | None = None) -> int:
        """Take back review `review_id`: restore the state before it and delete its row.

        Only the latest review of an item can be undone (older ones have
        later reviews built on them). An item that this answer made a leech
        stops being one. Returns the item id.
        """
        with self.transaction():
            row = self._rows("SELECT * FROM reviews WHERE id = ?", [review_id])
            if not row:
                raise StoreError(f"no review {review_id} to undo")
            row = row[0]
            latest = self._one("SELECT MAX(id) FROM reviews WHERE item_id = ?", [row["item_id"]])
            if latest != review_id:
                raise StoreError("only an item's latest review can be undone")
            before = _state_from(row, "_before")
            self.conn.execute(
                "UPDATE items SET ef = ?, interval = ?, repetitions = ?, lapses = ?, due = ? "
                "WHERE id = ?", [before.ef_hundredths, before.interval, before.repetitions,
                                 before.lapses, _iso(before.due), row["item_id"]])
            self.conn.execute("DELETE FROM reviews WHERE id = ?", [review_id])
            if (leech_threshold and self._one("SELECT leech FROM items WHERE id = ?",
                                              [row["item_id"]])
                    and self.fail_count(row["item_id"]) < leech_threshold):
                self.conn.execute("UPDATE items SET leech = 0, suspended = 0 WHERE id = ?",
                                  [row["item_id"]])
        return row["item_id"]

    def reviews_of(self, item_id: int) -> list[dict]:
        return self._rows("SELECT * FROM reviews WHERE item_id = ? ORDER BY id", [item_id])

    # -- item actions --------------------------------------------------------------

    def set_suspended(self, item_id: int, suspended: bool) -> None:
        with self.transaction():
            self.conn.execute("UPDATE items SET suspended = ? WHERE id = ?",
                              [int(suspended), item_id])

    def bury(self, item_id: int, until: date) -> None:
        """Keep an item out of review until study day `until`."""
        with self.transaction():
            self.conn.execute("UPDATE items SET buried_until = ? WHERE id = ?",
                              [until.isoformat(), item_id])

    def set_note(self, card_id: int, note: str) -> None:
        """The student's own note on a card; import never touches it."""
        with self.transaction():
            self.conn.execute("UPDATE cards SET note = ? WHERE id = ?", [note, card_id])

    # -- personal cards ------------------------------------------------------------

    def _ensure_personal_deck(self) -> None:
        if self._one("SELECT 1 FROM decks WHERE id = ?", [PERSONAL_DECK_ID]) is None:
            position = (self._one("SELECT MAX(position) FROM decks") or 0) + 1
            self.conn.execute(
                "INSERT INTO decks (id, name, description, position, personal) "
                "VALUES (?, ?, ?, ?, 1)",
                [PERSONAL_DECK_ID, PERSONAL_DECK_NAME, "Cards you wrote yourself", position])

    def add_personal_card(self, front: str, back: str, tags: Sequence[str] = (),
                          extra: str = "") -> int:
        """Add a basic card of the student's own; returns its card id."""
        if not front.strip() or not back.strip():
            raise StoreError("a card needs both a front and a back")
        if any(ch.isspace() for tag in tags for ch in tag):
            raise StoreError("tags cannot contain spaces")
        stamp = _utcnow().isoformat(timespec="seconds")
        with self.transaction():
            self._ensure_personal_deck()
            deck_position = self._one("SELECT position FROM decks WHERE id = ?",
                                      [PERSONAL_DECK_ID])
            position = (self._one("SELECT MAX(position) FROM cards WHERE deck_id = ?",
                                  [PERSONAL_DECK_ID]) or 0) + 1
            key = f"my-{(self._one('SELECT MAX(id) FROM cards') or 0) + 1}"
            cursor = self.conn.execute(
                "INSERT INTO cards (deck_id, card_key, type, front, back, extra, tags, position, "
                "modified_at) VALUES (?, ?, 'basic', ?, ?, ?, ?, ?, ?)",
                [PERSONAL_DECK_ID, key, front.strip(), back.strip(), extra.strip(),
                 _tags_column(tags), position, stamp])
            card_id = cursor.lastrowid
            self.conn.execute(
                "INSERT INTO items (card_id, deck_id, ord, new_position) VALUES (?, ?, 0, ?)",
                [card_id, PERSONAL_DECK_ID, _new_position(deck_position, position, 0)])
        return card_id

    def edit_personal_card(self, card_id: int, front: str, back: str,
                           tags: Sequence[str] = (), extra: str = "") -> None:
        if not front.strip() or not back.strip():
            raise StoreError("a card needs both a front and a back")
        with self.transaction():
            deck = self._one("SELECT deck_id FROM cards WHERE id = ?", [card_id])
            if deck != PERSONAL_DECK_ID:
                raise StoreError("only your own cards can be edited here; edit deck files instead")
            self.conn.execute(
                "UPDATE cards SET front = ?, back = ?, extra = ?, tags = ?, modified_at = ? "
                "WHERE id = ?", [front.strip(), back.strip(), extra.strip(), _tags_column(tags),
                                 _utcnow().isoformat(timespec="seconds"), card_id])

    # -- home and browse -------------------------------------------------------------

    def day_progress(self, day: date) -> tuple[int, int]:
        """Answers logged on study day `day` (cram excluded) and the milliseconds spent."""
        row = self.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(duration_ms), 0) FROM reviews "
            "WHERE study_day = ? AND kind != 'cram'", [day.isoformat()]).fetchone()
        return row[0], row[1]

    def streak_days(self, today: date) -> int:
        """Consecutive study days with a review, ending today (or yesterday, if not yet today)."""
        days = [date.fromisoformat(r[0]) for r in self.conn.execute(
            "SELECT DISTINCT study_day FROM reviews WHERE kind != 'cram' "
            "ORDER BY study_day DESC")]
        expected = today
        if days and days[0] < today:
            expected = today - timedelta(days=1)
        streak = 0
        for day in days:
            if day > expected:
                continue
            if day != expected:
                break
            streak += 1
            expected -= timedelta(days=1)
        return streak

    def tag_counts(self) -> list[tuple[str, int]]:
        """Every tag and its parents (`mechanism` for `mechanism::sea`), with active item counts."""
        counts: dict[str, int] = {}
        for tags, n in self.conn.execute(
                "SELECT c.tags, COUNT(i.id) FROM items i JOIN cards c ON c.id = i.card_id "
                "WHERE i.retired = 0 GROUP BY c.tags"):
            names = set()
            for tag in tags.split():
                parts = tag.split("::")
                names.update("::".join(parts[:k]) for k in range(1, len(parts) + 1))
            for name in names:
                counts[name] = counts.get(name, 0) + n
        return sorted(counts.items())

    def browse(self, *, today: date, search: str = "", deck_id: str | None = None,
               tag: str | None = None, state: str | None = None,
               limit: int = 500) -> tuple[list[BrowseRow], int]:
        """Study items matching the filters (at most `limit`) and how many match in all."""
        scope, params = self._scope(deck_id, tag)
        clauses = [f"i.retired = 0{scope}"]
        if state:
            if state not in ITEM_STATES:
                raise StoreError(f"unknown state {state!r}")
            clauses.append(f"({STATE_SQL}) = ?")
            params.append(state)
        for word in search.split():
            pattern = f"%{_like_escape(word)}%"
            clauses.append("(c.front LIKE ? ESCAPE '\\' OR c.back LIKE ? ESCAPE '\\' "
                           "OR c.text LIKE ? ESCAPE '\\' OR c.extra LIKE ? ESCAPE '\\' "
                           "OR c.tags LIKE ? ESCAPE '\\' OR c.note LIKE ? ESCAPE '\\')")
            params.extend([pattern] * 6)
        where = " AND ".join(clauses)
        base = ("FROM items i JOIN cards c ON c.id = i.card_id JOIN decks d ON d.id = i.deck_id "
                f"WHERE {where}")
        total = self._one(f"SELECT COUNT(*) {base}", params) or 0
        rows = self._rows(
            f"SELECT i.id AS item_id, c.id AS card_id, d.name AS deck_name, d.personal, c.type, "
            f"i.ord, c.front, c.back, c.text, c.tags, i.ef, i.interval, i.due, i.lapses, "
            f"({STATE_SQL}) AS state {base} ORDER BY i.new_position LIMIT ?", [*params, limit])
        return [BrowseRow(
            item_id=r["item_id"], card_id=r["card_id"], deck_name=r["deck_name"],
            personal=bool(r["personal"]),
            label=item_label(r["type"], r["ord"], r["front"], r["back"], r["text"]),
            tags=_tags_tuple(r["tags"]), state=r["state"], ef_hundredths=r["ef"],
            interval=r["interval"], due=_date(r["due"]), lapses=r["lapses"]) for r in rows], total

    def card(self, card_id: int) -> dict:
        rows = self._rows("SELECT c.*, d.personal FROM cards c JOIN decks d ON d.id = c.deck_id "
                          "WHERE c.id = ?", [card_id])
        if not rows:
            raise StoreError(f"no card {card_id}")
        return rows[0]

    # -- export ----------------------------------------------------------------------

    def deck_rows(self, deck_ids: Sequence[str] | None = None) -> list[dict]:
        """Active decks in their order (all of them, or those in `deck_ids`)."""
        rows = self._rows("SELECT id, name, description FROM decks WHERE retired = 0 "
                          "ORDER BY position")
        if deck_ids is None:
            return rows
        wanted = set(deck_ids)
        return [r for r in rows if r["id"] in wanted]

    def deck_cards(self, deck_id: str) -> list[dict]:
        """A deck's active cards in file order, with tags as a tuple."""
        rows = self._rows(
            "SELECT card_key, type, front, back, text, extra, source, tags FROM cards "
            "WHERE deck_id = ? AND retired = 0 ORDER BY position", [deck_id])
        for row in rows:
            row["tags"] = _tags_tuple(row["tags"])
        return rows

    def deck_progress(self, deck_id: str) -> dict[tuple[str, int], tuple]:
        """(card key, ord) -> (SM-2 state, suspended, review rows) for a deck's active items."""
        progress: dict[tuple[str, int], tuple] = {}
        items = self._rows(
            "SELECT i.id, c.card_key, i.ord, i.ef, i.interval, i.repetitions, i.lapses, i.due, "
            "i.suspended FROM items i JOIN cards c ON c.id = i.card_id "
            "WHERE i.deck_id = ? AND i.retired = 0", [deck_id])
        reviews: dict[int, list[dict]] = {}
        for row in self._rows(
                "SELECT r.* FROM reviews r JOIN items i ON i.id = r.item_id "
                "WHERE i.deck_id = ? AND i.retired = 0 ORDER BY r.id", [deck_id]):
            reviews.setdefault(row["item_id"], []).append(row)
        for item in items:
            progress[(item["card_key"], item["ord"])] = (
                _state_from(item), bool(item["suspended"]), tuple(reviews.get(item["id"], ())))
        return progress

    # -- stats and study modes ---------------------------------------------------

    def weakest_items(self, tag: str | None, limit: int, deck_id: str | None = None,
                      include_suspended: bool = True) -> list[tuple[int, str, int, int]]:
        """Reviewed items with the lowest EF, then most lapses: (id, label, ef, lapses)."""
        scope, params = self._scope(deck_id, tag)
        if not include_suspended:
            scope += " AND i.suspended = 0"
        rows = self.conn.execute(
            "SELECT i.id, c.type, i.ord, c.front, c.back, c.text, i.ef, i.lapses FROM items i "
            f"JOIN cards c ON c.id = i.card_id WHERE i.retired = 0 AND i.due IS NOT NULL{scope} "
            "ORDER BY i.ef, i.lapses DESC, i.id LIMIT ?", [*params, limit])
        return [(r[0], item_label(r[1], r[2], r[3], r[4], r[5]), r[6], r[7]) for r in rows]

    def leeches(self) -> list[tuple[int, str, str, int, bool]]:
        """Leech items: (id, deck name, label, fails, suspended)."""
        rows = self.conn.execute(
            "SELECT i.id, d.name, c.type, i.ord, c.front, c.back, c.text, i.suspended, "
            "(SELECT COUNT(*) FROM reviews r WHERE r.item_id = i.id AND r.kind = 'scheduled' "
            "AND r.grade < 3) FROM items i JOIN cards c ON c.id = i.card_id "
            "JOIN decks d ON d.id = i.deck_id WHERE i.leech = 1 AND i.retired = 0 ORDER BY i.id")
        return [(r[0], r[1], item_label(r[2], r[3], r[4], r[5], r[6]), r[8], bool(r[7]))
                for r in rows]

    def cram_item_ids(self, today: date, deck_id: str | None = None, tag: str | None = None,
                      ahead_days: int | None = None) -> list[int]:
        """Items to study ahead: in a deck or tag (reviewed ones first, by due date),
        or everything due within `ahead_days`."""
        scope, params = self._scope(deck_id, tag)
        if ahead_days is not None:
            return [r[0] for r in self.conn.execute(
                "SELECT i.id FROM items i WHERE i.due IS NOT NULL AND i.suspended = 0 "
                f"AND i.retired = 0 AND i.due <= ?{scope} ORDER BY i.due, i.id",
                [(today + timedelta(days=ahead_days)).isoformat(), *params])]
        return [r[0] for r in self.conn.execute(
            "SELECT i.id FROM items i WHERE i.suspended = 0 AND i.retired = 0"
            f"{scope} ORDER BY i.due IS NULL, i.due, i.new_position", params)]

    def exported_notes(self, guids: Iterable[str]) -> dict[str, tuple[str, int]]:
        """What each note looked like at its last export: guid -> (content hash, mtime)."""
        guids = list(guids)
        known = {}
        for start in range(0, len(guids), 500):
            chunk = guids[start:start + 500]
            known.update({r[0]: (r[1], r[2]) for r in self.conn.execute(
                "SELECT guid, content_sha256, mtime FROM exported_notes WHERE guid IN "
                f"({','.join('?' * len(chunk))})", chunk)})
        return known

    def record_exported(self, rows: Sequence[tuple[str, str, int]]) -> None:
        """Remember notes (guid, content hash, mtime) as just exported."""
        with self.transaction():
            self.conn.executemany(
                "INSERT INTO exported_notes (guid, content_sha256, mtime) VALUES (?, ?, ?) "
                "ON CONFLICT (guid) DO UPDATE SET content_sha256 = excluded.content_sha256, "
                "mtime = excluded.mtime", rows)

    # -- counts for `stats` --------------------------------------------------------

    def summary(self, today: date) -> dict:
        decks = self.deck_counts(today)
        return {
            "cards": sum(d.total for d in decks),
            "new": sum(d.new for d in decks),
            "due_today": sum(d.due for d in decks),
            "reviews": self.review_count(),
            "decks": [{"id": d.id, "name": d.name, "cards": d.total, "new": d.new,
                       "due_today": d.due} for d in decks],
        }


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
    try:
        with path.open("rb") as f:
            header = f.read(16)
    except FileNotFoundError:
        return
    except IsADirectoryError:
        raise StoreError(f"{path} is a folder, not a database file") from None
    except OSError as exc:
        raise StoreError(f"cannot open {path}: {exc.strerror}") from None
    if header and header != b"SQLite format 3\x00":
        raise StoreError(f"{path} is not a StudyApp database; refusing to touch it")


def _describe(exc: BaseException, path: Path | None = None) -> str:
    text = str(exc) or type(exc).__name__
    if path is not None and "unable to open" in text and _read_only(path):
        return "the database is read-only (the file or its folder cannot be written)"
    if "readonly" in text or "read-only" in text:
        return "the database is read-only"
    if "disk" in text and "full" in text:
        return "the disk is full"
    return text

