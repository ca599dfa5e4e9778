"""The Stats screen and `studyapp stats`: "Mastery by topic" keeps its figures at every width."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from textual.geometry import Region

from studyapp.cli import cli
from studyapp.ui.screens.stats import StatsScreen
from tests.mastery_support import long_topics_store
from tests.ui.conftest import NOON

WIDTHS = (80, 120, 160, 200, 240)
FIGURES = ("Cards", "Mature", "Ret. 30 d")


@pytest.fixture
def long_store(tmp_path):
    store = long_topics_store(tmp_path / "m.db", tmp_path / "long.toml", NOON.date())
    yield store
    store.close()


@pytest.mark.parametrize("width", WIDTHS)
async def test_stats_screen_keeps_the_mastery_figures(long_store, make_app, width):
    app = make_app(long_store)
    async with app.run_test(size=(width, 40)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        mastery = app.screen.query(".stats-section").first()
        size = mastery.size
        lines = [strip.text for strip in mastery.render_lines(Region(0, 0, *size))]
        assert all(name in lines[0] for name in FIGURES), lines[0]
        rows = [line for line in lines if "%" in line]
        assert len(rows) == 5 and all(" 7 " in row for row in rows)


@pytest.mark.parametrize("width", WIDTHS)
def test_stats_command_keeps_the_mastery_figures(long_store, width):
    path = long_store.database_file()
    result = CliRunner().invoke(cli, ["--db", path, "stats"], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    at = next(i for i, line in enumerate(lines) if "Mastery by topic" in line)
    assert all(name in lines[at + 1] for name in FIGURES), lines[at + 1]
    assert all(len(line) <= width for line in lines[at + 1 : at + 7])
