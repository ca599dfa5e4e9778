"""Snapshots of every main screen at 80×24 and 120×40 (pytest-textual-snapshot).

Update after an intended change with `pytest tests/ui --snapshot-update`, then look at
the SVGs in tests/ui/__snapshots__ before committing them.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest

from studyapp.cards import CardContent


@pytest.fixture
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
FIVE_PERFECT = ["space", "5"] * 5


@pytest.mark.parametrize("size", SIZES)
class TestHome:
    def test_home(self, snap_compare, sample_store, make_app, size):
        assert snap_compare(make_app(sample_store), terminal_size=size)

    def test_keys(self, snap_compare, sample_store, make_app, size):
        assert snap_compare(make_app(sample_store), press=["question_mark"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
class TestReview:
    def test_front(self, snap_compare, sample_store, make_app, size):
        assert snap_compare(make_app(sample_store, start="review"), terminal_size=size)

    def test_back(self, snap_compare, sample_store, make_app, size):
        assert snap_compare(
            make_app(sample_store, start="review"), press=["space"], terminal_size=size
        )

    def test_cloze_back_with_redrill(self, snap_compare, sample_store, make_app, size):
        # Three cards in, one of them failed: a cloze card with counts showing the re-drill.
        press = ["space", "2", "space", "5", "space", "4", "space"]
        assert snap_compare(make_app(sample_store, start="review"), press=press, terminal_size=size)

    def test_summary(self, snap_compare, sample_store, make_app, size):
        assert snap_compare(
            make_app(sample_store, start="review"), press=FIVE_PERFECT, terminal_size=size
        )

    def test_all_done(self, snap_compare, sample_store, make_app, size):
        for item in [r[0] for r in sample_store.conn.execute("SELECT id FROM items")]:
            sample_store.reviews.grade(item, 5, today=date(2026, 11, 23))
        assert snap_compare(make_app(sample_store, start="review"), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
class TestBrowse:
    def test_browse(self, snap_compare, sample_store, make_app, size):
        assert snap_compare(make_app(sample_store), press=["b"], terminal_size=size)

    def test_card_detail(self, snap_compare, sample_store, make_app, size, utc):
        # The history shows local times: the zone and the moment of the answer are pinned.
        first = sample_store.conn.execute("SELECT MIN(id) FROM items").fetchone()[0]
        sample_store.reviews.grade(
            first,
            4,
            today=date(2026, 11, 20),
            now=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        )
        assert snap_compare(make_app(sample_store), press=["b", "enter"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
class TestStats:
    def test_stats(self, snap_compare, sample_store, make_app, size):
        items = [r[0] for r in sample_store.conn.execute("SELECT id FROM items ORDER BY id")]
        for day, item, grade in (
            (20, items[0], 5),
            (21, items[0], 4),
            (21, items[1], 2),
            (22, items[2], 5),
        ):
            sample_store.reviews.grade(
                item,
                grade,
                today=date(2026, 11, day),
                now=datetime(2026, 11, day, 10, tzinfo=UTC),
            )
        assert snap_compare(make_app(sample_store), press=["s"], terminal_size=size)


class TestExams:
    """At 80×24 only: the exam line on home, and the dialog over it."""

    @staticmethod
    def with_exam(store):
        from studyapp.settings import save_setting
        from studyapp.study import exam

        save_setting(store, "new_per_day", "1")
        exam.set_exam(store, date(2026, 12, 3), deck_ids=("sample",), name="Anatomy")

    @staticmethod
    async def forecast_done(pilot):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    def test_home_with_exam(self, snap_compare, sample_store, make_app):
        self.with_exam(sample_store)
        assert snap_compare(
            make_app(sample_store), run_before=self.forecast_done, terminal_size=(80, 24)
        )

    def test_exam_dialog(self, snap_compare, sample_store, make_app):
        self.with_exam(sample_store)

        async def open_dialog(pilot):
            await self.forecast_done(pilot)
            await pilot.press("x")
            await pilot.pause()

        assert snap_compare(make_app(sample_store), run_before=open_dialog, terminal_size=(80, 24))

    def test_exam_dialog_previews_a_shortfall(self, snap_compare, sample_store, make_app):
        self.with_exam(sample_store)

        async def type_goal(pilot):
            await self.forecast_done(pilot)
            await pilot.press("x", *"2026-11-25", "tab", "tab", "tab", *"99", "tab", "1")
            await self.forecast_done(pilot)

        assert snap_compare(make_app(sample_store), run_before=type_goal, terminal_size=(80, 24))

    def test_exam_dialog_markup_typed_as_date(self, snap_compare, sample_store, make_app):
        self.with_exam(sample_store)

        async def type_markup(pilot):
            await self.forecast_done(pilot)
            await pilot.press("x", *"[/b]", "enter")
            await pilot.pause()

        assert snap_compare(make_app(sample_store), run_before=type_markup, terminal_size=(80, 24))


@pytest.mark.parametrize("size", SIZES)
class TestDialogs:
    def test_add_card(self, snap_compare, sample_store, make_app, size):
        assert snap_compare(make_app(sample_store), press=["a"], terminal_size=size)

    def test_pick_a_tag(self, snap_compare, sample_store, make_app, size):
        assert snap_compare(make_app(sample_store), press=["t"], terminal_size=size)

    def test_note_on_a_card(self, snap_compare, sample_store, make_app, size):
        app = make_app(sample_store, start="review")
        assert snap_compare(app, press=["n", *"mnemonic"], terminal_size=size)

    def test_add_card_error(self, snap_compare, sample_store, make_app, size):
        press = ["a", *"only a front", "ctrl+s"]
        assert snap_compare(make_app(sample_store), press=press, terminal_size=size)

    def test_add_cloze_card(self, snap_compare, sample_store, make_app, size):
        async def cloze(pilot):
            await pilot.press("a")
            pilot.app.screen.query_one("#edit-type").value = "cloze"
            await pilot.pause()

        assert snap_compare(make_app(sample_store), run_before=cloze, terminal_size=size)

    def test_discard_question(self, snap_compare, sample_store, make_app, size):
        press = ["a", *"half", "escape"]
        assert snap_compare(make_app(sample_store), press=press, terminal_size=size)

    def test_settings(self, snap_compare, sample_store, make_app, size):
        assert snap_compare(make_app(sample_store), press=["o"], terminal_size=size)

    def test_more_new_cards(self, snap_compare, sample_store, make_app, size):
        assert snap_compare(make_app(sample_store), press=["m"], terminal_size=size)


def test_settings_refusing_a_number_at_80x24(snap_compare, sample_store, make_app):
    """Textual's Integer validator marks the field; the line says what is wrong."""
    press = ["o", "tab", "backspace", "0", "ctrl+s"]
    assert snap_compare(make_app(sample_store), press=press, terminal_size=(80, 24))


@pytest.mark.parametrize("size", SIZES)
def test_browse_with_a_deck_selected(snap_compare, sample_store, make_app, size):
    async def select_deck(pilot):
        await pilot.press("b")
        pilot.app.screen.query_one("#browse-deck").value = "sample"
        await pilot.pause()

    assert snap_compare(make_app(sample_store), run_before=select_deck, terminal_size=size)


def test_browse_deck_list_open(snap_compare, sample_store, make_app):
    # Long names end in "…" instead of breaking mid-word.
    sample_store.personal.add(
        CardContent(front="a", back="b", tags=("mechanism::descending-inhibition::very-long-tag",))
    )
    press = ["b", "tab", "tab", "tab", "enter"]
    assert snap_compare(make_app(sample_store), press=press, terminal_size=(80, 24))


SMALL = (60, 20)


def test_review_back_at_60x20(snap_compare, sample_store, make_app):
    assert snap_compare(
        make_app(sample_store, start="review"), press=["space"], terminal_size=SMALL
    )


def test_home_at_60x20(snap_compare, sample_store, make_app):
    assert snap_compare(make_app(sample_store), terminal_size=SMALL)


def test_review_summary_with_the_new_card_limit_met(snap_compare, sample_store, make_app):
    from studyapp.settings import save_setting

    save_setting(sample_store, "new_per_day", "2")
    press = ["space", "5", "space", "4"]
    assert snap_compare(make_app(sample_store, start="review"), press=press, terminal_size=(80, 24))
