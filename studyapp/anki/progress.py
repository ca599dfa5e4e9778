"""SM-2 progress in Anki's schema: a card's review state and its review log (revlog).

The review log follows the forms Anki itself writes, so that Anki's Check
Database finds nothing to change:

* a scheduled review is a Learning (first sight) or Review entry;
* a re-drill (a card graded below 4 coming back in the same session) is a
  Relearning entry, as Anki logs a relearning step;
* a cram or exam review (the schedule untouched) is a Filtered entry with ease
  factor 0, which is how Anki logs a review in a filtered deck that does not
  reschedule: Anki ignores such entries for the card's last review time.

A card's last review time ("lrt" in its data) is then the time of its newest
entry that is not cram, exactly what Check Database would compute.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from studyapp.anki.notes import ItemProgress
from studyapp.anki.review_history import revlog_id_of

# SM-2 grade -> Anki answer button (1 Again, 2 Hard, 3 Good, 4 Easy).
ANKI_EASE = {0: 1, 1: 1, 2: 1, 3: 2, 4: 3, 5: 4}
# Anki's revlog types.
REVLOG_LEARN, REVLOG_REVIEW, REVLOG_RELEARN, REVLOG_FILTERED = 0, 1, 2, 3
# Anki's card types and queues.
CARD_REVIEW, QUEUE_REVIEW, QUEUE_SUSPENDED = 2, 2, -1
# Anki's longest recorded answer time by default.
MAX_ANSWER_MS = 60_000

RevlogRow = tuple[int, int, int, int, int, int, int, int]


def revlog_type(review: Mapping[str, Any]) -> int:
    # Exam reviews leave the schedule untouched, as cram does.
    if review["kind"] in ("cram", "exam"):
        return REVLOG_FILTERED
    if review["kind"] == "redrill":
        return REVLOG_RELEARN
    return REVLOG_LEARN if review["due_before"] is None else REVLOG_REVIEW


def unique_ms(reviewed_at: str, used: set[int], kept: int | None = None) -> int:
    """Revlog ids are answer times in ms and must be unique. A review that came from
    Anki goes back under its own revlog id (`kept`), so Anki sees it is already there."""
    if kept is not None and kept not in used:
        used.add(kept)
        return kept
    ms = int(datetime.fromisoformat(reviewed_at).timestamp() * 1000)
    while ms in used:
        ms += 1
    used.add(ms)
    return ms


def revlog_rows(card_id: int, progress: ItemProgress, used_ids: set[int]) -> list[RevlogRow]:
    """(id, cid, ease, ivl, lastIvl, factor, time, type) per review, oldest first."""
    rows = []
    for review in progress.reviews:
        kind = revlog_type(review)
        rows.append(
            (
                unique_ms(review["reviewed_at"], used_ids, revlog_id_of(review.get("event_id"))),
                card_id,
                ANKI_EASE[review["grade"]],
                review["interval_after"],
                review["interval_before"],
                # Anki's mark of a review that changed nothing (cram): ease factor 0.
                0 if kind == REVLOG_FILTERED else review["ef_after"] * 10,
                min(review["duration_ms"] or 0, MAX_ANSWER_MS),
                kind,
            )
        )
    return rows


def last_review_secs(rows: list[RevlogRow]) -> int | None:
    """Anki's last review time for a card with these revlog rows: newest non-cram entry."""
    rated = [row[0] for row in rows if row[7] != REVLOG_FILTERED]
    return max(rated) // 1000 if rated else None


def review_card_columns(
    progress: ItemProgress, today: date, rows: list[RevlogRow]
) -> tuple[int, int, int, int, int, int, int, int, str] | None:
    """(type, queue, due, ivl, factor, reps, lapses, left, data) of a reviewed card,
    or None while it is still new (never given a schedule)."""
    state = progress.state
    if state.due is None:
        return None
    scheduled = sum(1 for r in progress.reviews if r["kind"] == "scheduled")
    last = last_review_secs(rows)
    data = json.dumps({"lrt": last}, separators=(",", ":")) if last is not None else ""
    return (
        CARD_REVIEW,
        QUEUE_SUSPENDED if progress.suspended else QUEUE_REVIEW,
        (state.due - today).days,
        state.interval,
        state.ef_hundredths * 10,
        scheduled,
        state.lapses,
        0,
        data,
    )
