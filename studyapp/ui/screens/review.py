"""Review: show a card, reveal it, grade it 0-5. Every grade is committed before the next card."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Static

from studyapp.cardtext import ImageRef
from studyapp.sanitize import one_line
from studyapp.store import StudyItem
from studyapp.study.session import ReviewSession
from studyapp.study.sm2 import QUALITY_LABELS
from studyapp.ui.card_writes import SaveNote
from studyapp.ui.context import GivenContext
from studyapp.ui.widgets.card_image import Overlay
from studyapp.ui.widgets.card_picture import CardPicture, item_overlay, item_picture
from studyapp.ui.widgets.grade_bar import GradeBar
from studyapp.ui.widgets.key_bar import KeyBar
from studyapp.ui.widgets.review_card import ReviewCard
from studyapp.ui.widgets.session_end import SessionEnd
from studyapp.ui.widgets.session_progress import SessionCounts, SessionProgress

KIND_LABELS = {
    "new": "new",
    "review": "review",
    "redrill": "re-drill",
    "exam": "exam review · schedule untouched",
}
UNDONE = {"grade": "Answer undone.", "suspend": "Suspend undone.", "bury": "Bury undone."}
MODE_LABELS = {"cram": "cram · schedule untouched", "weak": "weak spot · schedule untouched"}

if TYPE_CHECKING:
    from studyapp.ui.app import StudyApp


class ReviewScreen(GivenContext, Screen[None]):
    if TYPE_CHECKING:
        app: StudyApp  # the screens run only inside StudyApp

    CSS_PATH = "review.tcss"
    BINDINGS = [
        Binding("space", "reveal", "Show answer"),
        Binding("enter", "reveal", "Show answer", show=False),
        *(
            Binding(str(q), f"grade({q})", f"Grade {q} ({QUALITY_LABELS[q]})", show=False)
            for q in range(6)
        ),
        Binding("u", "undo", "Undo", tooltip="Undo the last answer, suspend or bury"),
        Binding("s", "suspend", "Suspend", tooltip="Suspend this card (unsuspend in Browse)"),
        Binding("b", "bury", "Bury", tooltip="Bury this card until tomorrow"),
        Binding("n", "note", "Note", tooltip="Write your own note on this card"),
        Binding("m", "extend_new", "More new today", tooltip="Study more new cards today"),
        Binding("f", "picture", "Picture", tooltip="The card's picture full-screen"),
        Binding("escape", "back", "Back"),
    ]

    class Leave(Message):
        """Back to the decks (the app builds home if review came first)."""

    class ExtendNew(Message):
        """Ask for more new cards today."""

    class NewSession(Message):
        """A finished session asks for a fresh one of its scope and mode (today's limits
        changed): the app hands it over with :meth:`ReviewScreen.restart`."""

        def __init__(self, review: ReviewScreen) -> None:
            super().__init__()
            self.review = review

    revealed: reactive[bool] = reactive(False)
    finished: reactive[bool] = reactive(False)

    def __init__(self, session: ReviewSession):
        super().__init__()
        self.session = session
        # (text width, screen width) the card was last filled for: see _refit.
        self._fitted_widths: tuple[int, int] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="review-top"):
            yield SessionCounts(id="review-counts")
            yield SessionProgress(id="review-progress")
        with ContentSwitcher(initial="review-card", id="review-switcher"):
            yield ReviewCard(id="review-card")
            yield SessionEnd(id="review-done")
        yield GradeBar(id="review-grades")
        yield Static("[b]space[/b] show answer", id="review-reveal-hint")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = one_line(self.session.scope.describe(self.store.decks.names()))
        # Scrolled to the end of a long card, "more below" is no longer true.
        card = self.query_one("#review-card", ReviewCard)
        self.watch(card, "scroll_y", lambda _: self._update_scroll_hint(), init=False)
        # A picture's rows or a revealed answer change the length after the refresh.
        self.watch(card, "virtual_size", lambda _: self._update_scroll_hint(), init=False)
        self.show_current()

    # -- showing ---------------------------------------------------------------

    def show_current(self) -> None:
        """Show the session's current card (front only), or the end of the session."""
        item = self.session.current()
        self.revealed = False
        # Undo and suspend change what the keys can do even when `revealed` does not.
        self.refresh_bindings()
        self._update_counts()
        if item is None:
            self.finished = True
            self._show_done()
            return
        self.finished = False
        self.query_one("#review-switcher", ContentSwitcher).current = "review-card"
        card = self.query_one("#review-card")
        card.border_title = Content(item.deck_name)
        kind = (
            MODE_LABELS[self.session.mode]
            if self.session.mode != "scheduled" and self.session.current_kind != "redrill"
            else KIND_LABELS[self.session.current_kind or "new"]
        )
        card.border_subtitle = Content(kind)
        card.scroll_home(animate=False)
        self._fill_card(item)
        self._update_grades()
        self.call_after_refresh(self._update_scroll_hint)

    def _text_width(self) -> int:
        """Cells a line of card text gets (for list items' hanging indent)."""
        return self.query_one("#review-card", ReviewCard).text_width()

    def _fill_card(self, item: StudyItem) -> None:
        width = self._text_width()
        self._fitted_widths = (width, self.app.size.width)
        self.query_one("#review-card", ReviewCard).fill_question(item, width)
        if self.revealed:
            self._fill_back(item)
        else:
            # The back is filled as it is shown (watch_revealed): a cloze's answer is
            # Markdown, whose parser need not load before the first card is on screen.
            self._show_picture(item)

    def _fill_back(self, item: StudyItem) -> None:
        self.query_one("#review-card", ReviewCard).fill_back(item, self._text_width())
        self._show_picture(item)

    def _picture(self, item: StudyItem) -> ImageRef | None:
        """The picture the card shows now: the question's, once revealed the answer's."""
        return item_picture(item, self.revealed) if self.context.show_images else None

    def _overlay(self, item: StudyItem) -> Overlay | None:
        return item_overlay(item, self.revealed, self.context.media_dir)

    def _show_picture(self, item: StudyItem) -> None:
        picture = self.query_one("#review-picture", CardPicture)
        picture.show(self._picture(item), self.context.media_dir, self._overlay(item))
        self.call_after_refresh(self._fit_picture)

    def _fit_picture(self) -> None:
        """The picture gets the rows the card's text leaves (at least 4: it scrolls then)."""
        card = self.query_one("#review-card", ReviewCard)
        if self.query_one("#review-picture", CardPicture).fit(card):
            # The new height is laid out on the next refresh: measure again then.
            self.call_after_refresh(self._fit_picture)
            self.call_after_refresh(self._update_scroll_hint)

    def action_picture(self) -> None:
        item = self.session.current()
        ref = self._picture(item) if item is not None else None
        if ref is not None:
            from studyapp.ui.dialogs.picture import PictureScreen

            assert item is not None
            self.app.push_screen(PictureScreen(ref, self.context.media_dir, self._overlay(item)))

    def watch_revealed(self, revealed: bool) -> None:
        item = self.session.current()
        if item is not None and not self.finished:
            if revealed:
                self._fill_back(item)  # the picture too
            else:
                self._show_picture(item)
        self.query_one("#review-card", ReviewCard).show_back(revealed)
        self.query_one("#review-grades").set_class(not revealed or self.finished, "hidden")
        self.query_one("#review-reveal-hint").set_class(revealed or self.finished, "hidden")
        self.refresh_bindings()
        if not self.finished:
            self.call_after_refresh(self._fit_picture)
            self.call_after_refresh(self._update_scroll_hint)

    def watch_finished(self, finished: bool) -> None:
        self.watch_revealed(self.revealed)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Card keys need a card; undo shows only when there is something to undo.

        Grade keys stay live before the answer is shown, to say so.
        """
        if action in ("grade", "suspend", "bury", "note"):
            return not self.finished
        if action == "reveal":
            return not (self.revealed or self.finished)
        if action == "undo":
            return self.session.can_undo
        if action == "picture":
            item = None if self.finished else self.session.current()
            return item is not None and self._picture(item) is not None
        if action == "extend_new":
            return self.finished and self.session.new_limit_reached()
        return True

    def _update_counts(self) -> None:
        counts = self.session.counts()
        self.query_one("#review-counts", SessionCounts).show(counts, self.session.mode)
        progress = self.query_one("#review-progress", SessionProgress)
        progress.done, progress.total = counts.done, counts.done + counts.left

    def on_resize(self) -> None:
        if self.session.current() is not None:
            self.call_after_refresh(self._refit)
            self.call_after_refresh(self._update_scroll_hint)

    def _refit(self) -> None:
        """The card re-wrapped and the grade labels re-fitted, if the widths changed."""
        item = self.session.current()
        # A resize that keeps both widths (those as the screen is first shown) redraws
        # nothing: each redraw is another layout pass before the first card is painted.
        if (
            item is None
            or self.finished
            or self._fitted_widths
            == (
                self._text_width(),
                self.app.size.width,
            )
        ):
            return
        self._fill_card(item)
        self._update_grades()

    def _update_grades(self) -> None:
        preview = self.session.preview()
        ease = self.session.preview_ease()
        redrill = (
            self.session.current_kind in ("redrill", "exam") or self.session.mode != "scheduled"
        )
        item = self.session.current()
        # Under FSRS the due date is FSRS's: its interval for each grade, and no ease
        # (SM-2's easiness is still kept, but it schedules nothing).
        store = self.store
        fsrs = item is not None and not redrill and store.memory.fsrs_scheduling()
        if fsrs and item is not None:
            preview = store.fsrs.preview(item.id, self.session.today)
        self.query_one("#review-grades", GradeBar).show(
            preview, None if fsrs else ease, again_or_done=redrill
        )

    def _update_scroll_hint(self) -> None:
        self.query_one("#review-card", ReviewCard).update_scroll_hint()

    def _show_done(self) -> None:
        self.query_one("#review-switcher", ContentSwitcher).current = "review-done"
        self.query_one("#review-done", SessionEnd).show(
            self.session.summary(),
            self.session.today,
            str(self.sub_title),
            self.session.new_limit_today(),
        )

    # -- actions ---------------------------------------------------------------

    def action_reveal(self) -> None:
        if self.session.current() is not None:
            self.revealed = True

    def action_grade(self, quality: int) -> None:
        if self.session.current() is None:
            return
        if not self.revealed:
            self.notify("Show the answer first (space).", timeout=2)
            return
        # Committed to SQLite inside answer(), before the next card is shown. If the
        # commit fails the card stays on screen and the session is unchanged.
        if not self.app.guarded(lambda: self.session.answer(quality)):
            return
        if self.session.last_became_leech:
            self.notify(
                "Failed too often: this card is now a leech and suspended. "
                "Rewrite it, or unsuspend it in Browse.",
                title="Leech",
                severity="warning",
                timeout=6,
            )
        self.show_current()

    def action_undo(self) -> None:
        action = self.session.last_action()
        if action is None:
            self.notify("Nothing to undo in this session.")
            return
        if not self.app.guarded(self.session.undo):
            return
        self.show_current()
        self.notify(UNDONE[action], timeout=2)

    def action_extend_new(self) -> None:
        self.post_message(self.ExtendNew())

    def on_settings_changed(self) -> None:
        """Today's limit was extended: a finished session starts again with the new cards."""
        if self.finished:
            self.post_message(self.NewSession(self))

    def restart(self, session: ReviewSession) -> None:
        """Go on with a new session (the app's answer to NewSession)."""
        self.session = session
        self.show_current()

    def action_suspend(self) -> None:
        if self.session.current() is None:
            return
        if not self.app.guarded(self.session.suspend_current):
            return
        self.notify("Card suspended. Unsuspend it from Browse.", timeout=3)
        self.show_current()

    def action_bury(self) -> None:
        if self.session.current() is None:
            return
        if not self.app.guarded(self.session.bury_current):
            return
        self.notify("Card buried until tomorrow.", timeout=3)
        self.show_current()

    def action_note(self) -> None:
        item = self.session.current()
        if item is None:
            return
        from studyapp.ui.dialogs.note import NoteScreen

        def save(note: str | None) -> None:
            if note is not None:
                # The app writes it and answers with CardsChanged: the back is drawn then.
                self.post_message(SaveNote(self, item.card_id, note))

        self.app.push_screen(NoteScreen(item.note), save)

    def on_card_editor_screen_cards_changed(self) -> None:
        """A note was saved: the card's back shows it."""
        self.session.refresh_current()
        current = self.session.current()
        if current is not None:
            self._fill_back(current)
            self.watch_revealed(self.revealed)

    def action_back(self) -> None:
        self.post_message(self.Leave())
