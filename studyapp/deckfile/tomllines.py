"""Where the tables and keys of a TOML file are: tomllib reports no positions.

A small tokenizer, not a line-by-line guess: strings (multi-line ones too),
comments and values spanning lines are read as tokens, so text inside a string
can never look like a header or a key. It runs on files tomllib has already
accepted, in one pass, linear in the file's size.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field

# Blanks (and comments, which run to the end of the line) are read as part of the
# token after them, so they cost no token of their own: a 100k-card file is a few
# million tokens, and each one is Python work.
_TOKEN_RE = re.compile(
    r"(?:[ \t\r]+|#[^\n]*)*"
    r'''(?:(?P<string>"""(?:[^"\\]|\\[\s\S]|"(?!""))*"{0,2}"""'''
    r"|'''(?:[^']|'(?!''))*'{0,2}'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'[^'\n]*')"
    r"|(?P<newline>\n)"
    r"|(?P<bare>[A-Za-z0-9_-]+)"
    r"|(?P<other>.)"
    r"|(?P<end>$))",
    re.DOTALL,
)

# (kind, text, line): kind is string | newline | bare | other.
Token = tuple[str, str, int]


def tokens(source: str) -> Iterator[Token]:
    line = 1
    for match in _TOKEN_RE.finditer(source):
        kind = match.lastgroup
        if kind is None or kind == "end":
            continue  # blanks or a comment at the very end
        text = match.group(kind)
        yield kind, text, line
        if kind == "newline":
            line += 1
        elif kind == "string":
            line += text.count("\n")


@dataclass
class LineMap:
    """Lines of the `[deck]` table, its keys, the top-level keys and each `[[cards]]` entry."""

    deck_line: int | None = None
    deck_keys: dict[str, int] = field(default_factory=dict)
    top_keys: dict[str, int] = field(default_factory=dict)
    card_lines: list[int] = field(default_factory=list)
    card_keys: list[dict[str, int]] = field(default_factory=list)
    # Each `[[note_types]]` entry: its keys' lines, the header's under "".
    note_type_keys: list[dict[str, int]] = field(default_factory=list)

    def card_key(self, index: int, key: str | None = None) -> int | None:
        """The line of card `index` (or of its `key`); where `cards` is, if unknown."""
        if index < len(self.card_lines):
            if key is not None and key in self.card_keys[index]:
                return self.card_keys[index][key]
            return self.card_lines[index]
        return self.top_keys.get("cards")


def _key_name(text: str) -> str:
    if text.startswith('"') and "\\" in text:
        # A quoted key with escapes: tomllib decodes it as it did for the data.
        return str(tomllib.loads(f"k = {text}")["k"])
    if text[:1] in "\"'":
        return text[1:-1]
    return text


def map_lines(source: str) -> LineMap:
    """The LineMap of a TOML document (one that tomllib parses)."""
    lines = LineMap()
    section: str | None = None  # "deck", "cards" (an array entry), "[other]", or None
    depth = 0  # open [ and { inside a value
    at_line_start = True
    stream = tokens(source)
    for kind, text, line in stream:
        if kind == "newline":
            at_line_start = depth == 0
            continue
        if depth == 0 and at_line_start and text == "[":
            # A table header: [name] or [[name]], the name possibly dotted or quoted.
            parts: list[str] = []
            double = False
            for inner_kind, inner_text, _ in stream:
                if inner_text == "[" and not parts:
                    double = True
                elif inner_text == "]":
                    break
                elif inner_kind in ("bare", "string"):
                    parts.append(_key_name(inner_text))
            name = ".".join(parts)
            if parts:
                lines.top_keys.setdefault(parts[0], line)
            if name == "cards" and double:
                section = "cards"
                lines.card_lines.append(line)
                lines.card_keys.append({})
            elif name == "note_types" and double:
                section = "note_types"
                lines.note_type_keys.append({"": line})
            elif name == "deck" and not double:
                section = "deck"
                lines.deck_line = line
            else:
                section = f"[{name}]"  # any other table: its keys are not mapped
            at_line_start = False
            continue
        if depth == 0 and at_line_start and kind in ("bare", "string"):
            name = _key_name(text)
            if section is None:
                lines.top_keys.setdefault(name, line)
                if name == "deck":
                    lines.deck_line = lines.deck_line or line
            elif section == "deck":
                lines.deck_keys.setdefault(name, line)
            elif section == "cards":
                lines.card_keys[-1].setdefault(name, line)
            elif section == "note_types":
                lines.note_type_keys[-1].setdefault(name, line)
            # The rest of the key (dots, quoted parts) up to '=' is not a value.
            for _, inner_text, _ in stream:
                if inner_text == "=":
                    break
            at_line_start = False
            continue
        at_line_start = False
        if text in ("[", "{"):
            depth += 1
        elif text in ("]", "}"):
            depth = max(0, depth - 1)
    return lines
