"""The tag pickers (study a tag, exam scope) list topics as Stats does: no `angle::` tags."""

from __future__ import annotations

import pytest

from studyapp.deckfile.reader import load_deck
from studyapp.store import Store
from studyapp.study.session import Scope
from studyapp.ui.dialogs.exam import ExamScreen
from studyapp.ui.screens.home import StudyChoice
from studyapp.ui.widgets.exam_list import ScopeChoice

DECK = """\
[deck]
id = "angles"
name = "Angles"

[[cards]]
id = "a"
front = "What is a trigger point?"
back = "A hyperirritable spot"
tags = ["foundations::definition", "angle::definition"]
"""


@pytest.fixture
def angle_store(tmp_path):
    path = tmp_path / "angles.toml"
    path.write_text(DECK, encoding="utf-8")
    store = Store.open(tmp_path / "a.db")
    store.decks.import_([load_deck(path)])
    yield store
    store.close()


async def test_study_a_tag_lists_no_angle_tags(angle_store, make_app):
    app = make_app(angle_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        options = app.screen.query_one("#choice-list")
        # The picker's values are typed (issue 19), no longer "tag:…" strings.
        shown = [
            app.screen.choices[int(options.get_option_at_index(i).id)][1]
            for i in range(options.option_count)
        ]
        assert shown == [
            StudyChoice(Scope(tag="foundations")),
            StudyChoice(Scope(tag="foundations::definition")),
        ]


async def test_exam_scope_lists_no_angle_tags(angle_store, make_app):
    app = make_app(angle_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExamScreen)
        values = [value for _, value in app.screen.listing.scopes]
        assert values == [
            ScopeChoice(deck_ids=("angles",)),
            ScopeChoice(tags=("foundations",)),
            ScopeChoice(tags=("foundations::definition",)),
        ]
