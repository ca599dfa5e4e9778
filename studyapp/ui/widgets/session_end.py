"""What the review screen shows when the session is over: the summary, or "all done"."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from studyapp.study.session_records import Summary
from studyapp.study.sm2 import QUALITY_LABELS
from studyapp.study.studytime import studied_text
from studyapp.ui.formatting import relative_day


class SessionEnd(VerticalScroll):
    """Styled by the review screen (`#review-done`, `#review-done-title`)."""

    def compose(self) -> ComposeResult:
        yield Static(id="review-done-title")
        yield Static(id="review-done-body")

    def show(self, summary: Summary, today: date, where: str, new_limit: int) -> None:
        """The session's `summary` on study day `today`; `where` names what was studied,
        `new_limit` is today's new-card limit (said when it held cards back)."""
        title = self.query_one("#review-done-title", Static)
        body = self.query_one("#review-done-body", Static)
        next_due = (
            f"Next review due {relative_day(summary.next_due, today)} "
            f"({summary.next_due.isoformat()})"
            if summary.next_due
            else "No reviews scheduled yet"
        )
        tomorrow = f"{summary.due_tomorrow} card{'s' * (summary.due_tomorrow != 1)} due tomorrow"
        waiting = (
            f"You have met today's limit of {new_limit} new cards; "
            "more are waiting for tomorrow (m: study more today).\n"
            if summary.new_waiting
            else ""
        )
        if summary.reviewed == 0:
            title.update("All done for now!")
            body.update(
                Text.assemble(
                    f"Nothing left to review in {where}.\n",
                    waiting,
                    "\n",
                    next_due,
                    ".\n",
                    tomorrow,
                    ".\n\n",
                    ("escape", "bold"),
                    " back to your decks",
                )
            )
            return
        title.update("Session complete")
        body.update(_answered(summary, f"\n{waiting}{next_due}.\n{tomorrow}.\n\n"))


def _answered(summary: Summary, after: str) -> Text:
    """A session with answers: how many, how well, each grade's bar, then `after`."""
    accuracy = summary.accuracy or 0.0
    lines = Text.assemble(
        ("Reviewed  ", "bold"),
        f"{summary.reviewed} answers · {studied_text(summary.seconds * 1000)} answering\n",
        ("Accuracy  ", "bold"),
        f"{accuracy:.0%} graded 3 or more\n\n",
    )
    most = max(summary.grades.values())
    for q in range(5, -1, -1):
        n = summary.grades.get(q, 0)
        bar = "█" * round(16 * n / most) if n else ""
        lines.append(f"{q} {QUALITY_LABELS[q]:<9}", style="bold")
        lines.append(f"{bar:<17}", style="red" if q < 3 else "green")
        lines.append(f"{n}\n")
    lines.append(after)
    lines.append_text(
        Text.assemble(
            ("u", "bold"), " undo the last answer · ", ("escape", "bold"), " back to your decks"
        )
    )
    return lines
