"""The schema, its version and the migrations between versions."""

from __future__ import annotations

import sqlite3

from studyapp.study.studytime import STUDIED_MS_SQL

SCHEMA_VERSION = 18
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

# Counts for home, `decks` and stats, kept by triggers so that no screen has to
# read the whole collection: every write to items or reviews, from any code
# path (grade, undo, suspend, import, retire, personal cards, plain SQL), keeps
# them exact. (Added in schema 7.)
#
# deck_item_counts: per deck, the items in review (not retired, not suspended)
# and how many of those are new. Due counts depend on the day, so they come
# from the items_due index, which gains deck_id for that (and card_id, so the
# sibling rules at session start need no second lookup per due item).
#
# review_days: the review log summed per study day, kind, first sight
# (due_before IS NULL), mature (interval_before >= 21, models.MATURE_DAYS) and
# passed (grade >= 3): what heatmap, retention, streak and time need. Its
# duration_ms is time studied: each answer capped (studyapp.study.studytime).
KEPT_COUNTS = """
DROP INDEX items_due;
CREATE INDEX items_due ON items (due, id, buried_until, suspended, retired, deck_id, card_id)
    WHERE due IS NOT NULL AND suspended = 0 AND retired = 0;
-- Mastery's 30-day retention per topic reads this, not one log row per review.
CREATE INDEX reviews_scheduled_day ON reviews (study_day, item_id, grade)
    WHERE kind = 'scheduled' AND due_before IS NOT NULL;
CREATE TABLE deck_item_counts (
    deck_id TEXT PRIMARY KEY,
    active INTEGER NOT NULL,
    new INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO deck_item_counts (deck_id, active, new)
    SELECT deck_id, SUM(retired = 0 AND suspended = 0),
        SUM(retired = 0 AND suspended = 0 AND due IS NULL)
    FROM items GROUP BY deck_id;
CREATE TRIGGER items_count_insert AFTER INSERT ON items
WHEN new.retired = 0 AND new.suspended = 0 BEGIN
    INSERT INTO deck_item_counts (deck_id, active, new) VALUES (new.deck_id, 1, new.due IS NULL)
        ON CONFLICT (deck_id) DO UPDATE SET active = active + 1, new = new + excluded.new;
END;
CREATE TRIGGER items_count_delete AFTER DELETE ON items
WHEN old.retired = 0 AND old.suspended = 0 BEGIN
    UPDATE deck_item_counts SET active = active - 1, new = new - (old.due IS NULL)
        WHERE deck_id = old.deck_id;
END;
CREATE TRIGGER items_count_update AFTER UPDATE OF deck_id, due, suspended, retired ON items
WHEN (old.retired = 0 AND old.suspended = 0) != (new.retired = 0 AND new.suspended = 0)
    OR (old.due IS NULL) != (new.due IS NULL) OR old.deck_id != new.deck_id BEGIN
    UPDATE deck_item_counts SET active = active - 1, new = new - (old.due IS NULL)
        WHERE deck_id = old.deck_id AND old.retired = 0 AND old.suspended = 0;
    INSERT INTO deck_item_counts (deck_id, active, new)
        SELECT new.deck_id, 1, new.due IS NULL WHERE new.retired = 0 AND new.suspended = 0
        ON CONFLICT (deck_id) DO UPDATE SET active = active + 1, new = new + excluded.new;
END;
CREATE TABLE review_days (
    study_day TEXT NOT NULL,
    kind TEXT NOT NULL,
    first INTEGER NOT NULL,
    mature INTEGER NOT NULL,
    passed INTEGER NOT NULL,
    reviews INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (study_day, kind, first, mature, passed)
) WITHOUT ROWID;
INSERT INTO review_days
    SELECT study_day, kind, due_before IS NULL, interval_before >= 21, grade >= 3, COUNT(*),
        COALESCE(SUM({studied}), 0)
    FROM reviews GROUP BY 1, 2, 3, 4, 5;
CREATE TRIGGER reviews_count_insert AFTER INSERT ON reviews BEGIN
    INSERT INTO review_days VALUES (new.study_day, new.kind, new.due_before IS NULL,
        new.interval_before >= 21, new.grade >= 3, 1, {studied_new})
        ON CONFLICT DO UPDATE SET reviews = reviews + 1,
            duration_ms = duration_ms + excluded.duration_ms;
END;
CREATE TRIGGER reviews_count_delete AFTER DELETE ON reviews BEGIN
    UPDATE review_days SET reviews = reviews - 1,
        duration_ms = duration_ms - {studied_old}
    WHERE study_day = old.study_day AND kind = old.kind AND first = (old.due_before IS NULL)
        AND mature = (old.interval_before >= 21) AND passed = (old.grade >= 3);
END;
CREATE TRIGGER reviews_count_update AFTER UPDATE ON reviews BEGIN
    UPDATE review_days SET reviews = reviews - 1,
        duration_ms = duration_ms - {studied_old}
    WHERE study_day = old.study_day AND kind = old.kind AND first = (old.due_before IS NULL)
        AND mature = (old.interval_before >= 21) AND passed = (old.grade >= 3);
    INSERT INTO review_days VALUES (new.study_day, new.kind, new.due_before IS NULL,
        new.interval_before >= 21, new.grade >= 3, 1, {studied_new})
        ON CONFLICT DO UPDATE SET reviews = reviews + 1,
            duration_ms = duration_ms + excluded.duration_ms;
END
""".format(
    studied=STUDIED_MS_SQL,
    studied_new=STUDIED_MS_SQL.replace("duration_ms", "new.duration_ms"),
    studied_old=STUDIED_MS_SQL.replace("duration_ms", "old.duration_ms"),
)

# Devices merged through a synced folder (studyapp.sync): every review gets a
# random event id (kept by a trigger, so no write path can forget it), and a
# review merged from another device keeps that device's id and sequence number,
# which order events whose times tie. NULL origin: written here (sequence = id).
# Each database is one device, with a random id of its own. (Added in schema 9.)
SYNC_EVENTS = """
ALTER TABLE reviews ADD COLUMN event_id TEXT;
ALTER TABLE reviews ADD COLUMN origin_device TEXT;
ALTER TABLE reviews ADD COLUMN origin_seq INTEGER;
UPDATE reviews SET event_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX reviews_event ON reviews (event_id);
INSERT OR IGNORE INTO meta (key, value) VALUES ('device_id', lower(hex(randomblob(8))));
CREATE TRIGGER reviews_event_id AFTER INSERT ON reviews WHEN new.event_id IS NULL BEGIN
    UPDATE reviews SET event_id = lower(hex(randomblob(16))) WHERE id = new.id;
END;
DROP TRIGGER reviews_count_update;
""" + KEPT_COUNTS[KEPT_COUNTS.index("CREATE TRIGGER reviews_count_update") :].replace(
    # Only the columns review_days counts by: setting an event id must not count a review.
    "AFTER UPDATE ON reviews",
    "AFTER UPDATE OF study_day, kind, due_before, interval_before, grade, duration_ms ON reviews",
)


# What the student did besides reviewing, as events other devices merge
# (studyapp.sync.actions): suspend, bury, notes, their own cards, exams. Each row is
# one event with the full state it left its target in (`value`, JSON); `device` and
# `seq` order it, as for reviews. And the items whose log changed
# since the last replay (`replay_pending`, kept by triggers): a merge replays those and
# the ones its events can move, not the whole log; every reviewed item is pending at
# first. (Added in schema 14.) Safe to run again (IF NOT EXISTS), as MEMORY is.
SYNC_ACTIONS = """
CREATE TABLE IF NOT EXISTS sync_actions (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    device TEXT NOT NULL,
    seq INTEGER NOT NULL,
    time TEXT NOT NULL,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sync_actions_target ON sync_actions (kind, target);
CREATE INDEX IF NOT EXISTS sync_actions_device ON sync_actions (device, seq);
CREATE TABLE IF NOT EXISTS replay_pending (item_id INTEGER PRIMARY KEY);
INSERT OR IGNORE INTO replay_pending SELECT DISTINCT item_id FROM reviews;
CREATE TRIGGER IF NOT EXISTS replay_pending_insert AFTER INSERT ON reviews BEGIN
    INSERT OR IGNORE INTO replay_pending VALUES (new.item_id);
END;
CREATE TRIGGER IF NOT EXISTS replay_pending_delete AFTER DELETE ON reviews BEGIN
    INSERT OR IGNORE INTO replay_pending VALUES (old.item_id);
END
"""


# FSRS-6 memory states beside SM-2 (studyapp.memory): one row per reviewed item,
# and the parameters fitted to the student's log, newest last, with how well they
# predicted. A database with reviews gets its states by replay ('memory_stale').
# Safe to run again (IF NOT EXISTS): a later migration's tests may step back over it.
MEMORY = """
CREATE TABLE IF NOT EXISTS memory_states (
    item_id INTEGER PRIMARY KEY REFERENCES items(id),
    stability REAL NOT NULL,
    difficulty REAL NOT NULL,
    last_day TEXT NOT NULL,
    reviews INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS memory_fits (
    id INTEGER PRIMARY KEY,
    fitted_at TEXT NOT NULL,
    reviews INTEGER NOT NULL,
    parameters TEXT NOT NULL,
    evaluation TEXT
);
INSERT OR REPLACE INTO meta (key, value)
    SELECT 'memory_stale', '1' WHERE EXISTS (SELECT 1 FROM reviews)
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
    # Counts kept by triggers. After the exams migration, which rebuilds `reviews`
    # (dropping any trigger on it).
    6: KEPT_COUNTS,
    # The student's own cards move from the deck id 'personal', which a deck file
    # could also use (and so take them over), to one no deck file can name. (The
    # count triggers move their counts to the new id.)
    7: RENAME_PERSONAL_DECK,
    8: SYNC_EVENTS,
    9: MEMORY,
    # FSRS as a scheduler option: each memory state's due date at the desired
    # retention, kept beside SM-2's (items.due) so switching either way is exact.
    # Existing states get theirs from the rebuild that 'memory_stale' asks for.
    10: "ALTER TABLE memory_states ADD COLUMN fsrs_due TEXT; "
    "INSERT OR REPLACE INTO meta (key, value) "
    "SELECT 'memory_stale', '1' WHERE EXISTS (SELECT 1 FROM memory_states)",
    # Exports with a trace: a note sent for deletion stays, `marked`, and is sent again
    # until the tutor confirms a package reached Anki; `anki_ords` are the cards Anki is
    # known to have (at the last confirmed import: earlier exports were taken as
    # imported), `exported_in` the export that last sent the note.
    11: "ALTER TABLE exported_notes ADD COLUMN marked INTEGER NOT NULL DEFAULT 0; "
    "ALTER TABLE exported_notes ADD COLUMN anki_ords TEXT; "
    "ALTER TABLE exported_notes ADD COLUMN exported_in INTEGER; "
    "UPDATE exported_notes SET anki_ords = ords",
    # An exam's target recall on the day and daily time budget in minutes (NULL: the
    # defaults, worked out when planned: studyapp.study.exam_recall_plan).
    12: "ALTER TABLE exams ADD COLUMN target REAL; "
    "ALTER TABLE exams ADD COLUMN minutes_per_day REAL",
    13: SYNC_ACTIONS,
    # The cards set aside today (an item buried past it) are read as every session
    # starts: from the few buried items, not a scan of every item (13 ms at 100k).
    # (IF NOT EXISTS: tests that set a database back a version run it again.)
    14: "CREATE INDEX IF NOT EXISTS items_buried ON items (buried_until, card_id) "
    "WHERE buried_until IS NOT NULL",
    # Each exam's plan tactic (studyapp.study.exam_tactic) and a digest of what it was
    # chosen from: a session starts with it instead of planning again (seconds for a
    # big scope). Local to this database: never synced, re-made when the digest differs.
    15: "CREATE TABLE IF NOT EXISTS exam_tactics (exam_id INTEGER PRIMARY KEY "
    "REFERENCES exams(id) ON DELETE CASCADE, chosen_from TEXT NOT NULL, "
    "review_retention REAL NOT NULL, window_aim REAL NOT NULL)",
    # Items by deck, without their due date: a grade moved two entries of the old
    # (deck_id, due) index besides the two of items_due, for queries that items_due and
    # items_new answer as fast (deck-scoped due and new queues) or faster.
    16: "DROP INDEX IF EXISTS items_deck; CREATE INDEX items_deck ON items (deck_id)",
    # Beside the kept tactic, what its plan would take when short of the target (the
    # shortfall's searches: tens of runs to the exam and beyond), found once per digest:
    # shortfall_known 0 until worked out, then NULL figures mean "out of reach". The
    # table is a cache, made anew (a tactic kept before is chosen again once), which
    # also makes this safe to run again.
    17: "DROP TABLE IF EXISTS exam_tactics; CREATE TABLE exam_tactics (exam_id INTEGER "
    "PRIMARY KEY REFERENCES exams(id) ON DELETE CASCADE, chosen_from TEXT NOT NULL, "
    "review_retention REAL NOT NULL, window_aim REAL NOT NULL, "
    "shortfall_known INTEGER NOT NULL DEFAULT 0, minutes_needed REAL, days_earlier INTEGER)",
}


def run_script(conn: sqlite3.Connection, script: str) -> None:
    # executescript() would commit the open transaction; run statement by statement
    # (a trigger's body holds semicolons: a statement ends where SQLite says it is whole).
    statement = ""
    for piece in script.split(";"):
        statement += piece + ";"
        if sqlite3.complete_statement(statement):
            if statement.strip(" \n;"):
                conn.execute(statement)
            statement = ""
    if statement.strip(" \n;"):
        conn.execute(statement)


def migrate(conn: sqlite3.Connection, from_version: int) -> None:
    for version in range(from_version, SCHEMA_VERSION):
        run_script(conn, MIGRATIONS[version])
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
