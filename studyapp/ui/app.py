"""The Textual app. One factory, :func:`create_app`, builds it for the CLI and for tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker

from studyapp.bundled import set_up_store
from studyapp.settings import Settings, load_settings
from studyapp.store import DATABASE_ERRORS, DatabaseError, InputError, Store
from studyapp.study import sm2
from studyapp.study.session import ReviewSession, Scope
from studyapp.study.session_records import session_mode
from studyapp.ui.card_writes import CardWrites
from studyapp.ui.context import GivenContext, StudyContext
from studyapp.ui.export_flow import EXPORT_GROUP, export_finished, open_export
from studyapp.ui.memory_refresh import MEMORY_GROUP, refresh_finished, start_refresh
from studyapp.ui.settings_writes import SettingsWrites

ScreenType = TypeVar("ScreenType", bound=Screen[Any])

if TYPE_CHECKING:
    from studyapp.store import Exam
    from studyapp.study.exam_forecast import Forecast
    from studyapp.ui.screens.home import HomeScreen
    from studyapp.ui.screens.review import ReviewScreen


class StudyApp(CardWrites, SettingsWrites):
    """Review flashcards with SM-2. The store is injected; the app never opens a database."""

    TITLE = "StudyApp"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("q", "quit", "Quit", priority=False),
        Binding("question_mark", "show_keys", "Keys"),
        Binding("ctrl+t", "toggle_theme", "Light/dark", show=False),
        Binding("o", "settings", "Settings", show=False),
    ]

    def __init__(
        self,
        store: Store,
        *,
        start: str = "home",
        rollover_hour: int = 4,
        clock: Callable[[], datetime] = datetime.now,
        startup_message: str | None = None,
        scope: Scope = Scope(),
        mode: str = "scheduled",
        ahead_days: int | None = None,
        images: bool = True,
    ):
        super().__init__()
        self.store = store
        self.start = start
        self.start_review_args = (scope, mode, ahead_days)
        self.rollover_hour = rollover_hour
        self.clock = clock
        # What the screens are handed (data down): they never read the app's own.
        self.context = StudyContext(
            store,
            load_settings(store),
            today=self.today,
            images_allowed=images,
        )
        # What setting up the database did (the bundled decks' first import or update).
        self.startup_message = startup_message
        self.fatal_error: str | None = None

    @property
    def settings(self) -> Settings:
        return self.context.settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        self.context.settings = settings

    @property
    def exam_forecasts(self) -> dict[tuple[Exam, date], Forecast]:
        return self.context.exam_forecasts

    def today(self) -> date:
        return sm2.study_day(self.clock(), self.rollover_hour)

    @property
    def show_images(self) -> bool:
        return self.context.show_images

    @overload
    def get_screen(self, screen: ScreenType) -> ScreenType: ...
    @overload
    def get_screen(self, screen: str) -> Screen[Any]: ...
    @overload
    def get_screen(
        self, screen: str, screen_class: type[ScreenType] | None = None
    ) -> ScreenType: ...
    @overload
    def get_screen(
        self, screen: ScreenType, screen_class: type[ScreenType] | None = None
    ) -> ScreenType: ...
    def get_screen(
        self, screen: Screen[Any] | str, screen_class: type[Screen[Any]] | None = None
    ) -> Screen[Any]:
        """Every screen comes through here to be pushed or switched to: one that is handed
        the context gets it now, before it composes (see ui/context.py)."""
        found = super().get_screen(screen, screen_class)
        if isinstance(found, GivenContext) and not found.has_context:
            found.context = self.context
        return found

    def on_mount(self) -> None:
        self.theme = self.settings.theme
        if self.store.path is not None and self.store.memory.fit_due():
            self.refresh_memory(self.store.path)
        # A theme picked anywhere (ctrl+t, the palette's "Theme") is remembered.
        self.theme_changed_signal.subscribe(self, self.remember_theme)
        if self.start == "review":
            # Straight to the first card: home is built only when the student goes back.
            self.start_review(*self.start_review_args)
        else:
            from studyapp.ui.screens.home import HomeScreen

            self.push_screen(HomeScreen(self.startup_message))
        self.start_folder_sync()

    def refresh_memory(self, path: Path) -> Worker[str | None]:
        """Rebuild or refit the memory model in the background (ui/memory_refresh.py)."""
        return start_refresh(self, path)

    def start_folder_sync(self) -> None:
        from studyapp.ui.folder_sync import start_sync

        start_sync(self, self.context)

    def leave_review(self) -> None:
        """Back from a review: to the home screen, building it if review came first."""
        from studyapp.ui.screens.home import HomeScreen

        if any(isinstance(screen, HomeScreen) for screen in self.screen_stack):
            self.pop_screen()
        else:
            self.switch_screen(HomeScreen(self.startup_message))
        # After each session: this device's answers out, the others' in.
        self.start_folder_sync()

    def new_session(
        self, scope: Scope, mode: str = "scheduled", ahead_days: int | None = None
    ) -> ReviewSession:
        return ReviewSession(
            self.store,
            self.settings,
            today=self.today(),
            scope=scope,
            mode=session_mode(mode),
            ahead_days=ahead_days,
            rollover_hour=self.rollover_hour,
            clock=self.clock,
        )

    # Messages up from the screens: where to go next.
    def on_home_screen_start_review(self, message: HomeScreen.StartReview) -> None:
        self.start_review(message.scope, message.mode, message.ahead_days)

    def on_home_screen_open_stats(self) -> None:
        self.open_stats()

    def on_home_screen_open_browse(self) -> None:
        self.open_browse()

    def on_review_screen_leave(self) -> None:
        self.leave_review()

    def on_review_screen_extend_new(self) -> None:
        self.action_extend_new()

    def on_review_screen_new_session(self, message: ReviewScreen.NewSession) -> None:
        session = message.review.session
        message.review.restart(self.new_session(session.scope, session.mode))

    def review_open(self) -> bool:
        from studyapp.ui.screens.review import ReviewScreen

        return any(isinstance(screen, ReviewScreen) for screen in self.screen_stack)

    def start_review(
        self, scope: Scope, mode: str = "scheduled", ahead_days: int | None = None
    ) -> None:
        """Open a review. One session at a time: an open one is closed first (its answers
        are saved), and the new queue is read after it, so no card is graded in both."""
        from studyapp.ui.screens.review import ReviewScreen

        if self.review_open():
            while self.review_open():
                self.pop_screen()
            self.notify("Switched to the new review; every answer so far is saved.", timeout=3)
        self.push_screen(ReviewScreen(self.new_session(scope, mode, ahead_days)))

    def open_stats(self) -> None:
        from studyapp.ui.screens.stats import StatsScreen

        self.push_screen(StatsScreen())

    def open_browse(self) -> None:
        from studyapp.ui.screens.browse import BrowseScreen

        self.push_screen(BrowseScreen())

    def action_export(self) -> None:
        open_export(self, self.context, self.rollover_hour)

    def action_exams(self) -> None:
        from studyapp.ui.dialogs.exam import ExamScreen, apply_exam_edit, exam_listing

        self.push_screen(
            ExamScreen(exam_listing(self.context)),
            lambda edit: apply_exam_edit(self, self.store, edit),
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        from studyapp.ui.folder_sync import SYNC_GROUP, sync_finished

        if event.worker.group == SYNC_GROUP:
            sync_finished(self, event.worker, event.state)
            return
        if event.worker.group == MEMORY_GROUP:
            refresh_finished(self, event.worker, event.state)
        if event.worker.group == EXPORT_GROUP:
            export_finished(self, event.worker, event.state)

    def _handle_exception(self, error: Exception) -> None:
        # A database failure anywhere in the UI ends the app with one line (printed
        # by the CLI after the terminal is restored) and exit status 1, not a
        # traceback; anything else keeps Textual's report.
        if isinstance(error, (*DATABASE_ERRORS, InputError)):
            self.fatal_error = self.store.note_error(error)
            self.exit(return_code=1)
            return
        super()._handle_exception(error)

    def guarded(self, action: Callable[[], object]) -> bool:
        """Run a database action; a failure becomes a notification, not a crash.

        False when it failed; nothing was written then (every write is one transaction).
        """
        try:
            action()
        except InputError as exc:
            # The student's input, not the database: say what was wrong with it.
            self.notify(str(exc), title="Not done", severity="error", timeout=8, markup=False)
            return False
        except DATABASE_ERRORS as exc:
            message = self.store.note_error(exc)
            if self.store.damaged:
                # Nothing more can be saved: stop here, with the line saying what to do.
                self.fatal_error = message
                self.exit(return_code=1)
                return False
            self.notify(
                f"Not saved: {message}",
                title="Database problem",
                severity="error",
                timeout=8,
                markup=False,
            )
            return False
        return True

    def action_show_keys(self) -> None:
        from studyapp.ui.dialogs.keys import KeysScreen

        if not isinstance(self.screen, KeysScreen):
            self.push_screen(KeysScreen(self.screen))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every action by name: the app's, then the current screen's own, each once."""
        from studyapp.ui.commands import palette_commands

        for command in super().get_system_commands(screen):
            if command.title != "Keys":  # ours lists this screen's keys instead
                yield command
        yield from palette_commands(self, screen)

    def pick_tag(self) -> None:
        from studyapp.ui.screens.home import HomeScreen

        home = next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)
        if home is None:
            # `studyapp review` starts without a home screen underneath: open it first.
            home = HomeScreen(self.startup_message)
            self.push_screen(home)
            self.call_after_refresh(home.action_study_tag)
        else:
            home.action_study_tag()


def create_app(
    store: Store,
    *,
    start: str = "home",
    rollover_hour: int = 4,
    clock: Callable[[], datetime] = datetime.now,
    sync_bundled: bool = True,
    startup_message: str | None = None,
    scope: Scope = Scope(),
    mode: str = "scheduled",
    ahead_days: int | None = None,
    images: bool = True,
) -> StudyApp:
    """Build the app; the CLI and the tests both come through here.

    `sync_bundled` sets the database up first (:func:`studyapp.bundled.set_up_store`),
    synchronously and before the app runs, so a broken database fails as one clear line,
    not inside the UI. The CLI has done that already for every command, and passes what
    it said as `startup_message`.
    """
    if sync_bundled:
        startup_message = set_up_store(store)
    return StudyApp(
        store,
        start=start,
        rollover_hour=rollover_hour,
        clock=clock,
        startup_message=startup_message,
        scope=scope,
        mode=mode,
        ahead_days=ahead_days,
        images=images,
    )


def run(store: Store, **options: Any) -> int:
    """Run the app; its exit status. A database failure raises DatabaseError once the
    terminal is restored, so the CLI prints one line after the app is gone."""
    app = create_app(store, **options)
    if app.show_images:
        from studyapp.ui.widgets.card_image import detect_protocol

        detect_protocol()
    app.run()
    if app.fatal_error is not None:
        raise DatabaseError(app.fatal_error)
    return app.return_code or 0
