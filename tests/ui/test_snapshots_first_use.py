"""Snapshots of what issue #21 touched, at the sizes the shared module does not take:
the Exams dialog at 120×40 and 60×20 (and its removal question), Stats and Settings at
60×20, home at 60×20 scrolled to its last deck. See tests/ui/test_snapshots.py."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.ui.test_snapshots import TestExams as Exams

SMALL = (60, 20)


@pytest.mark.parametrize("size", [(120, 40), SMALL], ids=["120x40", "60x20"])
def test_exam_dialog(snap_compare, sample_store, make_app, size):
    Exams.with_exam(sample_store)

    async def open_dialog(pilot):
        await Exams.forecast_done(pilot)
        await pilot.press("x")
        await Exams.forecast_done(pilot)

    assert snap_compare(make_app(sample_store), run_before=open_dialog, terminal_size=size)


def test_exam_removal_asks(snap_compare, sample_store, make_app):
    Exams.with_exam(sample_store)

    async def ask(pilot):
        await Exams.forecast_done(pilot)
        await pilot.press("x", "ctrl+r")
        await pilot.pause()

    assert snap_compare(make_app(sample_store), run_before=ask, terminal_size=(80, 24))


def test_stats_at_60x20(snap_compare, sample_store, make_app):
    assert snap_compare(make_app(sample_store), press=["s"], terminal_size=SMALL)


def test_settings_at_60x20(snap_compare, sample_store, make_app):
    assert snap_compare(make_app(sample_store), press=["o"], terminal_size=SMALL)


def test_home_at_60x20_scrolled_to_the_last_deck(snap_compare, tmp_path, make_app):
    from studyapp.bundled import sync_bundled_decks
    from studyapp.store import Store
    from studyapp.study import exam

    store = Store.open(tmp_path / "b.db")
    welcome = sync_bundled_decks(store)
    assert welcome is not None
    exam.set_exam(store, date(2026, 12, 20), deck_ids=("tp-ltr",), name="LTR")
    app = make_app(
        store,
        startup_message=welcome.message(),
        clock=lambda: datetime(2026, 12, 4, 12),
    )

    async def to_the_last(pilot):
        await Exams.forecast_done(pilot)
        await pilot.press("down", "down", "down", "down")
        await pilot.pause()

    assert snap_compare(app, run_before=to_the_last, terminal_size=SMALL)
    store.close()
