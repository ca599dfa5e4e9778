"""An item's SM-2 state as a function of its review log: replay, pure and exact."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from studyapp.study import sm2
from studyapp.sync.events import ItemKey, ReviewEvent, in_replay_order

__all__ = ["ReplayStep", "replay_all", "replay_item"]

# Only scheduled answers move SM-2; re-drills, cram and exam reviews are logged alone.
SCHEDULING_KIND = "scheduled"


@dataclass(frozen=True, slots=True)
class ReplayStep:
    """One event with the item's state before and after it."""

    event: ReviewEvent
    before: sm2.SM2State
    after: sm2.SM2State


def replay_item(ordered: Iterable[ReviewEvent]) -> list[ReplayStep]:
    """Replay one item's events, already in replay order, from a new card."""
    state = sm2.SM2State()
    steps: list[ReplayStep] = []
    for event in ordered:
        after = (
            sm2.review(state, event.grade, event.study_day)
            if event.kind == SCHEDULING_KIND
            else state
        )
        steps.append(ReplayStep(event, state, after))
        state = after
    return steps


def replay_all(
    events: Iterable[ReviewEvent], effective: Mapping[str, str] | None = None
) -> dict[ItemKey, list[ReplayStep]]:
    """Every item's steps, all events ordered together (a device's own order spans items);
    `effective`: see in_replay_order (to replay some items' events only)."""
    by_item: dict[ItemKey, list[ReviewEvent]] = {}
    for event in in_replay_order(events, effective):
        by_item.setdefault(event.item, []).append(event)
    return {item: replay_item(ordered) for item, ordered in by_item.items()}
