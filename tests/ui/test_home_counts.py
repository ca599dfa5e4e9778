"""Home's counts are the session's: "New" leaves out siblings held back and buried cards."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import DataTable

from studyapp.settings import save_setting
from studyapp.ui.screens.home import HomeScreen
from studyapp.ui.screens.review import ReviewScreen
from tests.ui.conftest import NOON

SIZE = (80, 24)


def home_today(app) -> str:
    return str(app.screen.query_one("#home-today").visual)


def home_new(app) -> tuple[str, str]:
    table = app.screen.query_one("#home-decks", DataTable)
    return str(table.get_row_at(0)[1]), str(app.screen.query_one("#home-today").visual)


async def test_home_new_is_what_the_deck_review_shows(sample_store, make_app):
    save_setting(sample_store, "bury_siblings", "on")
    (basic,) = [
        r[0]
        for r in sample_store.conn.execute(
            "SELECT i.id FROM items i JOIN cards c ON c.id = i.card_id WHERE c.type = 'basic'"
        )
    ]
    sample_store.reviews.bury(basic, NOON.date() + timedelta(days=1))
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        new, today_line = home_new(app)
        assert new == "2" and "2 new of 5" in today_line  # not 5: two siblings, one buried
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.session.counts().new == 2


async def test_the_welcome_line_goes_once_home_is_left(tmp_path, make_app):
    from studyapp.store import Store

    store = Store.open(tmp_path / "fresh.db")
    app = make_app(store, sync_bundled=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        banner = app.screen.query_one("#home-message")
        assert banner.display and "Welcome!" in str(banner.visual)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen) and not banner.display
    store.close()


async def test_at_60x20_home_scrolls_to_the_selected_deck(tmp_path, make_app):
    from datetime import date

    from studyapp.bundled import sync_bundled_decks
    from studyapp.store import Store
    from studyapp.study import exam

    store = Store.open(tmp_path / "fresh.db")
    welcome = sync_bundled_decks(store)
    assert welcome is not None
    exam.set_exam(store, date(2026, 12, 20), deck_ids=("tp-ltr",), name="LTR")
    app = make_app(store, startup_message=welcome.message())
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#home-decks", DataTable)
        body = app.screen.query_one("#home-body")
        for _ in range(table.row_count - 1):
            await pilot.press("down")
        await pilot.pause()
        cursor_y = table.region.y + 1 + table.cursor_row  # the header is one line
        assert body.region.y <= cursor_y < body.region.bottom
        assert app.screen.get_widget_at(2, cursor_y)[0] is table
    store.close()


async def test_welcome_and_home_give_the_bundled_decks_the_same_number_of_cards(tmp_path, make_app):
    """A reversed card is two study items: both screens count study items, and call
    them cards (what the student reviews, as Anki calls them)."""
    import re

    from studyapp.store import Store

    store = Store.open(tmp_path / "fresh.db")
    app = make_app(store, sync_bundled=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        welcome = str(app.screen.query_one("#home-message").visual)
        table = app.screen.query_one("#home-decks", DataTable)
        header = str(table.columns["cards"].label)
        column = sum(int(str(table.get_cell_at((row, 3)))) for row in range(table.row_count))
        today_line = str(app.screen.query_one("#home-today").visual)
    (studied,) = store.conn.execute("SELECT COUNT(*) FROM items").fetchone()
    store.close()
    said = re.search(r"Imported 5 bundled decks \((\d+) cards\)", welcome)
    assert said, welcome
    assert header == "Cards"
    assert int(said[1]) == column == studied
    assert f" new of {studied} unseen · " in today_line  # a fresh database: every card is new


async def test_after_some_study_the_today_line_says_how_many_cards_are_still_unseen(
    tmp_path, make_app
):
    """Home's Cards column keeps every card; the today line's second number is those
    never answered, which study lowers: it says "unseen", never a bare "of 73"."""
    import re

    from studyapp.store import Store

    store = Store.open(tmp_path / "fresh.db")
    app = make_app(store, sync_bundled=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#home-decks", DataTable)
        cards = sum(int(str(table.get_cell_at((row, 3)))) for row in range(table.row_count))
        new_before = re.search(r"(\d+) new of (\d+) unseen", home_today(app))
        assert new_before and int(new_before[2]) == cards  # nothing answered yet
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        for _ in range(3):
            await pilot.press("space", "4")
            await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        after = sum(int(str(table.get_cell_at((row, 3)))) for row in range(table.row_count))
        today_line = home_today(app)
    store.close()
    assert after == cards  # the Cards column still counts every card
    said = re.search(r"(\d+) new of (\d+) unseen · 3 done", today_line)
    assert said, today_line
    assert int(said[1]) == int(new_before[1]) - 3 and int(said[2]) == cards - 3
