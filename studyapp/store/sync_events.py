"""The review log as events for other devices, and merging theirs in (then replaying)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from studyapp.store.columns import iso, state_columns, state_from
from studyapp.store.memory import STALE_KEY as MEMORY_STALE_KEY
from studyapp.store.part import StorePart
from studyapp.study import sm2
from studyapp.sync.events import ItemKey, ReviewEvent
from studyapp.sync.replay import replay_all

DEVICE_KEY = "device_id"

# Every review with what identifies it on any device; NULL origin means this device.
_EVENTS_SQL = """
SELECT r.id, r.event_id, COALESCE(r.origin_device, :device) AS device,
    COALESCE(r.origin_seq, r.id) AS seq, r.reviewed_at, r.study_day, c.deck_id, c.card_key,
    i.ord, r.grade, r.kind, r.duration_ms, r.item_id,
    r.ef_before, r.interval_before, r.repetitions_before, r.lapses_before, r.due_before,
    r.ef_after, r.interval_after, r.repetitions_after, r.lapses_after, r.due_after
FROM reviews r JOIN items i ON i.id = r.item_id JOIN cards c ON c.id = i.card_id
"""


@dataclass(frozen=True, slots=True)
class MergeCounts:
    """What one merge did."""

    added: int  # events new to this database
    waiting: int  # events for cards this database does not have (yet)
    items_changed: int  # items whose SM-2 state the replay changed


class SyncEvents(StorePart):
    """This database as one device: its id, its events, merging other devices' events."""

    def device_id(self) -> str:
        device = self.get_meta(DEVICE_KEY)
        if device is None:  # made by the schema-9 migration; kept here for safety
            device = secrets.token_hex(8)
            self.set_meta(DEVICE_KEY, device)
        return device

    def become_new_device(self) -> str:
        """Give this database a device id of its own (it was copied from another device's).

        Reviews already here keep the old id as their origin, so every device goes on
        ordering them the same way. Returns the new id.
        """
        old = self.device_id()
        new = secrets.token_hex(8)
        with self.transaction():
            self.conn.execute(
                "UPDATE reviews SET origin_device = ?, origin_seq = id WHERE origin_device IS NULL",
                [old],
            )
            self.set_meta(DEVICE_KEY, new)
        return new

    def events(self) -> list[ReviewEvent]:
        """Every review in the log (this device's and merged ones), as events."""
        return [event for event, _ in self._event_rows()]

    def merge(self, events: Iterable[ReviewEvent]) -> MergeCounts:
        """Add the events this database lacks, then replay every reviewed item; one transaction.

        Events for cards this database does not have are left out (they stay in
        their device's file, and merge once the deck arrives).
        """
        added = waiting = 0
        with self.transaction():
            known = {row[0] for row in self.conn.execute("SELECT event_id FROM reviews")}
            items = self._item_ids()
            new_state = state_columns(sm2.SM2State())
            for event in events:
                if event.event_id in known:
                    continue
                item_id = items.get(event.item)
                if item_id is None:
                    waiting += 1
                    continue
                self.conn.execute(
                    "INSERT INTO reviews (item_id, reviewed_at, study_day, grade, kind, "
                    "duration_ms, ef_before, interval_before, repetitions_before, lapses_before, "
                    "due_before, ef_after, interval_after, repetitions_after, lapses_after, "
                    "due_after, event_id, origin_device, origin_seq) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [
                        item_id,
                        event.time,
                        event.study_day.isoformat(),
                        event.grade,
                        event.kind,
                        event.duration_ms,
                        *new_state.values(),
                        *new_state.values(),
                        event.event_id,
                        event.device,
                        event.seq,
                    ],
                )
                known.add(event.event_id)
                added += 1
            changed = self._replay_log()
            if added:
                # Merged history moves memory states too: the next refresh rebuilds them.
                self.set_meta(MEMORY_STALE_KEY, "1")
        return MergeCounts(added, waiting, changed)

    def _item_ids(self) -> dict[ItemKey, int]:
        rows = self.conn.execute(
            "SELECT c.deck_id, c.card_key, i.ord, i.id FROM items i JOIN cards c ON c.id = i.card_id"
        )
        return {(deck, card, ord_): item_id for deck, card, ord_, item_id in rows}

    def _event_rows(self) -> list[tuple[ReviewEvent, dict[str, Any]]]:
        rows = self._rows(_EVENTS_SQL, {"device": self.device_id()})
        return [
            (
                ReviewEvent(
                    event_id=row["event_id"],
                    device=row["device"],
                    seq=row["seq"],
                    time=row["reviewed_at"],
                    study_day=date.fromisoformat(row["study_day"]),
                    deck=row["deck_id"],
                    card=row["card_key"],
                    ord=row["ord"],
                    grade=row["grade"],
                    kind=row["kind"],
                    duration_ms=row["duration_ms"],
                ),
                row,
            )
            for row in rows
        ]

    def _replay_log(self) -> int:
        """Bring every reviewed item's state, and each log row's before/after, in line with
        the replay of the whole log. Returns how many items' states changed."""
        rows = self._event_rows()
        by_event = {event.event_id: row for event, row in rows}
        changed = 0
        for steps in replay_all(event for event, _ in rows).values():
            for step in steps:
                row = by_event[step.event.event_id]
                if state_from(row, "_before") != step.before or state_from(row, "_after") != (
                    step.after
                ):
                    self.conn.execute(
                        "UPDATE reviews SET ef_before = ?, interval_before = ?, "
                        "repetitions_before = ?, lapses_before = ?, due_before = ?, "
                        "ef_after = ?, interval_after = ?, repetitions_after = ?, "
                        "lapses_after = ?, due_after = ? WHERE id = ?",
                        [
                            *state_columns(step.before).values(),
                            *state_columns(step.after).values(),
                            row["id"],
                        ],
                    )
            final = steps[-1].after
            item_id = by_event[steps[-1].event.event_id]["item_id"]
            if self._item_state(item_id) != final:
                self.conn.execute(
                    "UPDATE items SET ef = ?, interval = ?, repetitions = ?, lapses = ?, "
                    "due = ? WHERE id = ?",
                    [
                        final.ef_hundredths,
                        final.interval,
                        final.repetitions,
                        final.lapses,
                        iso(final.due),
                        item_id,
                    ],
                )
                changed += 1
        return changed

    def _item_state(self, item_id: int) -> sm2.SM2State:
        row = self._rows(
            "SELECT ef, interval, repetitions, lapses, due FROM items WHERE id = ?", [item_id]
        )[0]
        return state_from(row)
