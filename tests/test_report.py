"""Stats drawn with Rich: the figures of "Mastery by topic" survive every width."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rich.console import Console

from studyapp import stats
from studyapp.report import heatmap_chart, mastery_table
from tests.conftest import TODAY
from tests.mastery_support import long_topics_store

WIDTHS = (80, 120, 160, 200, 240)


@pytest.fixture
def figures(tmp_path):
    store = long_topics_store(tmp_path / "m.db", tmp_path / "long.toml", TODAY)
    yield stats.compute(store, TODAY)
    store.close()


def drawn(figures, width: int) -> list[str]:
    console = Console(width=width, record=True, color_system=None)
    console.print(mastery_table(figures))
    return console.export_text().splitlines()


@pytest.mark.parametrize("width", WIDTHS)
def test_mastery_keeps_its_figures_and_cuts_the_weakest_card(figures, width):
    lines = drawn(figures, width)
    header = lines[0]
    assert all(name in header for name in ("Cards", "Mature", "Ret. 30 d"))
    assert all(len(line) <= width for line in lines)
    rows = [line for line in lines if "%" in line]
    assert len(rows) == 5  # the two tags and their parents, each with its figures
    for row in rows:
        assert " 7 " in row and "0%" in row
    assert any("endplate-dysfunction" in line for line in lines)
    if width >= 120:
        assert "Weakest card" in header
        assert all("…" in row or "(EF " in row for row in rows)


def test_heatmap_legend_counts_in_the_singular_and_plural(figures):
    def legend(heatmap: dict[str, int]) -> str:
        console = Console(width=80, record=True, color_system=None)
        console.print(heatmap_chart(replace(figures, heatmap=heatmap, streak_days=1)))
        return console.export_text().splitlines()[-1]

    assert "1 review on 1 day · streak 1 day" in legend({TODAY.isoformat(): 1})
    assert "3 reviews on 2 days" in legend({TODAY.isoformat(): 2, "2026-11-20": 1})
