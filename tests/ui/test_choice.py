"""The choice dialog hands back the caller's own typed value, never a string to parse."""

from __future__ import annotations

from dataclasses import dataclass

from studyapp.study.session import Scope
from studyapp.ui.dialogs.choice import ChoiceScreen
from studyapp.ui.screens.home import StudyChoice
from studyapp.ui.screens.review import ReviewScreen


@dataclass(frozen=True)
class Pick:
    name: str


async def test_choice_dismisses_with_the_value_given(sample_store, make_app):
    app = make_app(sample_store)
    got: list[Pick | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        choices = [("first: with a colon", Pick("a:b")), ("second", Pick("c"))]
        app.push_screen(ChoiceScreen("Pick", choices), got.append)
        await pilot.pause()
        await pilot.press(*"sec", "enter")
        await pilot.pause()
        app.push_screen(ChoiceScreen("Pick", choices), got.append)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert got == [Pick("c"), None]


async def test_cram_ahead_choice_starts_cram_within_those_days(sample_store, make_app):
    sample_store.conn.execute("UPDATE items SET due = '2026-11-25', interval = 3, repetitions = 1")
    app = make_app(sample_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert app.screen.choices[0][1] == StudyChoice(Scope(), ahead_days=3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.session.mode == "cram" and app.screen.session.counts().review == 5
