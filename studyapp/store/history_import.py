"""Review history from elsewhere (an Anki package's log) merged into this database's.

The reviews arrive as events with ids of their own ("anki-<revlog id>"): those
already here are skipped, the rest join the log, and every reviewed item's SM-2
state is replayed from the merged log in time order (``store.sync.merge``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from studyapp.store.part import StorePart
from studyapp.sync.events import ItemKey, ReviewEvent

# Event ids of reviews that came from Anki: "anki-<revlog id>" (anki/review_history.py).
ANKI_EVENT_PREFIX = "anki-"
# How far an export moves a revlog id past its review's time to keep ids unique.
SENT_MS_SLACK = range(16)


def _ms(time: str) -> int:
    return int(datetime.fromisoformat(time).timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class HistoryMerge:
    """What merging an import's review history did."""

    added: int  # reviews new to this database
    known: int  # reviews it had already (the same package imported before)
    first_day: date | None  # the study days the added reviews span
    last_day: date | None
    items_changed: int  # items whose SM-2 state the replay changed


# meta: the Anki collection package (.colpkg) this database merged last, as JSON
# {"path", "sha256", "merged_at"}: the only collection `export --collection` rebuilds.
MERGED_COLLECTION_KEY = "anki_collection_merged"


class HistoryImport(StorePart):
    """Merging reviews that came with an import."""

    def record_merged_collection(self, path: str, sha256: str, merged_at: str) -> None:
        with self.transaction():
            record = {"path": path, "sha256": sha256, "merged_at": merged_at}
            self.set_meta(MERGED_COLLECTION_KEY, json.dumps(record))

    def merged_collection(self) -> dict[str, str] | None:
        """The record of the collection merged last, or None."""
        raw = self.get_meta(MERGED_COLLECTION_KEY)
        if raw is None:
            return None
        record = json.loads(raw)
        return {key: str(record[key]) for key in ("path", "sha256", "merged_at")}

    def new_events(self, events: Sequence[ReviewEvent]) -> list[ReviewEvent]:
        """The events this database does not have yet: not by id, and not as one of its
        own reviews that an export sent to Anki (there its revlog id is its time in ms,
        a few ms later at most where two answers shared a millisecond)."""
        known = {row[0] for row in self.conn.execute("SELECT event_id FROM reviews")}
        sent: dict[ItemKey, set[int]] = {}
        for deck, card, ord_, reviewed_at in self.conn.execute(
            "SELECT c.deck_id, c.card_key, i.ord, r.reviewed_at FROM reviews r "
            "JOIN items i ON i.id = r.item_id JOIN cards c ON c.id = i.card_id "
            "WHERE r.event_id NOT LIKE ?",
            [ANKI_EVENT_PREFIX + "%"],
        ):
            sent.setdefault((deck, card, ord_), set()).add(_ms(reviewed_at))
        return [
            event
            for event in events
            if event.event_id not in known
            and not any(event.seq - ms in SENT_MS_SLACK for ms in sent.get(event.item, ()))
        ]

    def merge(self, events: Sequence[ReviewEvent]) -> HistoryMerge:
        """Add the events this database lacks and replay; one transaction (a savepoint
        within an import's)."""
        with self.transaction():
            new = self.new_events(events)
            if not new:  # nothing to add: the log, and so every state, is as it was
                return HistoryMerge(0, len(events), None, None, 0)
            counts = self._store.sync.merge(new)
        days = [event.study_day for event in new]
        return HistoryMerge(
            counts.added,
            len(events) - len(new),
            min(days, default=None),
            max(days, default=None),
            counts.items_changed,
        )
