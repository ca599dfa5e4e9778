"""`studyapp sync DIR`: append this device's events to its own file, merge everyone else's.

Events are reviews (merged by id, then every card replayed) and actions
(suspend, bury, notes, the student's own cards, exams: merged by id, then each
target takes its last event's state; studyapp.sync.actions).

The order makes a kill -9 at any moment lose nothing: this device's events are
appended and fsync'd *before* the merge commits (the merge is one transaction),
and a torn line at the end of its own file (an append cut short) is cut off and
written again. Running it again is idempotent: events are appended and merged
by id. Every device copies the events it knows into its own file, so deleting
one device's file loses nothing another device has already merged.

A sync costs what changed, not the whole history: this database remembers, per
folder and file, how far it has read (`_Mark`: bytes and lines up to a whole
line, and a hash of the 4 KiB before that point) and, for its own file, the last
review and action rows written to it. A file still that long with the same bytes
before the mark is read from the mark on; anything else (shorter, rewritten,
deleted, a marked row undone, a new device id) is read whole, as the first time.
Other devices' marks move in the merge's transaction; this device's after its
appends are fsync'd, so a kill leaves a mark that is behind, never ahead: what
lies past it is read again and matched by id. A file whose events waited for
cards is read whole again once the database's cards change.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from studyapp.store import DatabaseError, InputError, Store
from studyapp.sync.actions import ActionEvent
from studyapp.sync.eventfile import (
    FILE_SUFFIX,
    EventFile,
    action_line,
    event_line,
    header_line,
    read_events,
)
from studyapp.sync.events import ReviewEvent

__all__ = ["SyncReport", "sync_folder"]


@dataclass(slots=True)
class SyncReport:
    """What one sync did, and the files it had to skip (one line each)."""

    written: int = 0  # events appended to this device's file
    merged: int = 0  # reviews from other devices new to this database
    waiting: int = 0  # reviews for cards this database does not have yet
    items_changed: int = 0
    actions_merged: int = 0  # other devices' suspends, buries, notes, own cards, exams
    actions_waiting: int = 0  # of those, about cards this database does not have yet
    devices: int = 0  # other devices' files read
    bytes_read: int = 0  # of event files, past what earlier syncs had read
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{self.merged} reviews in from {self.devices} other device(s); "
            f"{self.written} written to this device's file; {self.items_changed} cards rescheduled"
        )
        if self.actions_merged:
            text += f"; {self.actions_merged} other changes in (suspend, bury, notes, cards, exams)"
        if self.waiting:
            text += f"; {self.waiting} reviews wait for cards this database does not have"
        if self.actions_waiting:
            text += f"; {self.actions_waiting} changes wait for cards this database does not have"
        return text


def sync_folder(store: Store, folder: Path) -> SyncReport:
    """Exchange review events with the other devices through `folder` (see the module doc)."""
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder to sync through")
    report = SyncReport()
    device = store.sync.device_id()
    own = folder / f"{device}{FILE_SUFFIX}"
    marks = _Marks(store, folder)
    own_file = _prepare_own_file(store, own, device, marks.get(own.name), report)
    if own_file is not None and _written_elsewhere(store, own, device, own_file.unchecked, report):
        own_file = None
    if own_file is not None:
        report.written += own_file.append_new(store)
    incoming: list[ReviewEvent] = []
    incoming_actions: list[ActionEvent] = []
    for path in sorted(folder.glob(f"*{FILE_SUFFIX}")):
        if path == own or not path.is_file():
            continue
        mark = marks.get(path.name)
        if mark is not None and mark.waiting and mark.cards != marks.cards():
            mark = None  # its waiting events may find their cards now
        expected = path.name[: -len(FILE_SUFFIX)]
        try:
            mark, head, data = _read_past(path, mark)
        except OSError as exc:
            report.problems.append(f"{path}: cannot read ({exc.strerror}); skipped")
            continue
        report.bytes_read += len(data)
        read = _parse(data, path, expected, mark)
        if read.problem is not None:
            report.problems.append(read.problem)
            continue
        report.devices += 1
        incoming.extend(read.events)
        incoming_actions.extend(read.actions)
        marks.pending[path.name] = (mark, head + data[: read.whole_bytes], read)
    with store.transaction():  # reviews and actions merge together or not at all
        # Actions first: reviews of a card of the student's that arrives now find it.
        actions = store.actions.merge(incoming_actions)
        counts = store.sync.merge(incoming)
        marks.consumed(counts.waiting_ids | actions.waiting_ids)
        if own_file is not None:
            marks.put(own.name, own_file.mark())
        marks.forget_all_but({path.name for path in folder.glob(f"*{FILE_SUFFIX}")})
    report.merged, report.waiting, report.items_changed = (
        counts.added,
        counts.waiting,
        counts.items_changed,
    )
    report.actions_merged, report.actions_waiting = actions.added, actions.waiting
    if own_file is not None and (counts.added or actions.added):
        # What just came in goes into this device's file too (see the module doc).
        report.written += own_file.append_new(store)
        with store.transaction():
            marks.put(own.name, own_file.mark())
    return report


# A mark is the hash of the bytes just before it (up to this many).
_TAIL = 4096
_MARK_PREFIX = "sync_mark:"


@dataclass(frozen=True, slots=True)
class _Mark:
    """How far a file in the folder has been read (and, for this device's own file,
    written): bytes and lines up to a whole line, and the hash of the bytes before."""

    end: int
    lines: int
    tail_hash: str
    # Another device's file: whether some of its events waited for cards, and the
    # cards then (`cards_fingerprint`).
    waiting: bool = False
    cards: str = ""
    # This device's file: the last review row written (and its event id: an undo frees
    # the row id for the next grade) and the last action row.
    review_id: int = 0
    review_event: str | None = None
    action_id: int = 0


def _tail_hash(data: bytes) -> str:
    return hashlib.sha256(data[-_TAIL:]).hexdigest()


class _Marks:
    """The marks of one folder's files, kept in this database's meta."""

    def __init__(self, store: Store, folder: Path) -> None:
        self._store = store
        self._prefix = f"{_MARK_PREFIX}{folder.resolve()}/"
        self._marks: dict[str, _Mark] = {}
        for name, raw in store.meta_with_prefix(self._prefix).items():
            try:
                self._marks[name] = _Mark(**json.loads(raw))
            except (ValueError, TypeError):
                continue  # unreadable: the file is read whole, and the mark made again
        self._cards: str | None = None
        # What was read of each other device's file this time: the mark it was read
        # from (None: whole), the bytes before the new mark (the tail), what it held.
        self.pending: dict[str, tuple[_Mark | None, bytes, EventFile]] = {}

    def get(self, name: str) -> _Mark | None:
        return self._marks.get(name)

    def cards(self) -> str:
        if self._cards is None:
            self._cards = self._store.sync.cards_fingerprint()
        return self._cards

    def put(self, name: str, mark: _Mark) -> None:
        self._marks[name] = mark
        self._store.set_meta(self._prefix + name, json.dumps(asdict(mark)))

    def consumed(self, waiting_ids: frozenset[str]) -> None:
        """Move the marks of the files just merged (in the merge's transaction)."""
        for name, (mark, tail, read) in self.pending.items():
            ids = [e.event_id for e in read.events] + [e.event_id for e in read.actions]
            waiting = not waiting_ids.isdisjoint(ids)
            if mark is not None:
                waiting = waiting or mark.waiting
            self.put(
                name,
                _Mark(
                    end=(mark.end if mark else 0) + read.whole_bytes,
                    lines=(mark.lines if mark else 0) + read.whole_lines,
                    tail_hash=_tail_hash(tail),
                    waiting=waiting,
                    cards=self.cards() if waiting else "",
                ),
            )

    def forget_all_but(self, names: set[str]) -> None:
        for name in set(self._marks) - names:
            del self._marks[name]
            self._store.delete_meta(self._prefix + name)


def _read_past(path: Path, mark: _Mark | None) -> tuple[_Mark | None, bytes, bytes]:
    """The file's bytes past `mark` if the file still holds what was read up to it: the
    mark, the (up to 4 KiB of) bytes before it, the rest; else (None, b"", whole file)."""
    with path.open("rb") as f:
        if mark is not None and mark.end > 0 and os.fstat(f.fileno()).st_size >= mark.end:
            f.seek(max(0, mark.end - _TAIL))
            head = f.read(mark.end - f.tell())
            if _tail_hash(head) == mark.tail_hash:
                return mark, head, f.read()
        f.seek(0)
        return None, b"", f.read()


def _parse(data: bytes, path: Path, device: str, mark: _Mark | None) -> EventFile:
    """A file's bytes read whole (no mark) or past `mark`."""
    return read_events(data, str(path), device, 1 if mark is None else mark.lines + 1)


# (event id, its device, its line in an event file)
_Line = tuple[str, str, str]


def _lines(reviews: list[ReviewEvent], actions: list[ActionEvent]) -> list[_Line]:
    return [(e.event_id, e.device, event_line(e)) for e in reviews] + [
        (e.event_id, e.device, action_line(e)) for e in actions
    ]


@dataclass(slots=True)
class _OwnFile:
    """This device's file as far as it is known: its whole bytes and lines, the last of
    its bytes, the ids it holds past the mark it was read from (all, if read whole) and
    the last review and action rows written to it."""

    path: Path
    end: int
    lines: int
    tail: bytes
    held: dict[str, str]  # event id -> origin device
    unchecked: dict[str, str]  # of those, the ones no sync has checked for another writer
    review_id: int = 0
    review_event: str | None = None
    action_id: int = 0

    def append_new(self, store: Store) -> int:
        """Append the events logged after the rows last written and not held yet, and
        fsync before anything else happens."""
        reviews, review_id, review_event = store.sync.events_after(self.review_id)
        actions, action_id = store.actions.actions_after(self.action_id)
        fresh = [line for line in _lines(reviews, actions) if line[0] not in self.held]
        if fresh:
            data = "".join(line for _, _, line in fresh).encode()
            try:
                with self.path.open("ab") as f:
                    f.write(data)
                    _sync_file(f.fileno())
            except OSError as exc:
                raise DatabaseError(
                    f"{self.path}: cannot write ({exc.strerror}); nothing merged"
                ) from None
            self.held.update((event_id, device) for event_id, device, _ in fresh)
            self.end, self.lines = self.end + len(data), self.lines + len(fresh)
            self.tail = (self.tail + data)[-_TAIL:]
        if review_event is not None:
            self.review_id, self.review_event = review_id, review_event
        self.action_id = action_id
        return len(fresh)

    def mark(self) -> _Mark:
        return _Mark(
            end=self.end,
            lines=self.lines,
            tail_hash=_tail_hash(self.tail),
            review_id=self.review_id,
            review_event=self.review_event,
            action_id=self.action_id,
        )


def _written_elsewhere(
    store: Store, own: Path, device: str, in_file: dict[str, str], report: SyncReport
) -> bool:
    """Whether this device's file holds events by this device id that this database lacks:
    a copy of this database is syncing on another machine (two writers on one file)."""
    ours = [event_id for event_id, origin in in_file.items() if origin == device]
    if len(store.sync.held_event_ids(ours)) == len(ours):
        return False
    report.problems.append(
        f"{own}: holds reviews by this device's id that this database does not have (is it a "
        "copy of another device's database?); nothing written to it: run `studyapp sync "
        "--new-device` to give this database an id of its own"
    )
    return True


def _prepare_own_file(
    store: Store, own: Path, device: str, mark: _Mark | None, report: SyncReport
) -> _OwnFile | None:
    """This device's file, read past its mark (whole if the mark no longer holds), its
    torn tail cut off; None if the file cannot be used."""
    checked = 0  # bytes earlier syncs checked for another writer's events (or wrote)
    try:
        mark, head, data = _read_past(own, mark)
        if mark is not None and store.sync.event_at(mark.review_id) != mark.review_event:
            # The marked review was undone (its row id may be the next grade's): which
            # rows the file holds is unknown, but the bytes before the mark are ours.
            checked, mark, head, data = mark.end, None, b"", own.read_bytes()
    except FileNotFoundError:
        mark, head, data = None, b"", b""
    except OSError as exc:
        report.problems.append(f"{own}: cannot read ({exc.strerror}); nothing written to it")
        return None
    report.bytes_read += len(data)
    start = 0 if mark is None else mark.end
    read = _parse(data, own, device, mark)
    if read.problem is not None:
        report.problems.append(f"{read.problem}; this device's events are not written out")
        return None
    kept = head + data[: read.whole_bytes]
    try:
        if read.whole_bytes < len(data) or read.device is None:
            # One writer per file, and it is us: a torn append, or a torn header, is cut off.
            with own.open("r+b" if start or data else "wb") as f:
                f.truncate(start + read.whole_bytes if read.device is not None else 0)
                if read.device is None:
                    kept = header_line(device).encode()
                    f.write(kept)
                _sync_file(f.fileno())
            _sync_dir(own.parent)
    except OSError as exc:
        raise DatabaseError(f"{own}: cannot write ({exc.strerror}); nothing merged") from None
    held = _held(read)
    unchecked = held
    if checked:
        unchecked = _held(read_events(data[checked : read.whole_bytes], str(own), device, 2))
    if mark is None:
        return _OwnFile(own, len(kept), max(read.whole_lines, 1), kept[-_TAIL:], held, unchecked)
    return _OwnFile(
        own,
        start + read.whole_bytes,
        mark.lines + read.whole_lines,
        kept[-_TAIL:],
        held,
        unchecked,
        mark.review_id,
        mark.review_event,
        mark.action_id,
    )


def _held(read: EventFile) -> dict[str, str]:
    """Event id -> origin device of what a file (or its part) holds."""
    held = {event.event_id: event.device for event in read.events}
    held.update((event.event_id, event.device) for event in read.actions)
    return held


def _sync_file(fd: int) -> None:
    os.fsync(fd)


def _sync_dir(folder: Path) -> None:
    # A new file's name is durable only once its folder is synced.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
