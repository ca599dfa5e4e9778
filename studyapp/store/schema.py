"""The schema, its version and the migrations between versions."""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 7
# "STDY": marks a file as ours, so a foreign SQLite file is refused.
APPLICATION_ID = 0x53544459

SCHEMA = """
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
EXPORTED_NOTES = """
CREATE TABLE exported_notes (
    guid TEXT PRIMARY KEY,
    content_sha256 TEXT NOT NULL,
    mtime INTEGER NOT NULL
);
"""

# Exams (dates the student revises towards) and a review kind for the exam
# reviews of their final window, logged like cram: SQLite cannot alter a CHECK
# constraint, so the review log is rebuilt with 'exam' allowed (ids kept).
EXAMS = """
CREATE TABLE exams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    exam_date TEXT NOT NULL,
    deck_ids TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE TABLE reviews_rebuilt (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items(id),
    reviewed_at TEXT NOT NULL,
    study_day TEXT NOT NULL,
    grade INTEGER NOT NULL CHECK (grade BETWEEN 0 AND 5),
    kind TEXT NOT NULL CHECK (kind IN ('scheduled', 'redrill', 'cram', 'exam')),
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
INSERT INTO reviews_rebuilt SELECT id, item_id, reviewed_at, study_day, grade, kind, duration_ms,
    ef_before, interval_before, repetitions_before, lapses_before, due_before,
    ef_after, interval_after, repetitions_after, lapses_after, due_after FROM reviews;
DROP TABLE reviews;
ALTER TABLE reviews_rebuilt RENAME TO reviews;
CREATE INDEX reviews_item ON reviews (item_id, id);
CREATE INDEX reviews_day ON reviews (study_day);
"""

_OLD_PERSONAL = "(SELECT 1 FROM decks WHERE id = 'personal' AND personal = 1)"
RENAME_PERSONAL_DECK = f"""
INSERT INTO decks (id, name, description, position, personal, retired)
    SELECT '@personal', name, description, position, 1, retired FROM decks
    WHERE id = 'personal' AND personal = 1;
UPDATE cards SET deck_id = '@personal' WHERE deck_id = 'personal' AND EXISTS {_OLD_PERSONAL};
UPDATE items SET deck_id = '@personal' WHERE deck_id = 'personal' AND EXISTS {_OLD_PERSONAL};
DELETE FROM decks WHERE id = 'personal' AND personal = 1
"""

# Migrations from version N to N+1, run in order inside one transaction, after
# a backup copy of the file is written next to it. A new database is created
# at version 1 and migrated the same way, so both end in the same schema.
MIGRATIONS: dict[int, str] = {
    1: EXPORTED_NOTES,
    # Leeches: failed too often, suspended and flagged (the flag survives re-import).
    2: "ALTER TABLE items ADD COLUMN leech INTEGER NOT NULL DEFAULT 0",
    # The due query at the start of every session reads only this index (every
    # column it needs, in its order), not one table row per due card.
    3: "DROP INDEX items_due; CREATE INDEX items_due ON items "
    "(due, id, buried_until, suspended, retired) "
    "WHERE due IS NOT NULL AND suspended = 0 AND retired = 0",
    4: EXAMS,
    # Anki both ways: a converted card keeps its Anki GUID; the export ledger knows
    # each note's deck, card, Anki cards and note type, to mark notes to delete and count
    # empty cards.
    5: "ALTER TABLE cards ADD COLUMN guid TEXT; "
    "ALTER TABLE exported_notes ADD COLUMN deck_id TEXT; "
    "ALTER TABLE exported_notes ADD COLUMN card_key TEXT; "
    "ALTER TABLE exported_notes ADD COLUMN ords TEXT; "
    "ALTER TABLE exported_notes ADD COLUMN note_type TEXT; "
    "CREATE INDEX exported_notes_deck ON exported_notes (deck_id)",
    # The student's own cards move from the deck id 'personal', which a deck file
    # could also use (and so take them over), to one no deck file can name.
    6: RENAME_PERSONAL_DECK,
}


def run_script(conn: sqlite3.Connection, script: str) -> None:
    # executescript() would commit the open transaction; run statement by statement.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def migrate(conn: sqlite3.Connection, from_version: int) -> None:
    for version in range(from_version, SCHEMA_VERSION):
        run_script(conn, MIGRATIONS[version])
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
