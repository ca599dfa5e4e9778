"""Time studied: one definition for the session summary, home, Stats and `studyapp stats`.

Time spent answering, each answer capped at one minute as Anki does (a card left on
screen over lunch is not an hour of study).
"""

from __future__ import annotations

from collections.abc import Iterable

ANSWER_CAP_MS = 60_000
# The same cap in SQL, over the reviews table's duration_ms column.
STUDIED_MS_SQL = f"MIN(COALESCE(duration_ms, 0), {ANSWER_CAP_MS})"


def studied_ms(durations_ms: Iterable[int | None]) -> int:
    """Milliseconds studied over these answers (each capped)."""
    return sum(min(d or 0, ANSWER_CAP_MS) for d in durations_ms)


def studied_text(ms: float) -> str:
    """'under a minute', '4 min', '1 h 05 min': how every screen says time studied."""
    seconds = ms / 1000
    if seconds < 60:
        return "under a minute"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"
