"""Data down, messages up: only the app reads its store and settings; every screen, dialog
and widget is handed what it shows (studyapp/ui/context.py) and posts messages up."""

from __future__ import annotations

import ast
from datetime import datetime
from pathlib import Path

from textual.app import App
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

import studyapp.ui
from studyapp.settings import load_settings
from studyapp.store import Store
from studyapp.study.session import Scope
from studyapp.study.sm2 import study_day
from studyapp.ui.card_writes import SetSuspended
from studyapp.ui.context import StudyContext
from studyapp.ui.dialogs.card_detail import CardDetailScreen
from studyapp.ui.dialogs.card_editor import CardEditorScreen
from studyapp.ui.folder_sync import ReviewsMerged
from studyapp.ui.screens.home import HomeScreen

UI = Path(studyapp.ui.__file__).parent
# What only the app may read off itself: a screen gets them from its context.
APP_OWNED = {"store", "settings"}


def reaches_into_app(tree: ast.AST) -> list[int]:
    """Lines reading `app.store`/`app.settings` (also `self.app.…`, `screen.app.…`, and
    `getattr(app, "store")`)."""

    def is_app(node: ast.expr) -> bool:
        return (isinstance(node, ast.Name) and node.id == "app") or (
            isinstance(node, ast.Attribute) and node.attr == "app"
        )

    def reads_app_owned(node: ast.AST) -> bool:
        if isinstance(node, ast.Attribute):
            return node.attr in APP_OWNED and is_app(node.value)
        return (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and is_app(node.args[0])
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in APP_OWNED
        )

    return sorted(node.lineno for node in ast.walk(tree) if reads_app_owned(node))


def test_the_check_sees_each_way_of_reaching_in():
    code = (
        "a = self.app.store\n"
        "b = app.settings.new_per_day\n"
        "c = screen.app.store.item(1)\n"
        "d = getattr(self.app, 'settings')\n"
        "e = self.store.item(1)\n"  # the screen's own attribute: fine
        "f = ('app.settings', 'settings')\n"  # an action's name: fine
    )
    assert reaches_into_app(ast.parse(code)) == [1, 2, 3, 4]


def test_no_module_under_ui_but_the_app_reads_the_apps_store_or_settings():
    offenders = [
        f"{path.relative_to(UI)}:{line}"
        for path in sorted(UI.rglob("*.py"))
        if path != UI / "app.py"
        for line in reaches_into_app(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == []


# -- a screen runs on any app that hands it a context; its writes and moves go up -----------

NOON = datetime(2026, 11, 23, 12, 0)


def context_for(store: Store) -> StudyContext:
    return StudyContext(store, load_settings(store), today=lambda: study_day(NOON, 4))


class PlainApp(App[None]):
    """Not StudyApp: no store, no settings, no handlers for the screens' messages."""

    def __init__(self, screen: Screen[None]) -> None:
        super().__init__()
        self.first = screen

    def on_mount(self) -> None:
        self.push_screen(self.first)


def first_item(store: Store) -> int:
    return store.browse.page(today=study_day(NOON, 4), limit=1)[0][0].item_id


async def test_a_card_detail_shows_what_its_context_holds_and_asks_the_app_to_suspend(
    sample_store,
):
    item_id = first_item(sample_store)
    detail = CardDetailScreen(item_id)
    detail.context = context_for(sample_store)
    posted: list[Message] = []
    app = PlainApp(detail)
    async with app.run_test(size=(80, 24), message_hook=posted.append) as pilot:
        await pilot.pause()
        assert app.screen is detail
        assert "Status new" in str(detail.query_one("#detail-body", Static).visual)
        await pilot.press("s")
        await pilot.pause()
    asked = [m for m in posted if isinstance(m, SetSuspended)]
    assert asked and asked[0].item_id == item_id and asked[0].suspended
    # Only the app writes: this one has no handler, so nothing changed.
    assert not sample_store.queues.item(item_id).suspended


async def test_home_asks_the_app_to_start_a_review_of_the_selected_deck(sample_store):
    home = HomeScreen()
    home.context = context_for(sample_store)
    posted: list[Message] = []
    app = PlainApp(home)
    async with app.run_test(size=(80, 24), message_hook=posted.append) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is home  # nothing opened it: the app decides
    # Each message is seen where it is posted and again as it bubbles up: once each here.
    asked = list(dict.fromkeys(m for m in posted if isinstance(m, HomeScreen.StartReview)))
    assert [(m.scope, m.mode) for m in asked] == [(Scope(deck_id="sample"), "scheduled")]


async def test_the_app_writes_a_suspension_and_answers_the_screen_that_asked(
    sample_store, make_app
):
    posted: list[Message] = []
    app = make_app(sample_store)
    async with app.run_test(size=(80, 24), message_hook=posted.append) as pilot:
        await pilot.press("b")
        await pilot.pause()
        browse = app.screen
        item_id = first_item(sample_store)
        await pilot.press("s")
        await pilot.pause()
        assert sample_store.queues.item(item_id).suspended
        answers = [m for m in posted if isinstance(m, CardEditorScreen.CardsChanged)]
        assert answers and answers[0]._sender is app  # posted by the app, to Browse
        assert "suspended" in str(browse.query_one("#browse-table").get_row_at(0))


async def test_home_counts_again_when_a_sync_merges_reviews(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        home = app.screen
        today = home.query_one("#home-today", Static)
        assert "none done yet" in str(today.visual)
        # Another device's answer, as a merge writes it (outside this screen).
        sample_store.reviews.grade(first_item(sample_store), 4, now=NOON, today=study_day(NOON, 4))
        home.post_message(ReviewsMerged())
        await pilot.pause()
        assert "1 done" in str(today.visual)


async def test_the_exam_dialog_checks_its_fields_with_textual_validators(sample_store, make_app):
    from textual.widgets import Input

    from studyapp.ui.dialogs.exam import ExamScreen

    app = make_app(sample_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExamScreen)
        when, target = (
            app.screen.query_one("#exam-date", Input),
            app.screen.query_one("#exam-target", Input),
        )
        await pilot.press("tab")  # leaving the empty date marks nothing
        assert not when.has_class("-invalid")
        when.focus()
        await pilot.press(*"2026-13-01")
        assert when.has_class("-invalid")  # marked as it is typed
        await pilot.press("backspace", "backspace", "backspace", "backspace", *"2-24")
        assert when.has_class("-valid")
        target.value = "150"
        await pilot.pause()
        assert target.has_class("-invalid")
        await pilot.press("ctrl+s")
        await pilot.pause()
        # Refused with the validator's own words; nothing saved.
        assert str(app.screen.query_one("#exam-error").visual) == (
            "target 150 is out of range; give 50% to 99%"
        )
        assert sample_store.exams.all() == []
        target.value = ""  # empty: the default target
        await pilot.pause()
        assert not target.has_class("-invalid")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert [e.date.isoformat() for e in sample_store.exams.all()] == ["2026-12-24"]
