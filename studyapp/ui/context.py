"""What the app hands its screens and dialogs: data down.

No screen, dialog or widget reads the app's store or settings (tests/ui/test_ui_data_down.py
checks it). The app owns one :class:`StudyContext` and gives it to every screen that
needs it (a :class:`GivenContext`) as the screen is pushed or switched to
(``StudyApp.get_screen``, the one door both go through), so a screen built anywhere —
by the app, by another screen, by a test — has it before it composes. Screens hand
their widgets plain values; what changes data or needs the app posts a message up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from studyapp.locations import media_dir_beside
from studyapp.settings import Settings
from studyapp.store import Store

if TYPE_CHECKING:
    from studyapp.store import Exam
    from studyapp.study.exam_forecast import Forecast


class StudyContext:
    """The database, the student's settings as they stand (the app replaces them when
    they are saved), the study day, pictures, and the day's exam forecasts."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        today: Callable[[], date],
        images_allowed: bool = True,
    ) -> None:
        self.store = store
        self.settings = settings
        self.today = today
        # False for `review --no-images`; the `images` setting can switch them off too.
        self.images_allowed = images_allowed
        # One forecast per exam and study day (see ui/widgets/exam_line.py).
        self.exam_forecasts: dict[tuple[Exam, date], Forecast] = {}

    @property
    def show_images(self) -> bool:
        return self.images_allowed and self.settings.images

    @cached_property
    def media_dir(self) -> Path | None:
        """Where the decks' pictures are kept (next to the database; it never moves).
        From `locations`, not `studyapp.anki`: a picture must not load the export code."""
        return media_dir_beside(self.store.database_file())

    def keep_forecast(self, exam: Exam, day: date, forecast: Forecast) -> None:
        """Keep a forecast home's line or the Exams dialog worked out, for the day."""
        self.exam_forecasts[(exam, day)] = forecast


class GivenContext:
    """A screen or dialog that is handed the app's context (see the module docstring)."""

    _given: StudyContext | None = None

    @property
    def context(self) -> StudyContext:
        if self._given is None:
            raise RuntimeError(
                f"{type(self).__name__} has no context: push it on StudyApp or set .context"
            )
        return self._given

    @context.setter
    def context(self, context: StudyContext) -> None:
        self._given = context

    @property
    def has_context(self) -> bool:
        return self._given is not None

    @property
    def store(self) -> Store:
        return self.context.store

    @property
    def settings(self) -> Settings:
        return self.context.settings
