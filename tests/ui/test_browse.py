"""Browse: search, filters, card detail, suspend, personal cards."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from textual.widgets import DataTable, Select

from studyapp.cards import CardContent
from studyapp.sanitize import printable
from studyapp.ui.dialogs.card_detail import CardDetailScreen
from studyapp.ui.dialogs.card_editor import CardEditorScreen, ConfirmScreen
from studyapp.ui.screens.browse import BrowseScreen
from studyapp.ui.screens.home import HomeScreen
from studyapp.ui.widgets.card_text import _render_markdown, render_card_text
from tests.strategies import MARKDOWN_ALPHABET

SIZE = (100, 30)


def rows(app) -> int:
    return app.screen.query_one("#browse-table", DataTable).row_count


async def test_search_and_filters(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        assert isinstance(app.screen, BrowseScreen) and rows(app) == 5
        await pilot.press("slash", *"twitch")
        assert rows(app) == 2
        app.screen.query_one("#browse-search").value = ""
        app.screen.query_one("#browse-tag", Select).value = "mechanism::gate-control"
        await pilot.pause()
        assert rows(app) == 3
        app.screen.query_one("#browse-state", Select).value = "learning"
        await pilot.pause()
        assert rows(app) == 0
        assert "0 cards" in str(app.screen.query_one("#browse-count").visual)


async def test_browse_counts_cards_as_home_does(sample_store, make_app):
    """Three deck-file cards, one reversed and one cloze of two: five cards to review,
    the figure of home's Cards column, in the same word."""
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        home_cards = app.screen.query_one("#home-decks", DataTable).get_row_at(0)[-1]
        await pilot.press("b")
        await pilot.pause()
        count = str(app.screen.query_one("#browse-count").visual)
        assert str(home_cards) == "5" and count == "5 cards"
        await pilot.press("slash", *"twitch")
        await pilot.pause()
        assert str(app.screen.query_one("#browse-count").visual) == "2 cards"


async def test_open_detail_and_suspend_toggle(sample_store, make_app):
    first = sample_store.conn.execute("SELECT MIN(id) FROM items").fetchone()[0]
    sample_store.reviews.grade(first, 4)
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "enter")
        assert isinstance(app.screen, CardDetailScreen)
        assert app.screen.item_id == first
        assert [row["grade"] for row in app.screen.history] == [4]
        await pilot.press("s")
        assert sample_store.queues.item(first).suspended
        await pilot.press("escape", "s")
        assert not sample_store.queues.item(first).suspended


async def test_add_and_edit_personal_card(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "a")
        await pilot.press(
            *"What is SEA?",
            "tab",
            *"Spontaneous electrical activity",
            "tab",
            "tab",
            *"mine::sea",
            "ctrl+s",
        )
        await pilot.pause()
        card = sample_store.conn.execute(
            "SELECT id, front, tags FROM cards WHERE deck_id = '@personal'"
        ).fetchone()
        assert card[1:] == ("What is SEA?", " mine::sea ")
        assert rows(app) == 6
        table = app.screen.query_one("#browse-table", DataTable)
        table.move_cursor(row=5)
        await pilot.press("e")
        editor = app.screen
        editor.query_one("#edit-front").text = "What does SEA stand for?"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert sample_store.browse.card(card[0])["front"] == "What does SEA stand for?"
        # Deck-file cards belong to the tutor: not editable here.
        table.move_cursor(row=0)
        await pilot.press("e")
        assert isinstance(app.screen, BrowseScreen)


async def test_add_card_requires_front_and_back(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", *"only a front", "ctrl+s")
        assert "needs both a front and a back" in str(app.screen.query_one("#edit-error").visual)
        await pilot.press("escape")  # half-written: it asks first
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
    assert (
        sample_store.conn.execute(
            "SELECT COUNT(*) FROM cards WHERE deck_id='@personal'"
        ).fetchone()[0]
        == 0
    )


def test_card_text_renders_markdown_and_never_markup():
    text = render_card_text("*soft* **hard** [bold red]x[/bold red]\n\n- one\n- two")
    assert text.plain == "soft hard [bold red]x[/bold red]\n\n• one\n• two"
    styles = {text.plain[span.start : span.end]: str(span.style) for span in text.spans}
    assert styles["soft"] == "italic" and styles["hard"] == "bold"


@settings(max_examples=400)
@given(st.text(alphabet=MARKDOWN_ALPHABET, max_size=30))
def test_plain_card_text_skips_the_parser_and_looks_the_same(text):
    assert render_card_text(text, "bold") == _render_markdown(printable(text), "bold")


async def test_export_from_the_app(sample_store, make_app, tmp_path):
    from anki.collection import Collection, ImportAnkiPackageRequest

    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        field = app.screen.query_one("#export-path")
        field.value = str(tmp_path / "from-app")
        await pilot.press("enter")
        await app.workers.wait_for_complete()  # the package is written off the UI thread
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any(
            f"written to {tmp_path / 'from-app.apkg'}\nIn Anki: 3 notes added" in m
            for m in messages
        )
    # The app remembered what it exported: exporting again changes no note's time.
    assert (
        len(
            sample_store.exports.notes(
                [r[0] for r in sample_store.conn.execute("SELECT guid FROM exported_notes")]
            )
        )
        == 3
    )
    col = Collection(str(tmp_path / "c.anki2"))
    log = col.import_anki_package(
        ImportAnkiPackageRequest(package_path=str(tmp_path / "from-app.apkg"))
    ).log
    assert len(log.new) == 3
    col.close()


async def test_export_failure_in_the_background_is_one_notification(
    sample_store, make_app, tmp_path, monkeypatch
):
    import errno

    from studyapp import export_target

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    # Found only when the package is written: the disk fills up meanwhile.
    monkeypatch.setattr(export_target, "write_zip", disk_full)
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        out = tmp_path / "out"
        out.mkdir()
        app.screen.query_one("#export-path").value = str(out / "taken.apkg")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        failed = [n for n in app._notifications if n.title == "Export failed"]
        assert len(failed) == 1 and "No space left" in failed[0].message
        assert list(out.iterdir()) == []  # no package, no temp or scratch file
    assert sample_store.conn.execute("SELECT COUNT(*) FROM exported_notes").fetchone()[0] == 0


async def test_reversed_and_cloze_cards_of_your_own_with_several_lines(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        editor = app.screen
        assert isinstance(editor, CardEditorScreen)
        editor.query_one("#edit-type").value = "reversed"
        await pilot.pause()
        await pilot.press(*"SEA", "tab", *"Spontaneous", "enter", *"electrical activity", "ctrl+s")
        await pilot.pause()
        await pilot.press("a")
        app.screen.query_one("#edit-type").value = "cloze"
        await pilot.pause()
        assert not app.screen.query_one("#edit-front").display
        await pilot.press(*"{{c1::SEA}} is {{c2::spontaneous}}", "ctrl+s")
        await pilot.pause()
    rows_ = sample_store.conn.execute(
        "SELECT c.type, c.back, COUNT(i.id) FROM cards c JOIN items i ON i.card_id = c.id "
        "WHERE c.deck_id = '@personal' GROUP BY c.id ORDER BY c.id"
    ).fetchall()
    assert rows_ == [("reversed", "Spontaneous\nelectrical activity", 2), ("cloze", "", 2)]


async def test_escape_on_an_untouched_card_closes_and_on_a_written_one_asks(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "escape")
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("a", *"half", "escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert isinstance(app.screen, CardEditorScreen)
        assert app.screen.query_one("#edit-front").text == "half"


async def test_delete_your_own_card_after_confirming(sample_store, make_app):
    card = sample_store.personal.add(CardContent("reversed", "Mine", "Yes"))
    item = sample_store.conn.execute(
        "SELECT MIN(id) FROM items WHERE card_id = ?", [card]
    ).fetchone()[0]
    sample_store.reviews.grade(item, 4)
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        assert rows(app) == 7
        table = app.screen.query_one("#browse-table", DataTable)
        table.move_cursor(row=5)
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert rows(app) == 7
        await pilot.press("d", "y")
        await pilot.pause()
        assert rows(app) == 5
        # A deck-file card cannot be deleted here.
        table.move_cursor(row=0)
        await pilot.press("d")
        assert isinstance(app.screen, BrowseScreen)
    assert [r["grade"] for r in sample_store.reviews.of(item)] == [4]
    assert sample_store.progress.deck_counts(date(2026, 11, 23))[-1].total == 0


async def test_browse_shows_and_filters_buried_cards(sample_store, make_app):
    first = sample_store.conn.execute("SELECT MIN(id) FROM items").fetchone()[0]
    sample_store.reviews.bury(first, date(2026, 11, 24))
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        table = app.screen.query_one("#browse-table", DataTable)
        assert str(table.get_row_at(0)[2]) == "buried"
        app.screen.query_one("#browse-state").value = "buried"
        await pilot.pause()
        assert rows(app) == 1


def test_list_items_wrap_with_a_hanging_indent():
    text = render_card_text(
        "- a *long* item that goes on past the width of the card\n- short", width=30
    )
    assert text.plain == ("• a long item that goes on\n  past the width of the card\n• short")
    styles = {text.plain[span.start : span.end]: str(span.style) for span in text.spans}
    assert styles["long"] == "italic"


async def test_the_deck_filter_offers_my_cards_as_soon_as_one_is_added(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        browse = app.screen
        decks = browse.query_one("#browse-deck", Select)
        tags = browse.query_one("#browse-tag", Select)
        tags.value = "ltr"
        await pilot.pause()
        await pilot.press("a", *"Own front", "tab", *"Own back", "tab", "tab", *"mine", "ctrl+s")
        await pilot.pause()
        assert app.screen is browse
        assert "@personal" in [value for _, value in decks._options]
        assert "mine" in [value for _, value in tags._options]
        assert tags.value == "ltr"  # the filter chosen stays


async def test_card_changes_reach_the_opening_screen_as_a_message(sample_store, make_app):
    """Issue 19: the editor does not guess a refresh method on the screen that opened it;
    it posts CardsChanged there, and home and Browse each show the change."""
    changed: list[object] = []

    def hook(message) -> None:
        # Seen once where it is posted and again as it bubbles up to the app.
        if isinstance(message, CardEditorScreen.CardsChanged) and message not in changed:
            changed.append(message)

    app = make_app(sample_store)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        home = app.screen
        decks = home.query_one("#home-decks", DataTable)
        before = decks.row_count
        await pilot.press("a", *"From home", "tab", *"back", "ctrl+s")
        await pilot.pause()
        assert len(changed) == 1 and app.screen is home
        assert decks.row_count == before + 1  # My Cards now has a card
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("a", *"From browse", "tab", *"back", "ctrl+s")
        await pilot.pause()
        assert len(changed) == 2 and rows(app) == 7
