"""CHOICE_VERSION is raised whenever plan_exam would choose another tactic: a golden record.

A tactic is kept in the database under a digest of what it was chosen from
(:func:`choice_key`, CHOICE_VERSION included), and a projection or a session takes it
as the choice without choosing again. A change to the choice (the tactics tried, the
rules that pick one, the day's plan they run, py-fsrs's maths) that leaves
CHOICE_VERSION alone would leave old choices standing in every database. So fixed
plan inputs are recorded with their digest and the tactic chosen from them: a digest,
once recorded, names that tactic for ever. Never edit a recorded row: when the choice
changes, raise CHOICE_VERSION and add the new digests (the test prints them).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from studyapp.study.exam_plan import ExamGoal, PlanCard, Tactic
from studyapp.study.exam_recall import Memory, MemoryState
from studyapp.study.exam_tactic import CHOICE_VERSION, choice_key, plan_exam

TODAY = date(2026, 3, 2)
# FSRS-6's default parameters as py-fsrs 6 ships them, written out: the digest is of
# these numbers, whatever a later py-fsrs's defaults are.
PARAMETERS = (
    0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796,
    1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
)  # fmt: skip


def _cards(seen: int, unseen: int) -> tuple[PlanCard, ...]:
    # Mixed strengths and ages, then cards never studied (paced in as new).
    known = tuple(
        PlanCard(
            n,
            ("pharm", "anat", "path")[n % 3],
            MemoryState(0.4 + 1.7 * n, 2.0 + (n * 7 % 80) / 10, TODAY - timedelta(days=1 + n % 19)),
        )
        for n in range(seen)
    )
    return known + tuple(PlanCard(seen + n, "new", None) for n in range(unseen))


def _goal(days: int, target: float, minutes: float, window: int = 7) -> ExamGoal:
    return ExamGoal(
        today=TODAY,
        exam_date=TODAY + timedelta(days=days),
        target=target,
        minutes_per_day=minutes,
        seconds_per_review=9.0,
        seconds_per_new=27.0,
        window_days=window,
        new_per_day=5,
    )


SCENARIOS = {
    "tight budget, short of target": (_cards(40, 10), _goal(30, 0.90, 1.0)),
    "a few minutes a day": (_cards(40, 0), _goal(30, 0.90, 3.0)),
    "time to spare": (_cards(40, 0), _goal(30, 0.85, 20.0)),
    "high target, new cards": (_cards(30, 15), _goal(24, 0.95, 6.0)),
    "in the final window": (_cards(40, 0), _goal(5, 0.90, 2.0, window=7)),
}

# digest -> the tactic chosen from it (review retention, window aim). Append only.
CHOSEN: dict[str, Tactic] = {
    # CHOICE_VERSION 1
    "3abd58537be32f65630ab3ea251781cf9d50929464814dc976d45a96b0e1f3bc": Tactic(0.85, 0.95),
    "a86a098106397fe2df8444784df631fa4858dddd1dff298fa912ce2d7e8da25d": Tactic(0.85, 0.98),
    "62b04756687a238c561d275554964e703a657f2bc905136dd8db6fa2b267861a": Tactic(0.85, 0.98),
    "1d89fdd85b34ef482ee0e6f554853dc0e9fcbbfe43571da30f38849cec9d5e14": Tactic(0.80, 0.95),
    "1fd5a6b06171b16de3fadec745d4c5a1bbae06994f2feb5e22a53b3f427f129f": Tactic(0.95, 0.98),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_recorded_digest_still_chooses_its_tactic(name):
    cards, goal = SCENARIOS[name]
    key = choice_key(cards, goal, PARAMETERS)
    chosen = plan_exam(cards, goal, Memory(PARAMETERS), explain_shortfall=False).tactic
    assert key in CHOSEN, (
        f"{name!r} (CHOICE_VERSION {CHOICE_VERSION}) is not recorded: add "
        f"{key!r}: {chosen!r} to CHOSEN"
    )
    assert chosen == CHOSEN[key], (
        f"{name!r}: plan_exam now chooses {chosen} where CHOICE_VERSION {CHOICE_VERSION} "
        f"chose {CHOSEN[key]}: raise CHOICE_VERSION (tactics kept under the old one would "
        f"stand) and add the new digests to CHOSEN"
    )


def test_the_record_is_worth_keeping():
    # Tactics of several kinds, none the default: a change to the choice has room to show.
    kept = {CHOSEN.get(choice_key(c, g, PARAMETERS)) for c, g in SCENARIOS.values()}
    assert len(kept) >= 3 and None not in kept and Tactic() not in kept
