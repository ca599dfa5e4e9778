"""The six grade boxes under a revealed card: each grade's name and what it would do."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from studyapp.study.sm2 import QUALITY_LABELS
from studyapp.ui.formatting import grade_outcome, short_days


class GradeBar(Horizontal):
    """Styled by the review screen (`#review-grades`, `.grade`, `.grade.fail`)."""

    def compose(self) -> ComposeResult:
        for q in range(6):
            yield Static(id=f"grade-{q}", classes="grade")

    def show(
        self, days: Mapping[int, int], ease: Mapping[int, int] | None, *, again_or_done: bool
    ) -> None:
        """Label the boxes: `days` to the next review after each grade 0-5, with SM-2's
        `ease` change (None under FSRS, which keeps no ease that schedules); or, when the
        answer reschedules nothing (a re-drill, an exam review, cram), "again" or "done"."""
        # Six boxes share the width (less the margins); labels never wrap away.
        width = max(1, (self.app.size.width - 2) // 6)
        for q in range(6):
            box = self.query_one(f"#grade-{q}", Static)
            if again_or_done:
                then = "again" if q < 4 else "done"
            elif ease is None:
                then = short_days(days[q])
            else:
                then = grade_outcome(days[q], ease[q], width - 1)  # a cell between boxes
            name = f"{q} {QUALITY_LABELS[q]}" if width >= len(QUALITY_LABELS[q]) + 2 else str(q)
            label = Text(name, style="bold", no_wrap=True, overflow="ellipsis")
            label.append("\n")
            label.append(then, style="dim")
            box.update(label)
            box.set_class(q < 3, "fail")
