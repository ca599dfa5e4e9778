"""FSRS as the scheduler: each item's FSRS due date, kept beside SM-2's.

The date itself is written with every memory state (store.memory); this is what
reads it, recomputes it when the desired retention changes, and previews it for
the grade keys.
"""

from __future__ import annotations

from datetime import date

from studyapp.memory.model import MemoryState, Retrieval, replay, step
from studyapp.memory.schedule import fsrs_due
from studyapp.store.part import StorePart


class FsrsSchedule(StorePart):
    """FSRS due dates: read, recomputed, previewed."""

    def due_of(self, item_id: int) -> date | None:
        """The item's FSRS due date (None: no memory state yet)."""
        text = self._one("SELECT fsrs_due FROM memory_states WHERE item_id = ?", [item_id])
        return date.fromisoformat(text) if text else None

    def reschedule(self) -> None:
        """Every FSRS due date again from its state (after the desired retention changed)."""
        with self.transaction():
            # Read inside the write transaction: an answer from another process cannot
            # slip in between and be given a date from its old state.
            parameters, retention = (
                self._store.memory.parameters(),
                self._store.memory.desired_retention(),
            )
            rows = self.conn.execute(
                "SELECT item_id, stability, last_day FROM memory_states"
            ).fetchall()
            self.conn.executemany(
                "UPDATE memory_states SET fsrs_due = ? WHERE item_id = ?",
                [
                    (
                        fsrs_due(
                            parameters,
                            MemoryState(stability, 0.0, date.fromisoformat(day), 0),
                            retention,
                        ).isoformat(),
                        item_id,
                    )
                    for item_id, stability, day in rows
                ],
            )

    def preview(self, item_id: int, today: date) -> dict[int, int]:
        """Days from `today` to the FSRS due date each grade 0-5 would give the item."""
        parameters, retention = (
            self._store.memory.parameters(),
            self._store.memory.desired_retention(),
        )
        state = self._store.memory.state(item_id)
        if state is None and self._one("SELECT 1 FROM reviews WHERE item_id = ?", [item_id]):
            state = replay(parameters, self._store.memory.item_retrievals(item_id))
        return {
            grade: (
                fsrs_due(parameters, step(parameters, state, Retrieval(today, grade)), retention)
                - today
            ).days
            for grade in range(6)
        }
