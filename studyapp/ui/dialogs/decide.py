"""Help me decide: the daily load SM-2 and FSRS at each desired retention would ask.

The same simulation, on the same inputs, as `studyapp simulate` (studyapp.memory.simulate):
the student's own memory states, SM-2 states and time per answer. It runs in a thread
worker, so the dialog opens at once and says it is working.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from studyapp.memory.model import Parameters
from studyapp.memory.simulate import (
    DEFAULT_DAYS,
    DEFAULT_SECONDS_PER_ANSWER,
    CardToSimulate,
    Load,
    retentions_to_compare,
    simulate_load,
)
from studyapp.sanitize import one_line
from studyapp.store import Memory
from studyapp.ui.widgets.key_bar import KeyBar


def load_table(loads: list[Load], current: str) -> Text:
    """One line per scheduler, as `studyapp simulate` prints them; the one in use marked."""
    text = Text(f"{'scheduler':<12}{'reviews/day':>12}{'min/day':>9}{'busiest':>9}{'recall':>8}")
    for load in loads:
        recall = "—" if load.recall_at_end is None else f"{load.recall_at_end:.0%}"
        text.append("\n")
        text.append(
            f"{load.scheduler:<12}{load.reviews_per_day:>12.1f}{load.minutes_per_day:>9.1f}"
            f"{max(load.reviews):>9}{recall:>8}",
            style="bold" if load.scheduler == current else "",
        )
        if load.scheduler == current:
            text.append("  ◂ yours", style="bold")
    return text


class DecideScreen(ModalScreen[None]):
    """The simulation's figures for SM-2 and each desired retention; escape closes."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(
        self, memory: Memory, today: date, scheduler: str, desired_retention: float
    ) -> None:
        super().__init__()
        # The store's memory part alone: all this dialog reads.
        self.memory = memory
        self.today = today
        self.current = "sm2" if scheduler == "sm2" else f"fsrs@{desired_retention:.2f}"
        self.retentions = retentions_to_compare(desired_retention)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="decide"):
            yield Static("Help me decide", classes="dialog-title")
            yield Static("Working out the next days…", id="decide-intro")
            yield Static(id="decide-table")
            yield Static(
                "recall: predicted recall of your studied cards on the last day; new cards "
                "not counted. Set the scheduler and desired retention in Settings.",
                classes="dialog-hint",
            )
            yield Static("escape close", classes="dialog-hint")
        yield KeyBar()

    def on_mount(self) -> None:
        # The database is read here, on the UI thread (its connection belongs to it);
        # only the pure simulation runs in the worker.
        cards = self.memory.cards_to_simulate()
        seconds = self.memory.seconds_per_answer(self.today) or DEFAULT_SECONDS_PER_ANSWER
        self.intro = (
            f"The next {DEFAULT_DAYS} days for your {len(cards)} studied cards "
            f"({seconds:.0f} s an answer):"
        )
        self.simulate(self.memory.parameters(), cards, seconds)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def simulate(
        self, parameters: Parameters, cards: list[CardToSimulate], seconds: float
    ) -> list[Load]:
        return simulate_load(parameters, cards, self.today, DEFAULT_DAYS, self.retentions, seconds)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        intro = self.query_one("#decide-intro", Static)
        if event.state == WorkerState.SUCCESS:
            loads: list[Load] = event.worker.result or []
            intro.update(Text(self.intro))
            self.query_one("#decide-table", Static).update(load_table(loads, self.current))
        elif event.state == WorkerState.ERROR:
            intro.update(Text(one_line(f"Could not simulate: {event.worker.error}")))

    def action_close(self) -> None:
        self.dismiss(None)
