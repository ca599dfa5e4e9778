"""The exam plan in the app: home's line and the exam dialog, through Textual's Pilot."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from studyapp.settings import save_setting
from studyapp.study import exam
from studyapp.ui.dialogs.exam import ExamScreen
from studyapp.ui.screens.home import HomeScreen
from studyapp.ui.screens.review import ReviewScreen
from studyapp.ui.widgets.exam_list import ALL_DECKS, SAME_SCOPE, ScopeChoice

SIZE = (80, 24)
TODAY = date(2026, 11, 23)  # the app's pinned clock (tests/conftest.py)


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector).visual)


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_no_exam_no_line(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.screen.query_one("#home-exam").display


async def test_home_line_says_the_pace_and_why_then_the_forecast(sample_store, make_app):
    save_setting(sample_store, "new_per_day", "1")
    exam.set_exam(sample_store, TODAY + timedelta(days=10), deck_ids=("sample",))
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        line = text_of(app, "#home-exam")
        # 5 unseen, 3 days before the 7-day window opens: 2 a day, not the normal 1.
        assert line.startswith("2 new/day to meet Sample::Mechanisms on 3 Dec · 10 days left")
        assert "0/5 seen" in line
        assert "100% reviewed in the final window" in line
        # The day's new cards follow the pace.
        assert "2 new of 5" in text_of(app, "#home-today")
        assert len(app.exam_forecasts) == 1


async def test_dialog_sets_an_exam_and_home_shows_it(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("x")
        assert isinstance(app.screen, ExamScreen)
        await pilot.press(*"2026-12-24", "tab", *"Anatomy", "ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        (saved,) = sample_store.exams.all()
        assert (saved.name, saved.date, saved.deck_ids) == ("Anatomy", date(2026, 12, 24), ())
        assert "meets Anatomy on 24 Dec · 31 days left · 0/5 seen" in text_of(app, "#home-exam")


async def test_dialog_refuses_a_bad_date_and_stays_open(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("x", *"2026-11-01", "enter")
        assert isinstance(app.screen, ExamScreen)
        assert text_of(app, "#exam-error") == "2026-11-01 is in the past"
        await pilot.press(*["backspace"] * 10, *"soon", "enter")
        assert "not a date" in text_of(app, "#exam-error")
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen) and sample_store.exams.all() == []


async def test_dialog_shows_markup_typed_as_a_date_as_text(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("x", *"[/b]", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ExamScreen)
        assert text_of(app, "#exam-error") == "'[/b]' is not a date; write it as YYYY-MM-DD"
        await pilot.press(*["backspace"] * 4, *"2099-01-01", "enter")
        assert "years ahead" in text_of(app, "#exam-error")


async def test_dialog_scopes_moves_and_removes(sample_store, make_app):
    exam.set_exam(sample_store, TODAY + timedelta(days=40), name="Final")
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("x")
        dialog = app.screen
        dialog.query_one("#exam-scope").value = ScopeChoice(tags=("ltr",))
        await pilot.press(*"2026-12-10", "tab", *"Final", "ctrl+s")
        await pilot.pause()
        (moved,) = sample_store.exams.all()
        assert (moved.date, moved.tags) == (date(2026, 12, 10), ("ltr",))
        exam.set_exam(sample_store, TODAY + timedelta(days=50), name="Later")
        await pilot.press("x")
        await pilot.press("ctrl+r")  # from the date field: the highlighted (first) exam
        await pilot.pause()
        assert len(sample_store.exams.all()) == 2  # asked first
        await pilot.press("y")
        await pilot.pause()
        assert [e.name for e in sample_store.exams.all()] == ["Later"]
        await pilot.press("x")
        app.screen.query_one("#exam-list").focus()
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert sample_store.exams.all() == []


async def test_command_palette_opens_the_dialog(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p", *"Exams")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ExamScreen)


async def test_past_exam_is_listed_with_its_window_grades(sample_store, make_app):
    exam.set_exam(sample_store, TODAY, name="Midterm")
    first = sample_store.conn.execute("SELECT MIN(id) FROM items").fetchone()[0]
    sample_store.reviews.grade(first, 4, today=TODAY - timedelta(days=2))
    app = make_app(sample_store, clock=lambda: datetime(2026, 12, 1, 12))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.screen.query_one("#home-exam").display  # pacing back to normal
        await pilot.press("x")
        listed = str(app.screen.query_one("#exam-list").get_option_at_index(0).prompt)
        assert "Midterm · 23 Nov · past" in listed
        assert "final window: 1 answer · grades 0:0 1:0 2:0 3:0 4:1 5:0" in listed


async def test_exam_reviews_are_labelled_in_review(sample_store, make_app):
    from studyapp.study.exam_recall_plan import load_recall_inputs, todays_plan

    planned, _ = exam.set_exam(sample_store, TODAY + timedelta(days=2), deck_ids=("sample",))
    sample_store.conn.execute("UPDATE items SET repetitions = 3, interval = 30, due = '2026-12-20'")
    # Long unseen in memory too: the exam's plan (what chooses exam reviews) has them fading.
    sample_store.conn.execute(
        "INSERT INTO memory_states (item_id, stability, difficulty, last_day, reviews) "
        "SELECT id, 1.0, 5.0, '2026-10-24', 1 FROM items"
    )
    sample_store.conn.commit()
    day = todays_plan(load_recall_inputs(sample_store, planned, TODAY))
    planned_today = len(day.window + day.reviews)
    assert planned_today > 0
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        card = app.screen.query_one("#review-card")
        assert "exam review" in str(card.border_subtitle)
        assert f"Exam {planned_today}" in text_of(app, "#review-counts")
        await pilot.press("space", "5")
        assert {
            r["kind"]
            for r in sample_store.conn.execute("SELECT kind FROM reviews").fetchall()
            for r in [{"kind": r[0]}]
        } == {"exam"}


async def test_moving_in_the_dialog_keeps_the_scope(sample_store, make_app):
    exam.set_exam(sample_store, TODAY + timedelta(days=40), tags=("ltr",), name="Final")
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("x")
        assert app.screen.query_one("#exam-scope").value == SAME_SCOPE
        await pilot.press(*"2026-12-10", "tab", *"Final", "ctrl+s")
        await pilot.pause()
        (moved,) = sample_store.exams.all()
        assert (moved.date, moved.deck_ids, moved.tags) == (date(2026, 12, 10), (), ("ltr",))
        await pilot.press("x")
        app.screen.query_one("#exam-scope").value = ALL_DECKS
        await pilot.press(*"2026-12-11", "tab", *"Final", "ctrl+s")
        await pilot.pause()
        (widened,) = sample_store.exams.all()
        assert (widened.date, widened.deck_ids, widened.tags) == (date(2026, 12, 11), (), ())


async def test_dialog_forecasts_every_coming_exam(sample_store, make_app):
    exam.set_exam(sample_store, TODAY + timedelta(days=20), deck_ids=("sample",), name="First")
    exam.set_exam(sample_store, TODAY + timedelta(days=30), tags=("ltr",), name="Second")
    app = make_app(sample_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        options = app.screen.query_one("#exam-list")
        shown = [str(options.get_option_at_index(i).prompt) for i in range(2)]
        assert all("reviewed in the final window" in text for text in shown), shown
        assert {e.name for e, _ in app.exam_forecasts} == {"First", "Second"}


async def test_removing_an_exam_asks_first(sample_store, make_app):
    exam.set_exam(sample_store, TODAY + timedelta(days=40), name="Final")
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("x", "ctrl+r")
        await pilot.pause()
        assert "Remove the exam Final?" in str(app.screen.query_one(".dialog-title").visual)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ExamScreen) and len(sample_store.exams.all()) == 1
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ExamScreen) and len(sample_store.exams.all()) == 1


async def test_scope_list_keeps_each_name_on_one_line(tmp_path, make_app):
    from textual.widgets import Select

    from studyapp.bundled import sync_bundled_decks
    from studyapp.store import Store
    from studyapp.ui.dialogs.exam import SCOPE_LABEL_WIDTH

    store = Store.open(tmp_path / "b.db")
    sync_bundled_decks(store)
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        select = app.screen.query_one("#exam-scope", Select)
        labels = [str(prompt) for prompt, _ in select._options]
        assert "…::Foundations" in labels and "…::Local Twitch…" in labels
        assert all(len(label) <= SCOPE_LABEL_WIDTH for label in labels)
        select.focus()
        await pilot.press("enter")
        await pilot.pause()
        overlay = select.query_one("SelectOverlay")
        # One line per option: a name broken onto a second line would make it taller.
        assert overlay.virtual_size.height == len(labels)
    store.close()


def test_home_exam_line_reads_nothing_itself():
    """#19: data down: the line is handed its plan, and where to keep its forecast."""
    import inspect

    from studyapp.ui.widgets import exam_line

    source = inspect.getsource(exam_line)
    assert "self.app" not in source
    assert "type: ignore" not in source


async def test_home_line_projects_recall_on_the_day(sample_store, make_app):
    exam.set_exam(sample_store, TODAY + timedelta(days=10), deck_ids=("sample",), target=0.85)
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        recall = text_of(app, "#home-exam").splitlines()[2]
        assert recall.startswith("Recall on the day ") and "with the plan" in recall
        assert recall.endswith("0% if you stop · target 85%")


async def test_home_line_warns_when_the_target_is_out_of_reach(sample_store, make_app):
    exam.set_exam(sample_store, TODAY + timedelta(days=2), target=0.99, minutes_per_day=1)
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert text_of(app, "#home-exam").endswith("target 99% · short (x)")


async def fill_goal(app, pilot, when: str, target: str, minutes: str) -> None:
    dialog = app.screen
    dialog.query_one("#exam-date").value = when
    dialog.query_one("#exam-target").value = target
    dialog.query_one("#exam-minutes").value = minutes
    await settle(app, pilot)


async def test_dialog_previews_recall_load_and_shortfall_before_saving(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("x")
        await fill_goal(app, pilot, "2026-12-20", "85", "20")
        preview = text_of(app, "#exam-preview")
        assert "% on the day · target 85%" in preview
        assert preview.splitlines()[1].startswith("load max ")
        assert preview.endswith("of 20 min/day")
        assert not app.screen.query_one("#exam-shortfall").display
        # Two days and a minute a day cannot reach 99%: said before saving.
        await fill_goal(app, pilot, "2026-11-25", "99", "1")
        assert app.screen.query_one("#exam-shortfall").display
        assert text_of(app, "#exam-shortfall").startswith("at 1 min/day: ")
        assert sample_store.exams.all() == []
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        (saved,) = sample_store.exams.all()
        assert (saved.target, saved.minutes_per_day) == (0.99, 1.0)


async def test_dialog_refuses_a_bad_target_or_budget_in_one_line(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("x")
        await fill_goal(app, pilot, "2026-12-20", "150", "")
        assert text_of(app, "#exam-preview") == ""
        await pilot.press("ctrl+s")
        assert text_of(app, "#exam-error") == "target 150 is out of range; give 50% to 99%"
        await fill_goal(app, pilot, "2026-12-20", "", "lots")
        await pilot.press("ctrl+s")
        assert text_of(app, "#exam-error") == "minutes 'lots' is not a number; write e.g. 30"
        assert isinstance(app.screen, ExamScreen) and sample_store.exams.all() == []


async def test_dialog_lists_recall_and_a_move_keeps_target_and_budget(sample_store, make_app):
    exam.set_exam(
        sample_store, TODAY + timedelta(days=20), name="Final", target=0.8, minutes_per_day=12
    )
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("x")
        await settle(app, pilot)
        listed = str(app.screen.query_one("#exam-list").get_option_at_index(0).prompt)
        assert "% with plan · 0% if stopped · target 80% · 12 min/day" in listed
        await pilot.press(*"2026-12-20", "tab", *"Final")
        await settle(app, pilot)
        assert "target 80%" in text_of(app, "#exam-preview")  # the kept target, previewed
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        (moved,) = sample_store.exams.all()
        assert (moved.date, moved.target, moved.minutes_per_day) == (date(2026, 12, 20), 0.8, 12)


async def test_home_dialog_cli_json_and_session_agree_on_an_exam_at_the_defaults(
    sample_store, make_app
):
    from studyapp.settings import load_settings
    from studyapp.study.exam_forecast import exam_json, report_lines
    from studyapp.study.exam_recall import Memory
    from studyapp.study.exam_recall_plan import exam_projection, load_recall_inputs
    from studyapp.study.exam_tactic import plan_exam
    from studyapp.study.session import ReviewSession

    planned, _ = exam.set_exam(sample_store, TODAY + timedelta(days=20), deck_ids=("sample",))
    assert (planned.target, planned.minutes_per_day) == (None, None)
    # Three items learned a month ago and fading (SM-2 shows them after the exam), two unseen.
    fading = [r[0] for r in sample_store.conn.execute("SELECT id FROM items ORDER BY id LIMIT 3")]
    sample_store.conn.executemany(
        "UPDATE items SET repetitions = 3, interval = 60, due = '2027-01-30' WHERE id = ?",
        [(i,) for i in fading],
    )
    sample_store.conn.executemany(
        "INSERT INTO memory_states (item_id, stability, difficulty, last_day, reviews) "
        "VALUES (?, 1.0, 5.0, '2026-10-24', 1)",
        [(i,) for i in fading],
    )
    sample_store.conn.commit()
    inputs = load_recall_inputs(sample_store, planned, TODAY)
    recall = exam_projection(sample_store, planned, TODAY)
    followed, stopped = f"{recall.if_followed.overall:.0%}", f"{recall.if_stopped.overall:.0%}"
    assert recall.goal.target == 0.9 and recall.default_budget
    # `studyapp exam` and `stats --json`.
    printed = "\n".join(report_lines(sample_store, TODAY, 20))
    assert f"recall on the day {followed} with the plan · {stopped} if you stop today" in printed
    (entry,) = exam_json(sample_store, TODAY, 20)
    assert entry["recall"]["if_followed"] == round(recall.if_followed.overall, 4)
    assert entry["recall"]["daily_minutes"] == [round(m, 1) for m in recall.daily_minutes]
    # The session does the plan's first day: its exam reviews are that day's.
    first = plan_exam(inputs.cards, inputs.goal, Memory(inputs.parameters)).days[0]
    # (Siblings are not buried in these tests: the reversed card's two directions both come.)
    session = ReviewSession(sample_store, load_settings(sample_store), today=TODAY)
    queued = [session.current().id, *session._exam] if session.current_kind == "exam" else []
    assert queued and sorted(queued) == sorted(first.window + first.reviews)
    # Home and the Exams dialog.
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert f"on the day {followed} with the plan · {stopped} if you stop" in text_of(
            app, "#home-exam"
        )
        await pilot.press("x")
        await settle(app, pilot)
        listed = str(app.screen.query_one("#exam-list").get_option_at_index(0).prompt)
        assert f"recall {followed} with plan · {stopped} if stopped · target 90%" in listed
        minutes = f"{recall.goal.minutes_per_day:.0f} min/day"
        assert minutes in listed
