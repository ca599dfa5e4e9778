"""Review history in from Anki: packages written by Anki's own backend, with a review log made
by its scheduler, imported (twice), replayed, merged with StudyApp's own reviews, and sent back."""

from __future__ import annotations

import sqlite3
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from anki.collection import Collection, ExportAnkiPackageOptions
from click.testing import CliRunner

from studyapp.cli import cli
from studyapp.store import Store
from studyapp.study import sm2
from tests.anki_support import (
    check_database_changes,
    import_into,
    new_collection,
    tutor_collection,
)


@contextmanager
def opened(db: Path) -> Iterator[Store]:
    store = Store.open(db)
    try:
        yield store
    finally:
        store.close()


DAY_MS = 86_400_000
FORMATS = ["legacy-apkg", "apkg", "colpkg", "legacy-colpkg"]


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def answer(col: Collection, cid: int, ease: int) -> None:
    card = col.get_card(cid)
    card.start_timer()
    col.sched.answerCard(card, ease)


def studied_collection(folder: Path) -> tuple[Collection, dict[str, int]]:
    """The tutor's collection after a student's week in Anki: answers given by Anki's
    scheduler, a cram answer in a filtered deck and a "set due date", then the log of the
    Trapezius card moved back over three days (the backend cannot travel in time).
    Returns the collection and the card ids by name."""
    col = tutor_collection(folder)
    cards = {
        "trapezius": col.find_cards("Trapezius")[0],
        "deltoid": col.find_cards("Deltoid card:1")[0],
        "deltoid-reverse": col.find_cards("Deltoid card:2")[0],
        "triceps": col.find_cards("Triceps")[0],
        "biceps": col.find_cards("Biceps card:1")[0],
    }
    answer(col, cards["trapezius"], 1)  # Again
    answer(col, cards["trapezius"], 3)  # Good, the same day: a re-drill
    answer(col, cards["trapezius"], 3)  # moved two days on below: a scheduled review
    answer(col, cards["deltoid"], 3)
    answer(col, cards["deltoid-reverse"], 4)
    cram = col.decks.new_filtered("Cram")
    config = col.decks.get(cram)
    config["resched"] = False
    config["terms"] = [["deck:Tutor::Extra", 100, 0]]
    col.decks.save(config)
    col.sched.rebuild_filtered_deck(cram)
    answer(col, cards["triceps"], 3)  # a filtered-deck answer: type 3
    col.sched.empty_filtered_deck(cram)
    col.sched.set_due_date([cards["biceps"]], "5")  # a manual entry: type 4, no button
    ids = [r[0] for r in col.db.all(f"SELECT id FROM revlog WHERE cid = {cards['trapezius']}")]
    for shift, rid in zip((3 * DAY_MS, 3 * DAY_MS, DAY_MS), sorted(ids), strict=True):
        col.db.execute("UPDATE revlog SET id = ? WHERE id = ?", rid - shift, rid)
    # The moved log gives a card a new last review time: let Anki settle it first.
    col._backend.check_database()
    assert check_database_changes(col) == []
    return col, cards


def export(col: Collection, folder: Path, form: str) -> tuple[Path, Collection]:
    if form in ("colpkg", "legacy-colpkg"):
        out = folder / f"{form}.colpkg"
        path = col.path
        col.export_collection_package(str(out), include_media=True, legacy=form != "colpkg")
        return out, Collection(path)  # exporting a .colpkg closes the collection
    out = folder / f"{form}.apkg"
    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_media=True, legacy=form == "legacy-apkg"
    )
    col.export_anki_package(out_path=str(out), options=options, limit=None)
    return out, col


def log_rows(db: Path) -> list[tuple]:
    with opened(db) as store:
        return store.conn.execute(
            "SELECT event_id, reviewed_at, study_day, grade, kind, duration_ms, ef_after, "
            "interval_after, repetitions_after, lapses_after, due_after FROM reviews ORDER BY id"
        ).fetchall()


def item_states(db: Path) -> list[tuple]:
    with opened(db) as store:
        return store.conn.execute(
            "SELECT c.card_key, i.ord, i.ef, i.interval, i.repetitions, i.lapses, i.due "
            "FROM items i JOIN cards c ON c.id = i.card_id ORDER BY c.card_key, i.ord"
        ).fetchall()


def study_day_of(revlog_id: int) -> date:
    return sm2.study_day(datetime.fromtimestamp(revlog_id / 1000, UTC).astimezone())


@pytest.mark.parametrize("form", FORMATS)
def test_anki_review_log_comes_in_once(tmp_path, form):
    col, cards = studied_collection(tmp_path / "anki")
    revlog = col.db.all("SELECT id, cid, ease, type FROM revlog ORDER BY id")
    source, col = export(col, tmp_path, form)
    db = tmp_path / "s.db"

    first = run("--db", db, "import", source)
    assert first.exit_code == 0, first.output
    days = sorted(study_day_of(r[0]) for r in revlog)
    assert f"Review history from Anki: 7 reviews added ({days[0]} to {days[-1]})" in first.output
    rows = log_rows(db)
    assert [r[0] for r in rows] == [f"anki-{r[0]}" for r in revlog]
    by_id = {r[0]: r for r in rows}
    kinds = {f"anki-{rid}": cid for rid, cid, _e, _t in revlog}
    trapezius = [r for r in rows if kinds[r[0]] == cards["trapezius"]]
    # Again, Good the same day (a re-drill), Good two days on (scheduled).
    assert [(r[3], r[4]) for r in trapezius] == [(1, "scheduled"), (4, "redrill"), (4, "scheduled")]
    triceps = next(r for r in rows if kinds[r[0]] == cards["triceps"])
    biceps = next(r for r in rows if kinds[r[0]] == cards["biceps"])
    assert (triceps[3], triceps[4]) == (4, "cram") and (biceps[3], biceps[4]) == (0, "cram")
    # Each at its own time.
    for rid, *_ in revlog:
        stamp = datetime.fromisoformat(by_id[f"anki-{rid}"][1])
        assert int(stamp.timestamp() * 1000) == rid

    states, log = item_states(db), rows
    again = run("--db", db, "import", source)
    assert again.exit_code == 0, again.output
    assert "Review history from Anki: 0 reviews added, 7 already here" in again.output
    assert (item_states(db), log_rows(db)) == (states, log)


def test_states_are_the_replay_of_the_log(tmp_path):
    col, cards = studied_collection(tmp_path / "anki")
    trapezius = col.db.list(f"SELECT id FROM revlog WHERE cid = {cards['trapezius']} ORDER BY id")
    deltoid = col.db.list(f"SELECT id FROM revlog WHERE cid = {cards['deltoid']}")
    source, col = export(col, tmp_path, "apkg")
    db = tmp_path / "s.db"
    assert run("--db", db, "import", source).exit_code == 0

    # SM-2 by hand: the first answer of each study day moves the schedule, re-drills do not.
    expected = sm2.review(sm2.SM2State(), 1, study_day_of(trapezius[0]))
    expected = sm2.review(expected, 4, study_day_of(trapezius[2]))
    with opened(db) as store:
        rows = store.conn.execute(
            "SELECT c.guid, c.card_key, c.type, i.ord, i.ef, i.interval, i.repetitions, "
            "i.lapses, i.due FROM items i JOIN cards c ON c.id = i.card_id"
        ).fetchall()
    guid = col.get_note(col.get_card(cards["trapezius"]).nid).guid
    got = next(r for r in rows if r[0] == guid)
    assert got[4:] == (
        expected.ef_hundredths,
        expected.interval,
        expected.repetitions,
        expected.lapses,
        expected.due.isoformat(),
    )
    deltoid_guid = col.get_note(col.get_card(cards["deltoid"]).nid).guid
    once = sm2.review(sm2.SM2State(), 4, study_day_of(deltoid[0]))
    got = next(r for r in rows if r[0] == deltoid_guid and r[3] == 0)
    assert (got[5], got[8]) == (once.interval, once.due.isoformat())
    # Cram and "set due date" leave the schedule alone: those cards stay new.
    for name in ("triceps", "biceps"):
        note_guid = col.get_note(col.get_card(cards[name]).nid).guid
        assert next(r for r in rows if r[0] == note_guid)[8] is None


def test_reviews_merge_into_the_history_of_cards_already_here(tmp_path):
    """The notes came in earlier (without a log); the student reviewed one in StudyApp
    between two of its Anki reviews: the log is merged and replayed in time order."""
    col, cards = studied_collection(tmp_path / "anki")
    trapezius = col.db.list(f"SELECT id FROM revlog WHERE cid = {cards['trapezius']} ORDER BY id")
    plain = tmp_path / "plain.apkg"
    col.export_anki_package(
        out_path=str(plain), options=ExportAnkiPackageOptions(with_scheduling=False), limit=None
    )
    source, col = export(col, tmp_path, "apkg")
    db = tmp_path / "s.db"
    assert run("--db", db, "import", plain).exit_code == 0
    guid = col.get_note(col.get_card(cards["trapezius"]).nid).guid
    middle = datetime.fromtimestamp((trapezius[1] + DAY_MS) / 1000, UTC)
    with opened(db) as store:
        item_id = store.conn.execute(
            "SELECT i.id FROM items i JOIN cards c ON c.id = i.card_id WHERE c.guid = ?", [guid]
        ).fetchone()[0]
        store.reviews.grade(item_id, 5, now=middle, today=sm2.study_day(middle.astimezone()))

    result = run("--db", db, "import", source)
    assert result.exit_code == 0, result.output
    assert "7 reviews added" in result.output
    expected = sm2.review(sm2.SM2State(), 1, study_day_of(trapezius[0]))
    expected = sm2.review(expected, 5, sm2.study_day(middle.astimezone()))
    expected = sm2.review(expected, 4, study_day_of(trapezius[2]))
    with opened(db) as store:
        got = store.conn.execute(
            "SELECT ef, interval, repetitions, lapses, due FROM items WHERE id = ?", [item_id]
        ).fetchone()
        kinds = store.conn.execute(
            "SELECT grade, kind FROM reviews WHERE item_id = ? ORDER BY reviewed_at", [item_id]
        ).fetchall()
    assert tuple(got) == (
        expected.ef_hundredths,
        expected.interval,
        expected.repetitions,
        expected.lapses,
        expected.due.isoformat(),
    )
    assert [tuple(k) for k in kinds] == [
        (1, "scheduled"),
        (4, "redrill"),
        (5, "scheduled"),
        (4, "scheduled"),
    ]


def test_round_trip_duplicates_no_review_in_anki(tmp_path):
    col, _cards = studied_collection(tmp_path / "anki")
    source, col = export(col, tmp_path, "apkg")
    anki_ids = set(col.db.list("SELECT id FROM revlog"))
    db = tmp_path / "s.db"
    assert run("--db", db, "import", source).exit_code == 0
    back = tmp_path / "back.apkg"
    exported = run("--db", db, "export", "-o", back, "--with-progress")
    assert exported.exit_code == 0, exported.output
    with zipfile.ZipFile(back) as archive:
        sent = tmp_path / "sent.anki2"
        sent.write_bytes(archive.read("collection.anki2"))
    with sqlite3.connect(sent) as conn:
        sent_ids = {r[0] for r in conn.execute("SELECT id FROM revlog")}
    # Every Anki review goes back under its own revlog id.
    assert sent_ids == anki_ids

    import_into(col, back, with_scheduling=True, merge=True)
    assert set(col.db.list("SELECT id FROM revlog")) == anki_ids
    assert check_database_changes(col) == []


def _hostile(tmp_path: Path, sql: str) -> Path:
    col, _cards = studied_collection(tmp_path / "anki")
    source, col = export(col, tmp_path, "legacy-apkg")
    col.close()
    with zipfile.ZipFile(source) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    inner = tmp_path / "collection.anki21"
    inner.write_bytes(parts["collection.anki21"])
    with sqlite3.connect(inner) as conn:
        # Without Anki's NOT NULL constraints, as a hostile package would have it.
        conn.executescript(
            "CREATE TABLE loose AS SELECT * FROM revlog; DROP TABLE revlog; "
            "ALTER TABLE loose RENAME TO revlog;"
        )
        conn.execute(sql)
    parts["collection.anki21"] = inner.read_bytes()
    hostile = tmp_path / "hostile.apkg"
    with zipfile.ZipFile(hostile, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return hostile


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "UPDATE revlog SET ease = NULL WHERE id = (SELECT MIN(id) FROM revlog)",
            "its answer button (NULL) is not 0-4",
        ),
        (
            "UPDATE revlog SET time = -5 WHERE id = (SELECT MIN(id) FROM revlog)",
            "its answer time (-5 ms) is not 0-1 day",
        ),
        (
            "UPDATE revlog SET id = 9223372036854775807 WHERE id = (SELECT MIN(id) FROM revlog)",
            "its id is not a time between 2006 and 2100",
        ),
        (
            "UPDATE revlog SET type = 99 WHERE id = (SELECT MIN(id) FROM revlog)",
            "its type (99) is not 0-5",
        ),
        (
            "UPDATE revlog SET cid = NULL WHERE id = (SELECT MIN(id) FROM revlog)",
            "its card (NULL) is not a card id",
        ),
        (
            "UPDATE cards SET ord = -1 WHERE id = (SELECT cid FROM revlog ORDER BY id LIMIT 1)",
            "has no card ordinal (-1)",
        ),
        (
            "UPDATE revlog SET time = 1e300 WHERE id = (SELECT MIN(id) FROM revlog)",
            "its answer time (1e+300 ms) is not 0-1 day",
        ),
    ],
)
def test_hostile_review_log_gets_one_line(tmp_path, sql, message):
    hostile = _hostile(tmp_path, sql)
    db = tmp_path / "s.db"
    result = run("--db", db, "import", hostile)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "nothing written" in lines[0], lines
    assert "Traceback" not in result.output
    if db.exists():
        with opened(db) as store:
            assert store.conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 0


def test_a_log_timestamp_is_not_shifted_by_the_day_rollover():
    # An answer at 02:00 local time counts for the evening before (rollover at 04:00).
    from studyapp.anki.review_history import anki_history
    from studyapp.anki.revlog_reader import AnkiReview
    from studyapp.deckfile.reader import parse_deck

    deck = parse_deck(
        '[deck]\nid = "d"\nname = "D"\n\n[[cards]]\nid = "c"\nfront = "q"\nback = "a"\n'
        'guid = "g1"\n',
        Path("d.toml"),
    )
    local = datetime(2026, 3, 10, 2, 0).astimezone()
    rid = int(local.timestamp() * 1000)
    history = anki_history([deck], [AnkiReview(rid, "g1", 0, 3, 1, 4000)])
    assert history.events[0].study_day == date(2026, 3, 9)
    assert history.events[0].time == local.astimezone(UTC).isoformat(timespec="milliseconds")
    assert (history.first_day(), history.last_day(), history.left_out) == (
        date(2026, 3, 9),
        date(2026, 3, 9),
        0,
    )
    unknown = anki_history([deck], [AnkiReview(rid + 1, "other", 0, 3, 1, 0)])
    assert (unknown.events, unknown.left_out) == ([], 1)


def test_studyapp_reviews_back_from_anki_are_not_doubled(tmp_path):
    """The phone path for notes Anki does not have yet: StudyApp's progress goes out with
    --with-progress, the student answers in Anki, Anki's export comes back in: only the
    answers given in Anki are added, StudyApp's own (now in Anki's log too) are known."""
    deck = tmp_path / "decks" / "muscles.toml"
    deck.parent.mkdir()
    deck.write_text(
        '[deck]\nid = "muscles"\nname = "Muscles"\n\n'
        '[[cards]]\nid = "trap"\nfront = "Trapezius?"\nback = "Neck"\n\n'
        '[[cards]]\nid = "delt"\ntype = "reversed"\nfront = "Deltoid"\nback = "Shoulder"\n'
    )
    db = tmp_path / "s.db"
    assert run("--db", db, "import", deck.parent).exit_code == 0
    earlier = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    with opened(db) as store:
        items = [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY id")]
        for offset, item in enumerate(items):
            moment = earlier + timedelta(minutes=offset)
            store.reviews.grade(item, 4, now=moment, today=sm2.study_day(moment.astimezone()))
    out = tmp_path / "progress.apkg"
    assert run("--db", db, "export", "-o", out, "--with-progress").exit_code == 0
    col = new_collection(tmp_path / "phone")
    import_into(col, out, with_scheduling=True)
    assert col.db.scalar("SELECT COUNT(*) FROM revlog") == 3
    answer(col, col.find_cards("Trapezius")[0], 3)
    source, col = export(col, tmp_path, "apkg")
    before = len(log_rows(db))

    back = run("--db", db, "import", source)

    assert back.exit_code == 0, back.output
    assert "Review history from Anki: 1 review added" in back.output
    assert "3 already here" in back.output
    rows = log_rows(db)
    assert len(rows) == before + 1 and rows[-1][0].startswith("anki-")


# -- the way back: the phone's own collection -----------------------------------------


def replace_collection(col: Collection, package: Path) -> Collection:
    """What Anki's "Import → Replace collection" (AnkiDroid: import a .colpkg) does."""
    path, media = col.path, col.media.dir()
    backend = col._backend
    col.close()
    backend.import_collection_package(
        col_path=path,
        backup_path=str(package),  # the package to open, as Anki's import calls it
        media_folder=media,
        media_db=str(Path(path).parent / "collection.media.db2"),
    )
    return Collection(path)


@pytest.mark.parametrize("form", ["colpkg", "legacy-colpkg"])
def test_way_back_to_the_phone_keeps_both_sides(tmp_path, form):
    col, cards = studied_collection(tmp_path / "anki")
    anki_ids = set(col.db.list("SELECT id FROM revlog"))
    notes, card_count = col.note_count(), col.card_count()
    source, col = export(col, tmp_path, form)
    db = tmp_path / "s.db"
    assert run("--db", db, "import", source).exit_code == 0
    myalgia = col.get_note(col.get_card(col.find_cards("Myalgia")[0]).nid).guid
    deltoid = col.get_note(col.get_card(cards["deltoid"]).nid).guid
    now = datetime.now(UTC)
    with opened(db) as store:
        for guid, ord_ in ((myalgia, 0), (deltoid, 1)):
            item = store.conn.execute(
                "SELECT i.id FROM items i JOIN cards c ON c.id = i.card_id "
                "WHERE c.guid = ? AND i.ord = ?",
                [guid, ord_],
            ).fetchone()[0]
            store.reviews.grade(item, 4, now=now, today=sm2.study_day(now.astimezone()))
        deltoid_state = store.conn.execute(
            "SELECT i.interval, i.due FROM items i JOIN cards c ON c.id = i.card_id "
            "WHERE c.guid = ? AND i.ord = 1",
            [deltoid],
        ).fetchone()
    back = tmp_path / "back.colpkg"
    result = run("--db", db, "export", "--collection", "-o", back)
    assert result.exit_code == 0, result.output
    assert "2 of your reviews added, 2 cards rescheduled" in result.output

    col = replace_collection(col, back)
    # Both sides count: every Anki review, and StudyApp's two, once each.
    ids = col.db.list("SELECT id FROM revlog")
    assert len(ids) == len(set(ids)) == len(anki_ids) + 2 and anki_ids <= set(ids)
    assert (col.note_count(), col.card_count()) == (notes, card_count)
    assert len(set(col.db.list("SELECT guid FROM notes"))) == notes
    assert check_database_changes(col) == []
    card = col.get_card(col.find_cards("Myalgia")[0])
    assert (card.type, card.queue, card.ivl, card.due) == (2, 2, 1, col.sched.today + 1)
    reverse = col.get_card(cards["deltoid-reverse"])
    due = date.fromisoformat(deltoid_state[1])
    assert (reverse.ivl, reverse.due) == (
        deltoid_state[0],
        col.sched.today + (due - sm2.study_day(now.astimezone())).days,
    )
    # The same collection again: everything is already there, nothing is added twice.
    (tmp_path / "again").mkdir()
    source, col = export(col, tmp_path / "again", form)
    assert run("--db", db, "import", source).exit_code == 0
    again = run("--db", db, "export", "--collection", "-o", tmp_path / "again.colpkg")
    assert again.exit_code == 0 and "0 of your reviews added" in again.output, again.output


def test_way_back_is_refused_with_its_reason(tmp_path):
    col, _cards = studied_collection(tmp_path / "anki")
    db = tmp_path / "s.db"
    out = tmp_path / "back.colpkg"
    never = run("--db", db, "export", "--collection", "-o", out)
    assert never.exit_code == 1 and "no Anki collection merged here" in never.output
    col.set_config("fsrs", True)
    source, col = export(col, tmp_path, "colpkg")
    assert run("--db", db, "import", source).exit_code == 0
    fsrs = run("--db", db, "export", "--collection", "-o", out)
    assert fsrs.exit_code == 1 and "schedules with FSRS" in fsrs.output, fsrs.output
    assert not out.exists() and not list(tmp_path.glob(".back.colpkg*"))
    with source.open("ab") as changed:
        changed.write(b"\0")
    moved = run("--db", db, "export", "--collection", "-o", out)
    assert moved.exit_code == 1 and "is not the collection merged on" in moved.output
    apkg = run("--db", db, "export", "--collection", "-o", tmp_path / "back.apkg")
    assert apkg.exit_code == 1 and "name it *.colpkg" in apkg.output


def test_anki_history_travels_through_the_sync_folder_once(tmp_path):
    """Device A imports the phone's history, device B has the same notes: a sync brings B the
    same reviews and states, and B importing the package afterwards adds nothing."""
    col, _cards = studied_collection(tmp_path / "anki")
    plain = tmp_path / "plain.apkg"
    col.export_anki_package(
        out_path=str(plain), options=ExportAnkiPackageOptions(with_scheduling=False), limit=None
    )
    source, col = export(col, tmp_path, "apkg")
    a, b, folder = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "sync"
    folder.mkdir()
    assert run("--db", a, "import", source).exit_code == 0
    assert run("--db", b, "import", plain).exit_code == 0
    for db in (a, b, a):
        synced = run("--db", db, "sync", folder)
        assert synced.exit_code == 0, synced.output
    assert item_states(a) == item_states(b)
    assert sorted(r[0] for r in log_rows(a)) == sorted(r[0] for r in log_rows(b))
    later = run("--db", b, "import", source)
    assert later.exit_code == 0 and "0 reviews added, 7 already here" in later.output


def test_a_long_anki_history_replays_within_the_calendar():
    """Thirty Good answers on thirty days: SM-2 alone would pass the year 9999 (a traceback);
    the interval stops at Anki's maximum, 100 years."""
    from studyapp.anki.review_history import anki_history
    from studyapp.anki.revlog_reader import AnkiReview
    from studyapp.deckfile.reader import parse_deck
    from studyapp.sync.replay import replay_all

    deck = parse_deck(
        '[deck]\nid = "d"\nname = "D"\n\n[[cards]]\nid = "c"\nfront = "q"\nback = "a"\n'
        'guid = "g1"\n',
        Path("d.toml"),
    )
    start = int(datetime(2020, 1, 1, 12, tzinfo=UTC).timestamp() * 1000)
    log = [AnkiReview(start + day * DAY_MS, "g1", 0, 3, 1, 3000) for day in range(30)]
    steps = replay_all(anki_history([deck], log).events)[("d", "c", 0)]
    assert steps[-1].after.interval == sm2.MAX_INTERVAL_DAYS
    assert steps[-1].after.repetitions == 30


def test_way_back_cram_in_studyapp_leaves_anki_schedule(tmp_path):
    """A cram answer and a re-drill in StudyApp go into the phone's log; the card keeps the
    schedule Anki gave it (only a scheduled review reschedules), Check Database agrees."""
    col, cards = studied_collection(tmp_path / "anki")
    deltoid = col.get_card(cards["deltoid"])
    anki_schedule = (deltoid.type, deltoid.queue, deltoid.due, deltoid.ivl, deltoid.factor)
    source, col = export(col, tmp_path, "colpkg")
    db = tmp_path / "s.db"
    assert run("--db", db, "import", source).exit_code == 0
    guid = col.get_note(deltoid.nid).guid
    now = datetime.now(UTC)
    with opened(db) as store:
        item = store.conn.execute(
            "SELECT i.id FROM items i JOIN cards c ON c.id = i.card_id "
            "WHERE c.guid = ? AND i.ord = 0",
            [guid],
        ).fetchone()[0]
        store.reviews.grade(item, 5, now=now, kind="cram")
        store.reviews.grade(item, 4, now=now + timedelta(seconds=5), kind="redrill")
    back = tmp_path / "back.colpkg"
    result = run("--db", db, "export", "--collection", "-o", back)
    assert result.exit_code == 0 and "2 of your reviews added, 0 cards" in result.output
    col = replace_collection(col, back)
    card = col.get_card(cards["deltoid"])
    assert (card.type, card.queue, card.due, card.ivl, card.factor) == anki_schedule
    assert col.db.scalar(f"SELECT COUNT(*) FROM revlog WHERE cid = {card.id}") == 3
    assert check_database_changes(col) == []
