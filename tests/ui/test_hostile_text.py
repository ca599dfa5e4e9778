"""Text from deck files and from the student is data: never Rich/Textual markup, never a crash."""

from __future__ import annotations

from textual.widgets import DataTable

from studyapp.deckfile import load_deck
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
    store.import_decks([load_deck(path)])
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
        assert store.item(app.screen.session.current().id).note == "[/] [bold]note"
        await pilot.press("5", "escape", "t")
        await pilot.press("escape", "b")
        assert isinstance(app.screen, BrowseScreen)
        await pilot.press("slash", *"[/] [b", "enter")
        await pilot.press("escape", "s")
        assert isinstance(app.screen, StatsScreen)
        await pilot.press("escape")
        assert app.is_running
    store.close()
