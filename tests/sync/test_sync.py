"""Devices through a synced folder: events, replay, merge, faults (studyapp.sync)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyapp.deckfile.reader import check_paths
from studyapp.store import Store, StoreError
from studyapp.study import sm2
from studyapp.study.studytime import STUDIED_MS_SQL
from studyapp.sync.eventfile import FILE_SUFFIX, read_events
from studyapp.sync.events import ReviewEvent
from studyapp.sync.folder import sync_folder
from studyapp.sync.replay import replay_all
from tests.conftest import SAMPLE_DECK
from tests.paths import FIXTURES

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _deck_store(path: Path | None, deck_dir: Path) -> Store:
    deck = deck_dir / "sample.toml"
    if not deck.exists():
        deck_dir.mkdir(parents=True, exist_ok=True)
        deck.write_text(SAMPLE_DECK, encoding="utf-8")
    store = Store.in_memory() if path is None else Store.open(path)
    decks, problems = check_paths([deck])
    assert not problems
    store.decks.import_(decks)
    return store


def _items(store: Store) -> list[int]:
    return [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY id")]


def _keyed_states(store: Store) -> dict[tuple[str, str, int], tuple[object, ...]]:
    rows = store.conn.execute(
        "SELECT c.deck_id, c.card_key, i.ord, i.ef, i.interval, i.repetitions, i.lapses, i.due "
        "FROM items i JOIN cards c ON c.id = i.card_id"
    )
    return {tuple(r[:3]): tuple(r[3:]) for r in rows}


def _log(store: Store, with_ids: bool = True) -> list[tuple[object, ...]]:
    """The review log as a (sorted) multiset, by item identity, not local row ids."""
    rows = store.conn.execute(
        "SELECT r.event_id, c.deck_id, c.card_key, i.ord, r.reviewed_at, r.study_day, r.grade, "
        "r.kind, r.duration_ms, r.ef_before, r.interval_before, r.repetitions_before, "
        "r.lapses_before, r.due_before, r.ef_after, r.interval_after, r.repetitions_after, "
        "r.lapses_after, r.due_after FROM reviews r JOIN items i ON i.id = r.item_id "
        "JOIN cards c ON c.id = i.card_id"
    )
    return sorted(tuple(r) if with_ids else tuple(r[1:]) for r in rows)


def _review_days_kept(store: Store) -> None:
    """The counts kept by triggers equal a recount of the log (merges and replays included)."""
    kept = store.conn.execute(
        "SELECT * FROM review_days WHERE reviews != 0 ORDER BY 1, 2, 3, 4, 5"
    ).fetchall()
    recount = store.conn.execute(
        f"SELECT study_day, kind, due_before IS NULL, interval_before >= 21, grade >= 3, "
        f"COUNT(*), COALESCE(SUM({STUDIED_MS_SQL}), 0) FROM reviews "
        "GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
    ).fetchall()
    assert kept == recount


def _stored_matches_replay(store: Store) -> None:
    rows = {
        r[0]: r[1:]
        for r in store.conn.execute(
            "SELECT event_id, ef_before, interval_before, repetitions_before, lapses_before, "
            "due_before, ef_after, interval_after, repetitions_after, lapses_after, due_after "
            "FROM reviews"
        )
    }
    states = _keyed_states(store)
    for item, steps in replay_all(store.sync.events()).items():
        last = steps[-1].after
        assert states[item] == (
            last.ef_hundredths,
            last.interval,
            last.repetitions,
            last.lapses,
            last.due.isoformat() if last.due else None,
        )
        for step in steps:
            b, a = step.before, step.after
            assert rows[step.event.event_id] == (
                b.ef_hundredths,
                b.interval,
                b.repetitions,
                b.lapses,
                b.due.isoformat() if b.due else None,
                a.ef_hundredths,
                a.interval,
                a.repetitions,
                a.lapses,
                a.due.isoformat() if a.due else None,
            )


# -- the migration -------------------------------------------------------------------


def test_every_review_gets_a_unique_event_id_and_the_database_a_device_id(store, sample_deck):
    decks, _ = check_paths([sample_deck])
    store.decks.import_(decks)
    item = _items(store)[0]
    first = store.reviews.grade(item, 4, now=T0)
    second = store.reviews.grade(item, 5, now=T0 + timedelta(days=1))
    ids = [r[0] for r in store.conn.execute("SELECT event_id FROM reviews")]
    assert len(ids) == 2 and len(set(ids)) == 2 and all(len(i) == 32 for i in ids)
    assert len(store.sync.device_id()) == 16
    store.reviews.undo(second.review_id)
    again = store.reviews.grade(item, 3, now=T0 + timedelta(days=1))
    assert again.review_id == second.review_id  # the row id comes back; the event id does not
    assert len({r[0] for r in store.conn.execute("SELECT event_id FROM reviews")} | set(ids)) == 3
    assert first.review_id


def test_an_old_database_gets_event_ids_and_a_device_id_on_upgrade(tmp_path):
    db = tmp_path / "study.db"
    shutil.copy(FIXTURES / "schema_v1.db", db)
    store = Store.open(db)
    ids = [r[0] for r in store.conn.execute("SELECT event_id FROM reviews")]
    assert len(ids) == 2 and len(set(ids)) == 2 and None not in ids
    assert len(store.sync.device_id()) == 16
    # The old reviews travel: a sync writes them to this device's file.
    folder = tmp_path / "shared"
    folder.mkdir()
    assert sync_folder(store, folder).written == 2
    store.close()


# -- replay -------------------------------------------------------------------------

_GRADES = st.lists(
    st.tuples(
        st.integers(0, 8),  # which item
        st.integers(0, 5),  # grade
        st.sampled_from(["scheduled", "scheduled", "scheduled", "redrill", "cram", "exam"]),
        st.integers(-300, 3000),  # minutes from the previous answer (a clock set back too)
        st.booleans(),  # undo it straight away
    ),
    max_size=40,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=_GRADES)
def test_replaying_the_local_log_reproduces_the_stored_states(tmp_path_factory, answers):
    store = _deck_store(None, tmp_path_factory.mktemp("decks"))
    items = _items(store)
    now = T0
    for index, grade, kind, minutes, undo in answers:
        now += timedelta(minutes=minutes)
        result = store.reviews.grade(items[index % len(items)], grade, now=now, kind=kind)
        if undo:
            store.reviews.undo(result.review_id)
    before = _log(store)
    _stored_matches_replay(store)
    _review_days_kept(store)
    # Merging nothing replays the log too, and changes nothing.
    assert store.sync.merge([]).items_changed == 0
    assert _log(store) == before


_STEPS = st.lists(
    st.tuples(
        st.sampled_from("ab"),  # which device
        st.integers(0, 4),  # which item
        st.integers(0, 5),  # grade
        st.integers(-600, 3000),  # minutes on that device's clock from its previous answer
        st.booleans(),  # undo it straight away
        st.booleans(),  # that device syncs afterwards
    ),
    max_size=30,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=_STEPS)
def test_a_merge_replays_only_what_moved_and_ends_as_the_whole_replay(tmp_path_factory, steps):
    """Merges replay only the items whose place can have moved; after each one, every
    state and log row is what replaying the whole log gives."""
    root = tmp_path_factory.mktemp("devices")
    folder = root / "shared"
    folder.mkdir()
    stores = {d: _deck_store(None, root / "decks") for d in "ab"}
    clocks = {"a": T0, "b": T0 + timedelta(hours=3)}
    for device, index, grade, minutes, undo, sync in steps:
        store = stores[device]
        clocks[device] += timedelta(minutes=minutes)
        result = store.reviews.grade(_items(store)[index], grade, now=clocks[device])
        if undo:
            store.reviews.undo(result.review_id)
        if sync:
            sync_folder(store, folder)
            _stored_matches_replay(store)
    for _ in range(2):
        for store in stores.values():
            sync_folder(store, folder)
    for store in stores.values():
        _stored_matches_replay(store)
        _review_days_kept(store)
    assert _keyed_states(stores["a"]) == _keyed_states(stores["b"])


def test_an_event_arriving_late_moves_its_devices_later_events_on_other_items(tmp_path):
    """Device x's third event is placed by the latest time x stamped before it; when its
    second arrives late (stamped later still), the third moves behind y's event on another
    item: that item is replayed too."""
    store = _deck_store(None, tmp_path / "decks")

    def event(device: str, seq: int, minute: int, card: str, grade: int) -> ReviewEvent:
        moment = T0 + timedelta(minutes=minute)
        return ReviewEvent(
            f"{device}-{seq}", device, seq, moment.isoformat(timespec="milliseconds"),
            sm2.study_day(moment), "sample", card, 0, grade, "scheduled", None,
        )  # fmt: skip

    # y's review of basic-1 (grade 1) at 10:30 days later; x's at 09:00 but placed at 10:00.
    store.sync.merge([
        event("x", 1, 600, "rev-1", 4),
        event("x", 3, 540, "basic-1", 5),
        event("y", 1, 3 * 1440 + 630, "basic-1", 1),
    ])  # fmt: skip
    _stored_matches_replay(store)
    store.sync.merge([event("x", 2, 5 * 1440, "cloze-1", 4)])
    _stored_matches_replay(store)
    steps = replay_all(store.sync.events())[("sample", "basic-1", 0)]
    assert [s.event.event_id for s in steps] == ["y-1", "x-3"]


# -- three devices, one folder ---------------------------------------------------------

# (device, item index, grade, kind, real minutes since T0); each device's clock is skewed.
SKEW = {"a": timedelta(0), "b": timedelta(minutes=-90), "c": timedelta(hours=5)}


def _session(store: Store, device: str, answers: list[tuple[int, int, str, int]]) -> None:
    items = _items(store)
    for index, grade, kind, minute in answers:
        moment = T0 + timedelta(minutes=minute) + SKEW[device]
        store.reviews.grade(
            items[index], grade, now=moment, kind=kind, duration_ms=1000 + minute, today=None
        )


SESSIONS = [
    ("a", [(0, 4, "scheduled", 0), (1, 5, "scheduled", 1), (2, 2, "scheduled", 2)]),
    ("b", [(0, 3, "scheduled", 10), (3, 4, "scheduled", 11), (2, 4, "redrill", 12)]),
    ("c", [(0, 1, "scheduled", 20), (1, 4, "scheduled", 21)]),
    ("a", [(0, 5, "scheduled", 1500), (4, 4, "cram", 1501)]),
    ("b", [(1, 2, "scheduled", 1510), (0, 4, "scheduled", 1511)]),
    ("c", [(3, 5, "scheduled", 3000), (0, 0, "scheduled", 3001)]),
]


def test_three_devices_end_identical_and_equal_to_one_device_in_time_order(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    stores = {d: _deck_store(tmp_path / f"{d}.db", tmp_path / "decks") for d in "abc"}
    devices = {d: s.sync.device_id() for d, s in stores.items()}
    # Interleaved: each session is followed by that device's sync; a sync tool has copied
    # only half of b's file when c syncs in the middle.
    for number, (device, answers) in enumerate(SESSIONS):
        _session(stores[device], device, answers)
        assert not sync_folder(stores[device], folder).problems
        if number == 1:
            b_file = folder / f"{devices['b']}{FILE_SUFFIX}"
            whole = b_file.read_bytes()
            # b's file: header, b's 3 events, then a's 3 it merged; cut b's third in half.
            lines = whole.split(b"\n")
            b_file.write_bytes(b"\n".join(lines[:3]) + b"\n" + lines[3][:30])
            report = sync_folder(stores["c"], folder)
            assert not report.problems and report.merged == 5  # a's 3, b's first 2
            b_file.write_bytes(whole)  # the sync tool finishes the copy
    for _ in range(2):
        for device in "abc":
            assert not sync_folder(stores[device], folder).problems

    logs = {d: _log(s) for d, s in stores.items()}
    states = {d: _keyed_states(s) for d, s in stores.items()}
    assert logs["a"] == logs["b"] == logs["c"]
    assert states["a"] == states["b"] == states["c"]
    for s in stores.values():
        _stored_matches_replay(s)
        _review_days_kept(s)
    assert len(logs["a"]) == sum(len(answers) for _, answers in SESSIONS)

    # One device that did every review, in the documented order (skewed times as stamped;
    # at equal times, by device id; each device's own order kept).
    reference = _deck_store(tmp_path / "one.db", tmp_path / "decks")
    stamped = []
    for device, answers in SESSIONS:
        for seq, (index, grade, kind, minute) in enumerate(answers):
            moment = T0 + timedelta(minutes=minute) + SKEW[device]
            stamped.append((moment, devices[device], minute, seq, device, index, grade, kind))
    items = _items(reference)
    for moment, _, minute, _, _, index, grade, kind in sorted(stamped):
        reference.reviews.grade(
            items[index], grade, now=moment, kind=kind, duration_ms=1000 + minute
        )
    assert _keyed_states(reference) == states["a"]
    assert _log(reference, with_ids=False) == sorted(row[1:] for row in logs["a"])
    # Same-day reviews of one card on two devices both count.
    assert sum(1 for row in logs["a"] if row[2] == "basic-1" and row[5] == "2026-11-01") >= 3
    for s in [*stores.values(), reference]:
        s.close()


def test_sync_twice_changes_nothing(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    a = _deck_store(tmp_path / "a.db", tmp_path / "decks")
    b = _deck_store(tmp_path / "b.db", tmp_path / "decks")
    _session(a, "a", SESSIONS[0][1])
    _session(b, "b", SESSIONS[1][1])
    for s in (a, b, a):
        sync_folder(s, folder)
    files = {p.name: p.read_bytes() for p in folder.iterdir()}
    log, states = _log(a), _keyed_states(a)
    report = sync_folder(a, folder)
    assert (report.merged, report.written, report.items_changed) == (0, 0, 0)
    assert _log(a) == log and _keyed_states(a) == states
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == files
    a.close()
    b.close()


def test_deleting_a_devices_file_loses_nothing_already_merged(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    a, b, c = (_deck_store(tmp_path / f"{d}.db", tmp_path / "decks") for d in "abc")
    _session(a, "a", SESSIONS[0][1])
    sync_folder(a, folder)
    sync_folder(b, folder)  # b merges a's reviews, and copies them into its own file
    (folder / f"{a.sync.device_id()}{FILE_SUFFIX}").unlink()
    sync_folder(c, folder)
    assert len(_log(b)) == len(_log(c)) == 3
    assert _keyed_states(c) == _keyed_states(a)
    # a's own file comes back whole at its next sync.
    sync_folder(a, folder)
    assert (
        len(read_events((folder / f"{a.sync.device_id()}{FILE_SUFFIX}").read_bytes(), "x").events)
        == 3
    )
    for s in (a, b, c):
        s.close()


# -- bad input and faults ---------------------------------------------------------------


def _two_synced(tmp_path: Path) -> tuple[Store, Store, Path]:
    folder = tmp_path / "shared"
    folder.mkdir()
    a = _deck_store(tmp_path / "a.db", tmp_path / "decks")
    b = _deck_store(tmp_path / "b.db", tmp_path / "decks")
    _session(a, "a", SESSIONS[0][1])
    sync_folder(a, folder)
    return a, b, folder


def test_a_damaged_file_is_named_with_its_line_and_skipped_whole(tmp_path):
    a, b, folder = _two_synced(tmp_path)
    path = folder / f"{a.sync.device_id()}{FILE_SUFFIX}"
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = lines[2].replace('"grade": 5', '"grade": 9')
    path.write_text("".join(lines))
    report = sync_folder(b, folder)
    assert report.problems == [
        f"{path}:3: grade must be a whole number from 0 to 5; the file is skipped"
    ]
    assert report.merged == 0 and _log(b) == []


def test_a_foreign_file_is_named_and_skipped(tmp_path):
    a, b, folder = _two_synced(tmp_path)
    foreign = folder / f"phone{FILE_SUFFIX}"
    foreign.write_text('{"hello": "world"}\n{"type": "review"}\n')
    wrong_writer = folder / f"laptop{FILE_SUFFIX}"
    wrong_writer.write_bytes((folder / f"{a.sync.device_id()}{FILE_SUFFIX}").read_bytes())
    report = sync_folder(b, folder)
    assert f"{foreign}:1: not a StudyApp event file (no studyapp-events header); skipped" in (
        report.problems
    )
    assert any(
        p.startswith(f"{wrong_writer}:1: not a StudyApp event file") for p in report.problems
    )
    assert report.merged == 3 and report.devices == 1
    assert foreign.read_text().startswith('{"hello"')  # never touched


def test_the_merge_is_one_transaction(tmp_path, monkeypatch):
    _a, b, folder = _two_synced(tmp_path)

    def fail(*_fresh: object) -> int:
        raise StoreError("disk gone")

    monkeypatch.setattr(b.sync, "_replay_log", fail)
    with pytest.raises(StoreError):
        sync_folder(b, folder)
    assert _log(b) == [] and all(s[0] == 250 and s[4] is None for s in _keyed_states(b).values())
    monkeypatch.undo()
    assert sync_folder(b, folder).merged == 3


def test_a_torn_append_is_cut_off_and_written_again(tmp_path):
    """A kill -9 in the middle of an append leaves half a line; nothing is lost."""
    a, _b, folder = _two_synced(tmp_path)
    path = folder / f"{a.sync.device_id()}{FILE_SUFFIX}"
    whole = path.read_bytes()
    path.write_bytes(whole[:-25])
    report = sync_folder(a, folder)
    assert not report.problems and report.written == 1
    assert path.read_bytes() == whole
    # a file with only half a header is started again
    path.write_bytes(whole[:10])
    assert sync_folder(a, folder).written == 3
    assert path.read_bytes() == whole


def test_events_for_cards_not_here_wait_in_the_folder(tmp_path):
    _a, _, folder = _two_synced(tmp_path)
    lonely = Store.open(tmp_path / "lonely.db")
    report = sync_folder(lonely, folder)
    assert (report.merged, report.waiting) == (0, 3)
    assert "3 reviews wait" in report.summary()
    lonely.close()


def test_a_missing_folder_is_one_line(store, tmp_path):
    with pytest.raises(StoreError, match="no such folder to sync through"):
        sync_folder(store, tmp_path / "nowhere")


def test_event_lines_are_validated(tmp_path):
    header = json.dumps({"format": "studyapp-events", "version": 1, "device": "d1"})
    good = {
        "type": "review", "id": "e1", "device": "d1", "seq": 1,
        "time": "2026-11-01T09:00:00+01:00", "day": "2026-11-01", "deck": "sample",
        "card": "basic-1", "ord": 0, "grade": 4, "kind": "scheduled", "duration_ms": None,
    }  # fmt: skip
    read = read_events(f"{header}\n{json.dumps(good)}\n".encode(), "f", "d1")
    assert read.problem is None
    assert read.events[0].time == "2026-11-01T08:00:00.000+00:00"
    assert read.events[0].study_day == date(2026, 11, 1)
    for key, value, message in [
        ("grade", True, "grade must be"),
        ("kind", "drop table", "kind must be"),
        ("time", "2026-11-01T09:00:00", "UTC offset"),
        ("id", "../../x", "id must be"),
        ("type", "teleport", "unknown event type"),
    ]:
        bad = read_events(f"{header}\n{json.dumps(good | {key: value})}\n".encode(), "f", "d1")
        assert (
            bad.problem is not None and bad.problem.startswith("f:2: ") and message in bad.problem
        )
    assert (
        read_events(b"\xff\xfe\n", "f").problem
        == "f:1: not a StudyApp event file (not UTF-8 text); skipped"
    )


# -- the command ----------------------------------------------------------------------


def test_the_sync_command_and_its_setting(tmp_path):
    from click.testing import CliRunner

    from studyapp.cli import cli

    a, _b, folder = _two_synced(tmp_path)
    a.close()
    _b.close()
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(tmp_path / "b.db"), "sync", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Synced through {folder}: 3 reviews in from 1 other device")
    again = runner.invoke(cli, ["--db", str(tmp_path / "b.db"), "sync", str(folder)])
    assert "0 reviews in" in again.stdout and "0 written" in again.stdout

    no_folder = runner.invoke(cli, ["--db", str(tmp_path / "b.db"), "sync"])
    assert no_folder.exit_code == 1 and "no sync_folder setting" in no_folder.stderr
    bad = runner.invoke(cli, ["--db", str(tmp_path / "b.db"), "settings", "sync_folder", "rel"])
    assert bad.exit_code == 1 and "must be a full path" in bad.stderr
    runner.invoke(cli, ["--db", str(tmp_path / "b.db"), "settings", "sync_folder", str(folder)])
    (folder / f"x{FILE_SUFFIX}").write_text("\x1b[31mred\n")
    damaged = runner.invoke(cli, ["--db", str(tmp_path / "b.db"), "sync"])
    assert damaged.exit_code == 1 and "Traceback" not in damaged.output
    assert damaged.stderr.splitlines() == [
        f"studyapp: {folder}/x{FILE_SUFFIX}:1: not a StudyApp event file "
        "(not JSON (Expecting value)); skipped"
    ]
    missing = runner.invoke(cli, ["--db", str(tmp_path / "b.db"), "sync", str(tmp_path / "no")])
    assert missing.exit_code == 1
    assert missing.stderr == f"studyapp: {tmp_path / 'no'}: no such folder to sync through\n"
    shown = runner.invoke(cli, ["--db", str(tmp_path / "b.db"), "settings", "sync_folder", "off"])
    assert shown.exit_code == 0
    listing = runner.invoke(cli, ["--db", str(tmp_path / "b.db"), "settings"])
    assert "sync_folder = off" in listing.stdout


def test_a_copied_database_is_caught_and_becomes_a_device_of_its_own(tmp_path):
    a, b, folder = _two_synced(tmp_path)
    b.close()
    a.close()
    shutil.copy(tmp_path / "a.db", tmp_path / "copy.db")
    a = Store.open(tmp_path / "a.db")
    _session(a, "a", [(3, 4, "scheduled", 60)])
    sync_folder(a, folder)
    copy = Store.open(tmp_path / "copy.db")
    _session(copy, "b", [(4, 3, "scheduled", 70)])
    own = folder / f"{a.sync.device_id()}{FILE_SUFFIX}"
    before = own.read_bytes()
    report = sync_folder(copy, folder)
    assert len(report.problems) == 1 and "copy of another device's database" in report.problems[0]
    assert own.read_bytes() == before  # one writer per file, still
    copy.close()
    from click.testing import CliRunner

    from studyapp.cli import cli

    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "copy.db"), "sync", "--new-device", str(folder)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("This database is now device ")
    copy = Store.open(tmp_path / "copy.db")
    assert sync_folder(a, folder).merged == 1
    assert _log(a) == _log(copy) and _keyed_states(a) == _keyed_states(copy)
    a.close()
    copy.close()
