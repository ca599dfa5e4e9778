"""Stats: forecast, heatmap, retention, mastery by topic, states, EF, leeches, time."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from studyapp import stats
from studyapp.report import as_of, sections
from studyapp.ui.context import GivenContext
from studyapp.ui.widgets.key_bar import KeyBar


class StatsScreen(GivenContext, Screen[None]):
    CSS_PATH = "stats.tcss"
    BINDINGS = [
        Binding("r", "refresh", "Refresh"),
        Binding("escape", "back", "Back"),
    ]

    def compose(self) -> ComposeResult:
        yield VerticalScroll(id="stats-body")
        yield KeyBar()

    def on_mount(self) -> None:
        self.action_refresh()
        self.query_one("#stats-body").focus()

    def action_refresh(self) -> None:
        figures = stats.compute(self.store, self.context.today())
        body = self.query_one("#stats-body", VerticalScroll)
        body.remove_children()
        body.mount(Static(f"Statistics  {as_of(figures.today)}", classes="stats-title"))
        for title, renderable in sections(figures):
            body.mount(Static(title, classes="stats-heading"))
            body.mount(Static(renderable, classes="stats-section"))

    def action_back(self) -> None:
        self.dismiss()
