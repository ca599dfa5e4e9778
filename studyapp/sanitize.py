"""Text from decks and from the database is data: it may show characters, never drive a terminal.

Two sides of one rule. Deck files are refused at the door when any text holds
a control character (:func:`first_control_character`); text already stored
(older imports, the student's own cards and notes) passes :func:`printable`
before any widget or CLI line shows it, so an escape sequence that got in
anyway is shown as a visible symbol, never sent to the terminal.
"""

from __future__ import annotations

import re

# Every C0 control but tab and newline, DEL, and the C1 controls (CSI, OSC, ...
# in 8-bit form). U+001F is among them: Anki's field separator.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# The same plus tab and the line breaks (newline, and Unicode's line and paragraph
# separators, which split a line for `str.splitlines` and some terminals), for
# one-line places (table cells, titles, error lines).
_CONTROL_OR_BREAK_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
FIELD_SEPARATOR = "\x1f"


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ ... ␟, Unicode's "control pictures"
    if code == 0x7F:
        return "\u2421"  # ␡
    if code in (0x2028, 0x2029):
        return "\u2424"  # ␤
    return "\ufffd"


def first_control_character(text: str) -> tuple[int, str] | None:
    """(offset, 'U+001B') of the first character a deck may not contain, or None."""
    match = _CONTROL_RE.search(text)
    if match is None:
        return None
    return match.start(), code_point(match.group())


def code_point(char: str) -> str:
    return f"U+{ord(char):04X}"


def printable(text: str) -> str:
    """`text` with every control character but tab and newline made visible (␛, ␟, ...)."""
    return _CONTROL_RE.sub(_picture, text)


def one_line(text: str, *, show_breaks: bool = False) -> str:
    """`text` for a one-line place: line breaks and tabs become spaces, controls visible.

    With `show_breaks`, breaks are shown as symbols too (␊): for error messages
    that quote a value whose trailing newline is the mistake.
    """
    if show_breaks:
        return _CONTROL_OR_BREAK_RE.sub(_picture, text)
    return _CONTROL_OR_BREAK_RE.sub(_space_or_picture, text)


def _space_or_picture(match: re.Match[str]) -> str:
    return " " if match.group() in "\t\n\r\u2028\u2029" else _picture(match)
