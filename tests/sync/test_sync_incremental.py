"""A sync reads and writes only what changed since the last one, and falls back to the
whole file whenever a file no longer holds what it held (studyapp.sync.folder's marks)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from studyapp.deckfile.reader import check_paths
from studyapp.store import Store
from studyapp.sync.eventfile import FILE_SUFFIX, read_events
from studyapp.sync.folder import sync_folder
from tests.sync.test_sync import T0, _deck_store, _items, _keyed_states, _log, _session


def _pair(tmp_path: Path) -> tuple[Store, Store, Path]:
    folder = tmp_path / "shared"
    folder.mkdir()
    a = _deck_store(tmp_path / "a.db", tmp_path / "decks")
    b = _deck_store(tmp_path / "b.db", tmp_path / "decks")
    return a, b, folder


def _file(store: Store, folder: Path) -> Path:
    return folder / f"{store.sync.device_id()}{FILE_SUFFIX}"


def _event_ids(path: Path) -> list[str]:
    read = read_events(path.read_bytes(), str(path))
    assert read.problem is None
    return [e.event_id for e in read.events] + [e.event_id for e in read.actions]


def _grade(store: Store, index: int, minute: int) -> None:
    store.reviews.grade(_items(store)[index], 4, now=T0 + timedelta(minutes=minute), today=None)


def test_a_second_sync_reads_only_the_new_bytes(tmp_path):
    a, b, folder = _pair(tmp_path)
    _session(a, "a", [(0, 4, "scheduled", 0), (1, 5, "scheduled", 1)])
    sync_folder(a, folder)
    first = sync_folder(b, folder)
    assert first.merged == 2 and first.bytes_read == _file(a, folder).stat().st_size
    size = _file(a, folder).stat().st_size
    _grade(a, 2, 5)
    assert sync_folder(a, folder).written == 1
    again = sync_folder(b, folder)
    new_line = _file(a, folder).stat().st_size - size
    # Only a's new line: nothing of b's own file, nothing a's file held before.
    assert (again.merged, again.bytes_read) == (1, new_line)
    nothing = sync_folder(b, folder)
    assert (nothing.merged, nothing.written, nothing.bytes_read) == (0, 0, 0)
    assert _log(a) == _log(b) and _keyed_states(a) == _keyed_states(b)


def test_an_undone_grade_whose_row_id_is_reused_still_reaches_the_other_device(tmp_path):
    a, b, folder = _pair(tmp_path)
    _grade(a, 0, 0)
    _grade(a, 1, 1)
    sync_folder(a, folder)
    last = a.conn.execute("SELECT MAX(id), event_id FROM reviews").fetchone()
    a.reviews.undo(last[0])
    _grade(a, 2, 2)  # SQLite gives the freed row id to the new grade
    again = a.conn.execute("SELECT MAX(id), event_id FROM reviews").fetchone()
    assert again[0] == last[0] and again[1] != last[1]
    assert sync_folder(a, folder).written == 1
    assert again[1] in _event_ids(_file(a, folder))
    assert sync_folder(b, folder).merged == 3  # the undone one stays in the folder, as before
    assert again[1] in {row[0] for row in _log(b)}


def test_a_deleted_own_file_is_written_whole_again(tmp_path):
    a, _b, folder = _pair(tmp_path)
    _session(a, "a", [(0, 4, "scheduled", 0), (1, 5, "scheduled", 1)])
    sync_folder(a, folder)
    _grade(a, 2, 5)
    sync_folder(a, folder)
    whole = _file(a, folder).read_bytes()
    _file(a, folder).unlink()
    assert sync_folder(a, folder).written == 3
    assert _file(a, folder).read_bytes() == whole


def test_a_shortened_own_file_is_completed(tmp_path):
    a, _b, folder = _pair(tmp_path)
    _session(a, "a", [(0, 4, "scheduled", 0), (1, 5, "scheduled", 1), (2, 3, "scheduled", 2)])
    sync_folder(a, folder)
    whole = _file(a, folder).read_bytes()
    lines = whole.splitlines(keepends=True)
    _file(a, folder).write_bytes(b"".join(lines[:2]))  # a sync tool's older copy
    assert sync_folder(a, folder).written == 2
    assert sorted(_event_ids(_file(a, folder))) == sorted(row[0] for row in _log(a))


def test_another_devices_file_truncated_or_replaced_is_read_whole(tmp_path):
    a, b, folder = _pair(tmp_path)
    _session(a, "a", [(0, 4, "scheduled", 0), (1, 5, "scheduled", 1), (2, 3, "scheduled", 2)])
    sync_folder(a, folder)
    sync_folder(b, folder)
    path = _file(a, folder)
    lines = path.read_bytes().splitlines(keepends=True)
    # Truncated: shorter than what b read, so b reads it whole; nothing is lost or doubled.
    path.write_bytes(b"".join(lines[:2]))
    short = sync_folder(b, folder)
    assert (short.merged, short.bytes_read, short.problems) == (0, path.stat().st_size, [])
    # Replaced: as long as before, but other bytes where b's mark was (a new event inside).
    _grade(a, 3, 10)
    sync_folder(a, folder)
    new = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([new[0], new[-1], *new[1:-1]]))
    replaced = sync_folder(b, folder)
    assert (replaced.merged, replaced.bytes_read) == (1, path.stat().st_size)
    assert len(_log(b)) == 4 and _log(a) == _log(b)
    assert _keyed_states(a) == _keyed_states(b)


def test_a_torn_line_at_the_end_of_another_devices_file_merges_once_completed(tmp_path):
    a, b, folder = _pair(tmp_path)
    _session(a, "a", [(0, 4, "scheduled", 0), (1, 5, "scheduled", 1), (2, 3, "scheduled", 2)])
    sync_folder(a, folder)
    path = _file(a, folder)
    whole = path.read_bytes()
    path.write_bytes(whole[:-30])  # the sync tool has copied all but the last line's end
    torn = sync_folder(b, folder)
    assert (torn.merged, torn.problems) == (2, [])
    start = whole.rstrip(b"\n").rfind(b"\n") + 1
    path.write_bytes(whole)
    done = sync_folder(b, folder)
    assert (done.merged, done.bytes_read) == (1, len(whole) - start)
    assert sync_folder(b, folder).merged == 0
    assert len(_log(b)) == 3 and _log(a) == _log(b)


def test_events_waiting_for_cards_merge_when_the_cards_arrive(tmp_path):
    a, _b, folder = _pair(tmp_path)
    _session(a, "a", [(0, 4, "scheduled", 0), (1, 5, "scheduled", 1)])
    sync_folder(a, folder)
    lonely = Store.open(tmp_path / "lonely.db")
    assert sync_folder(lonely, folder).waiting == 2
    assert sync_folder(lonely, folder).bytes_read == 0  # nothing new, and no cards came
    decks, problems = check_paths([tmp_path / "decks" / "sample.toml"])
    assert not problems
    lonely.decks.import_(decks)
    arrived = sync_folder(lonely, folder)
    assert (arrived.merged, arrived.waiting) == (2, 0)
    assert _log(lonely) == _log(a)
    assert sync_folder(lonely, folder).bytes_read == 0
    lonely.close()


def test_a_copy_that_wrote_first_is_caught_by_the_original(tmp_path):
    a, b, folder = _pair(tmp_path)
    b.close()
    _grade(a, 0, 0)
    sync_folder(a, folder)
    a.close()
    shutil.copy(tmp_path / "a.db", tmp_path / "copy.db")
    copy = Store.open(tmp_path / "copy.db")
    _grade(copy, 1, 5)
    assert not sync_folder(copy, folder).problems  # it cannot know yet
    copy.close()
    a = Store.open(tmp_path / "a.db")
    _grade(a, 2, 6)
    before = _file(a, folder).read_bytes()
    report = sync_folder(a, folder)
    assert len(report.problems) == 1 and "copy of another device's database" in report.problems[0]
    assert _file(a, folder).read_bytes() == before
    a.close()
