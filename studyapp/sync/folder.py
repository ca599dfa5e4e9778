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
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from studyapp.store import DatabaseError, InputError, Store
from studyapp.sync.actions import ActionEvent
from studyapp.sync.eventfile import (
    FILE_SUFFIX,
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
    local = _lines(store.sync.events(), store.sync.action_events())
    own_ids = _prepare_own_file(own, device, report)
    if own_ids is not None and _written_elsewhere(own, device, own_ids, local, report):
        own_ids = None
    if own_ids is not None:
        report.written += _append(own, local, own_ids)
    incoming: list[ReviewEvent] = []
    incoming_actions: list[ActionEvent] = []
    for path in sorted(folder.glob(f"*{FILE_SUFFIX}")):
        if path == own or not path.is_file():
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            report.problems.append(f"{path}: cannot read ({exc.strerror}); skipped")
            continue
        expected = path.name[: -len(FILE_SUFFIX)]
        read = read_events(data, str(path), expected)
        if read.problem is not None:
            report.problems.append(read.problem)
            continue
        report.devices += 1
        incoming.extend(read.events)
        incoming_actions.extend(read.actions)
    with store.transaction():  # reviews and actions merge together or not at all
        # Actions first: reviews of a card of the student's that arrives now find it.
        actions = store.actions.merge(incoming_actions)
        counts = store.sync.merge(incoming)
    report.merged, report.waiting, report.items_changed = (
        counts.added,
        counts.waiting,
        counts.items_changed,
    )
    report.actions_merged, report.actions_waiting = actions.added, actions.waiting
    if own_ids is not None and (counts.added or actions.added):
        # What just came in goes into this device's file too (see the module doc).
        merged = _lines(store.sync.events(), store.sync.action_events())
        report.written += _append(own, merged, own_ids)
    return report


# (event id, its device, its line in an event file)
_Line = tuple[str, str, str]


def _lines(reviews: list[ReviewEvent], actions: list[ActionEvent]) -> list[_Line]:
    return [(e.event_id, e.device, event_line(e)) for e in reviews] + [
        (e.event_id, e.device, action_line(e)) for e in actions
    ]


def _written_elsewhere(
    own: Path, device: str, in_file: dict[str, str], local: list[_Line], report: SyncReport
) -> bool:
    """Whether this device's file holds events by this device id that this database lacks:
    a copy of this database is syncing on another machine (two writers on one file)."""
    have = {event_id for event_id, _, _ in local}
    if all(origin != device or event_id in have for event_id, origin in in_file.items()):
        return False
    report.problems.append(
        f"{own}: holds reviews by this device's id that this database does not have (is it a "
        "copy of another device's database?); nothing written to it: run `studyapp sync "
        "--new-device` to give this database an id of its own"
    )
    return True


def _prepare_own_file(own: Path, device: str, report: SyncReport) -> dict[str, str] | None:
    """Event id -> origin device of what this device's file holds, its torn tail cut off;
    None if the file cannot be used."""
    try:
        data = own.read_bytes()
    except FileNotFoundError:
        data = b""
    except OSError as exc:
        report.problems.append(f"{own}: cannot read ({exc.strerror}); nothing written to it")
        return None
    read = read_events(data, str(own), device)
    if read.problem is not None:
        report.problems.append(f"{read.problem}; this device's events are not written out")
        return None
    try:
        if read.whole_bytes < len(data) or read.device is None:
            # One writer per file, and it is us: a torn append, or a torn header, is cut off.
            with own.open("r+b" if data else "wb") as f:
                f.truncate(read.whole_bytes if read.device is not None else 0)
                if read.device is None:
                    f.write(header_line(device).encode())
                _sync_file(f.fileno())
            _sync_dir(own.parent)
    except OSError as exc:
        raise DatabaseError(f"{own}: cannot write ({exc.strerror}); nothing merged") from None
    held = {event.event_id: event.device for event in read.events}
    held.update((event.event_id, event.device) for event in read.actions)
    return held


def _append(own: Path, events: list[_Line], already: dict[str, str]) -> int:
    """Append the events not yet in the file, and fsync before anything else happens."""
    fresh = [event for event in events if event[0] not in already]
    if not fresh:
        return 0
    try:
        with own.open("ab") as f:
            f.write("".join(line for _, _, line in fresh).encode())
            _sync_file(f.fileno())
    except OSError as exc:
        raise DatabaseError(f"{own}: cannot write ({exc.strerror}); nothing merged") from None
    already.update((event_id, device) for event_id, device, _ in fresh)
    return len(fresh)


def _sync_file(fd: int) -> None:
    os.fsync(fd)


def _sync_dir(folder: Path) -> None:
    # A new file's name is durable only once its folder is synced.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
