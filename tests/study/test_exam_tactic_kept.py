"""The exam plan's tactic kept in the database: what planning again gives, re-made on change."""

from __future__ import annotations

import weakref
from datetime import UTC, datetime, timedelta

import pytest

import studyapp.study.exam_recall_plan as recall_plan
from studyapp.settings import save_setting
from studyapp.study import exam, sm2
from studyapp.study.exam_recall import Memory
from studyapp.study.exam_recall_plan import load_recall_inputs, plan_review_ids, todays_plan
from studyapp.study.exam_tactic import choice_key, plan_exam
from studyapp.sync.events import ReviewEvent
from tests.study.test_exam import big_deck
from tests.study.test_exam_recall_plan import TODAY, item_ids, not_due_until, remember

EXAM_DAY = TODAY + timedelta(days=30)


@pytest.fixture(autouse=True)
def _nothing_worked_out_yet(monkeypatch) -> None:
    # Earlier tests' plans for equal inputs stay in this process: each test starts afresh.
    new_process(monkeypatch)


@pytest.fixture
def planned(store, write_deck):
    """An exam over forty cards of mixed strength (its tactic is not the default one)."""
    store.decks.import_([big_deck(write_deck, "anat", 40)])
    ids = item_ids(store, "anat")
    not_due_until(store, EXAM_DAY + timedelta(days=20))
    for n, item_id in enumerate(ids):
        remember(store, [item_id], 0.5 + 1.5 * n, TODAY - timedelta(days=4 + n % 15))
    made, _ = exam.set_exam(store, EXAM_DAY, name="Q", minutes_per_day=3)
    return made


@pytest.fixture
def plans_made(monkeypatch) -> list[object]:
    """Each full plan worked out for a tactic (planning's own calls counted)."""
    made: list[object] = []

    def counted(*args, **kwargs):
        made.append(args)
        return plan_exam(*args, **kwargs)

    monkeypatch.setattr(recall_plan, "plan_exam", counted)
    return made


def new_process(monkeypatch) -> None:
    """Forget what this process worked out, as the next `studyapp review` starts."""
    monkeypatch.setattr(recall_plan, "_cache", {})
    monkeypatch.setattr(recall_plan, "_tactics", {})
    monkeypatch.setattr(recall_plan, "_planned_ids", weakref.WeakKeyDictionary())


def kept_row(store):
    return store.conn.execute(
        "SELECT exam_id, chosen_from, review_retention, window_aim FROM exam_tactics"
    ).fetchall()


def recomputed(store, today=TODAY):
    """The exam's plan inputs as they now are, and its tactic worked out afresh."""
    (made,) = store.exams.active(today)
    inputs = load_recall_inputs(store, made, today)
    tactic = plan_exam(inputs.cards, inputs.goal, Memory(inputs.parameters)).tactic
    return inputs, tactic


def test_a_kept_tactic_is_exactly_what_planning_again_gives(
    store, planned, plans_made, monkeypatch
):
    first = plan_review_ids(store, TODAY)
    assert first and len(plans_made) == 1
    inputs, tactic = recomputed(store)
    # Not the tactic a plan falls back on: the comparison is about something.
    assert tactic != recall_plan.Tactic(window_aim=inputs.goal.target)
    key = choice_key(inputs.cards, inputs.goal, inputs.parameters)
    assert kept_row(store) == [(planned.id, key, tactic.review_retention, tactic.window_aim)]

    new_process(monkeypatch)
    assert plan_review_ids(store, TODAY) == first
    assert len(plans_made) == 1  # the session started without planning
    kept_day = todays_plan(inputs, kept=store.exams)
    new_process(monkeypatch)
    # The default tactic would plan another day: the kept one is really used.
    assert kept_day != todays_plan(inputs, full_plan=False)
    assert kept_day == todays_plan(inputs)  # planned again, nothing kept: the same day
    assert len(plans_made) == 2


def test_homes_counts_read_a_kept_tactic_but_never_write_one(store, planned, monkeypatch):
    inputs = load_recall_inputs(store, planned, TODAY)
    assert todays_plan(inputs, full_plan=False, kept=store.exams) == todays_plan(
        inputs, full_plan=False
    )
    assert kept_row(store) == []
    plan_review_ids(store, TODAY)
    new_process(monkeypatch)
    with_kept = todays_plan(inputs, full_plan=False, kept=store.exams)
    new_process(monkeypatch)
    assert with_kept == todays_plan(inputs)


def _merge_a_review(store, made) -> None:
    moment = datetime.combine(TODAY, datetime.min.time(), UTC) + timedelta(hours=12)
    store.sync.merge(
        [
            ReviewEvent(
                "laptop-1", "laptop", 1, moment.isoformat(timespec="milliseconds"),
                sm2.study_day(moment), "anat", "c0", 0, 4, "scheduled", 4000,
            )
        ]
    )  # fmt: skip
    # The memory states rebuilt from the merged log, as the next refresh does.
    log, newest = store.memory.log()
    store.memory.save(store.memory.parameters(), log, newest)


# What makes a kept tactic stale: each changes the plan's inputs ("a new day": the next
# study day, nothing else changed).
CHANGES = [
    pytest.param(_merge_a_review, id="a review merged in"),
    pytest.param(
        lambda store, made: exam.set_exam(store, EXAM_DAY, name="Q", minutes_per_day=9),
        id="the exam changed",
    ),
    pytest.param(
        lambda store, made: save_setting(store, "exam_margin_days", "3"),
        id="settings changed",
    ),
    pytest.param(lambda store, made: None, id="a new day"),
]


@pytest.mark.parametrize("change", CHANGES)
def test_the_kept_tactic_is_made_again_when_its_inputs_change(
    store, planned, plans_made, monkeypatch, change, request
):
    plan_review_ids(store, TODAY)
    before = kept_row(store)
    change(store, planned)
    today = TODAY + timedelta(days=1) if "new day" in request.node.name else TODAY
    new_process(monkeypatch)
    ids = plan_review_ids(store, today)
    assert len(plans_made) == 2  # planned again, not read back
    inputs, tactic = recomputed(store, today)
    key = choice_key(inputs.cards, inputs.goal, inputs.parameters)
    assert kept_row(store) == [(planned.id, key, tactic.review_retention, tactic.window_aim)]
    assert kept_row(store)[0][1] != before[0][1]
    new_process(monkeypatch)
    day = todays_plan(inputs)
    assert ids == store.exams.items_for_session([*day.window, *day.reviews], today, None, None)


def test_a_removed_exam_takes_its_kept_tactic_with_it(store, planned):
    plan_review_ids(store, TODAY)
    assert kept_row(store)
    store.exams.remove("Q")
    assert kept_row(store) == []


def test_nothing_is_kept_for_an_exam_not_in_the_database(store, planned):
    store.exams.keep_tactic(planned.id + 1, "digest", 0.9, 0.9)
    assert kept_row(store) == []
