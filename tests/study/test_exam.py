"""Exam plans: pacing arithmetic, the final-window pass, SM-2 untouched, history, forecast."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.deckfile.reader import load_deck
from studyapp.settings import save_setting
from studyapp.store import Store, StoreError
from studyapp.study import exam, sm2
from studyapp.study.exam_forecast import forecast_exam, load_inputs, simulate
from studyapp.study.exam_plan import DEFAULT_TARGET
from studyapp.study.exam_recall import Memory
from studyapp.study.exam_recall_plan import load_recall_inputs, plan_review_ids, todays_plan
from studyapp.study.exam_tactic import WINDOW_AIMS
from studyapp.study.session import ReviewSession, new_card_budget
from tests.conftest import review_session

TODAY = date(2026, 11, 23)


def big_deck(write_deck, deck_id: str, cards: int, tag: str = "anatomy") -> object:
    lines = [f'[deck]\nid = "{deck_id}"\nname = "{deck_id.title()}"\n']
    for n in range(cards):
        lines.append(
            f'[[cards]]\nid = "c{n}"\nfront = "Question {n}"\nback = "Answer {n}"\n'
            f'tags = ["{tag}"]\n'
        )
    return load_deck(write_deck("\n".join(lines), f"{deck_id}.toml"))


# -- the pacing arithmetic ------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    unseen=st.integers(0, 5000),
    lead=st.integers(1, 400),  # days from today to the window's first day
    margin=st.integers(1, 60),
    normal=st.integers(0, 100),
)
def test_every_unseen_card_is_introduced_before_the_margin(unseen, lead, margin, normal):
    exam_date = TODAY + timedelta(days=lead + margin)
    start = exam.window_start(exam_date, margin)
    remaining, day = unseen, TODAY
    while remaining and day < start:
        pace = exam.paced_new_per_day(remaining, day, exam_date, margin, normal)
        assert pace >= normal
        remaining -= min(remaining, pace)
        day += timedelta(days=1)
    assert remaining == 0
    # And no faster than it needs: the first day's pace is the even share.
    if unseen and lead:
        assert exam.raw_new_per_day(unseen, TODAY, exam_date, margin) == -(-unseen // lead)


@settings(max_examples=200, deadline=None)
@given(unseen=st.integers(1, 5000), days_left=st.integers(0, 60), margin=st.integers(1, 60))
def test_inside_the_window_everything_comes_before_the_exam_day(unseen, days_left, margin):
    exam_date = TODAY + timedelta(days=days_left)
    if days_left > margin:
        return
    remaining, day = unseen, TODAY
    while remaining and day <= exam_date:
        remaining -= min(remaining, exam.paced_new_per_day(remaining, day, exam_date, margin, 0))
        day += timedelta(days=1)
    assert remaining == 0 and day <= max(exam_date, TODAY + timedelta(days=1))


def test_bad_exam_dates_are_refused():
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        exam.parse_exam_date("12/01/2027", TODAY)
    with pytest.raises(ValueError, match="in the past"):
        exam.parse_exam_date("2026-11-22", TODAY)
    assert exam.parse_exam_date("2026-11-23", TODAY) == TODAY


# -- pacing in a real session ----------------------------------------------------------


def test_session_takes_the_paced_new_cards_of_the_scope_first(store, write_deck):
    store.decks.import_(
        [big_deck(write_deck, "other", 30, "misc"), big_deck(write_deck, "anat", 84)]
    )
    # 84 unseen, 14 days until the window opens: 6 a day would do, the normal 20 is more.
    exam.set_exam(store, TODAY + timedelta(days=21), deck_ids=("anat",))
    assert new_card_budget(store, TODAY, 20) == 20
    # 84 unseen, 3 days before the window: 28 a day.
    exam.set_exam(store, TODAY + timedelta(days=10), deck_ids=("anat",), name="Anat")
    assert new_card_budget(store, TODAY, 20) == 28
    session = review_session(store, today=TODAY, new_per_day=20)
    decks = {store.queues.item(i).deck_id for i in session._new}
    assert session.counts().new == 28 and decks == {"anat"}
    (status,) = [s for s in exam.exam_statuses(store, TODAY, 20) if s.exam.name == "Anat"]
    assert exam.pace_line(status).startswith("28 new/day to meet Anat on 3 Dec")
    # Half of today's done: the pace holds for the rest of the day.
    for _ in range(14):
        session.answer(4)
    assert new_card_budget(store, TODAY, 20) == 14


def test_the_exams_new_cards_need_only_the_stores_exams_part(store, write_deck):
    """`exam_new_item_ids` is given `store.exams` alone: the nearest exam's cards, capped."""
    store.decks.import_([big_deck(write_deck, "other", 5, "misc"), big_deck(write_deck, "anat", 8)])
    exam.set_exam(store, TODAY + timedelta(days=10), deck_ids=("anat",))
    exams = store.exams
    ids = exam.exam_new_item_ids(exams, 6, TODAY, None, None)
    assert len(ids) == 6 and len(set(ids)) == 6
    assert {store.queues.item(i).deck_id for i in ids} == {"anat"}
    assert exam.exam_new_item_ids(exams, 50, TODAY, "other", None) == []


def test_unknown_deck_or_tag_is_refused(store, write_deck):
    store.decks.import_([big_deck(write_deck, "anat", 3)])
    with pytest.raises(StoreError, match="no deck"):
        exam.set_exam(store, TODAY, deck_ids=("nope",))
    with pytest.raises(StoreError, match="no cards tagged"):
        exam.set_exam(store, TODAY, tags=("nope",))
    assert store.exams.all() == []


# -- the final window, day by day through a clock the test controls -------------------


def run_days(store, first: date, last: date, rng: random.Random, skip=()) -> None:
    """One sitting a day from `first` to `last`: every card shown is answered."""
    day = first
    while day <= last:
        if day not in skip:
            now = datetime.combine(day, datetime.min.time()).replace(hour=12)
            session = review_session(store, clock=lambda now=now: now, new_per_day=20)
            assert session.today == day
            while session.current() is not None:
                session.answer(rng.choice([2, 3, 4, 4, 5, 5]))
        day += timedelta(days=1)


def predicted_on_the_day(store, planned, day: date) -> dict[int, float]:
    """Each scope card's predicted recall on the exam day, from its memory state at the
    start of `day` (what the plan sees then; 0 for a card never answered)."""
    inputs = load_recall_inputs(store, planned, day)
    memory = Memory(inputs.parameters)
    return {c.item_id: memory.recall(c.memory, planned.date) for c in inputs.cards}


@pytest.mark.parametrize("skip_days", [0, 3])
def test_every_scope_card_below_target_is_reviewed_in_the_final_window(
    store, write_deck, skip_days
):
    # An exam left at the defaults (no target, no budget) follows its plan: the final
    # window sees every card predicted below target when it opens, and no longer every
    # card of the scope; no exam review goes to a card the plan counts as safe.
    store.decks.import_([big_deck(write_deck, "anat", 120), big_deck(write_deck, "x", 10, "x")])
    exam_date = TODAY + timedelta(days=30)
    (planned, _) = exam.set_exam(store, exam_date, deck_ids=("anat",))
    assert (planned.target, planned.minutes_per_day) == (None, None)
    margin = 7
    start = exam.window_start(exam_date, margin)
    rng = random.Random(16)
    skip = {start + timedelta(days=n) for n in range(skip_days)}
    run_days(store, TODAY, start - timedelta(days=1), rng)
    at_start = predicted_on_the_day(store, planned, start)
    below = {i for i, recall in at_start.items() if recall < DEFAULT_TARGET}
    safe = {i for i, recall in at_start.items() if recall >= max(WINDOW_AIMS)}
    assert below and safe  # the test is about both
    run_days(store, start, exam_date, rng, skip)
    rows = store.conn.execute(
        "SELECT i.id, MIN(r.study_day), "
        "SUM(r.study_day >= :start AND r.study_day <= :exam AND r.kind != 'cram'), "
        "SUM(r.study_day >= :start AND r.kind = 'exam') "
        "FROM items i LEFT JOIN reviews r ON r.item_id = i.id "
        "WHERE i.deck_id = 'anat' GROUP BY i.id",
        {"start": start.isoformat(), "exam": exam_date.isoformat()},
    ).fetchall()
    assert len(rows) == 120
    # Every card first seen before the window, every card below target reviewed inside it,
    # and no exam review in the window for a card safe until the day.
    assert all(first < start.isoformat() for _, first, _, _ in rows)
    assert all(in_window >= 1 for i, _, in_window, _ in rows if i in below)
    assert not any(exams for i, _, _, exams in rows if i in safe)
    exam_kinds = store.conn.execute(
        "SELECT COUNT(*), COUNT(DISTINCT item_id) FROM reviews "
        "WHERE kind = 'exam' AND study_day >= ?",
        [start.isoformat()],
    ).fetchone()
    assert exam_kinds[0] >= 1


def test_exam_reviews_leave_sm2_state_alone(store, write_deck):
    # The exam is left at the defaults: its plan chooses the exam reviews.
    store.decks.import_([big_deck(write_deck, "anat", 10)])
    exam_date = TODAY + timedelta(days=3)
    (planned, _) = exam.set_exam(store, exam_date, deck_ids=("anat",))
    ids = [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY id")]
    # Learned well before: next due far after the exam; in memory, fading (the plan
    # reads memory states, SM-2 reads its own columns).
    store.conn.execute(
        "UPDATE items SET repetitions = 4, interval = 40, due = ?, ef = 250 + id % 3",
        [(TODAY + timedelta(days=30)).isoformat()],
    )
    store.conn.executemany(
        "INSERT INTO memory_states (item_id, stability, difficulty, last_day, reviews) "
        "VALUES (?, 2.0, 5.0, ?, 1)",
        [(i, (TODAY - timedelta(days=6)).isoformat()) for i in ids],
    )
    store.conn.commit()
    before = store.conn.execute("SELECT * FROM items ORDER BY id").fetchall()
    assert all(store.reviews.item_state(i).due > exam_date for i in ids)
    # Three days to the exam, all ten below target: the plan spreads them over the
    # window's days left (4, 3, 3); none is due.
    day = todays_plan(load_recall_inputs(store, planned, TODAY))
    session = ReviewSession(store, today=TODAY)
    assert session.counts().exam == len(day.window + day.reviews) == 4
    assert session.current_kind == "exam"
    assert set(session.preview().values()) == {(store.queues.item(ids[0]).state.due - TODAY).days}
    for grade in (0, 5, 1, 4):
        session.answer(grade)
    # Fails come back as re-drills; those leave the state alone too.
    while session.current() is not None:
        session.answer(5)
    assert store.conn.execute("SELECT * FROM items ORDER BY id").fetchall() == before
    kinds = {
        r[0]
        for r in store.conn.execute(
            "SELECT kind FROM reviews WHERE study_day = ?", [TODAY.isoformat()]
        )
    }
    assert kinds == {"exam", "redrill"}
    # A second sitting the same day gets what the plan, made again from the answers,
    # says for the rest of today: never a card already reviewed today.
    reviewed = {r[0] for r in store.conn.execute("SELECT item_id FROM reviews")}
    rest = todays_plan(load_recall_inputs(store, planned, TODAY), 0, 4)
    second = ReviewSession(store, today=TODAY)
    assert second.counts().exam == len(rest.window + rest.reviews)
    assert second.current() is None or second.current().id not in reviewed
    assert not reviewed & set(rest.window + rest.reviews)
    assert rest.window == ()  # the window's share for today was given in the first sitting
    # Tomorrow's share is the plan's for tomorrow.
    tomorrow = TODAY + timedelta(days=1)
    again = todays_plan(load_recall_inputs(store, planned, tomorrow))
    assert ReviewSession(store, today=tomorrow).counts().exam == len(again.window + again.reviews)
    assert again.window + again.reviews
    # Undo of an exam review restores the log and the queue.
    later = ReviewSession(store, today=tomorrow)
    first = later.current().id
    later.answer(5)
    assert later.undo().id == first and later.current_kind == "exam"


def test_schedule_after_the_exam_is_exactly_sm2(store, write_deck):
    store.decks.import_([big_deck(write_deck, "anat", 40)])
    exam_date = TODAY + timedelta(days=20)
    exam.set_exam(store, exam_date, deck_ids=("anat",))
    run_days(store, TODAY, exam_date, random.Random(3))
    assert store.conn.execute("SELECT COUNT(*) FROM reviews WHERE kind = 'exam'").fetchone()[0]
    for (item_id,) in store.conn.execute("SELECT id FROM items").fetchall():
        state = sm2.SM2State()
        for review in store.reviews.of(item_id):
            if review["kind"] == "scheduled":
                state = sm2.review(state, review["grade"], date.fromisoformat(review["study_day"]))
        assert store.reviews.item_state(item_id) == state


def test_after_the_day_the_exam_is_history_and_pacing_is_normal(store, write_deck):
    store.decks.import_([big_deck(write_deck, "anat", 60)])
    exam_date = TODAY + timedelta(days=9)
    exam.set_exam(store, exam_date, deck_ids=("anat",), name="Anatomy")
    assert new_card_budget(store, TODAY, 5) == 30
    run_days(store, TODAY, exam_date, random.Random(5))
    after = exam_date + timedelta(days=1)
    assert store.exams.active(after) == [] and [e.name for e in store.exams.all()] == ["Anatomy"]
    assert new_card_budget(store, after, 5) == 5
    assert plan_review_ids(store, after) == []
    grades = store.exams.window_grades(store.exams.all()[0], exam.window_start(exam_date, 7))
    in_window = store.conn.execute(
        "SELECT COUNT(*) FROM reviews WHERE study_day >= ? AND study_day <= ?",
        [exam.window_start(exam_date, 7).isoformat(), exam_date.isoformat()],
    ).fetchone()[0]
    assert sum(grades.values()) == in_window > 0


def test_margin_is_a_setting(store, write_deck):
    store.decks.import_([big_deck(write_deck, "anat", 60)])
    exam.set_exam(store, TODAY + timedelta(days=20), deck_ids=("anat",))
    assert new_card_budget(store, TODAY, 0) == 5  # 60 over the 13 days before day 20 - 7
    save_setting(store, "exam_margin_days", "14")
    assert new_card_budget(store, TODAY, 0) == 10  # 60 over 6 days
    with pytest.raises(StoreError):
        save_setting(store, "exam_margin_days", "0")


# -- the forecast --------------------------------------------------------------------


def test_forecast_is_deterministic_and_covers_the_scope_for_a_daily_student(store, write_deck):
    store.decks.import_([big_deck(write_deck, "anat", 80)])
    (planned, _) = exam.set_exam(store, TODAY + timedelta(days=25), deck_ids=("anat",))
    inputs = load_inputs(store, planned, TODAY, 20)
    first, second = forecast_exam(inputs), forecast_exam(inputs)
    assert first == second
    assert len(first.days) == 26 and first.days[0].new == 20
    assert sum(d.new for d in first.days) == 80
    assert first.final_window_coverage == 1.0
    window = [d for d in first.days if d.day >= exam.window_start(planned.date, 7)]
    assert all(d.new == 0 for d in window) and sum(d.exam for d in window) > 0


def test_forecast_replays_the_students_own_grades(store, write_deck):
    store.decks.import_([big_deck(write_deck, "anat", 40)])
    (planned, _) = exam.set_exam(store, TODAY + timedelta(days=25), deck_ids=("anat",))
    ids = [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY id")][:10]
    for item_id in ids:
        store.reviews.grade(item_id, 0, today=TODAY - timedelta(days=1))
    inputs = load_inputs(store, planned, TODAY, 20)
    assert inputs.grades == {"new": {0: 10}}
    # A student who blacks out on every new card never gets past day one: SM-2 says
    # every card comes back the next day, every day.
    loads = simulate(inputs, study_share=1.0).days
    assert all(d.reviews >= 10 for d in loads[1:])


def test_forecast_coverage_falls_for_a_student_who_rarely_studies(write_deck):
    store = Store.in_memory()
    store.decks.import_([big_deck(write_deck, "anat", 200)])
    (planned, _) = exam.set_exam(store, TODAY + timedelta(days=12), deck_ids=("anat",))
    inputs = load_inputs(store, planned, TODAY, 20)
    assert simulate(inputs, study_share=1.0).final_window_coverage == 1.0
    assert simulate(inputs, study_share=0.2).final_window_coverage < 1.0


def test_moving_an_exam_keeps_its_scope_unless_a_new_one_is_given(store, write_deck):
    store.decks.import_(
        [big_deck(write_deck, "other", 30, "misc"), big_deck(write_deck, "anat", 44)]
    )
    exam.set_exam(store, TODAY + timedelta(days=20), deck_ids=("anat",), name="Anatomy")
    moved, created = exam.set_exam(store, TODAY + timedelta(days=30), name="Anatomy")
    assert not created and moved.date == TODAY + timedelta(days=30)
    assert moved.deck_ids == ("anat",) and store.exams.scope_total(moved) == 44
    widened, _ = exam.set_exam(store, TODAY + timedelta(days=31), name="Anatomy", all_decks=True)
    assert (widened.deck_ids, widened.tags) == ((), ()) and store.exams.scope_total(widened) == 74
    rescoped, _ = exam.set_exam(store, TODAY + timedelta(days=32), name="Anatomy", tags=("misc",))
    assert (rescoped.deck_ids, rescoped.tags) == ((), ("misc",))
    with pytest.raises(StoreError, match="not both"):
        exam.set_exam(store, TODAY, name="Anatomy", deck_ids=("anat",), all_decks=True)
