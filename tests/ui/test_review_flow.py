"""The review flow driven through Textual's Pilot, checked against the database."""

from __future__ import annotations

from datetime import date, timedelta

from studyapp.store import Store
from studyapp.ui.screens.home import HomeScreen
from studyapp.ui.screens.review import ReviewScreen
from studyapp.ui.widgets.key_bar import KeyBar

TODAY = date(2026, 11, 23)  # the app's pinned clock (tests/conftest.py)

SIZE = (80, 24)


def shown_question(app) -> str:
    return str(app.screen.query_one("#review-question").visual)


async def test_first_run_imports_bundled_decks_and_says_so(tmp_path, make_app):
    store = Store.open(tmp_path / "fresh.db")
    app = make_app(store, sync_bundled=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        banner = str(app.screen.query_one("#home-message").visual)
        assert "Imported 5 bundled decks" in banner
        assert app.screen.query_one("#home-decks").row_count == 5
    # The next start finds nothing to sync and says nothing.
    again = make_app(store, sync_bundled=True)
    assert again.startup_message is None


async def test_grade_keys_do_nothing_until_revealed(sample_store, make_app):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        first = app.screen.session.current().id
        await pilot.press("4")
        assert app.screen.session.current().id == first
        assert sample_store.reviews.of(first) == []
        assert app.screen.query_one("#review-grades").has_class("hidden")
        await pilot.press("space")
        assert not app.screen.query_one("#review-grades").has_class("hidden")
        assert "4 good" in str(app.screen.query_one("#grade-4").visual)
        await pilot.press("4")
        assert [r["grade"] for r in sample_store.reviews.of(first)] == [4]


async def test_every_grade_is_logged_with_its_sm2_result(sample_store, make_app):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        session = app.screen.session
        graded = []
        for quality in (5, 4, 3, 2, 1):
            item = session.current().id
            await pilot.press("space", str(quality))
            graded.append((item, quality))
        for item, quality in graded:
            row = sample_store.reviews.of(item)[0]
            assert (row["grade"], row["kind"]) == (quality, "scheduled")
            state = sample_store.reviews.item_state(item)
            assert state.interval == 1 and state.repetitions == (1 if quality >= 3 else 0)


async def test_undo_chain(sample_store, make_app):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        session = app.screen.session
        first = session.current().id
        await pilot.press("space", "5")
        second = session.current().id
        await pilot.press("space", "1")
        await pilot.press("u")
        assert session.current().id == second
        assert sample_store.reviews.of(second) == []
        assert app.screen.revealed is False
        await pilot.press("u")
        assert session.current().id == first
        assert sample_store.reviews.of(first) == []
        assert sample_store.reviews.item_state(first).due is None


async def test_redrill_comes_back_and_is_logged_as_redrill(sample_store, make_app):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        session = app.screen.session
        failed = session.current().id
        await pilot.press("space", "2")
        for _ in range(3):
            await pilot.press("space", "5")
        assert session.current().id == failed and session.current_kind == "redrill"
        assert "re-drill" in str(app.screen.query_one("#review-card").border_subtitle)
        await pilot.press("space")
        assert "again" in str(app.screen.query_one("#grade-3").visual)
        await pilot.press("4")
        kinds = [r["kind"] for r in sample_store.reviews.of(failed)]
        assert kinds == ["scheduled", "redrill"]


async def test_suspend_bury_and_note(sample_store, make_app):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        session = app.screen.session
        suspended = session.current().id
        await pilot.press("s")
        buried = session.current().id
        await pilot.press("b")
        noted = session.current()
        await pilot.press("n")
        await pilot.press(*"remember W", "ctrl+s")
        await pilot.pause()
        assert sample_store.queues.item(noted.id).note == "remember W"
        await pilot.press("space")
        assert "remember W" in str(app.screen.query_one("#review-note").visual)
    assert sample_store.queues.item(suspended).suspended
    row = sample_store.conn.execute("SELECT buried_until FROM items WHERE id = ?", [buried])
    assert row.fetchone()[0] == "2026-11-24"


async def test_quit_mid_session_and_reopen(tmp_path, sample_store, make_app):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        session = app.screen.session
        first = session.current().id
        await pilot.press("space", "5")
        failed = session.current().id
        await pilot.press("space", "0")
        await pilot.press("q")
    assert app.return_code == 0 or app.return_code is None
    path = sample_store.conn.execute("PRAGMA database_list").fetchone()[2]
    reopened = Store.open(path)
    assert [r["grade"] for r in reopened.reviews.of(first)] == [5]
    app = make_app(reopened, start="review")
    async with app.run_test(size=SIZE) as pilot:
        counts = app.screen.session.counts()
        assert (counts.new, counts.redrill) == (3, 1)
        assert app.screen.session.current().id == failed
    reopened.close()


async def test_summary_then_all_done(sample_store, make_app):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(5):
            await pilot.press("space", "5")
        assert app.screen.finished
        assert "Session complete" in str(app.screen.query_one("#review-done-title").visual)
        body = str(app.screen.query_one("#review-done-body").visual)
        assert "5 answers" in body and "100%" in body and "tomorrow" in body
        # u at the summary takes back the last grade.
        await pilot.press("u")
        assert not app.screen.finished
        await pilot.press("space", "5", "escape")
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("r")
        assert "All done" in str(app.screen.query_one("#review-done-title").visual)


async def test_study_one_tag_from_home(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.press(*"ltr", "enter")
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.session.counts().new == 2


async def test_keys_screen_lists_every_binding(sample_store, make_app):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        text = "\n".join(f"{keys} {description}" for keys, description in app.screen.rows)
        for description in (
            "Show answer",
            "Grade 0 (blackout)",
            "Grade 5 (perfect)",
            "Undo",
            "Suspend",
            "Bury",
            "Write your own note",
            "Back",
            "Quit",
        ):
            assert description in text
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)


async def test_theme_toggle_is_remembered(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"
    assert make_app(sample_store).settings.theme == "textual-light"


async def test_cram_from_home_changes_no_schedule(sample_store, make_app):
    # Cram studies seen cards only (issue 21): the deck's cards were seen, due in a week.
    due = (TODAY + timedelta(days=7)).isoformat()
    sample_store.conn.execute("UPDATE items SET due = ?, interval = 8, repetitions = 2", [due])
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c", *"Sample", "enter")
        assert isinstance(app.screen, ReviewScreen) and app.screen.session.mode == "cram"
        assert "cram" in str(app.screen.query_one("#review-card").border_subtitle)
        await pilot.press("space", "5")
    assert {r[0] for r in sample_store.conn.execute("SELECT kind FROM reviews")} == {"cram"}
    assert sample_store.conn.execute(
        "SELECT COUNT(*) FROM items WHERE due IS NOT ? OR interval != 8 OR repetitions != 2",
        [due],
    ).fetchone() == (0,)


async def test_stats_screen_opens_and_goes_back(sample_store, make_app):
    from studyapp.ui.screens.stats import StatsScreen

    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert isinstance(app.screen, StatsScreen)
        headings = [str(w.visual) for w in app.screen.query(".stats-heading")]
        assert headings[0] == "Mastery by topic" and len(headings) == 8
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_palette_study_a_tag_works_when_started_in_review(sample_store, make_app):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        app.pick_tag()
        await pilot.pause()
        await pilot.pause()
        await pilot.press(*"ltr", "enter")
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.session.scope.tag == "ltr"


async def test_key_bar_shows_the_screen_keys_and_clicking_one_presses_it(sample_store, make_app):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        bar = app.screen.query_one(KeyBar)
        line = str(bar.render())
        assert line.startswith(" space Show answer  s Suspend ")
        assert line.rstrip().endswith("^p palette") and len(line) == SIZE[0]
        assert " 4 " not in line  # grade keys have show=False
        await pilot.press("space")
        assert "Show answer" not in str(bar.render())  # reveal is no longer possible
        first = app.screen.session.current().id
        suspend = str(bar.render()).index(" s Suspend")
        await pilot.click(KeyBar, offset=(suspend + 2, 0))
        assert sample_store.queues.item(first).suspended
        assert app.screen.session.current().id != first


async def test_key_bar_drops_whole_keys_that_do_not_fit(sample_store, make_app):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=(40, 24)) as pilot:
        await pilot.pause()
        line = str(app.screen.query_one(KeyBar).render())
        assert len(line) == 40 and line.rstrip().endswith("^p palette")
        assert line.startswith(" space Show answer ") and "Susp" not in line


def test_starting_a_review_loads_no_markdown_parser():
    """Time to first card: plain cards never import markdown-it (only Markdown cards do)."""
    import subprocess
    import sys

    code = (
        "import sys, studyapp.ui.app, studyapp.ui.screens.review, studyapp.study.session; "
        "print('markdown_it' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
