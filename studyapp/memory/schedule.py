"""FSRS as a scheduler: the day an item is due at a desired retention (pure, no I/O).

No fuzz: the same state, parameters and retention always give the same day, so a
replayed log, an undo and a switch between schedulers are exact.
"""

from __future__ import annotations

from datetime import date, timedelta

from studyapp.memory.model import MemoryState, Parameters

__all__ = ["DEFAULT_RETENTION", "MAX_INTERVAL", "RETENTION_RANGE", "fsrs_due", "fsrs_interval"]

# The desired retentions the scheduler setting allows (and `simulate` compares).
RETENTION_RANGE = (0.70, 0.97)
DEFAULT_RETENTION = 0.90
# A hundred years: as long as any interval gets.
MAX_INTERVAL = 36500


def fsrs_interval(parameters: Parameters, stability: float, retention: float) -> int:
    """Days until predicted recall falls to `retention` (at least 1, at most MAX_INTERVAL).

    FSRS-6's curve R(t) = (1 + F t / S) ** -w20, with F making R(S) = 0.9, solved for t.
    """
    decay = parameters[20]
    factor = 0.9 ** (-1 / decay) - 1
    days: float = stability / factor * (retention ** (-1 / decay) - 1)
    return max(1, min(MAX_INTERVAL, round(days)))


def fsrs_due(parameters: Parameters, state: MemoryState, retention: float) -> date:
    """When FSRS schedules the item next: the day predicted recall falls to `retention`."""
    return state.last_day + timedelta(days=fsrs_interval(parameters, state.stability, retention))
