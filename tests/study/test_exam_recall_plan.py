"""An exam's target recall and budget, and its projected recall on the day from memory states."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from studyapp.settings import save_setting
from studyapp.study import exam
from studyapp.study.exam_forecast import load_line, recall_line
from studyapp.study.exam_plan import DEFAULT_TARGET
from studyapp.study.exam_recall_plan import (
    load_recall_inputs,
    parse_minutes,
    parse_target,
    planned_days,
    project,
    todays_plan,
)
from tests.cli.test_exam_cli import run, soon  # noqa: F401 (the `run` fixture)
from tests.study.test_exam import big_deck

TODAY = date(2026, 11, 23)


def remember(store, item_ids, stability: float, last_day: date) -> None:
    """Give items a memory state as if answered on `last_day` (what grading writes)."""
    with store.transaction():
        store.conn.executemany(
            "INSERT OR REPLACE INTO memory_states "
            "(item_id, stability, difficulty, last_day, reviews) VALUES (?, ?, 5.0, ?, 1)",
            [(i, stability, last_day.isoformat()) for i in item_ids],
        )


def item_ids(store, deck_id: str) -> list[int]:
    return [r[0] for r in store.conn.execute("SELECT id FROM items WHERE deck_id = ?", [deck_id])]


# -- target and budget ------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [("90", 0.9), ("85%", 0.85), ("0.8", 0.8)])
def test_targets_read_as_percent_or_fraction(text, value):
    assert parse_target(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "120", "0.3", "100%"])
def test_bad_targets_are_refused_with_a_readable_line(text):
    with pytest.raises(ValueError, match="target"):
        parse_target(text)


@pytest.mark.parametrize("text", ["0", "-5", "abc", "10000"])
def test_bad_budgets_are_refused_with_a_readable_line(text):
    with pytest.raises(ValueError, match="minutes"):
        parse_minutes(text)


def test_moving_an_exam_keeps_target_and_budget_unless_given(store, write_deck):
    store.decks.import_([big_deck(write_deck, "anat", 5)])
    day = TODAY + timedelta(days=20)
    first, created = exam.set_exam(store, day, name="A", target=0.85, minutes_per_day=25)
    assert created and (first.target, first.minutes_per_day) == (0.85, 25)
    moved, created = exam.set_exam(store, day + timedelta(days=3), name="A")
    assert not created and (moved.target, moved.minutes_per_day) == (0.85, 25)
    retargeted, _ = exam.set_exam(store, day, name="A", target=0.95)
    assert (retargeted.target, retargeted.minutes_per_day) == (0.95, 25)
    assert store.exams.all() == [retargeted]
    plain, _ = exam.set_exam(store, day, name="B")
    assert (plain.target, plain.minutes_per_day) == (None, None)


# -- projected recall ---------------------------------------------------------------------


def test_projection_reads_memory_states_and_the_plan_beats_stopping(store, write_deck):
    store.decks.import_(
        [big_deck(write_deck, "anat", 30), big_deck(write_deck, "phys", 10, "phys")]
    )
    anat = item_ids(store, "anat")
    # Anatomy learned a while ago and fading; physiology never studied.
    remember(store, anat, stability=4.0, last_day=TODAY - timedelta(days=3))
    when, _ = exam.set_exam(store, TODAY + timedelta(days=30), name="Finals")
    forecast = project(load_recall_inputs(store, when, TODAY))
    stopped, followed = forecast.if_stopped, forecast.if_followed
    assert stopped.by_topic["phys"] == 0.0  # unseen: nothing remembered without study
    assert 0.0 < stopped.by_topic["anatomy"] < 0.8
    assert followed.overall > stopped.overall and followed.overall >= DEFAULT_TARGET
    assert stopped.overall == pytest.approx((stopped.by_topic["anatomy"] * 30) / 40)
    assert len(forecast.daily_minutes) == 30
    assert recall_line(forecast).endswith("if you stop today · target 90%")
    assert "(your usual)" in load_line(forecast)


def test_projection_is_kept_until_the_states_change(store, write_deck):
    store.decks.import_([big_deck(write_deck, "anat", 12)])
    remember(store, item_ids(store, "anat"), 3.0, TODAY - timedelta(days=2))
    when, _ = exam.set_exam(store, TODAY + timedelta(days=15), name="Q")
    first = project(load_recall_inputs(store, when, TODAY))
    assert project(load_recall_inputs(store, when, TODAY)) is first
    remember(store, item_ids(store, "anat")[:1], 30.0, TODAY - timedelta(days=1))
    assert project(load_recall_inputs(store, when, TODAY)) is not first


def test_default_budget_is_the_students_median_recent_day(store, write_deck):
    store.decks.import_([big_deck(write_deck, "anat", 3)])
    with store.transaction():
        store.conn.executemany(
            "INSERT INTO review_days VALUES (?, 'scheduled', 0, 0, 1, 10, ?)",
            [
                ((TODAY - timedelta(days=d)).isoformat(), m * 60000)
                for d, m in [(1, 12), (2, 40), (3, 18)]
            ],
        )
    when, _ = exam.set_exam(store, TODAY + timedelta(days=10), name="Q")
    assert load_recall_inputs(store, when, TODAY).goal.minutes_per_day == 18
    # New cards at the student's own limit, as the session introduces them.
    assert load_recall_inputs(store, when, TODAY).goal.new_per_day == 20
    save_setting(store, "new_per_day", "7")
    assert load_recall_inputs(store, when, TODAY).goal.new_per_day == 7
    budgeted, _ = exam.set_exam(store, when.date, name="Q", minutes_per_day=45)
    inputs = load_recall_inputs(store, budgeted, TODAY)
    assert inputs.goal.minutes_per_day == 45 and not inputs.default_budget


def test_a_target_out_of_reach_says_what_it_would_take(store, write_deck):
    store.decks.import_([big_deck(write_deck, "anat", 200)])
    when, _ = exam.set_exam(
        store, TODAY + timedelta(days=10), name="Soon", target=0.95, minutes_per_day=1
    )
    forecast = project(load_recall_inputs(store, when, TODAY))
    assert forecast.if_followed.overall < 0.95
    assert forecast.shortfall is not None
    assert forecast.shortfall.startswith("at 1 min/day: ") and "95% needs" in forecast.shortfall
    assert forecast.peak_minutes <= 1.0 + 1e-9


def test_todays_plan_reviews_cards_at_risk_on_the_day(store, write_deck):
    store.decks.import_([big_deck(write_deck, "anat", 10)])
    ids = item_ids(store, "anat")
    # Fading, whatever review retention the plan picks (0.7 or more): worth a review today.
    remember(store, ids[:5], 1.0, TODAY - timedelta(days=30))
    remember(store, ids[5:], 3000.0, TODAY - timedelta(days=1))  # safe until the day
    when, _ = exam.set_exam(store, TODAY + timedelta(days=20), name="Q")
    day = todays_plan(load_recall_inputs(store, when, TODAY))
    assert set(day.reviews) == set(ids[:5])


# -- the command line ---------------------------------------------------------------------


def test_exam_command_sets_target_and_budget_and_shows_recall(run):  # noqa: F811
    result = run("exam", soon(30), "--name", "Finals", "--target", "85%", "--minutes", "20")
    assert result.exit_code == 0, result.output
    assert "with the plan · 0% if you stop today · target 85%" in result.output
    assert "plan: 20 min/day budget · max " in result.output
    moved = run("exam", soon(35), "--name", "Finals")
    assert "target 85%" in moved.output and "plan: 20 min/day budget" in moved.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "2"], "studyapp: target 2 is out of range; give 50% to 99%\n"),
        (["--minutes", "x"], "studyapp: minutes 'x' is not a number; write e.g. 30\n"),
    ],
)
def test_bad_target_or_budget_gets_one_line_and_writes_nothing(run, args, message):  # noqa: F811
    result = run("exam", soon(9), *args)
    assert result.exit_code == 1 and result.stderr == message
    assert "No exams set" in run("exam").output


def test_exam_command_says_the_shortfall_before_it_happens(run):  # noqa: F811
    result = run("exam", soon(3), "--name", "Soon", "--target", "99", "--minutes", "1")
    assert "  short of target: at 1 min/day: " in result.output


def test_stats_json_has_each_exams_projected_recall(run):  # noqa: F811
    run("exam", soon(20), "--deck", "sample", "--name", "Anatomy", "--minutes", "15")
    (entry,) = json.loads(run("stats", "--json").output)["exams"]
    recall = entry["recall"]
    assert recall["target"] == 0.9 and recall["minutes_per_day"] == 15
    assert recall["if_stopped"] == 0.0 and recall["if_followed"] > 0.5
    assert set(recall["by_topic"]) == {"if_followed", "if_stopped"}
    assert len(recall["daily_minutes"]) == entry["days_left"]


# -- the daily queue's exam part ------------------------------------------------------------


def not_due_until(store, day: date) -> None:
    """Every item studied (SM-2 state of a mature card) and next due on `day`."""
    with store.transaction():
        store.conn.execute(
            "UPDATE items SET repetitions = 4, interval = 60, due = ?, ef = 250",
            [day.isoformat()],
        )


def fading_and_safe(store, write_deck) -> tuple[list[int], list[int]]:
    """Ten cards SM-2 shows only after the exam: five fading fast, five safe until the day."""
    store.decks.import_([big_deck(write_deck, "anat", 10)])
    ids = item_ids(store, "anat")
    not_due_until(store, TODAY + timedelta(days=50))
    remember(store, ids[:5], 1.0, TODAY - timedelta(days=30))
    remember(store, ids[5:], 3000.0, TODAY - timedelta(days=1))
    return ids[:5], ids[5:]


def test_the_plan_brings_cards_at_risk_forward_as_exam_reviews(store, write_deck):
    from studyapp.study.session import ReviewSession

    fading, _safe = fading_and_safe(store, write_deck)
    exam.set_exam(store, TODAY + timedelta(days=30), name="Q", target=0.9)
    before = store.conn.execute("SELECT * FROM items ORDER BY id").fetchall()
    session = ReviewSession(store, today=TODAY)
    # A month before the exam, outside its final window: only the plan asks for these.
    assert session.counts().exam == 5 and session.counts().review == 0
    shown = []
    while session.current() is not None:
        shown.append(session.current().id)
        session.answer(4)
    assert sorted(shown) == sorted(fading)
    kinds = store.conn.execute("SELECT DISTINCT kind FROM reviews").fetchall()
    assert kinds == [("exam",)]
    assert store.conn.execute("SELECT * FROM items ORDER BY id").fetchall() == before
    # Reviewed today: a second sitting has nothing more to give them.
    assert ReviewSession(store, today=TODAY).current() is None


def test_the_plan_keeps_to_the_days_budget(store, write_deck):
    from studyapp.study.session import ReviewSession

    fading_and_safe(store, write_deck)
    exam.set_exam(store, TODAY + timedelta(days=30), name="Q", minutes_per_day=1)
    with store.transaction():  # 45 s of this minute already studied today, 9 s an answer
        store.conn.execute(
            "INSERT INTO review_days VALUES (?, 'scheduled', 0, 0, 1, 5, 45000)",
            [TODAY.isoformat()],
        )
    # 15 s left: one review.
    assert ReviewSession(store, today=TODAY).counts().exam == 1


def test_an_exam_without_target_or_budget_follows_its_plan_too(store, write_deck):
    from studyapp.study.session import ReviewSession

    fading, _safe = fading_and_safe(store, write_deck)
    (planned, _) = exam.set_exam(store, TODAY + timedelta(days=30), name="Q")
    assert (planned.target, planned.minutes_per_day) == (None, None)
    # Outside the final window, the defaults' plan brings the fading cards forward.
    session = ReviewSession(store, today=TODAY)
    assert session.counts().exam == 5 and session.current_kind == "exam"
    assert sorted([session.current().id, *session._exam]) == sorted(fading)


def test_exams_set_before_targets_keep_everything_and_take_the_defaults(tmp_path):
    import sqlite3

    from studyapp.store import Store
    from studyapp.store.schema import MIGRATIONS

    db = tmp_path / "old.db"
    store = Store.open(db)
    store.exams.set("Old", TODAY + timedelta(days=9), ("d",), ("t",))
    store.close()
    # The database as it was before the target/budget migration.
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE exams DROP COLUMN target")
    conn.execute("ALTER TABLE exams DROP COLUMN minutes_per_day")
    targets = next(v for v, sql in MIGRATIONS.items() if "ADD COLUMN target" in sql)
    conn.execute(f"PRAGMA user_version = {targets}")
    conn.commit()
    conn.close()
    store = Store.open(db)
    (old,) = store.exams.all()
    assert (old.name, old.deck_ids, old.tags) == ("Old", ("d",), ("t",))
    assert (old.target, old.minutes_per_day) == (None, None)
    store.close()


def test_the_forecast_counts_the_exam_reviews_the_plan_gives(store, write_deck):
    from studyapp.study.exam_forecast import forecast_exam, load_inputs

    fading, _safe = fading_and_safe(store, write_deck)
    (planned, _) = exam.set_exam(store, TODAY + timedelta(days=30), name="Q")
    forecast = forecast_exam(load_inputs(store, planned, TODAY, 20))
    days = planned_days(load_recall_inputs(store, planned, TODAY))
    # SM-2 shows none of the ten before the exam: every exam review is the plan's.
    assert [d.exam for d in forecast.days] == [len(d.window + d.reviews) for d in days] + [0]
    assert forecast.days[0].exam == len(fading)


def test_homes_counts_plan_the_day_once_while_nothing_changes(store, write_deck, monkeypatch):
    import studyapp.study.exam_recall_plan as recall_plan
    from studyapp.settings import load_settings
    from studyapp.study.daily_queue import new_today

    fading, _safe = fading_and_safe(store, write_deck)
    store.decks.import_([big_deck(write_deck, "phys", 4, "phys")])
    exam.set_exam(store, TODAY + timedelta(days=30), name="Q")
    read = []
    real = recall_plan.load_recall_inputs
    monkeypatch.setattr(recall_plan, "load_recall_inputs", lambda *a: read.append(a) or real(*a))
    settings = load_settings(store)
    # Home: one count per deck and one for all; every exam is planned once for them all.
    counts = [new_today(store, TODAY, settings, d) for d in ("anat", "phys", None)]
    assert counts == [0, 4, 4] and len(read) == 1
    # A session waits for the full plan's tactic: planned once more, then kept too.
    assert sorted(recall_plan.plan_review_ids(store, TODAY, "anat")) == sorted(fading)
    assert recall_plan.plan_review_ids(store, TODAY, "phys") == [] and len(read) == 2
    # An answer changes the states: the day is planned again.
    store.reviews.grade(fading[0], 4, today=TODAY, kind="exam")
    assert fading[0] not in recall_plan.plan_review_ids(store, TODAY, "anat")
    assert len(read) == 3
