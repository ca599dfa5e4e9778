"""Sync carries more than reviews: suspend, bury, notes, the student's own cards, exams."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from studyapp.cards import CardContent
from studyapp.deckfile.reader import check_paths
from studyapp.store import Store, StoreError
from studyapp.sync.actions import ActionEvent, winners
from studyapp.sync.eventfile import FILE_SUFFIX, read_events
from studyapp.sync.folder import sync_folder
from tests.paths import FIXTURES
from tests.sync.test_sync import _deck_store, _items

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
# Each device's clock is off by its own amount: a's is right, b's slow, c's fast.
SKEW = {"a": timedelta(0), "b": timedelta(minutes=-90), "c": timedelta(hours=5)}


def _at(device: str, minute: int) -> datetime:
    """What `device`'s clock shows `minute` minutes after T0."""
    return T0 + timedelta(minutes=minute) + SKEW[device]


def _card_id(store: Store, key: str) -> int:
    return int(store._one("SELECT id FROM cards WHERE card_key = ?", [key]))


class Device:
    """One database, its clock, and the names the test gave the cards its student wrote."""

    def __init__(self, store: Store, name: str) -> None:
        self.store, self.name = store, name
        # label -> card key: shared by every device (a card keeps its key everywhere)
        self.labels: dict[str, str] = {}

    def do(self, moment: datetime, step: tuple[Any, ...], labels: dict[str, str]) -> datetime:
        """Do one step with the clock showing `moment`; returns the time it was stamped."""
        store = self.store
        store.clock = lambda: moment
        logged = store._one("SELECT MAX(id) FROM sync_actions")
        self._step(moment, step, labels)
        stamped = store._one("SELECT time FROM sync_actions WHERE id > ?", [logged or 0])
        return moment if stamped is None else datetime.fromisoformat(stamped)

    def _step(self, moment: datetime, step: tuple[Any, ...], labels: dict[str, str]) -> None:
        store, minute = self.store, int((moment - T0).total_seconds() // 60)
        op, *args = step
        items = _items(store)
        if op == "grade":
            index, grade = args
            store.reviews.grade(
                self._item(index, labels), grade, now=moment, duration_ms=1000 + minute
            )
        elif op == "suspend":
            store.reviews.set_suspended(items[args[0]], args[1])
        elif op == "bury":
            store.reviews.bury(items[args[0]], args[1])
        elif op == "note":
            store.reviews.set_note(_card_id(store, args[0]), args[1])
        elif op == "add":
            label, front, back = args
            card_id = store.personal.add(CardContent(front=front, back=back, tags=("mine",)))
            labels[label] = store._one("SELECT card_key FROM cards WHERE id = ?", [card_id])
        elif op == "edit":
            label, front, back = args
            store.personal.edit(
                _card_id(store, labels[label]), CardContent(front=front, back=back, tags=("mine",))
            )
        elif op == "delete":
            store.personal.delete(_card_id(store, labels[args[0]]))
        elif op == "exam":
            name, when, target, minutes = args
            store.exams.set(name, when, ("sample",), (), target=target, minutes_per_day=minutes)
        elif op == "unexam":
            assert store.exams.remove(args[0])
        else:  # pragma: no cover - a typo in the scenario
            raise AssertionError(op)

    def _item(self, index: int | str, labels: dict[str, str]) -> int:
        if isinstance(index, int):
            return _items(self.store)[index]
        return int(
            self.store._one(
                "SELECT i.id FROM items i JOIN cards c ON c.id = i.card_id WHERE c.card_key = ?",
                [labels[index]],
            )
        )


def _snapshot(store: Store, labels: dict[str, str]) -> dict[str, Any]:
    """Everything the student can see change, by identities that hold on every device (the
    student's cards by the test's label, so one device that did it all compares too)."""
    named = {key: label for label, key in labels.items()}
    items = {
        (deck, named.get(key, key), ord_): rest
        for deck, key, ord_, *rest in store.conn.execute(
            "SELECT c.deck_id, c.card_key, i.ord, i.ef, i.interval, i.repetitions, i.lapses, "
            "i.due, i.suspended, i.buried_until, i.retired FROM items i "
            "JOIN cards c ON c.id = i.card_id"
        )
    }
    cards = {
        (deck, named.get(key, key)): rest
        for deck, key, *rest in store.conn.execute(
            "SELECT deck_id, card_key, type, front, back, text, extra, tags, note, retired "
            "FROM cards"
        )
    }
    exams = store.conn.execute(
        "SELECT name, exam_date, deck_ids, tags, target, minutes_per_day FROM exams ORDER BY name"
    ).fetchall()
    reviews = sorted(
        (deck, named.get(key, key), ord_, *rest)
        for deck, key, ord_, *rest in store.conn.execute(
            "SELECT c.deck_id, c.card_key, i.ord, r.reviewed_at, r.grade, r.kind, r.ef_after, "
            "r.interval_after, r.due_after FROM reviews r JOIN items i ON i.id = r.item_id "
            "JOIN cards c ON c.id = i.card_id"
        )
    )
    return {"items": items, "cards": cards, "exams": exams, "reviews": reviews}


EXAM_DAY = date(2027, 1, 20)
# (device, whether it syncs before the session, [(real minute, step)]); every session ends
# with a sync. Stamped times (real + skew) are in the comments.
SESSIONS: list[tuple[str, bool, list[tuple[int, tuple[Any, ...]]]]] = [
    (
        "a",
        True,
        [
            (0, ("grade", 0, 4)),
            (2, ("note", "basic-1", "gate control: a's note")),
            (3, ("add", "lungs", "Where is gas exchanged?", "Alveoli")),
            (4, ("add", "heart", "How many chambers?", "Four")),
            (5, ("exam", "Finals", EXAM_DAY, 0.9, 30.0)),
            (6, ("exam", "Mock", EXAM_DAY - timedelta(days=30), None, None)),
        ],
    ),
    (
        "b",  # stamped 10..16
        True,
        [
            (100, ("grade", 0, 3)),
            (102, ("grade", "lungs", 5)),
            (103, ("edit", "heart", "How many heart chambers?", "Four")),
            (104, ("bury", 2, date(2026, 11, 2))),
            (105, ("exam", "Finals", EXAM_DAY + timedelta(days=2), 0.95, 45.0)),
            (106, ("suspend", 1, True)),
        ],
    ),
    (
        "c",  # stamped 340..343
        True,
        [
            (40, ("note", "rev-1", "c on rev-1")),
            (41, ("grade", 3, 2)),
            (42, ("suspend", 4, True)),
            (43, ("unexam", "Mock")),
        ],
    ),
    (
        "a",  # stamped 200..205, before c's; but a has seen c's note, so its own is later
        True,
        [
            (200, ("note", "rev-1", "a on rev-1")),
            (201, ("delete", "heart")),  # after b's edit: the deletion wins
            (202, ("bury", 2, None)),
            (203, ("grade", 0, 5)),
            (204, ("add", "kidney", "Filtering unit?", "Nephron")),
            (205, ("suspend", 1, False)),
        ],
    ),
    (
        "b",  # offline, stamped 160..161: really after a's unsuspend, stamped before it
        False,
        [
            (250, ("suspend", 1, True)),
            (251, ("grade", 2, 4)),
        ],
    ),
    (
        "b",  # stamped 1410..1413
        True,
        [
            (1500, ("grade", "lungs", 4)),
            (1501, ("edit", "kidney", "Filtering unit of the kidney?", "Nephron")),
            (1502, ("suspend", 4, False)),
            (1503, ("exam", "Finals", EXAM_DAY, 0.85, 20.0)),
        ],
    ),
    (
        "c",  # stamped 1900..1902
        True,
        [
            (1600, ("note", "basic-1", "")),
            (1601, ("grade", 1, 4)),
            (1602, ("delete", "lungs")),
        ],
    ),
]


def test_three_devices_with_every_kind_end_identical_and_equal_to_one_device(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    devices = {d: Device(_deck_store(tmp_path / f"{d}.db", tmp_path / "decks"), d) for d in "abc"}
    ids = {d: dev.store.sync.device_id() for d, dev in devices.items()}
    labels: dict[str, str] = {}
    stamped: list[tuple[datetime, str, int, str, tuple[Any, ...]]] = []
    for number, (name, sync_first, steps) in enumerate(SESSIONS):
        if sync_first:
            assert not sync_folder(devices[name].store, folder).problems
        for minute, step in steps:
            stamp = devices[name].do(_at(name, minute), step, labels)
            stamped.append((stamp, ids[name], len(stamped), name, step))
        assert not sync_folder(devices[name].store, folder).problems
        if number == 2:
            # A sync tool has copied only part of c's file (cut inside its last line) when
            # a syncs: a merges what is whole, the rest next time.
            c_file = folder / f"{ids['c']}{FILE_SUFFIX}"
            whole = c_file.read_bytes()
            c_file.write_bytes(whole[: whole.rstrip(b"\n").rfind(b"\n") + 40])
            report = sync_folder(devices["a"].store, folder)
            assert not report.problems and report.actions_merged > 0
            c_file.write_bytes(whole)
    for _ in range(2):
        for dev in devices.values():
            assert not sync_folder(dev.store, folder).problems

    snapshots = {d: _snapshot(dev.store, labels) for d, dev in devices.items()}
    assert snapshots["a"] == snapshots["b"] == snapshots["c"]

    # One device that did everything, in the documented order: time as each device stamped
    # it, then device id; each device's own steps in their order.
    one = Device(_deck_store(tmp_path / "one.db", tmp_path / "decks"), "a")
    own_labels: dict[str, str] = {}
    for stamp, _device, _number, _name, step in sorted(stamped):
        assert one.do(stamp, step, own_labels) == stamp
    assert _snapshot(one.store, own_labels) == snapshots["a"]

    # What the scenario is about, spelled out.
    state = snapshots["a"]
    assert state["items"][("sample", "rev-1", 0)][5] == 0  # a's unsuspend beat b's slow clock
    assert state["items"][("sample", "cloze-1", 1)][5] == 0  # b unsuspended c's suspend later
    assert state["items"][("sample", "rev-1", 1)][6] is None  # a's unbury came after b's bury
    assert state["cards"][("sample", "rev-1")][6] == "a on rev-1"  # made after seeing c's
    assert state["cards"][("sample", "basic-1")][6] == ""
    assert state["cards"][("@personal", "heart")][7] == 1  # deleted after b's edit
    assert state["cards"][("@personal", "lungs")][7] == 1
    assert state["cards"][("@personal", "kidney")][1:3] == [
        "Filtering unit of the kidney?",
        "Nephron",
    ]
    assert state["exams"] == [("Finals", EXAM_DAY.isoformat(), "sample", "", 0.85, 20.0)]
    assert sum(1 for row in state["reviews"] if row[1] == "lungs") == 2
    for dev in [*devices.values(), one]:
        dev.store.close()


def _pair(tmp_path: Path) -> tuple[Device, Device, Path]:
    folder = tmp_path / "shared"
    folder.mkdir()
    a = Device(_deck_store(tmp_path / "a.db", tmp_path / "decks"), "a")
    b = Device(_deck_store(tmp_path / "b.db", tmp_path / "decks"), "b")
    return a, b, folder


def test_an_edit_made_after_a_deletion_brings_the_card_back(tmp_path):
    a, b, folder = _pair(tmp_path)
    labels: dict[str, str] = {}
    a.do(_at("a", 0), ("add", "x", "front", "back"), labels)
    sync_folder(a.store, folder)
    sync_folder(b.store, folder)
    a.do(_at("a", 200), ("delete", "x"), labels)  # stamped 09:00 + 200 min
    b.do(_at("b", 300), ("edit", "x", "front, better", "back"), labels)  # 300 - 90 = 210 min: later
    for store in (a.store, b.store, a.store):
        sync_folder(store, folder)
    for store in (a.store, b.store):
        row = store.conn.execute(
            "SELECT front, retired FROM cards WHERE card_key = ?", [labels["x"]]
        ).fetchone()
        assert row == ("front, better", 0)
        assert store._one(
            "SELECT COUNT(*) FROM items i JOIN cards c ON c.id = i.card_id "
            "WHERE c.card_key = ? AND i.retired = 0",
            [labels["x"]],
        )


def test_a_new_card_of_the_students_arrives_with_its_reviews_in_one_sync(tmp_path):
    a, b, folder = _pair(tmp_path)
    labels: dict[str, str] = {}
    a.do(_at("a", 0), ("add", "x", "front", "back"), labels)
    a.do(_at("a", 1), ("grade", "x", 4), labels)
    a.do(_at("a", 2), ("suspend", 0, True), labels)
    sync_folder(a.store, folder)
    report = sync_folder(b.store, folder)
    assert (report.merged, report.waiting, report.actions_merged) == (1, 0, 2)
    assert _snapshot(b.store, labels) == _snapshot(a.store, labels)


def test_syncing_again_changes_nothing_and_writes_nothing(tmp_path):
    a, b, folder = _pair(tmp_path)
    labels: dict[str, str] = {}
    for minute, step in SESSIONS[0][2]:
        a.do(_at("a", minute), step, labels)
    for store in (a.store, b.store, a.store, b.store):
        sync_folder(store, folder)
    files = {p.name: p.read_bytes() for p in folder.iterdir()}
    before = _snapshot(b.store, labels)
    report = sync_folder(b.store, folder)
    assert (report.actions_merged, report.written, report.merged) == (0, 0, 0)
    assert _snapshot(b.store, labels) == before == _snapshot(a.store, labels)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == files
    assert "other changes" not in report.summary()


def test_a_version_1_file_of_reviews_only_still_merges(tmp_path):
    a, b, folder = _pair(tmp_path)
    a.do(_at("a", 0), ("grade", 0, 4), {})
    sync_folder(a.store, folder)
    path = folder / f"{a.store.sync.device_id()}{FILE_SUFFIX}"
    lines = path.read_text().splitlines(keepends=True)
    assert json.loads(lines[0])["version"] == 2
    lines[0] = lines[0].replace('"version": 2', '"version": 1')
    path.write_text("".join(lines))
    report = sync_folder(b.store, folder)
    assert not report.problems and report.merged == 1


def test_a_bad_action_line_is_named_and_the_file_skipped(tmp_path):
    a, b, folder = _pair(tmp_path)
    labels: dict[str, str] = {}
    a.do(_at("a", 0), ("grade", 0, 4), labels)
    a.do(_at("a", 1), ("add", "x", "front", "back"), labels)
    sync_folder(a.store, folder)
    path = folder / f"{a.store.sync.device_id()}{FILE_SUFFIX}"
    text = path.read_text()
    cases = [
        ('"front": "front"', '"front": "  "', "a card needs both a front and a back"),
        ('"card_type": "basic"', '"card_type": "essay"', "unknown card type"),
        ('"tags": ["mine"]', '"tags": ["two words"]', "tags cannot contain spaces"),
        ('"type": "my_card"', '"type": "my_card_deleted"', "value must hold nothing"),
        ('"type": "my_card"', '"type": "rename"', "unknown event type 'rename'"),
    ]
    for old, new, message in cases:
        assert old in text
        path.write_text(text.replace(old, new))
        report = sync_folder(b.store, folder)
        assert len(report.problems) == 1 and report.problems[0].startswith(f"{path}:3: ")
        assert message in report.problems[0] and report.problems[0].endswith("file is skipped")
        assert report.merged == 0 and b.store.conn.execute("SELECT * FROM reviews").fetchall() == []
    header = '{"device": "d1", "format": "studyapp-events", "version": 2}\n'
    event = {
        "type": "exam", "id": "e1", "device": "d1", "seq": 1, "time": "2026-11-01T09:00:00Z",
        "target": ["Finals"],
        "value": {"date": "2027-01-20", "decks": [], "tags": [], "target": 0.9,
                  "minutes_per_day": 30},
    }  # fmt: skip
    assert read_events((header + json.dumps(event) + "\n").encode(), "f", "d1").problem is None
    for change, message in [
        ({"target": 2.0}, "target must be empty or a number from 0.5 to 0.99"),
        ({"minutes_per_day": True}, "minutes_per_day must be"),
        ({"date": "soon"}, "date must be a date"),
    ]:
        bad = dict(event, value=event["value"] | change)
        read = read_events((header + json.dumps(bad) + "\n").encode(), "f", "d1")
        assert read.problem is not None and read.problem.startswith("f:2: ")
        assert message in read.problem
    read = read_events((header + json.dumps(dict(event, target=[])) + "\n").encode(), "f")
    assert read.problem is not None and "target must be a list of 1" in read.problem


def test_changes_to_cards_not_here_wait_in_the_folder(tmp_path):
    a, _b, folder = _pair(tmp_path)
    a.do(_at("a", 0), ("suspend", 0, True), {})
    a.do(_at("a", 1), ("note", "basic-1", "later"), {})
    sync_folder(a.store, folder)
    lonely = Store.open(tmp_path / "lonely.db")
    report = sync_folder(lonely, folder)
    assert (report.actions_merged, report.actions_waiting) == (0, 2)
    assert "2 changes wait" in report.summary()
    decks, _ = check_paths([tmp_path / "decks" / "sample.toml"])
    lonely.decks.import_(decks)
    report = sync_folder(lonely, folder)
    assert (report.actions_merged, report.actions_waiting) == (2, 0)
    assert lonely._one("SELECT note FROM cards WHERE card_key = 'basic-1'") == "later"
    lonely.close()


def test_the_merge_of_reviews_and_actions_is_one_transaction(tmp_path, monkeypatch):
    a, b, folder = _pair(tmp_path)
    a.do(_at("a", 0), ("grade", 0, 4), {})
    a.do(_at("a", 1), ("exam", "Finals", EXAM_DAY, None, None), {})
    sync_folder(a.store, folder)

    def fail(*_args: object) -> None:
        raise StoreError("disk gone")

    monkeypatch.setattr(b.store.exams, "apply_exam", fail)
    with pytest.raises(StoreError):
        sync_folder(b.store, folder)
    assert b.store.conn.execute("SELECT * FROM reviews").fetchall() == []
    assert b.store.conn.execute("SELECT * FROM sync_actions").fetchall() == []
    monkeypatch.undo()
    report = sync_folder(b.store, folder)
    assert (report.merged, report.actions_merged) == (1, 1)


def test_legacy_keys_of_own_cards_stay_on_their_device(tmp_path):
    """Cards written before keys named a device ("my-12") mean different cards on two
    databases made apart: changes to them are not sent, nor taken in."""
    a, b, folder = _pair(tmp_path)
    card = a.store.personal.add(CardContent(front="front", back="back"))
    a.store.conn.execute("UPDATE cards SET card_key = 'my-12' WHERE id = ?", [card])
    a.store.reviews.set_note(card, "mine only")
    a.store.personal.edit(card, CardContent(front="front 2", back="back"))
    kinds = [r[0] for r in a.store.conn.execute("SELECT kind FROM sync_actions ORDER BY id")]
    assert kinds == ["my_card"]  # the add, under its device key, before the rename
    sync_folder(a.store, folder)
    forged = ActionEvent("f1", "d9", 1, "2026-11-01T09:00:00.000+00:00", "note",
                         ("@personal", "my-12"), {"note": "taken over"})  # fmt: skip
    assert b.store.actions.merge([forged]).added == 0


def test_the_winner_is_the_last_in_replay_order_whatever_the_arrival_order():
    def event(eid: str, device: str, seq: int, minute: int, suspended: bool) -> ActionEvent:
        time = (T0 + timedelta(minutes=minute)).isoformat(timespec="milliseconds")
        return ActionEvent(
            eid, device, seq, time, "suspend", ("d", "c", 0), {"suspended": suspended}
        )

    events = [
        event("e1", "aa", 1, 10, True),
        event("e2", "bb", 1, 10, False),  # same moment: the larger device id is later
        event("e3", "aa", 2, 5, True),  # a's clock went back: still after its own e1
    ]
    for order in (events, events[::-1], [events[1], events[2], events[0]]):
        assert winners(order)[("suspend", ("d", "c", 0))].event_id == "e2"


def test_a_change_other_devices_would_refuse_is_refused_where_it_is_made(tmp_path):
    a, _b, _folder = _pair(tmp_path)
    card = _card_id(a.store, "basic-1")
    with pytest.raises(StoreError, match="give note of at most 100000 characters"):
        a.store.reviews.set_note(card, "x" * 100_001)
    with pytest.raises(StoreError, match="a name of at most 500 characters"):
        a.store.exams.set("E" * 501, EXAM_DAY, (), ())
    assert a.store._one("SELECT note FROM cards WHERE id = ?", [card]) == ""
    assert a.store.exams.all() == [] and a.store.sync.action_events() == []


def test_an_old_database_upgrades_with_an_empty_action_log_and_every_card_to_replay(tmp_path):
    import shutil

    db = tmp_path / "study.db"
    shutil.copy(FIXTURES / "schema_v1.db", db)
    store = Store.open(db)
    reviewed = {r[0] for r in store.conn.execute("SELECT DISTINCT item_id FROM reviews")}
    pending = {r[0] for r in store.conn.execute("SELECT item_id FROM replay_pending")}
    assert reviewed and pending == reviewed
    assert store.sync.action_events() == []
    store.sync.merge([])  # the first merge replays them, then nothing is pending
    assert store.conn.execute("SELECT * FROM replay_pending").fetchall() == []
    store.close()
