"""Checks on the values of a deck file's fields: ids, text, keys, `lint_ignore`, `guid`.

Each returns why a value is refused (or reports it through `problem`); the
messages quote the value short and safe, for one `path:line: message` line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence

from studyapp.sanitize import FIELD_SEPARATOR, first_control_character

LINT_IGNORE_KEYS = ("rule", "reason")
# Deck and card ids: a slug. The app's own decks (the student's cards) use ids
# outside this pattern, so no deck file can ever name them.
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
MAX_ID_LENGTH = 100
# Long keys get no "did you mean": difflib is quadratic in the key's length.
SUGGEST_MAX_LENGTH = 40


def unknown_key(key: str, allowed: Sequence[str], what: str) -> str:
    close = []
    if len(key) <= SUGGEST_MAX_LENGTH:
        close = difflib.get_close_matches(key, allowed, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown key '{quoted(key)}' in {what}{hint}"


def quoted(value: str, width: int = 40) -> str:
    """A value of the file, short enough to quote in a one-line message."""
    return value if len(value) <= width else value[: width - 1] + "…"


def text_problem(value: str, what: str) -> str | None:
    """Why `value` cannot be deck text (a control character), or None."""
    found = first_control_character(value)
    if found is None:
        return None
    offset, code = found
    if value[offset] == FIELD_SEPARATOR:
        return f"{what} contains {code} (Anki's field separator)"
    return f"{what} contains the control character {code} (only tab and newline are allowed)"


def id_problem(value: str, what: str) -> str | None:
    """Why `value` cannot be a deck or card id, or None."""
    if len(value) > MAX_ID_LENGTH:
        return f"{what} is longer than {MAX_ID_LENGTH} characters"
    if not ID_RE.fullmatch(value):
        return f"{what} '{quoted(value)}' must be a slug: letters, digits, '-', '_', '.'"
    return None


def type_name(value: object) -> str:
    return {
        str: "string",
        int: "integer",
        float: "number",
        bool: "boolean",
        list: "array",
        dict: "table",
    }.get(type(value), type(value).__name__)


def lint_pairs(value: object) -> tuple[tuple[str, str], ...]:
    """The (rule, reason) pairs `lint_ignore_pairs` stored, typed again."""
    if not isinstance(value, tuple):
        return ()
    return tuple((str(rule), str(reason)) for rule, reason in value)


def lint_ignore_pairs(
    value: object, label: str, at: int | None, problem: Callable[[int | None, str], None]
) -> tuple[tuple[str, str], ...] | None:
    """`lint_ignore = [{rule = "...", reason = "..."}]` as (rule, reason) pairs, or None.

    Only the shape is checked here; known rules and non-blank reasons are `studyapp lint`'s.
    """
    entries: list[tuple[str, str]] = []
    for entry in value if isinstance(value, list) else [None]:
        if (
            not isinstance(entry, dict)
            or set(entry) - set(LINT_IGNORE_KEYS)
            or not isinstance(entry.get("rule"), str)
            or not entry["rule"].strip()
            or not isinstance(entry.get("reason", ""), str)
        ):
            problem(
                at,
                f"{label}: 'lint_ignore' must be an array of tables with a 'rule' and "
                'a \'reason\', e.g. [{rule = "yes-no-question", reason = "why"}]',
            )
            return None
        entries.append((entry["rule"].strip(), entry.get("reason", "").strip()))
    return tuple(entries)


# Anki GUIDs are short printable text; a field separator or space would corrupt the note.
GUID_RE = re.compile(r"[!-~]{1,64}")


def check_guid(
    values: dict[str, object],
    at: int | None,
    label: str,
    problem: Callable[[int | None, str], None],
) -> bool:
    """`guid` (optional): a kept Anki GUID, printable ASCII without spaces."""
    guid = values.get("guid")
    # fullmatch: `$` would also match before a final newline.
    if isinstance(guid, str) and not GUID_RE.fullmatch(guid):
        problem(at, f"{label}: 'guid' must be an Anki GUID: 1-64 printable characters, no spaces")
        return False
    return True


def string_or_empty(value: object) -> str:
    """`value` if it is a string (already validated), else ''."""
    return value if isinstance(value, str) else ""
