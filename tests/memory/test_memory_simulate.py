"""`studyapp simulate`: the load each scheduler would ask, from the student's own cards."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner

from studyapp.cli import cli
from studyapp.deckfile.reader import load_deck
from studyapp.memory.model import DEFAULT_PARAMETERS, MemoryState
from studyapp.memory.simulate import CardToSimulate, fsrs_interval, simulate_load
from studyapp.store import Store
from studyapp.study import sm2

TODAY = date(2026, 6, 1)


def test_an_interval_of_one_stability_keeps_ninety_percent():
    assert fsrs_interval(DEFAULT_PARAMETERS, 10.0, 0.9) == 10
    assert (
        fsrs_interval(DEFAULT_PARAMETERS, 10.0, 0.8)
        > 10
        > fsrs_interval(DEFAULT_PARAMETERS, 10.0, 0.95)
    )


def cards(n: int = 300) -> list[CardToSimulate]:
    out = []
    for i in range(n):
        last = TODAY - timedelta(days=i % 20)
        memory = MemoryState(1.0 + i % 40, 5.0, last, 3)
        state = sm2.SM2State(250, 1 + i % 30, 3, last + timedelta(days=1 + i % 30), 0)
        out.append(CardToSimulate(memory, state))
    return out


def test_a_higher_retention_costs_more_reviews_and_buys_more_recall():
    loads = simulate_load(DEFAULT_PARAMETERS, cards(), TODAY, 60, (0.75, 0.85, 0.95), 6.0)
    assert [load.scheduler for load in loads] == ["sm2", "fsrs@0.75", "fsrs@0.85", "fsrs@0.95"]
    fsrs = loads[1:]
    assert fsrs[0].reviews_per_day < fsrs[1].reviews_per_day < fsrs[2].reviews_per_day
    assert fsrs[0].recall_at_end < fsrs[1].recall_at_end < fsrs[2].recall_at_end
    assert all(len(load.reviews) == 60 for load in loads)
    assert loads[0].minutes_per_day == pytest.approx(loads[0].reviews_per_day * 6 / 60)


def test_no_cards_no_load_and_retention_is_checked():
    (sm2_load,) = simulate_load(DEFAULT_PARAMETERS, [], TODAY, 5, (), 6.0)
    assert sm2_load.reviews == [0] * 5 and sm2_load.recall_at_end is None
    with pytest.raises(ValueError):
        simulate_load(DEFAULT_PARAMETERS, [], TODAY, 5, (0.99,), 6.0)


def test_simulate_command(tmp_path, sample_deck):
    db = tmp_path / "s.db"
    store = Store.open(db)
    store.decks.import_([load_deck(sample_deck)])
    item = store.conn.execute("SELECT id FROM items").fetchone()[0]
    moment = datetime(2026, 1, 1, 12, tzinfo=UTC)
    store.reviews.grade(item, 4, now=moment, today=moment.date(), duration_ms=12000)
    store.close()
    runner = CliRunner()
    done = runner.invoke(cli, ["--db", str(db), "simulate", "--days", "10", "--json"])
    data = json.loads(done.output)
    assert data["cards"] == 1 and set(data["schedulers"]) == {
        "sm2",
        "fsrs@0.80",
        "fsrs@0.85",
        "fsrs@0.90",
        "fsrs@0.95",
    }
    assert len(data["schedulers"]["sm2"]["reviews"]) == 10
    text = runner.invoke(cli, ["--db", str(db), "simulate", "--retention", "0.9"]).output
    assert "fsrs@0.90" in text and "reviews/day" in text
    bad = runner.invoke(cli, ["--db", str(db), "simulate", "--retention", "0.99"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
