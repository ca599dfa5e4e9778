"""One review session at a time, and no path grades one card twice in a day: the palette,
the keys, or a second `studyapp review` on the same database."""

from __future__ import annotations

from collections import Counter

from studyapp.settings import save_setting
from studyapp.store import Store
from studyapp.ui.screens.home import HomeScreen
from studyapp.ui.screens.review import ReviewScreen
from tests.conftest import review_session
from tests.ui.conftest import NOON

SIZE = (80, 24)


def palette_command(app, title):
    commands = {c.title: c for c in app.get_system_commands(app.screen)}
    return commands[title].callback


def scheduled_reviews_per_item(store):
    return Counter(
        r[0] for r in store.conn.execute("SELECT item_id FROM reviews WHERE kind = 'scheduled'")
    )


def reviews_open(app):
    return sum(isinstance(s, ReviewScreen) for s in app.screen_stack)


async def answer_everything(pilot, app, grade="4"):
    while app.screen.session.current() is not None:
        await pilot.press("space", grade)


async def test_palette_review_over_a_review_switches_and_grades_nothing_twice(
    sample_store, make_app
):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        first = app.screen.session.current().id
        await pilot.press("space", "4")
        palette_command(app, "Review all due cards")()
        await pilot.pause()
        assert reviews_open(app) == 1
        assert isinstance(app.screen, ReviewScreen)
        session = app.screen.session
        assert first not in [session.current().id, *session._review, *session._new]
        await answer_everything(pilot, app)
        palette_command(app, "Review all due cards")()
        await pilot.pause()
        assert reviews_open(app) == 1 and app.screen.session.current() is None
    assert set(scheduled_reviews_per_item(sample_store).values()) == {1}
    # The card learned first is due in 1 day, not 6.
    assert sample_store.reviews.item_state(first).interval == 1


async def test_keys_back_home_and_review_again_grade_nothing_twice(sample_store, make_app):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "5", "space", "2")
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("r")
        assert reviews_open(app) == 1
        await answer_everything(pilot, app, "5")
        await pilot.press("escape", "enter")
        await answer_everything(pilot, app, "5")
    assert set(scheduled_reviews_per_item(sample_store).values()) == {1}


async def test_a_second_process_on_the_same_database_cannot_grade_a_card_again(
    sample_store, make_app, tmp_path
):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        card = app.screen.session.current().id
        # `studyapp review` in another terminal, with the same card queued.
        other = Store.open(tmp_path / "ui.db")
        elsewhere = review_session(other, clock=lambda: NOON, bury_siblings=False)
        assert elsewhere.current().id == card
        elsewhere.answer(4)
        learned = sample_store.reviews.item_state(card)
        await pilot.press("space", "5")
        other.close()
    assert sample_store.reviews.item_state(card) == learned
    assert [r["kind"] for r in sample_store.reviews.of(card)] == ["scheduled", "redrill"]


async def test_grade_before_the_answer_says_show_it_first(sample_store, make_app):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        card = app.screen.session.current().id
        await pilot.press("4")
        await pilot.pause()
        assert [n.message for n in app._notifications] == ["Show the answer first (space)."]
        assert sample_store.reviews.of(card) == []


async def test_undo_key_shows_only_with_something_to_undo_and_takes_back_bury(
    sample_store, make_app
):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        bar = app.screen.query_one("KeyBar")
        assert " u Undo" not in str(bar.render())
        first = app.screen.session.current().id
        await pilot.press("b")
        assert " u Undo" in str(bar.render())
        assert app.screen.session.current().id != first
        await pilot.press("u")
        assert app.screen.session.current().id == first
        assert sample_store.conn.execute(
            "SELECT buried_until FROM items WHERE id = ?", [first]
        ).fetchone() == (None,)
        assert " u Undo" not in str(bar.render())


async def test_grade_keys_show_the_ease_change(sample_store, make_app):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        labels = [str(app.screen.query_one(f"#grade-{q}").visual) for q in range(6)]
        assert labels[3].endswith("1 d · −0.14") and labels[5].endswith("1 d · +0.10")
        assert len(set(labels)) == 6


async def test_siblings_on_screen_never_back_to_back(sample_store, make_app):
    save_setting(sample_store, "bury_siblings", "on")
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        cards = []
        while app.screen.session.current() is not None:
            cards.append(app.screen.session.current().card_id)
            await pilot.press("space", "5")
    # basic, reversed (one direction) and cloze (one deletion): the rest wait a day.
    assert len(cards) == len(set(cards)) == 3


async def test_palette_lists_the_screens_actions_once(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert len(titles) == len(set(titles))
        for start in ("Cram", "Weak spots", "Add a card", "Settings", "Study more new cards"):
            assert any(title.startswith(start) for title in titles), start


async def test_theme_picked_anywhere_is_remembered(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "nord"  # what the palette's "Theme" does
        await pilot.pause()
    assert make_app(sample_store).settings.theme == "nord"


async def test_card_frame_stays_put_when_the_answer_is_shown(sample_store, make_app):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        before = app.screen.query_one("#review-card").region
        await pilot.press("space")
        await pilot.pause()
        assert app.screen.query_one("#review-card").region == before


async def test_undo_key_goes_once_the_last_grade_is_undone(sample_store, make_app):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        bar = app.screen.query_one("KeyBar")
        await pilot.press("space", "4")
        await pilot.pause()
        assert " u Undo" in str(bar.render())
        await pilot.press("u")
        await pilot.pause()
        assert app.screen.session.counts().done == 0
        # What the terminal shows, not what the bar would draw if asked again.
        assert "Undo" not in app.export_screenshot()
