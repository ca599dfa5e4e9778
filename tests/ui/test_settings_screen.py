"""The Settings screen and Custom Study's "more new cards today", through Pilot."""

from __future__ import annotations

from studyapp.settings import load_settings
from studyapp.ui.dialogs.settings import ExtendNewScreen, SettingsScreen
from studyapp.ui.screens.home import HomeScreen
from studyapp.ui.screens.review import ReviewScreen

SIZE = (80, 24)


def home_new_today(app) -> str:
    return str(app.screen.query_one("#home-today").visual)


async def test_settings_screen_saves_every_setting(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        screen.query_one("#set-new_per_day").value = "2"
        screen.query_one("#set-interleave").value = False
        screen.query_one("#set-exam_margin_days").value = "10"
        screen.query_one("#set-theme").value = "textual-light"
        screen.query_one("#set-deck-0").value = "1"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert "1 new of 5" in home_new_today(app)
        assert app.theme == "textual-light"
    saved = load_settings(sample_store)
    assert (saved.new_per_day, saved.interleave, saved.theme) == (2, False, "textual-light")
    assert saved.exam_margin_days == 10
    assert saved.deck_new_per_day == {"sample": 1}


async def test_settings_screen_refuses_a_bad_value_and_saves_nothing(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        app.screen.query_one("#set-leech_threshold").value = "0"
        app.screen.query_one("#set-new_per_day").value = "3"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SettingsScreen)
        error = str(app.screen.query_one("#settings-error").visual)
        assert error == "leech_threshold must be between 1 and 999, not 0"
    assert load_settings(sample_store).new_per_day == 20


async def test_more_new_cards_today_after_the_limit_is_met(sample_store, make_app):
    from studyapp.settings import save_setting

    save_setting(sample_store, "new_per_day", "1")
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "5")
        screen = app.screen
        assert screen.finished
        assert "met today's limit of 1 new cards" in str(
            screen.query_one("#review-done-body").visual
        )
        await pilot.press("m")
        assert isinstance(app.screen, ExtendNewScreen)
        await pilot.press("backspace", "backspace", "2", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen) and not app.screen.finished
        assert app.screen.session.counts().new == 2


async def test_refused_input_is_not_titled_a_database_problem(sample_store, make_app):
    """A value the store refuses is the student's typo, not a failing database."""
    from studyapp.settings import extend_new_cards, save_setting

    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        assert not app.guarded(lambda: save_setting(sample_store, "new_per_day", "lots"))
        assert not app.guarded(lambda: extend_new_cards(sample_store, app.today(), 0))
        await pilot.pause()
        titles = [n.title for n in app._notifications]
        assert titles == ["Not done", "Not done"]
        assert "1 to 9999" in [n.message for n in app._notifications][1]
        assert app.return_code is None  # the app goes on: nothing is wrong with the database
    assert load_settings(sample_store).new_per_day == 20


async def test_escape_asks_before_discarding_edits(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        settings = app.screen
        settings.query_one("#set-new_per_day").value = "7"
        await pilot.press("escape")
        await pilot.pause()
        assert "Discard your changes?" in str(app.screen.query_one(".dialog-title").visual)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is settings and settings.query_one("#set-new_per_day").value == "7"
        await pilot.press("escape", "y")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert load_settings(sample_store).new_per_day == 20
        await pilot.press("o")
        await pilot.press("escape")  # nothing edited: closes at once
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_every_setting_label_fits(sample_store, make_app):
    for size in ((80, 24), (120, 40), (60, 20)):
        app = make_app(sample_store)
        async with app.run_test(size=size) as pilot:
            await pilot.press("o")
            await pilot.pause()
            labels = list(app.screen.query(".setting-label"))[:6]  # the fixed ones
            for label in labels:
                text = str(label.visual)
                assert len(text) <= label.content_size.width, (size, text)


async def test_settings_dialog_dismisses_a_change_and_the_caller_saves_it(sample_store, make_app):
    """Issue 19: one dialog contract. The dialog checks and hands back what to save;
    it writes nothing itself."""
    from studyapp.settings import Settings
    from studyapp.ui.dialogs.settings import SettingsChange

    app = make_app(sample_store)
    got: list[object] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(SettingsScreen(Settings(), {"sample": "Sample"}), got.append)
        await pilot.pause()
        app.screen.query_one("#set-new_per_day").value = "7"
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert len(got) == 1 and isinstance(got[0], SettingsChange)
    assert got[0].values["new_per_day"] == "7" and got[0].values["new_per_day.sample"] == ""
    assert load_settings(sample_store).new_per_day == 20  # nothing saved by the dialog


async def test_whole_numbers_are_checked_by_textuals_integer_validator(sample_store, make_app):
    from textual.validation import Integer

    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        field = app.screen.query_one("#set-leech_threshold")
        (validator,) = field.validators
        assert isinstance(validator, Integer)
        assert (validator.minimum, validator.maximum) == (1, 999)
        field.focus()
        field.value = "1000"
        await pilot.pause()
        assert field.has_class("-invalid")
        deck_field = app.screen.query_one("#set-deck-0")
        assert deck_field.valid_empty and isinstance(deck_field.validators[0], Integer)
        await pilot.press("escape", "y")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        app.push_screen(ExtendNewScreen())
        await pilot.pause()
        extend = app.screen.query_one("#extend-by")
        assert isinstance(extend.validators[0], Integer)
        extend.value = "0"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ExtendNewScreen)
        assert str(app.screen.query_one("#extend-error").visual) == "A number from 1 to 9999."
