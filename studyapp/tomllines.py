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

_TOKEN_RE = re.compile(
    r'''(?P<string>"""(?:[^"\\]|\\[\s\S]|"(?!""))*"{0,2}"""'''
    r"|'''(?:[^']|'(?!''))*'{0,2}'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'[^'\n]*')"
    r"|(?P<comment>#[^\n]*)"
    r"|(?P<newline>\n)"
    r"|(?P<space>[ \t\r]+)"
    r"|(?P<bare>[A-Za-z0-9_-]+)"
    r"|(?P<other>.)",
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # string | comment | newline | space | bare | other
    text: str
    line: int


def tokens(source: str) -> Iterator[Token]:
    line = 1
    for match in _TOKEN_RE.finditer(source):
        kind = match.lastgroup or "other"
        text = match.group()
        yield Token(kind, text, line)
        if kind in ("newline", "string"):
            line += text.count("\n")


@dataclass
class LineMap:
    """Lines of the `[deck]` table, its keys, the top-level keys and each `[[cards]]` entry."""

    deck_line: int | None = None
    deck_keys: dict[str, int] = field(default_factory=dict)
    top_keys: dict[str, int] = field(default_factory=dict)
    card_lines: list[int] = field(default_factory=list)
    card_keys: list[dict[str, int]] = field(default_factory=list)

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
    for token in stream:
        kind = token.kind
        if kind in ("space", "comment"):
            continue
        if kind == "newline":
            at_line_start = depth == 0
            continue
        if depth == 0 and at_line_start and token.text == "[":
            # A table header: [name] or [[name]], the name possibly dotted or quoted.
            parts: list[str] = []
            double = False
            for inner in stream:
                if inner.text == "[" and not parts:
                    double = True
                elif inner.text == "]":
                    break
                elif inner.kind in ("bare", "string"):
                    parts.append(_key_name(inner.text))
            name = ".".join(parts)
            if parts:
                lines.top_keys.setdefault(parts[0], token.line)
            if name == "cards" and double:
                section = "cards"
                lines.card_lines.append(token.line)
                lines.card_keys.append({})
            elif name == "deck" and not double:
                section = "deck"
                lines.deck_line = token.line
            else:
                section = f"[{name}]"  # any other table: its keys are not mapped
            at_line_start = False
            continue
        if depth == 0 and at_line_start and kind in ("bare", "string"):
            name = _key_name(token.text)
            if section is None:
                lines.top_keys.setdefault(name, token.line)
                if name == "deck":
                    lines.deck_line = lines.deck_line or token.line
            elif section == "deck":
                lines.deck_keys.setdefault(name, token.line)
            elif section == "cards":
                lines.card_keys[-1].setdefault(name, token.line)
            # The rest of the key (dots, quoted parts) up to '=' is not a value.
            for inner in stream:
                if inner.text == "=":
                    break
            at_line_start = False
            continue
        at_line_start = False
        if token.text in ("[", "{"):
            depth += 1
        elif token.text in ("]", "}"):
            depth = max(0, depth - 1)
    return lines
