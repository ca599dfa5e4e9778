"""The scheduler in the app: Settings rows, grade keys under FSRS, and "Help me decide"."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from click.testing import CliRunner

from studyapp.cli import cli
from studyapp.cli.base import Context
from studyapp.memory.simulate import (
    DEFAULT_DAYS,
    DEFAULT_SECONDS_PER_ANSWER,
    retentions_to_compare,
    simulate_load,
)
from studyapp.settings import load_settings, save_setting
from studyapp.ui.dialogs.decide import DecideScreen
from studyapp.ui.dialogs.settings import SettingsScreen
from studyapp.ui.formatting import short_days
from studyapp.ui.screens.home import HomeScreen

SIZE = (80, 24)
# The app's pinned clock (tests/conftest.py make_app): study day 2026-11-23.
TODAY = date(2026, 11, 23)


def studied(store) -> None:
    """Every sample item answered over the last weeks, so the simulation has cards."""
    items = [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY new_position")]
    for n, item in enumerate(items):
        for days_ago, grade in ((20, 4), (19, 3 + n % 3), (12, 4)):
            day = TODAY - timedelta(days=days_ago + n)
            store.reviews.grade(
                item,
                grade,
                now=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
                today=day,
                duration_ms=6000,
            )


async def test_settings_screen_sets_the_scheduler_and_refuses_a_bad_retention(
    sample_store, make_app
):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        assert screen.query_one("#set-scheduler").value == "sm2"
        assert screen.query_one("#set-desired_retention").value == "0.90"
        screen.query_one("#set-scheduler").value = "fsrs"
        screen.query_one("#set-desired_retention").value = "0.99"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SettingsScreen)
        error = str(app.screen.query_one("#settings-error").visual)
        assert error == "desired_retention must be between 0.70 and 0.97, not 0.99"
        assert load_settings(sample_store).scheduler == "sm2"  # nothing saved
        screen.query_one("#set-desired_retention").value = "0.85"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    saved = load_settings(sample_store)
    assert (saved.scheduler, saved.desired_retention) == ("fsrs", 0.85)


async def test_grade_keys_show_the_intervals_of_the_scheduler_in_use(sample_store, make_app):
    save_setting(sample_store, "scheduler", "fsrs")
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        item = app.screen.session.current().id
        preview = sample_store.fsrs.preview(item, TODAY)
        for q in range(6):
            label = str(app.screen.query_one(f"#grade-{q}").visual)
            assert label.endswith("\n" + short_days(preview[q])), label
            assert "ease" not in label and "−" not in label
        await pilot.press("5")
        # The card is now due when FSRS said, not when SM-2 did.
        assert sample_store.fsrs.due_of(item) == TODAY + timedelta(days=preview[5])
        assert sample_store.reviews.item_state(item).due == TODAY + timedelta(days=1)
    # Back to SM-2: its labels, with the ease change, as before.
    save_setting(sample_store, "scheduler", "sm2")
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        assert "1 d" in str(app.screen.query_one("#grade-5").visual)
        assert "+0.10" in str(app.screen.query_one("#grade-5").visual)


async def test_help_me_decide_shows_what_studyapp_simulate_prints(
    sample_store, make_app, monkeypatch, no_bundled_decks
):
    studied(sample_store)
    save_setting(sample_store, "desired_retention", "0.88")
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, DecideScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = str(app.screen.query_one("#decide-table").visual)
        intro = str(app.screen.query_one("#decide-intro").visual)
        await pilot.press("escape")
        assert isinstance(app.screen, SettingsScreen)
    cards = sample_store.memory.cards_to_simulate()
    assert f"your {len(cards)} studied cards (6 s an answer)" in intro
    retentions = retentions_to_compare(0.88)
    assert retentions == (0.80, 0.85, 0.88, 0.90, 0.95)
    loads = simulate_load(
        sample_store.memory.parameters(),
        cards,
        TODAY,
        DEFAULT_DAYS,
        retentions,
        sample_store.memory.seconds_per_answer(TODAY) or DEFAULT_SECONDS_PER_ANSWER,
    )
    # The same figures `studyapp simulate` prints for that database and day.
    monkeypatch.setattr(Context, "today", lambda self: TODAY)
    printed = CliRunner().invoke(
        cli,
        ["--db", str(sample_store.path), "simulate", "--json"]
        + [arg for r in retentions for arg in ("--retention", str(r))],
    )
    assert printed.exit_code == 0, printed.output
    figures = json.loads(printed.output)["schedulers"]
    lines = [line.split() for line in shown.splitlines()]
    for load in loads:
        row = next(line for line in lines if line and line[0] == load.scheduler)
        cli_figures = figures[load.scheduler]
        assert row[1] == f"{load.reviews_per_day:.1f}" == f"{cli_figures['reviews_per_day']:.1f}"
        assert row[2] == f"{load.minutes_per_day:.1f}" == f"{cli_figures['minutes_per_day']:.1f}"
    # The scheduler in use (SM-2 here: only the retention was set) is marked.
    assert [line.split()[0] for line in shown.splitlines() if "yours" in line] == ["sm2"]


# -- 80x24 snapshots ----------------------------------------------------------------------


def test_review_back_under_fsrs_snapshot(snap_compare, sample_store, make_app):
    save_setting(sample_store, "scheduler", "fsrs")
    assert snap_compare(make_app(sample_store, start="review"), press=["space"], terminal_size=SIZE)


def test_help_me_decide_snapshot(snap_compare, sample_store, make_app):
    studied(sample_store)

    async def open_decide(pilot):
        await pilot.press("o")
        await pilot.press("f2")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(sample_store), run_before=open_decide, terminal_size=SIZE)


async def test_help_me_decide_needs_only_the_stores_memory_part(sample_store):
    """The dialog is given `store.memory` and nothing else: any app can show it."""
    from textual.app import App

    studied(sample_store)
    memory = sample_store.memory

    class Bare(App[None]):
        def on_mount(self) -> None:
            self.push_screen(DecideScreen(memory, TODAY, "fsrs", 0.9))

    app = Bare()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DecideScreen)
        assert not hasattr(app, "store")
        intro = str(app.screen.query_one("#decide-intro").visual)
        shown = str(app.screen.query_one("#decide-table").visual)
    cards = memory.cards_to_simulate()
    assert f"your {len(cards)} studied cards" in intro
    assert [line.split()[0] for line in shown.splitlines() if "yours" in line] == ["fsrs@0.90"]
