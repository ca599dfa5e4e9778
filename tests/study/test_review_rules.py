"""The rules of one answer: which kinds reschedule, what counts as a fail, leeches."""

from __future__ import annotations

import pytest

from studyapp.study.review_rules import (
    REVIEW_KINDS,
    becomes_leech,
    counts_as_fail,
    reschedules,
    review_kind,
    stops_being_leech,
)


def test_only_the_scheduled_review_reschedules():
    assert REVIEW_KINDS == ("scheduled", "redrill", "cram", "exam")
    assert [kind for kind in REVIEW_KINDS if reschedules(kind)] == ["scheduled"]


def test_a_fail_counts_only_when_it_reschedules():
    assert counts_as_fail("scheduled", 2) and not counts_as_fail("scheduled", 3)
    for kind in ("redrill", "cram", "exam"):
        assert not counts_as_fail(kind, 0)


@pytest.mark.parametrize(
    ("fails", "threshold", "was_leech", "expected"),
    [
        (8, 8, False, True),  # the eighth fail of eight
        (9, 8, False, True),  # a threshold lowered below the fails so far
        (7, 8, False, False),
        (8, 8, True, False),  # already one: not again
        (50, None, False, False),  # no threshold, no leeches
        (50, 0, False, False),
    ],
)
def test_becomes_leech(fails, threshold, was_leech, expected):
    assert becomes_leech(fails, was_leech, threshold) is expected


@pytest.mark.parametrize(
    ("fails", "threshold", "is_leech", "expected"),
    [(7, 8, True, True), (8, 8, True, False), (7, 8, False, False), (0, None, True, False)],
)
def test_stops_being_leech(fails, threshold, is_leech, expected):
    assert stops_being_leech(fails, is_leech, threshold) is expected


def test_an_unknown_kind_is_refused():
    assert review_kind("cram") == "cram"
    with pytest.raises(ValueError, match="unknown review kind 'crammed'"):
        review_kind("crammed")
