"""A review event as devices exchange it, and the order every device replays events in.

The ordering rule (the same on every device, whatever its clock said):

1. Each device's own events keep the order it wrote them in (its sequence
   numbers): an event's *effective time* is the latest time that device had
   stamped so far, so a clock set back never moves an event before one the
   same device wrote earlier.
2. Events are then ordered by (effective time, device id, sequence, event id).
   Two devices' events at the same moment follow their device ids, so the order
   never depends on which device merged first.

A clock that is simply wrong (hours ahead) still places that device's reviews
at the times it stamped; nothing can know the true time afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeVar

__all__ = ["ItemKey", "Ordered", "ReviewEvent", "in_replay_order"]

# An item across devices: (deck id, card id in the deck file, item ordinal).
ItemKey = tuple[str, str, int]


@dataclass(frozen=True, slots=True)
class ReviewEvent:
    """One graded answer: who wrote it, when, for which item, and how it went."""

    event_id: str
    device: str
    seq: int
    # UTC, ISO 8601 with milliseconds, as the review log stores it (sorts as time).
    time: str
    study_day: date
    deck: str
    card: str
    ord: int
    grade: int
    kind: str
    duration_ms: int | None

    @property
    def item(self) -> ItemKey:
        return (self.deck, self.card, self.ord)


class Ordered(Protocol):
    """What the replay order reads of an event (reviews and other actions alike)."""

    @property
    def event_id(self) -> str: ...
    @property
    def device(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def time(self) -> str: ...


EventT = TypeVar("EventT", bound=Ordered)


def in_replay_order(events: Iterable[EventT]) -> list[EventT]:
    """`events` in the documented replay order (see the module docstring)."""
    by_device: dict[str, list[EventT]] = {}
    for event in events:
        by_device.setdefault(event.device, []).append(event)
    keyed: list[tuple[str, str, int, str, EventT]] = []
    for device, own in by_device.items():
        latest = ""
        for event in sorted(own, key=lambda e: (e.seq, e.event_id)):
            latest = max(latest, event.time)
            keyed.append((latest, device, event.seq, event.event_id, event))
    keyed.sort(key=lambda k: k[:4])
    return [k[4] for k in keyed]
