"""Text from deck files and from the student is data: never Rich/Textual markup, never a crash."""

from __future__ import annotations

from textual.widgets import DataTable

from studyapp.deckfile.reader import load_deck
from studyapp.store import Store
from studyapp.ui.screens.browse import BrowseScreen
from studyapp.ui.screens.review import ReviewScreen
from studyapp.ui.screens.stats import StatsScreen

HOSTILE_DECK = """\
[deck]
id = "hostile"
name = "[/]Evil [bold red]deck[/bold red]"

[[cards]]
id = "h1"
front = "[/] What is [link=https://example.com]this[/link]? $(rm -rf ~) <b>bold</b>"
back = "[blink]answer[/blink] %s {0} \\\\ end"
extra = "[/red] stray closing tag"
source = "[@click=app.quit]source[/]"
tags = ["[/]", "[red]tag"]
"""


async def test_markup_in_cards_decks_and_tags_is_shown_as_typed(tmp_path, make_app):
    path = tmp_path / "hostile.toml"
    path.write_text(HOSTILE_DECK, encoding="utf-8")
    store = Store.open(tmp_path / "h.db")
    store.decks.import_([load_deck(path)])
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.screen.query_one("#home-decks", DataTable)
        assert table.get_row_at(0)[0].plain == "[/]Evil [bold red]deck[/bold red]"
        await pilot.press("r")
        assert isinstance(app.screen, ReviewScreen)
        question = app.screen.query_one("#review-question").visual
        assert "[/] What is [link=https://example.com]this[/link]?" in str(question)
        await pilot.press("space")
        assert "[blink]answer[/blink]" in str(app.screen.query_one("#review-answer").visual)
        await pilot.press("n", *"[/] [bold]note", "ctrl+s")
        await pilot.pause()
        assert store.queues.item(app.screen.session.current().id).note == "[/] [bold]note"
        await pilot.press("5", "escape", "t")
        await pilot.press("escape", "b")
        assert isinstance(app.screen, BrowseScreen)
        await pilot.press("slash", *"[/] [b", "enter")
        await pilot.press("escape", "s")
        assert isinstance(app.screen, StatsScreen)
        await pilot.press("escape")
        assert app.is_running
    store.close()


async def test_escape_sequences_in_exam_names_are_shown_made_visible(sample_store, make_app):
    """Issue 20 item 11: an exam named with an OSC title and a CSI clear is shown as
    symbols on home's line and in the Exams dialog, never sent to the terminal."""
    from datetime import date

    from studyapp.study import exam
    from studyapp.ui.dialogs.exam import ExamScreen

    hostile = "Anat\x1b]0;owned\x07\x1b[2J\x9bomy"
    exam.set_exam(sample_store, date(2026, 12, 3), deck_ids=("sample",), name=hostile)
    app = make_app(sample_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        line = str(app.screen.query_one("#home-exam").visual)
        assert "Anat␛]0;owned␇␛[2J" in line and "\x1b" not in line and "\x9b" not in line
        await pilot.press("x")
        assert isinstance(app.screen, ExamScreen)
        listed = str(app.screen.query_one("#exam-list").get_option_at_index(0).prompt)
        assert "Anat␛]0;owned␇" in listed and "\x1b" not in listed and "\x07" not in listed
