"""The projection (home, `studyapp exam`, `stats --json`) from the kept tactic: only that
tactic run, the same figures as planning again, and planned again on every change."""

from __future__ import annotations

from datetime import timedelta

import pytest

import studyapp.study.exam_recall_plan as recall_plan
import studyapp.study.exam_tactic as exam_tactic
from studyapp.store.errors import DatabaseError
from studyapp.study import exam
from studyapp.study.exam_forecast import forecast_exam, load_inputs
from studyapp.study.exam_recall_plan import exam_projection, load_recall_inputs, plan_review_ids
from studyapp.study.exam_tactic import choice_key
from tests.study.test_exam_recall_plan import TODAY
from tests.study.test_exam_tactic_kept import (  # noqa: F401 (fixtures)
    CHANGES,
    EXAM_DAY,
    _nothing_worked_out_yet,
    kept_row,
    new_process,
    planned,
    recomputed,
)


def counted(monkeypatch, name: str) -> list[object]:
    """Each call of exam_tactic's `name` (its own calls included), from now on."""
    made: list[object] = []
    real = getattr(exam_tactic, name)

    def counting(*args, **kwargs):
        made.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(exam_tactic, name, counting)
    return made


@pytest.fixture
def choices(monkeypatch) -> list[object]:
    """Each time every tactic was tried (a choice made, not a kept tactic's one run)."""
    return counted(monkeypatch, "_best_run")


@pytest.fixture
def searches(monkeypatch) -> list[object]:
    """Each time the shortfall's searches ran (what a short plan would take)."""
    return counted(monkeypatch, "_minutes_needed")


def the_exam(store, today=TODAY):
    (made,) = store.exams.active(today)
    return made


def planned_afresh(store, monkeypatch, today=TODAY):
    """The projection with nothing kept or worked out: every tactic tried again."""
    new_process(monkeypatch)
    return recall_plan.project(load_recall_inputs(store, the_exam(store, today), today))


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({"minutes_per_day": 3}, id="within reach"),
        pytest.param({"minutes_per_day": 1, "target": 0.99}, id="short of target"),
    ],
)
def test_the_projection_from_the_sessions_kept_tactic_is_what_planning_again_gives(
    store,
    planned,  # noqa: F811
    choices,
    monkeypatch,
    settings,
):
    exam.set_exam(store, EXAM_DAY, name="Q", **settings)
    plan_review_ids(store, TODAY)  # a session starts: the tactic is kept
    assert len(choices) == 1 and kept_row(store)
    new_process(monkeypatch)
    kept = exam_projection(store, the_exam(store), TODAY)
    assert len(choices) == 1  # the kept tactic was run, not chosen again
    again = planned_afresh(store, monkeypatch)
    assert len(choices) == 2
    assert kept == again
    # The comparison is about something: a tactic not the default, a shortfall line.
    assert kept.tactic != recall_plan.Tactic(window_aim=kept.goal.target)
    assert (kept.shortfall is not None) == ("target" in settings)


def test_a_short_plans_shortfall_is_kept_with_its_tactic(
    store,
    planned,  # noqa: F811
    choices,
    searches,
    monkeypatch,
):
    exam.set_exam(store, EXAM_DAY, name="Q", minutes_per_day=1, target=0.99)
    plan_review_ids(store, TODAY)  # the session keeps the tactic, not the shortfall
    new_process(monkeypatch)
    first = exam_projection(store, the_exam(store), TODAY)
    assert first.shortfall and len(searches) == 1  # worked out once, and kept
    new_process(monkeypatch)
    kept = exam_projection(store, the_exam(store), TODAY)
    assert (len(choices), len(searches)) == (1, 1)  # neither chosen nor searched again
    assert kept == first == planned_afresh(store, monkeypatch)
    assert len(searches) == 2
    # A change (a new budget) forgets it with the tactic.
    exam.set_exam(store, EXAM_DAY, name="Q", minutes_per_day=2)
    new_process(monkeypatch)
    exam_projection(store, the_exam(store), TODAY)
    assert (len(choices), len(searches)) == (3, 3)


def test_tactics_kept_before_the_shortfall_are_chosen_again_after_the_upgrade(
    tmp_path,
    write_deck,
    monkeypatch,
):
    import sqlite3

    from studyapp.store import Store

    db = tmp_path / "v17.db"
    store = Store.open(db)
    made, _ = exam.set_exam(store, EXAM_DAY, name="Q")
    exam_projection(store, made, TODAY)
    store.close()
    # The table as schema 17 kept it: the tactic alone.
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE exam_tactics")
    conn.execute(
        "CREATE TABLE exam_tactics (exam_id INTEGER PRIMARY KEY REFERENCES exams(id) "
        "ON DELETE CASCADE, chosen_from TEXT NOT NULL, review_retention REAL NOT NULL, "
        "window_aim REAL NOT NULL)"
    )
    conn.execute("INSERT INTO exam_tactics VALUES (?, 'old digest', 0.7, 0.95)", [made.id])
    conn.execute("PRAGMA user_version = 17")
    conn.commit()
    conn.close()
    store = Store.open(db)
    try:
        assert kept_row(store) == []
        new_process(monkeypatch)
        shown = exam_projection(store, made, TODAY)
        assert kept_row(store)[0][2:] == (shown.tactic.review_retention, shown.tactic.window_aim)
    finally:
        store.close()


def test_a_projection_keeps_its_tactic_for_the_next_process(
    store,
    planned,  # noqa: F811
    choices,
    monkeypatch,
):
    first = exam_projection(store, planned, TODAY)
    inputs, tactic = recomputed(store)
    key = choice_key(inputs.cards, inputs.goal, inputs.parameters)
    assert kept_row(store) == [(planned.id, key, tactic.review_retention, tactic.window_aim)]
    assert first.tactic == tactic
    new_process(monkeypatch)
    assert exam_projection(store, planned, TODAY) == first
    # Both chose once: the first projection, and recomputed() above; the second, none.
    assert len(choices) == 2
    # The session starts from it too.
    new_process(monkeypatch)
    plan_review_ids(store, TODAY)
    assert len(choices) == 2


def test_the_forecast_plans_its_exam_reviews_with_the_kept_tactic(
    store,
    planned,  # noqa: F811
    choices,
    monkeypatch,
):
    exam_projection(store, planned, TODAY)
    new_process(monkeypatch)
    kept = forecast_exam(load_inputs(store, planned, TODAY, 20))
    assert len(choices) == 1
    store.conn.execute("DELETE FROM exam_tactics")
    new_process(monkeypatch)
    again = forecast_exam(load_inputs(store, planned, TODAY, 20))
    assert len(choices) == 2
    assert kept == again and any(day.exam for day in kept.days)


@pytest.mark.parametrize("change", CHANGES)
def test_the_projection_is_planned_again_when_its_inputs_change(
    store,
    planned,  # noqa: F811
    choices,
    monkeypatch,
    change,
    request,
):
    exam_projection(store, planned, TODAY)
    before = kept_row(store)
    change(store, planned)
    today = TODAY + timedelta(days=1) if "new day" in request.node.name else TODAY
    new_process(monkeypatch)
    projected = exam_projection(store, the_exam(store, today), today)
    assert len(choices) == 2  # chosen again, not read back
    assert kept_row(store) != before  # and the new choice kept
    assert projected == planned_afresh(store, monkeypatch, today)


def test_a_file_that_cannot_keep_the_tactic_still_shows_the_projection(
    store,
    planned,  # noqa: F811
    monkeypatch,
):
    def busy(*args, **kwargs):
        raise DatabaseError("database is busy or unavailable: database is locked")

    monkeypatch.setattr(store.exams, "keep_tactic", busy)
    shown = exam_projection(store, planned, TODAY)
    assert kept_row(store) == []
    assert shown == planned_afresh(store, monkeypatch)
