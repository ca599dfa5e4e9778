"""Messages up for the settings: the app's side of the Settings dialog, "more new today",
"Help me decide" and the theme, and its answer to the screens (:class:`SettingsChanged`).

As for cards (ui/card_writes.py), a dialog only checks what the student typed; the app
saves it under `guarded` (a failure becomes a notification, nothing half-written).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from textual.app import App
from textual.message import Message
from textual.theme import Theme

from studyapp.settings import (
    THEMES,
    extend_new_cards,
    load_settings,
    save_setting,
    save_settings,
)

if TYPE_CHECKING:
    from studyapp.ui.context import StudyContext
    from studyapp.ui.dialogs.settings import SettingsScreen


class SettingsChanged(Message):
    """Settings or today's limits changed: screens showing counts refresh them."""


class SettingsWrites(App[None]):
    """The app's handlers for what the student asks of the settings (StudyApp is one)."""

    if TYPE_CHECKING:
        context: StudyContext

        def today(self) -> date: ...

        def guarded(self, action: Callable[[], object]) -> bool: ...

    def reload_settings(self) -> None:
        context = self.context
        context.settings = load_settings(context.store)
        if self.theme != context.settings.theme:
            self.theme = context.settings.theme

    def action_settings(self) -> None:
        from studyapp.ui.dialogs.settings import SettingsChange, SettingsScreen

        store = self.context.store

        def saved(change: SettingsChange | None) -> None:
            # The dialog checked the values; the app saves them, as for every dialog.
            if change is not None and self.guarded(lambda: save_settings(store, change.values)):
                self.reload_settings()
                self.notify("Settings saved.", timeout=2)
                self.screen.post_message(SettingsChanged())

        self.push_screen(SettingsScreen(self.context.settings, store.decks.names()), saved)

    def action_extend_new(self) -> None:
        from studyapp.ui.dialogs.settings import ExtendNewScreen

        def extend(more: int | None) -> None:
            if more is None:
                return
            today = self.today()
            if self.guarded(lambda: extend_new_cards(self.context.store, today, more)):
                self.notify(f"{more} more new card{'s' * (more != 1)} allowed today.", timeout=3)
                self.screen.post_message(SettingsChanged())

        self.push_screen(ExtendNewScreen(), extend)

    def on_settings_screen_decide(self, message: SettingsScreen.Decide) -> None:
        from studyapp.ui.dialogs.decide import DecideScreen

        decide = DecideScreen(
            self.context.store.memory, self.today(), message.scheduler, message.desired_retention
        )
        self.push_screen(decide)

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def remember_theme(self, theme: Theme) -> None:
        """A theme picked anywhere (ctrl+t, the palette's "Theme") is saved."""
        context = self.context
        # Switching works even where the choice cannot be saved (a read-only database).
        if (
            theme.name in THEMES
            and theme.name != context.settings.theme
            and self.guarded(lambda: save_setting(context.store, "theme", theme.name))
        ):
            context.settings = replace(context.settings, theme=theme.name)
