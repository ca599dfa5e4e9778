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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeVar

__all__ = ["ItemKey", "Ordered", "ReviewEvent", "Stamp", "effective_times", "in_replay_order"]

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


# What the order reads of one event: (device, sequence, event id, time).
Stamp = tuple[str, int, str, str]


def effective_times(stamps: Iterable[Stamp]) -> dict[str, str]:
    """Event id -> its effective time: the latest time its device stamped up to it
    (rule 1 of the module docstring). `stamps` must hold every event of each device
    whose events are to be ordered, not just theirs."""
    effective: dict[str, str] = {}
    latest: dict[str, str] = {}
    for device, _seq, event_id, time in sorted(stamps, key=lambda s: (s[0], s[1], s[2])):
        latest[device] = now = max(latest.get(device, ""), time)
        effective[event_id] = now
    return effective


def in_replay_order(
    events: Iterable[EventT], effective: Mapping[str, str] | None = None
) -> list[EventT]:
    """`events` in the documented replay order (see the module docstring); `effective`:
    their effective times, if worked out from more events than these (effective_times)."""
    events = list(events)
    if effective is None:
        effective = effective_times((e.device, e.seq, e.event_id, e.time) for e in events)
    return sorted(events, key=lambda e: (effective[e.event_id], e.device, e.seq, e.event_id))
