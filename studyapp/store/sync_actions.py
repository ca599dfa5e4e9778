"""Other devices' action events merged in: each target ends in its winning event's state."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from studyapp.store.action_log import ActionLog, stays_on_device
from studyapp.sync.actions import ActionEvent, winners

__all__ = ["ActionCounts", "ActionMerge"]

# Cards and exams first: an action on a card that arrives in the same merge finds it.
_PHASES = (
    ("my_card", "my_card_deleted", "exam", "exam_deleted"),
    ("suspend", "bury", "note"),
)
_ITEM_ID_SQL = (
    "SELECT i.id FROM items i JOIN cards c ON c.id = i.card_id "
    "WHERE c.deck_id = ? AND c.card_key = ? AND i.ord = ?"
)


@dataclass(frozen=True, slots=True)
class ActionCounts:
    """What merging action events did."""

    added: int  # events new to this database
    waiting: int  # events about cards this database does not have (yet)
    applied: int  # targets whose state a new event decided
    waiting_ids: frozenset[str] = frozenset()  # the waiting events' ids


class ActionMerge(ActionLog):
    """Merging other devices' suspend, bury, notes, own cards and exams (``store.actions``)."""

    def merge(self, events: Iterable[ActionEvent]) -> ActionCounts:
        """Add the events this database lacks and apply each target's winner where that is
        a new event (an older one lost already: the state is the winner's); one transaction.

        Events about cards this database does not have are left out: they stay in their
        device's file and merge once the deck arrives.
        """
        added = waiting = applied = 0
        waiting_ids: set[str] = set()
        incoming = list(events)
        with self.transaction():
            known = self._known_action_ids(incoming)
            fresh: dict[str, ActionEvent] = {}
            for event in incoming:
                if event.event_id not in known and not stays_on_device(event.kind, event.target):
                    fresh.setdefault(event.event_id, event)
            for phase in _PHASES:
                new_ids: set[str] = set()
                for event in fresh.values():
                    if event.kind not in phase:
                        continue
                    if not self._target_here(event):
                        waiting += 1
                        waiting_ids.add(event.event_id)
                        continue
                    self._insert_action(event)
                    new_ids.add(event.event_id)
                added += len(new_ids)
                if new_ids:
                    for winner in winners(self._store.sync.action_events()).values():
                        if winner.event_id in new_ids:
                            self._apply_action(winner)
                            applied += 1
        return ActionCounts(added, waiting, applied, frozenset(waiting_ids))

    def actions_after(self, action_id: int) -> tuple[list[ActionEvent], int]:
        """The action events logged after row `action_id`, and the last one's row id."""
        last = int(self._one("SELECT COALESCE(MAX(id), 0) FROM sync_actions"))
        return self.action_events(after=action_id, upto=last), max(last, action_id)

    def _known_action_ids(self, events: list[ActionEvent]) -> set[str]:
        # Looked up by index: a sync's few events cost little however long the log is.
        return {
            row[0]
            for row in self.conn.execute(
                "SELECT event_id FROM sync_actions "
                "WHERE event_id IN (SELECT value FROM json_each(?))",
                [json.dumps([event.event_id for event in events])],
            )
        }

    def _target_here(self, event: ActionEvent) -> bool:
        if event.kind in ("suspend", "bury"):
            return self._one(_ITEM_ID_SQL, list(event.target)) is not None
        if event.kind == "note":
            return (
                self._one(
                    "SELECT 1 FROM cards WHERE deck_id = ? AND card_key = ?", list(event.target)
                )
                is not None
            )
        return True  # the student's own cards and exams are made where they are missing

    def _apply_action(self, event: ActionEvent) -> None:
        stamp = datetime.fromisoformat(event.time).isoformat(timespec="seconds")
        value = event.value
        if event.kind == "suspend":
            self.conn.execute(
                f"UPDATE items SET suspended = ? WHERE id = ({_ITEM_ID_SQL})",
                [int(value["suspended"]), *event.target],
            )
        elif event.kind == "bury":
            self.conn.execute(
                f"UPDATE items SET buried_until = ? WHERE id = ({_ITEM_ID_SQL})",
                [value["until"], *event.target],
            )
        elif event.kind == "note":
            self.conn.execute(
                "UPDATE cards SET note = ? WHERE deck_id = ? AND card_key = ?",
                [value["note"], *event.target],
            )
        elif event.kind in ("my_card", "my_card_deleted"):
            own = value if event.kind == "my_card" else None
            self._store.personal.apply_own_card(str(event.target[0]), own, stamp)
        else:
            self._store.exams.apply_exam(
                str(event.target[0]), value if event.kind == "exam" else None, stamp
            )
