"""Browse: every study item, searchable and filterable, with its schedule."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, Static

from studyapp.sanitize import one_line
from studyapp.store import BrowseRow
from studyapp.store.browse import BROWSE_STATES
from studyapp.ui.card_writes import SetSuspended
from studyapp.ui.context import GivenContext
from studyapp.ui.formatting import shorten
from studyapp.ui.widgets.key_bar import KeyBar

STATE_STYLES = {
    "new": "cyan",
    "learning": "yellow",
    "young": "green",
    "mature": "bold green",
    "suspended": "dim red",
    "buried": "dim yellow",
}
ROW_LIMIT = 500
DECK_WIDTH = 11
# The other columns at their widest ("suspended", "2.50", "9999", "2026-11-24", "Lapses"),
# each with its two cells of padding, plus the table's margin and scrollbar.
FIXED_COLUMNS_WIDTH = (DECK_WIDTH + 2) + (9 + 2) + (4 + 2) + (4 + 2) + (10 + 2) + (6 + 2) + 2 + 2


class BrowseScreen(GivenContext, Screen[None]):
    _question_width = 0

    CSS_PATH = "browse.tcss"
    BINDINGS = [
        Binding("slash", "focus_search", "Search"),
        Binding("enter", "open", "Open", tooltip="Open the card: text, schedule, history"),
        Binding("s", "toggle_suspend", "Suspend", tooltip="Suspend or unsuspend"),
        Binding("a", "add_card", "Add", tooltip="Add a card of your own"),
        Binding("e", "edit_card", "Edit", tooltip="Edit one of your own cards"),
        Binding("d", "delete_card", "Delete", tooltip="Delete one of your own cards"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        # What each filter offers (by value), so it is rebuilt only when that changes.
        self._offered: dict[str, list[str]] = {}

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Search text, tags and notes…  (/ to focus)", id="browse-search")
        with Horizontal(id="browse-filters"):
            # Deck names and tags come from deck files: shown as text, never as markup.
            decks, tags = self._deck_options(), self._tag_options()
            self._offered = {
                "#browse-deck": [value for _, value in decks],
                "#browse-tag": [value for _, value in tags],
            }
            yield Select(decks, prompt="All decks", id="browse-deck")
            yield Select(tags, prompt="All tags", id="browse-tag")
            yield Select(
                [(state, state) for state in BROWSE_STATES], prompt="All states", id="browse-state"
            )
        yield DataTable(id="browse-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="browse-count")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#browse-table", DataTable)
        self._add_columns()
        self.reload()
        table.focus()

    def _add_columns(self) -> None:
        table = self.query_one("#browse-table", DataTable)
        table.clear(columns=True)
        # The question gets whatever the fixed columns leave of the screen width.
        self._question_width = max(16, self.size.width - FIXED_COLUMNS_WIDTH)
        table.add_column("Deck", key="deck", width=DECK_WIDTH)
        table.add_column("Question", key="question", width=self._question_width)
        for label, key in (
            ("State", "state"),
            ("EF", "ef"),
            ("Ivl", "interval"),
            ("Due", "due"),
            ("Lapses", "lapses"),
        ):
            table.add_column(label, key=key)

    def on_resize(self) -> None:
        if max(16, self.size.width - FIXED_COLUMNS_WIDTH) != self._question_width:
            self._add_columns()
            self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def on_card_editor_screen_cards_changed(self) -> None:
        self.reload()

    def _selected(self, widget_id: str) -> str | None:
        selected = self.query_one(widget_id, Select).value
        return None if selected is Select.NULL else str(selected)

    def _deck_options(self) -> list[tuple[Text, str]]:
        return [
            (Text(one_line(name)), deck_id) for deck_id, name in self.store.decks.names().items()
        ]

    def _tag_options(self) -> list[tuple[Text, str]]:
        return [(Text(one_line(tag)), tag) for tag, _ in self.store.browse.tag_counts()]

    def _refresh_filters(self) -> None:
        """A card added here may bring a deck ("My Cards") or tags the filters must offer."""
        for widget_id, options in (
            ("#browse-deck", self._deck_options()),
            ("#browse-tag", self._tag_options()),
        ):
            values = [value for _, value in options]
            if self._offered.get(widget_id) == values:
                continue
            select: Select[str] = self.query_one(widget_id, Select)
            chosen = select.value
            with select.prevent(Select.Changed):
                select.set_options(options)
                if chosen in values:
                    select.value = chosen
            self._offered[widget_id] = values

    def reload(self) -> None:
        self._refresh_filters()
        rows, total = self.store.browse.page(
            today=self.context.today(),
            limit=ROW_LIMIT,
            search=self.query_one("#browse-search", Input).value,
            deck_id=self._selected("#browse-deck"),
            tag=self._selected("#browse-tag"),
            state=self._selected("#browse-state"),
        )
        self._show(rows, total)

    def _show(self, rows: list[BrowseRow], total: int) -> None:
        table = self.query_one("#browse-table", DataTable)
        keep = table.cursor_row
        table.clear()
        for row in rows:
            table.add_row(
                Text(shorten(row.deck_name.split("::")[-1], DECK_WIDTH)),
                Text(shorten(row.label, self._question_width)),
                Text(row.state, style=STATE_STYLES[row.state]),
                f"{row.ef_hundredths / 100:.2f}",
                str(row.interval) if row.due else "—",
                row.due.isoformat() if row.due else "—",
                str(row.lapses),
                key=str(row.item_id),
            )
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        shown = f"{len(rows)} of {total}" if total > len(rows) else f"{total}"
        # Cards as home counts them: what the student reviews (a reversed card is two rows).
        self.query_one("#browse-count", Static).update(f"{shown} card{'s' * (total != 1)}")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#browse-table", DataTable).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.reload()

    def _selected_item(self) -> int | None:
        table = self.query_one("#browse-table", DataTable)
        if table.row_count == 0:
            return None
        return int(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_focus_search(self) -> None:
        self.query_one("#browse-search", Input).focus()

    def action_open(self) -> None:
        item_id = self._selected_item()
        if item_id is not None:
            from studyapp.ui.dialogs.card_detail import CardDetailScreen

            self.app.push_screen(CardDetailScreen(item_id))

    def action_toggle_suspend(self) -> None:
        item_id = self._selected_item()
        if item_id is None:
            return
        item = self.store.queues.item(item_id)
        # The app writes it and answers with CardsChanged: the table reloads then.
        self.post_message(SetSuspended(self, item_id, not item.suspended))

    def action_add_card(self) -> None:
        from studyapp.ui.dialogs.card_editor import CardEditorScreen, save_new_card

        self.app.push_screen(CardEditorScreen(), lambda draft: save_new_card(self, draft))

    def action_edit_card(self) -> None:
        item_id = self._selected_item()
        if item_id is None:
            return
        from studyapp.ui.dialogs.card_editor import edit_card

        edit_card(self, self.store, self.store.queues.item(item_id).card_id)

    def action_delete_card(self) -> None:
        item_id = self._selected_item()
        if item_id is None:
            return
        from studyapp.ui.dialogs.card_editor import delete_card

        delete_card(self, self.store, self.store.queues.item(item_id).card_id)

    def action_back(self) -> None:
        self.dismiss()
