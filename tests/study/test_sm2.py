from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from studyapp.study.sm2 import SM2State, ef_delta_hundredths, review, study_day

DAY = date(2026, 1, 1)


def run(grades, state=None):
    state = state or SM2State()
    for q in grades:
        state = review(state, q, DAY)
    return state


def test_new_card_defaults():
    s = SM2State()
    assert (s.ef_hundredths, s.interval, s.repetitions, s.due) == (250, 0, 0, None)
    assert str(s.easiness) == "2.5"


@pytest.mark.parametrize("q, delta", [(5, 10), (4, 0), (3, -14), (2, -32), (1, -54), (0, -80)])
def test_published_ef_changes_per_grade(q, delta):
    assert ef_delta_hundredths(q) == delta
    assert review(SM2State(), q, DAY).ef_hundredths == 250 + delta


@pytest.mark.parametrize("bad", [6, -1, 2.5, "4", True, False, None])
def test_bad_quality_rejected(bad):
    with pytest.raises((ValueError, TypeError)):
        review(SM2State(), bad, DAY)


def test_ef_floor():
    assert run([0, 0, 0]).ef_hundredths == 130
    assert run([3] * 20).ef_hundredths == 130


def test_ef_has_no_upper_bound():
    assert run([5] * 10).ef_hundredths == 350


def test_first_intervals_then_multiply():
    s1 = review(SM2State(), 4, DAY)
    assert (s1.interval, s1.repetitions, s1.due) == (1, 1, DAY + timedelta(days=1))
    s2 = review(s1, 4, DAY)
    assert (s2.interval, s2.repetitions) == (6, 2)
    s3 = review(s2, 4, DAY)
    assert s3.interval == 15  # ceil(6 * 2.5)
    s4 = review(s3, 4, DAY)
    assert s4.interval == 38  # ceil(15 * 2.5) = ceil(37.5)


def test_interval_uses_ef_from_before_the_update():
    # After 5,5 EF is 2.7; the third pass uses 2.7, not 2.8.
    s = run([5, 5, 5])
    assert s.interval == 17  # ceil(6 * 2.7) = ceil(16.2)
    assert s.ef_hundredths == 280


def test_fail_resets_repetitions_and_interval_but_keeps_lowered_ef():
    s = run([5, 5, 5, 1])
    assert (s.repetitions, s.interval, s.ef_hundredths) == (0, 1, 280 - 54)
    assert s.lapses == 1
    s = review(s, 4, DAY)
    assert (s.repetitions, s.interval) == (1, 1)


def test_float_drift_case_gives_twelve_days():
    # EF: 2.6, 2.7, 1.9, 1.9, 2.0 -> ceil(6 * 2.0) = 12; floats give 13.
    s = run([5, 5, 0, 4, 5, 5])
    assert s.interval == 12
    assert s.ef_hundredths == 210


def test_worked_history_with_a_lapse():
    grades = [4, 3, 4, 2, 5, 4, 4]
    s = SM2State()
    seen = []
    for q in grades:
        s = review(s, q, DAY)
        seen.append((s.interval, s.repetitions, s.ef_hundredths))
    assert seen == [
        (1, 1, 250),
        (6, 2, 236),
        (15, 3, 236),
        (1, 0, 204),
        (1, 1, 214),
        (6, 2, 214),
        (13, 3, 214),  # ceil(6 * 2.14) = ceil(12.84)
    ]


def test_due_is_today_plus_interval():
    s = run([4, 4, 4])
    assert review(s, 5, date(2026, 3, 1)).due == date(2026, 3, 1) + timedelta(days=38)


def test_study_day_rollover():
    assert study_day(datetime(2026, 5, 2, 3, 59)) == date(2026, 5, 1)
    assert study_day(datetime(2026, 5, 2, 4, 0)) == date(2026, 5, 2)
    assert study_day(datetime(2026, 5, 2, 0, 30), rollover_hour=0) == date(2026, 5, 2)
    with pytest.raises(ValueError):
        study_day(datetime(2026, 5, 2), rollover_hour=24)


grades = st.integers(min_value=0, max_value=5)


@given(st.lists(grades, max_size=30), grades)
def test_properties(history, q):
    before = run(history)
    after = review(before, q, DAY)
    assert after.ef_hundredths >= 130
    assert after.interval >= 1
    assert after.due == DAY + timedelta(days=after.interval)
    if q >= 3:
        assert after.interval >= before.interval  # a pass never shortens the interval
        assert after.repetitions == before.repetitions + 1
    else:
        assert (after.interval, after.repetitions) == (1, 0)  # a fail always resets


@given(st.lists(grades, min_size=1, max_size=12))
@example([5, 5, 5, 5, 5, 5, 4, 4, 3, 3])  # past 100 years: the cap (found by Hypothesis)
def test_exact_matches_rational_reference(history):
    # Reference implementation in exact rationals, straight from the SM-2 text, with
    # the one rule added to it: intervals stop at 100 years (sm2.MAX_INTERVAL_DAYS).
    import math
    from fractions import Fraction

    ef, interval, reps = Fraction(5, 2), 0, 0
    for q in history:
        if q >= 3:
            interval = 1 if reps == 0 else 6 if reps == 1 else min(math.ceil(interval * ef), 36_500)
            reps += 1
        else:
            interval, reps = 1, 0
        ef = max(
            Fraction(13, 10),
            ef + Fraction(1, 10) - (5 - q) * (Fraction(8, 100) + (5 - q) * Fraction(2, 100)),
        )
    s = run(history)
    assert (s.interval, s.repetitions, Fraction(s.ef_hundredths, 100)) == (interval, reps, ef)
