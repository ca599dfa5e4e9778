"""The command palette: every action of the app by name, then the current screen's own."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from studyapp.study.session import Scope

if TYPE_CHECKING:
    from studyapp.ui.app import StudyApp


def palette_commands(app: StudyApp, screen: Screen[Any]) -> Iterable[SystemCommand]:
    """The app's actions, each once, then the screen's own shown keys not yet listed."""
    # (title, help, callback, the screen actions it stands for)
    app_commands: list[tuple[str, str, Callable[[], object], tuple[str, ...]]] = [
        (
            "Review all due cards",
            "Start a review of every deck",
            lambda: app.start_review(Scope()),
            ("review_all",),
        ),
        (
            "Browse cards",
            "Search, filter, suspend and add cards",
            app.open_browse,
            ("browse",),
        ),
        ("Study a tag", "Review one topic, e.g. one mechanism", app.pick_tag, ("study_tag",)),
        (
            "Statistics",
            "Forecast, heatmap, retention, mastery by topic",
            app.open_stats,
            ("stats",),
        ),
        (
            "Exams",
            "Set an exam date: new cards paced to it, every card reviewed before it",
            app.action_exams,
            ("app.exams", "exams"),
        ),
        (
            "Export to Anki",
            "Write every deck to an .apkg file",
            app.action_export,
            ("app.export", "export"),
        ),
        (
            "Settings",
            "New cards a day (per deck too), leeches, siblings, review order, theme",
            app.action_settings,
            ("app.settings", "settings"),
        ),
        (
            "Study more new cards today",
            "Custom study: extend today's new-card limit by N",
            app.action_extend_new,
            ("app.extend_new", "extend_new"),
        ),
        (
            "Toggle light/dark theme",
            "Switch between the light and dark theme",
            app.action_toggle_theme,
            ("app.toggle_theme", "toggle_theme"),
        ),
        ("Keys", "Every key on this screen", app.action_show_keys, ("app.show_keys",)),
    ]
    covered = {"quit", "app.quit", "show_keys"}
    for title, help_text, callback, actions in app_commands:
        covered.update(actions)
        yield SystemCommand(title, help_text, callback)
    yield from _screen_commands(screen, covered)


def _screen_commands(screen: Screen[Any], covered: set[str]) -> Iterable[SystemCommand]:
    """The screen's own shown keys as palette commands (the app's are listed already)."""
    seen = set(covered)
    for binding in getattr(type(screen), "BINDINGS", []):
        if not isinstance(binding, Binding) or not binding.show or binding.action in seen:
            continue
        seen.add(binding.action)
        if screen.check_action(binding.action.partition("(")[0], ()) is False:
            continue
        key = screen.app.get_key_display(binding)
        yield SystemCommand(
            binding.tooltip or binding.description,
            f"Key: {key}",
            partial(screen.run_action, binding.action),
        )
