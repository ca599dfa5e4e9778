"""This database as one device: its id, and the log of its actions other devices merge.

Every suspend, bury, note, own card and exam the student changes is written here
in the same transaction as the change itself (studyapp.sync.actions says what an
action event is), so a sync can never miss one.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from studyapp.store.errors import InputError
from studyapp.store.part import StorePart
from studyapp.sync.actions import ActionEvent, register_kinds, too_long

DEVICE_KEY = "device_id"
# The student's own cards' deck. Not a slug (deck_fields.ID_RE): no deck file can
# name it, so none can take these cards over. (Defined here, where actions on
# those cards are logged; studyapp.store.personal owns the cards.)
PERSONAL_DECK_ID = "@personal"
# The student's cards made before their keys named a device ("my-12"): two
# databases made apart use the same keys for different cards, so actions on
# them stay on their device (README, "One history, many places").
_LEGACY_OWN_KEY = re.compile(r"my-\d+")


def stays_on_device(kind: str, target: tuple[str | int, ...]) -> bool:
    """Whether an action is about one of the student's cards with a legacy key."""
    if kind.startswith("exam"):
        return False
    if kind.startswith("my_card"):
        return bool(_LEGACY_OWN_KEY.fullmatch(str(target[0])))
    return target[0] == PERSONAL_DECK_ID and bool(_LEGACY_OWN_KEY.fullmatch(str(target[1])))


class ActionLog(StorePart):
    """The device id, and the actions written as events."""

    def device_id(self) -> str:
        device = self.get_meta(DEVICE_KEY)
        if device is None:  # made by the schema-9 migration; kept here for safety
            device = secrets.token_hex(8)
            self.set_meta(DEVICE_KEY, device)
        return device

    def action_events(self, after: int = 0, upto: int | None = None) -> list[ActionEvent]:
        """Every action event this database holds (its own and merged ones), or those
        logged after row `after` (up to row `upto`)."""
        return [
            ActionEvent(
                event_id=event_id,
                device=device,
                seq=seq,
                time=time,
                kind=kind,
                target=tuple(json.loads(target)),
                value=json.loads(value),
            )
            for event_id, device, seq, time, kind, target, value in self.conn.execute(
                "SELECT event_id, device, seq, time, kind, target, value FROM sync_actions "
                "WHERE id > ? AND id <= COALESCE(?, id) ORDER BY id",
                [after, upto],
            )
        ]

    def _insert_action(self, event: ActionEvent) -> None:
        self.conn.execute(
            "INSERT INTO sync_actions (event_id, device, seq, time, kind, target, value) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                event.event_id,
                event.device,
                event.seq,
                event.time,
                event.kind,
                _target_column(event.target),
                json.dumps(event.value, ensure_ascii=False, sort_keys=True),
            ],
        )

    def _record_action(
        self, kind: str, target: tuple[str | int, ...], value: dict[str, Any]
    ) -> None:
        """Log one action of this device's (inside the transaction that makes the change)."""
        if stays_on_device(kind, target):
            return
        problem = too_long(target, value)
        if problem is not None:
            # Every other device would skip this device's whole file for it.
            raise InputError(f"too long to share with your other devices: give {problem}")
        seq = (self._one("SELECT MAX(id) FROM sync_actions") or 0) + 1
        self._insert_action(
            ActionEvent(
                event_id=secrets.token_hex(16),
                device=self.device_id(),
                seq=seq,
                time=self._action_time(kind, target),
                kind=kind,
                target=target,
                value=value,
            )
        )

    def _action_time(self, kind: str, target: tuple[str | int, ...]) -> str:
        """Now, but 1 ms after the latest event this database holds for the same target (as
        the replay order places it: its device's time so far), so that this one wins."""
        now = self.clock().astimezone(UTC).isoformat(timespec="milliseconds")
        kinds = register_kinds(kind)
        latest: str | None = self._one(
            "SELECT MAX(t.time) FROM sync_actions e JOIN sync_actions t "
            "ON t.device = e.device AND t.seq <= e.seq "
            f"WHERE e.kind IN ({', '.join('?' * len(kinds))}) AND e.target = ?",
            [*kinds, _target_column(target)],
        )
        if latest is None or now > latest:
            return now
        later = datetime.fromisoformat(latest) + timedelta(milliseconds=1)
        return later.isoformat(timespec="milliseconds")

    def _record_item_action(self, item_id: int, kind: str, value: dict[str, Any]) -> None:
        row = self.conn.execute(
            "SELECT c.deck_id, c.card_key, i.ord FROM items i JOIN cards c ON c.id = i.card_id "
            "WHERE i.id = ?",
            [item_id],
        ).fetchone()
        if row is not None:
            self._record_action(kind, (row[0], row[1], row[2]), value)

    def _record_card_action(self, card_id: int, kind: str, value: dict[str, Any]) -> None:
        row = self.conn.execute(
            "SELECT deck_id, card_key FROM cards WHERE id = ?", [card_id]
        ).fetchone()
        if row is not None:
            self._record_action(kind, (row[0], row[1]), value)


def _target_column(target: tuple[str | int, ...]) -> str:
    # One spelling per target, so equal targets compare equal in SQL.
    return json.dumps(list(target), ensure_ascii=False)
