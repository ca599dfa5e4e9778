"""Textual's Footer, rebuilt at most once per refresh.

Textual's Footer schedules a full recompose for every bindings change; opening a
screen sends several in a row (mount, focus, our own refreshes), which made the
footer the largest cost of showing the first card. Coalescing them keeps the
footer identical and builds it once.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    _recompose_pending = False

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True  # as Textual's own handler does
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._recompose_pending:
            self._recompose_pending = True
            self.call_after_refresh(self._recompose_once)

    async def _recompose_once(self) -> None:
        self._recompose_pending = False
        await self.recompose()
