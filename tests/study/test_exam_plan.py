"""The exam planner: budget, final window, safe cards, shortfall and projections."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fsrs import Rating
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyapp.study.exam_plan import (
    DEFAULT_MINUTES_PER_DAY,
    ExamGoal,
    PlanCard,
    Shortfall,
    Tactic,
    default_minutes_per_day,
    plan_day,
    shortfall_line,
)
from studyapp.study.exam_recall import Memory, MemoryState, rating_for
from studyapp.study.exam_tactic import PILE_UP_FACTOR, PILE_UP_MINUTES, plan_exam

TODAY = date(2027, 1, 4)
MEMORY = Memory()


def _seen(item_id: int, stability: float, days_ago: int, topic: str = "t") -> PlanCard:
    return PlanCard(item_id, topic, MemoryState(stability, 5.0, TODAY - timedelta(days=days_ago)))


def _ids_on_or_after(plan, day: date) -> set[int]:
    return {i for d in plan.days if d.day >= day for i in d.new + d.window + d.reviews}


def _all_ids(plan) -> set[int]:
    return _ids_on_or_after(plan, TODAY)


cards_strategy = st.lists(
    st.one_of(
        st.none(),
        st.tuples(st.floats(0.5, 400.0), st.floats(1.0, 10.0), st.integers(0, 60)),
    ),
    min_size=1,
    max_size=12,
).map(
    lambda specs: [
        PlanCard(
            i,
            f"topic{i % 3}",
            None
            if spec is None
            else MemoryState(spec[0], spec[1], TODAY - timedelta(days=spec[2])),
        )
        for i, spec in enumerate(specs)
    ]
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cards=cards_strategy,
    days=st.integers(1, 20),
    minutes=st.floats(0.0, 5.0),
    per_review=st.floats(3.0, 30.0),
    per_new=st.floats(5.0, 60.0),
)
def test_budget_is_respected_every_day_and_stopping_never_beats_following(
    cards, days, minutes, per_review, per_new
):
    goal = ExamGoal(
        today=TODAY,
        exam_date=TODAY + timedelta(days=days),
        minutes_per_day=minutes,
        seconds_per_review=per_review,
        seconds_per_new=per_new,
    )
    plan = plan_exam(cards, goal, explain_shortfall=False)
    assert [d.day for d in plan.days] == [TODAY + timedelta(days=n) for n in range(days)]
    for day in plan.days:
        cost = len(day.new) * per_new + len(day.window + day.reviews) * per_review
        assert day.minutes == pytest.approx(cost / 60.0)
        assert day.minutes <= minutes + 1e-9
        ids = day.new + day.window + day.reviews
        assert len(ids) == len(set(ids))  # each card at most once a day
    assert plan.if_stopped.overall <= plan.if_followed.overall + 1e-9
    for topic, stopped in plan.if_stopped.by_topic.items():
        assert stopped <= plan.if_followed.by_topic[topic] + 1e-9


def test_final_window_covers_every_card_below_target():
    # Weak cards last seen long ago; a generous budget.
    cards = [_seen(i, stability=3.0 + i, days_ago=10) for i in range(30)]
    goal = ExamGoal(today=TODAY, exam_date=TODAY + timedelta(days=20), minutes_per_day=60)
    plan = plan_exam(cards, goal)
    window_start = goal.exam_date - timedelta(days=goal.window_days)
    below = {c.item_id for c in cards if MEMORY.recall(c.memory, goal.exam_date) < goal.target}
    assert below  # the test is about something
    assert below <= _ids_on_or_after(plan, window_start)
    assert plan.if_followed.overall >= goal.target


def test_a_card_safe_until_the_day_is_not_pulled_forward():
    safe = _seen(1, stability=5000.0, days_ago=1)
    weak = _seen(2, stability=2.0, days_ago=5)
    goal = ExamGoal(today=TODAY, exam_date=TODAY + timedelta(days=30), minutes_per_day=30)
    assert MEMORY.recall(safe.memory, goal.exam_date) >= goal.target
    plan = plan_exam([safe, weak], goal)
    assert 1 not in _all_ids(plan)
    assert 2 in _all_ids(plan)


def test_new_cards_are_paced_before_the_window():
    cards = [PlanCard(i, "t", None) for i in range(46)]
    goal = ExamGoal(today=TODAY, exam_date=TODAY + timedelta(days=30), minutes_per_day=60)
    plan = plan_exam(cards, goal)
    window_start = goal.exam_date - timedelta(days=goal.window_days)
    introduced = [i for d in plan.days if d.day < window_start for i in d.new]
    assert sorted(introduced) == list(range(46))
    # ceil(46 / 23 days before the window) = 2 a day: no pile-up.
    assert max(len(d.new) for d in plan.days) == 2


def test_an_infeasible_target_is_reported_with_what_it_would_take():
    cards = [PlanCard(i, "t", None) for i in range(200)]
    goal = ExamGoal(
        today=TODAY, exam_date=TODAY + timedelta(days=20), minutes_per_day=5, seconds_per_new=30
    )
    plan = plan_exam(cards, goal)
    short = plan.shortfall
    assert short is not None
    assert short.expected == plan.if_followed.overall < goal.target
    assert short.minutes_needed is not None and short.minutes_needed > goal.minutes_per_day
    assert short.days_earlier is not None and short.days_earlier > 0
    # The figures are true: that many minutes reach the target, one fewer does not.
    enough = plan_exam(
        cards,
        ExamGoal(
            today=TODAY,
            exam_date=goal.exam_date,
            minutes_per_day=short.minutes_needed,
            seconds_per_new=30,
        ),
        explain_shortfall=False,
    )
    assert enough.if_followed.overall >= goal.target
    earlier = plan_exam(
        cards,
        ExamGoal(
            today=TODAY,
            exam_date=goal.exam_date + timedelta(days=short.days_earlier),
            minutes_per_day=5,
            seconds_per_new=30,
        ),
        explain_shortfall=False,
    )
    assert earlier.if_followed.overall >= goal.target


def test_a_reachable_target_has_no_shortfall_and_topics_are_projected():
    cards = [_seen(i, 20.0, 2, topic="a") for i in range(5)] + [
        PlanCard(10 + i, "b", None) for i in range(5)
    ]
    goal = ExamGoal(today=TODAY, exam_date=TODAY + timedelta(days=21))
    plan = plan_exam(cards, goal)
    assert plan.shortfall is None
    assert set(plan.if_followed.by_topic) == {"a", "b"}
    assert plan.if_stopped.by_topic["b"] == 0.0  # never studied: not remembered
    assert plan.if_followed.by_topic["b"] >= goal.target


def test_the_plan_leaves_its_input_alone():
    cards = [_seen(i, 4.0, 6) for i in range(5)]
    before = list(cards)
    plan_exam(cards, ExamGoal(today=TODAY, exam_date=TODAY + timedelta(days=10)))
    assert cards == before


def test_nothing_is_planned_on_or_after_the_exam_day():
    plan = plan_exam([_seen(1, 2.0, 3)], ExamGoal(today=TODAY, exam_date=TODAY))
    assert plan.days == ()


def _owed(count: int, window_start: date) -> dict[int, MemoryState | None]:
    # Weak cards last seen before the window opened: every one is owed a window review.
    return {i: MemoryState(2.0, 5.0, window_start - timedelta(days=3)) for i in range(count)}


# Reviews by gain left out (no card is ever that faded): only the window's share counts.
WINDOW_ONLY = Tactic(review_retention=0.0)


@settings(max_examples=25, deadline=None)
@given(owed=st.integers(0, 120), margin=st.integers(1, 12), sittings=st.integers(1, 3))
def test_exam_reviews_spread_over_the_window_and_all_given(owed, margin, sittings):
    exam_date = TODAY + timedelta(days=margin)
    goal = ExamGoal(today=TODAY, exam_date=exam_date, window_days=margin, minutes_per_day=480)
    states = _owed(owed, TODAY)
    given_in_window: set[int] = set()
    day = TODAY
    while day < exam_date:
        done_today = 0
        # Several sittings a day take the day's share once, not once each.
        for _ in range(sittings):
            window = plan_day(states, day, goal, WINDOW_ONLY, MEMORY, done_today).window
            for item_id in window:
                states[item_id] = MEMORY.review(states[item_id], Rating.Good, day)
            given_in_window |= set(window)
            done_today += len(window)
        left = owed - len(given_in_window)
        assert done_today <= -(-(left + done_today) // max(1, (exam_date - day).days))
        day += timedelta(days=1)
    assert given_in_window == set(range(owed))


def test_no_exam_reviews_outside_the_window():
    exam_date = TODAY + timedelta(days=20)
    goal = ExamGoal(today=TODAY, exam_date=exam_date, window_days=7, minutes_per_day=480)
    states = _owed(50, TODAY)
    assert plan_day(states, exam_date - timedelta(days=7), goal, WINDOW_ONLY, MEMORY).window
    assert plan_day(states, TODAY, goal, WINDOW_ONLY, MEMORY).window == ()
    after = exam_date + timedelta(days=1)
    assert plan_day(states, after, goal, WINDOW_ONLY, MEMORY).window == ()


@pytest.mark.parametrize(
    "changes",
    [{"target": 1.0}, {"target": 0.0}, {"minutes_per_day": -1}, {"seconds_per_review": 0}],
)
def test_a_goal_out_of_range_is_refused(changes):
    with pytest.raises(ValueError):
        ExamGoal(today=TODAY, exam_date=TODAY + timedelta(days=5), **changes)


def test_default_budget_is_the_students_own_median_day():
    assert default_minutes_per_day([0, 12.0, 20.0, 0, 31.0]) == 20.0
    assert default_minutes_per_day([]) == DEFAULT_MINUTES_PER_DAY


def test_grades_map_to_fsrs_ratings():
    assert [rating_for(g) for g in range(6)] == [
        Rating.Again,
        Rating.Again,
        Rating.Again,
        Rating.Hard,
        Rating.Good,
        Rating.Easy,
    ]
    with pytest.raises(ValueError):
        rating_for(6)


def test_memory_matches_fsrs_curve():
    state = MEMORY.review(None, Rating.Good, TODAY)
    # FSRS: recall is 0.9 after `stability` days.
    assert MEMORY.recall(state, TODAY + timedelta(days=round(state.stability))) == pytest.approx(
        0.9, abs=0.02
    )
    assert MEMORY.recall(None, TODAY) == 0.0
    assert MEMORY.interval(state, 0.9) == round(state.stability)


def test_the_shortfall_reads_as_one_line_with_the_numbers():
    goal = ExamGoal(today=TODAY, exam_date=TODAY + timedelta(days=30), minutes_per_day=30)
    assert (
        shortfall_line(goal, Shortfall(0.84, 42, 6))
        == "at 30 min/day: 84% expected; 90% needs 42 min/day or starting 6 days earlier"
    )
    assert shortfall_line(goal, Shortfall(0.5, None, None)).endswith(
        "90% needs more than this plan can give"
    )


@pytest.mark.parametrize("new_per_day", [0, 20])
@pytest.mark.parametrize(("cards", "days"), [(200, 60), (1000, 60), (300, 42), (120, 21)])
def test_a_brand_new_student_gets_no_pile_up_in_the_last_week(cards, days, new_per_day):
    # Nothing studied, no fit (FSRS-6's defaults), the default budget, new cards paced
    # or 20 a day (the default limit): the plan may reach the target any way it likes,
    # but not by piling up the last week's load.
    unseen = [PlanCard(i, "t", None) for i in range(cards)]
    goal = ExamGoal(
        TODAY,
        TODAY + timedelta(days=days),
        minutes_per_day=DEFAULT_MINUTES_PER_DAY,
        new_per_day=new_per_day,
    )
    plan = plan_exam(unseen, goal, MEMORY)
    load = [d.minutes for d in plan.days]
    average = sum(load) / len(load)
    assert max(load[-7:]) <= max(PILE_UP_FACTOR * average, average + PILE_UP_MINUTES)
    assert plan.if_followed.overall >= goal.target


def test_new_cards_come_at_least_at_the_students_own_daily_limit():
    # A session introduces the scope's unseen cards at the student's new-card limit when
    # that is faster than the pace (an exam only raises it): so does the plan.
    cards = [PlanCard(i, "t", None) for i in range(46)]
    goal = ExamGoal(TODAY, TODAY + timedelta(days=30), minutes_per_day=60, new_per_day=20)
    plan = plan_exam(cards, goal)
    assert [len(d.new) for d in plan.days[:4]] == [20, 20, 6, 0]
