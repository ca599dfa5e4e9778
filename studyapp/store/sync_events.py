"""The review log as events for other devices, and merging theirs in (then replaying)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from studyapp.store.action_log import DEVICE_KEY, ActionLog
from studyapp.store.columns import iso
from studyapp.store.memory import STALE_KEY as MEMORY_STALE_KEY
from studyapp.study import sm2
from studyapp.sync.events import ItemKey, ReviewEvent, Stamp, effective_times
from studyapp.sync.replay import replay_all

# Every review with what identifies it on any device; NULL origin means this device.
_EVENTS_SQL = """
SELECT r.id, r.event_id, COALESCE(r.origin_device, :device) AS device,
    COALESCE(r.origin_seq, r.id) AS seq, r.reviewed_at, r.study_day, c.deck_id, c.card_key,
    i.ord, r.grade, r.kind, r.duration_ms, r.item_id,
    r.ef_before, r.interval_before, r.repetitions_before, r.lapses_before, r.due_before,
    r.ef_after, r.interval_after, r.repetitions_after, r.lapses_after, r.due_after
FROM reviews r JOIN items i ON i.id = r.item_id JOIN cards c ON c.id = i.card_id
"""

# Up to this many incoming events are looked up one by one (by index); more, and
# every id is read at once.
LOOKUP_LIMIT = 20_000


@dataclass(frozen=True, slots=True)
class MergeCounts:
    """What one merge did."""

    added: int  # events new to this database
    waiting: int  # events for cards this database does not have (yet)
    items_changed: int  # items whose SM-2 state the replay changed
    waiting_ids: frozenset[str] = frozenset()  # the waiting events' ids


class SyncEvents(ActionLog):
    """This database as one device: its reviews as events, merging other devices' reviews."""

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

    def events_after(self, review_id: int) -> tuple[list[ReviewEvent], int, str | None]:
        """The reviews logged after row `review_id`, as events, with the last row's id and
        event id (`review_id` and None when there is none): what a sync has not written yet."""
        rows = self._event_rows(after=review_id)
        if not rows:
            return [], review_id, None
        last = max(rows, key=lambda row: row[1][0])
        return [event for event, _ in rows], last[1][0], last[0].event_id

    def event_at(self, review_id: int) -> str | None:
        """The event id of review row `review_id` (None if there is no such row)."""
        event_id: str | None = self._one("SELECT event_id FROM reviews WHERE id = ?", [review_id])
        return event_id

    def held_event_ids(self, event_ids: Sequence[str]) -> set[str]:
        """Which of `event_ids` this database holds, as a review or an action."""
        if len(event_ids) > LOOKUP_LIMIT:
            held = {row[0] for row in self.conn.execute("SELECT event_id FROM reviews")}
            held.update(row[0] for row in self.conn.execute("SELECT event_id FROM sync_actions"))
            return held & set(event_ids)
        return {
            row[0]
            for row in self.conn.execute(
                "SELECT event_id FROM reviews WHERE event_id IN (SELECT value FROM json_each(:ids)) "
                "UNION SELECT event_id FROM sync_actions "
                "WHERE event_id IN (SELECT value FROM json_each(:ids))",
                {"ids": json.dumps(list(event_ids))},
            )
        }

    def cards_fingerprint(self) -> str:
        """Changes when items come or go: events that waited for a card may merge now."""
        count, total = self.conn.execute("SELECT COUNT(*), TOTAL(id) FROM items").fetchone()
        return f"{count}:{total:.0f}"

    def merge(self, events: Iterable[ReviewEvent]) -> MergeCounts:
        """Add the events this database lacks, then replay every reviewed item; one transaction.

        Events for cards this database does not have are left out (they stay in
        their device's file, and merge once the deck arrives): their ids are in the counts.
        """
        incoming = list(events)
        waiting = 0
        waiting_ids: set[str] = set()
        with self.transaction():
            # Only the incoming ids and cards are looked up (by index): a sync's few
            # events cost little however long the history is.
            known = self._known_event_ids(incoming)
            items = self._item_ids({event.item for event in incoming})
            fresh: list[tuple[ReviewEvent, int]] = []
            for event in incoming:
                if event.event_id in known:
                    continue
                item_id = items.get(event.item)
                if item_id is None:
                    waiting += 1
                    waiting_ids.add(event.event_id)
                    continue
                fresh.append((event, item_id))
                known.add(event.event_id)
            changed = self._replay_log(fresh)
            if fresh:
                # Merged history moves memory states too: the next refresh rebuilds them.
                self.set_meta(MEMORY_STALE_KEY, "1")
        return MergeCounts(len(fresh), waiting, changed, frozenset(waiting_ids))

    def _known_event_ids(self, events: Sequence[ReviewEvent]) -> set[str]:
        if len(events) > LOOKUP_LIMIT:  # a whole history: one pass over the index is quicker
            return {row[0] for row in self.conn.execute("SELECT event_id FROM reviews")}
        return {
            row[0]
            for row in self.conn.execute(
                "SELECT event_id FROM reviews WHERE event_id IN (SELECT value FROM json_each(?))",
                [json.dumps([event.event_id for event in events])],
            )
        }

    def _item_ids(self, keys: set[ItemKey]) -> dict[ItemKey, int]:
        if len(keys) > LOOKUP_LIMIT:
            rows = self.conn.execute(
                "SELECT c.deck_id, c.card_key, i.ord, i.id FROM items i "
                "JOIN cards c ON c.id = i.card_id"
            )
            return {(deck, card, ord_): item_id for deck, card, ord_, item_id in rows}
        rows = self.conn.execute(
            "SELECT c.deck_id, c.card_key, i.ord, i.id FROM json_each(?) k "
            "JOIN cards c ON c.deck_id = json_extract(k.value, '$[0]') "
            "AND c.card_key = json_extract(k.value, '$[1]') "
            "JOIN items i ON i.card_id = c.id AND i.ord = json_extract(k.value, '$[2]')",
            [json.dumps(sorted(keys))],
        )
        return {(deck, card, ord_): item_id for deck, card, ord_, item_id in rows}

    def _event_rows(
        self, items: Iterable[int] | None = None, after: int | None = None
    ) -> list[tuple[ReviewEvent, _LoggedRow]]:
        """Every review (of `items`, or after row `after`, or all) as an event, with its row
        id, item and the states logged with it."""
        days: dict[str, date] = {}  # one date object per study day, not one per review
        rows: list[tuple[ReviewEvent, _LoggedRow]] = []
        sql = _EVENTS_SQL
        params: dict[str, Any] = {"device": self.device_id(), "items": None}
        if items is not None:
            sql += " WHERE r.item_id IN (SELECT value FROM json_each(:items))"
            params["items"] = json.dumps(sorted(items))
        elif after is not None:
            sql += " WHERE r.id > :after"
            params["after"] = after
        for row in self.conn.execute(sql, params):
            day = days.get(row[5])
            if day is None:
                day = days[row[5]] = date.fromisoformat(row[5])
            event = ReviewEvent(
                event_id=row[1],
                device=row[2],
                seq=row[3],
                time=row[4],
                study_day=day,
                deck=row[6],
                card=row[7],
                ord=row[8],
                grade=row[9],
                kind=row[10],
                duration_ms=row[11],
            )
            rows.append((event, (row[0], row[12], row[13:18], row[18:23])))
        return rows

    def _replay_log(self, fresh: Sequence[tuple[ReviewEvent, int]] = ()) -> int:
        """Bring every reviewed item's state, and each log row's before/after, in line with
        the replay of the whole log, `fresh` events (with their item ids) included: they
        are inserted with the states the replay gives them. Returns how many items'
        states changed.

        Only the items whose place in the replay can have moved are replayed: those whose
        log changed since the last replay (`replay_pending`), those of the fresh events,
        and those of a fresh event's device's later events (a device's events are placed
        by the latest time it stamped so far: one that arrives late can move them). Every
        other item is as the last replay left it, which was the replay of its log.
        """
        device = self.device_id()
        affected = {row[0] for row in self.conn.execute("SELECT item_id FROM replay_pending")}
        affected.update(item_id for _, item_id in fresh)
        earliest: dict[str, tuple[int, str]] = {}
        for event, _ in fresh:
            key = (event.seq, event.event_id)
            earliest[event.device] = min(earliest.get(event.device, key), key)
        for origin, (seq, event_id) in earliest.items():
            affected.update(
                row[0]
                for row in self.conn.execute(
                    "SELECT DISTINCT item_id FROM reviews WHERE COALESCE(origin_device, ?) = ? "
                    "AND (COALESCE(origin_seq, id), event_id) > (?, ?)",
                    [device, origin, seq, event_id],
                )
            )
        if not affected:
            return 0
        rows = self._event_rows(affected)
        logged = {event.event_id: row for event, row in rows}
        fresh_items = {event.event_id: item_id for event, item_id in fresh}
        # The devices' whole stamps: an event's place depends on its device's earlier ones.
        origins = {event.device for event, _ in rows} | earliest.keys()
        stamps: list[Stamp] = list(
            self.conn.execute(
                "SELECT COALESCE(origin_device, :device), COALESCE(origin_seq, id), event_id, "
                "reviewed_at FROM reviews "
                "WHERE COALESCE(origin_device, :device) IN (SELECT value FROM json_each(:origins))",
                {"device": device, "origins": json.dumps(sorted(origins))},
            )
        )
        stamps += [(e.device, e.seq, e.event_id, e.time) for e, _ in fresh]
        replayed = replay_all(
            [*(event for event, _ in rows), *(event for event, _ in fresh)],
            effective_times(stamps),
        )
        inserts: list[list[Any]] = []
        updates: list[list[Any]] = []
        finals: dict[int, sm2.SM2State] = {}
        for steps in replayed.values():
            item_id = 0
            for step in steps:
                before, after = _columns(step.before), _columns(step.after)
                event = step.event
                row = logged.get(event.event_id)
                if row is None:
                    item_id = fresh_items[event.event_id]
                    inserts.append(
                        [
                            item_id,
                            event.time,
                            event.study_day.isoformat(),
                            event.grade,
                            event.kind,
                            event.duration_ms,
                            *before,
                            *after,
                            event.event_id,
                            event.device,
                            event.seq,
                        ]
                    )
                    continue
                item_id = row[1]
                if row[2] != before or row[3] != after:
                    updates.append([*before, *after, row[0]])
            finals[item_id] = steps[-1].after
        if inserts:
            # In time order, as the log grows: the indexes by study day are appended to,
            # not written all over (30 times faster for a long history).
            inserts.sort(key=lambda row: (row[1], row[16]))
            self.conn.executemany(
                "INSERT INTO reviews (item_id, reviewed_at, study_day, grade, kind, "
                "duration_ms, ef_before, interval_before, repetitions_before, lapses_before, "
                "due_before, ef_after, interval_after, repetitions_after, lapses_after, "
                "due_after, event_id, origin_device, origin_seq) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                inserts,
            )
        if updates:
            self.conn.executemany(
                "UPDATE reviews SET ef_before = ?, interval_before = ?, repetitions_before = ?, "
                "lapses_before = ?, due_before = ?, ef_after = ?, interval_after = ?, "
                "repetitions_after = ?, lapses_after = ?, due_after = ? WHERE id = ?",
                updates,
            )
        stored = {
            row[0]: tuple(row[1:])
            for row in self.conn.execute(
                "SELECT id, ef, interval, repetitions, lapses, due FROM items "
                "WHERE id IN (SELECT value FROM json_each(?))",
                [json.dumps(sorted(finals))],
            )
        }
        changes = [
            [*_columns(final), item_id]
            for item_id, final in finals.items()
            if stored.get(item_id) != _columns(final)
        ]
        self.conn.executemany(
            "UPDATE items SET ef = ?, interval = ?, repetitions = ?, lapses = ?, due = ? "
            "WHERE id = ?",
            changes,
        )
        self.conn.execute("DELETE FROM replay_pending")
        return len(changes)


# A logged review: row id, item id, and the states before and after it as stored.
_LoggedRow = tuple[int, int, tuple[Any, ...], tuple[Any, ...]]


def _columns(state: sm2.SM2State) -> tuple[Any, ...]:
    """A state as the log and the items table store it."""
    return (state.ef_hundredths, state.interval, state.repetitions, state.lapses, iso(state.due))
