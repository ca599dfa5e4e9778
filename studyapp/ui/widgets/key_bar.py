"""The screen's keys on one line at the bottom, like Textual's Footer, in one widget.

Textual's Footer mounts and styles a widget per key and rebuilds them all
whenever the bindings change (reveal, grade, focus): that was a third of the
time to show the first card. This bar draws the same keys as text (one line,
two when they do not fit) and redraws it on change; clicking a key still presses it.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.screen import ModalScreen, Screen
from textual.widget import Widget


class _KeyBox(NamedTuple):
    line: int
    start: int
    end: int
    key: str
    enabled: bool


class KeyBar(Widget):
    ALLOW_SELECT = False  # as Textual's Footer: a drag here selects nothing
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--separator"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: auto;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-bar--separator {
            color: $foreground 20%;
        }
    }
    """

    def __init__(
        self, *, max_lines: int = 1, id: str | None = None, classes: str | None = None
    ) -> None:
        """`max_lines` 2: keys that do not fit on one line go on a second (home, where
        every key is a way in); beyond that the Keys screen (`?`) lists them all."""
        super().__init__(id=id, classes=classes)
        self.max_lines = max_lines
        self._boxes: list[_KeyBox] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        lines = len(self._layout(width)[0])
        # A dialog's bar covers the whole bar of the screen beneath it, so no key of
        # that screen shows through as if it worked here.
        stack = self.app.screen_stack
        if isinstance(self.screen, ModalScreen) and self.screen in stack:
            below = stack[stack.index(self.screen) - 1]
            for bar in below.query(KeyBar):
                lines = max(lines, bar.size.height)
        return lines

    def render(self) -> Text:
        lines, boxes = self._layout(self.size.width)
        self._boxes = boxes
        return Text("\n").join(lines)

    def _layout(self, width: int) -> tuple[list[Text], list[_KeyBox]]:
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        palette_key = self.app.COMMAND_PALETTE_BINDING
        palette = None
        shown = []
        seen_actions: set[str] = set()
        # As Textual's Footer: shown bindings, one per action, in binding order,
        # and the command palette's key on the right.
        for key, active in self.screen.active_bindings.items():
            if key == palette_key and self.app.ENABLE_COMMAND_PALETTE:
                palette = active
            elif active.binding.show and active.binding.action not in seen_actions:
                seen_actions.add(active.binding.action)
                shown.append((key, active))

        right = Text()
        if palette is not None:
            right = Text.assemble(
                ("▏", self.get_component_rich_style("key-bar--separator")),
                (f" {self.app.get_key_display(palette.binding)} ", key_style),
                (f"{palette.binding.description} ", description_style),
            )
        room = max(0, width - right.cell_len)
        lines = [Text(no_wrap=True, overflow="crop")]
        boxes: list[_KeyBox] = []
        dim = Style(dim=True)
        for key, active in shown:
            extra = Style() if active.enabled else dim
            item = Text.assemble(
                (f" {self.app.get_key_display(active.binding)} ", key_style + extra),
                (f"{active.binding.description} ", description_style + extra),
            )
            line = lines[-1]
            if line.cell_len + item.cell_len > room:
                if len(lines) == self.max_lines or not line.cell_len:
                    break  # whole keys only; the Keys screen lists them all
                line = Text(no_wrap=True, overflow="crop")
                lines.append(line)
            start = line.cell_len
            boxes.append(_KeyBox(len(lines) - 1, start, start + item.cell_len, key, active.enabled))
            line.append_text(item)
        if palette is not None:
            first = lines[0]
            first.pad_right(room - first.cell_len)
            boxes.append(_KeyBox(0, room, room + right.cell_len, palette_key, palette.enabled))
            lines[0] = first + right
        return lines, boxes

    def on_click(self, event: events.Click) -> None:
        for box in self._boxes:
            if box.line == event.y and box.start <= event.x < box.end:
                if box.enabled:
                    self.app.simulate_key(box.key)
                else:
                    self.app.bell()
                return
