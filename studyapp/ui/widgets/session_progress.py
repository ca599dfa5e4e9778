"""How far through the session the student is: what is done and left in each queue, and
a one-line bar with a percentage.

Textual's ProgressBar is three widgets with an ETA clock ticking every second;
the review screen only needs done / total, redrawn when a card is graded.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from studyapp.study.session_records import Counts, SessionMode


class SessionCounts(Static):
    """One line: done, then what is left in each of the session's queues."""

    def show(self, counts: Counts, mode: SessionMode) -> None:
        queues: tuple[tuple[str, str] | str, ...]
        if mode == "scheduled":
            queues = (
                ("New ", "bold cyan"),
                f"{counts.new}   ",
                ("Review ", "bold green"),
                f"{counts.review}   ",
            )
            if counts.exam:
                queues += (("Exam ", "bold magenta"), f"{counts.exam}   ")
        else:
            label = "Cram " if mode == "cram" else "Weak spots "
            queues = ((label, "bold magenta"), f"{counts.review}   ")
        self.update(
            Text.assemble(
                ("Done ", "bold"),
                f"{counts.done}   ",
                *queues,
                ("Re-drill ", "bold yellow"),
                f"{counts.redrill}",
            )
        )


class SessionProgress(Widget):
    """The bar: `done` of `total` answers."""

    COMPONENT_CLASSES = {
        "session-progress--done",
        "session-progress--left",
        "session-progress--complete",
    }
    DEFAULT_CSS = """
    SessionProgress {
        height: 1;
        & > .session-progress--done { color: $primary; }
        & > .session-progress--left { color: $surface-lighten-2; }
        & > .session-progress--complete { color: $success; }
    }
    """

    done: reactive[int] = reactive(0)
    total: reactive[int] = reactive(0)

    def render(self) -> Text:
        share = min(1.0, self.done / self.total) if self.total > 0 else 0.0
        label = f" {share:>4.0%}"
        width = max(0, self.size.width - len(label))
        filled = round(width * share)
        done_style = self.get_component_rich_style(
            "session-progress--complete" if share >= 1 else "session-progress--done"
        )
        return Text.assemble(
            ("━" * filled, done_style),
            ("━" * (width - filled), self.get_component_rich_style("session-progress--left")),
            label,
            no_wrap=True,
            overflow="crop",
        )
