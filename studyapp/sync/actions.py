"""What the student does besides reviewing, as events devices exchange; which one wins.

Each action event carries the *whole* state it left its target in (an item
suspended or not, a card's note, one of the student's cards, an exam), never a
change to it. So merging is choosing: for every target (a *register*), the event
last in the replay order (studyapp.sync.events: time as the device stamped it,
never going back within one device, then device id, then sequence) is the state
every device ends in, whichever order the events arrived in. A device stamps
an action no earlier than the events it already holds for the same target (1 ms
after the latest: studyapp.store.action_log), so a change made after seeing
another wins over it whatever the clocks say; only changes made without seeing
each other are ordered by the clocks that stamped them. A deletion is an
event like any other: it wins over every edit older than it, and an edit made
later (on a device that had not seen the deletion) brings the card back, so
nothing the student wrote is lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from studyapp.sync.events import in_replay_order

__all__ = [
    "ACTION_KINDS",
    "CONTENT_LIMIT",
    "TARGET_SHAPES",
    "TEXT_LIMIT",
    "ActionEvent",
    "Register",
    "register_kinds",
    "too_long",
    "winners",
]

# kind -> the register it writes (a deletion shares its target's register).
_REGISTERS = {
    "suspend": "suspend",
    "bury": "bury",
    "note": "note",
    "my_card": "my_card",
    "my_card_deleted": "my_card",
    "exam": "exam",
    "exam_deleted": "exam",
}
ACTION_KINDS = tuple(_REGISTERS)
# What names the target of each kind: an item (deck, card, ordinal), a card
# (deck, card), one of the student's own cards (its key), an exam (its name).
TARGET_SHAPES: dict[str, tuple[type, ...]] = {
    "suspend": (str, str, int),
    "bury": (str, str, int),
    "note": (str, str),
    "my_card": (str,),
    "my_card_deleted": (str,),
    "exam": (str,),
    "exam_deleted": (str,),
}

# What every device accepts (studyapp.sync.eventfile): names and ids, and what a
# note or a field of the student's card may hold. A change beyond them is refused
# where it is made, so no device's file ever holds a line the others skip it for.
TEXT_LIMIT = 500
CONTENT_LIMIT = 100_000

# (register, target): one thing whose state the last event sets.
Register = tuple[str, tuple[str | int, ...]]


@dataclass(frozen=True, slots=True)
class ActionEvent:
    """One action: who did it, when, to what, and the state it left that in."""

    event_id: str
    device: str
    seq: int
    # UTC, ISO 8601 with milliseconds (sorts as time), as for reviews.
    time: str
    kind: str
    target: tuple[str | int, ...]
    # The whole state after the action (JSON values); empty for a deletion.
    value: dict[str, Any]

    @property
    def register(self) -> Register:
        return (_REGISTERS[self.kind], self.target)


def too_long(target: tuple[str | int, ...], value: dict[str, Any]) -> str | None:
    """What of an action exceeds the limits every device accepts, or None."""
    if any(isinstance(part, str) and len(part) > TEXT_LIMIT for part in target):
        return f"a name of at most {TEXT_LIMIT} characters"
    for key, field in value.items():
        if isinstance(field, str) and len(field) > CONTENT_LIMIT:
            return f"{key} of at most {CONTENT_LIMIT} characters"
        if isinstance(field, list) and any(len(str(name)) > TEXT_LIMIT for name in field):
            return f"{key} of at most {TEXT_LIMIT} characters each"
    return None


def register_kinds(kind: str) -> tuple[str, ...]:
    """The kinds that write the same register as `kind` (an edit and its deletion)."""
    return tuple(other for other, register in _REGISTERS.items() if register == _REGISTERS[kind])


def winners(events: Iterable[ActionEvent]) -> dict[Register, ActionEvent]:
    """The event that decides each register's state: the last in replay order."""
    return {event.register: event for event in in_replay_order(events)}
