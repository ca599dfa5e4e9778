"""Deck files: one TOML file per deck, written by hand by tutors.

:func:`load_deck` reads and validates one file; :func:`check_paths` does a set
of files and folders, including problems across files (the same deck id
twice). Every problem carries the file and, where there is one, the line.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from studyapp.cardtext import cloze_problems, item_ords

CARD_TYPES = ("basic", "reversed", "cloze")
DECK_KEYS = ("id", "name", "description")
CARD_KEYS = ("id", "type", "front", "back", "text", "extra", "source", "tags")
TOP_KEYS = ("deck", "cards")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.message}"


class DeckFileError(Exception):
    """A deck file (or set of files) is not valid; `problems` says why."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True, slots=True)
class Card:
    """One `[[cards]]` entry. It makes one or more study items (see `ords`)."""

    id: str
    type: str = "basic"
    front: str = ""
    back: str = ""
    text: str = ""
    extra: str = ""
    source: str = ""
    tags: tuple[str, ...] = ()
    line: int | None = None

    @property
    def ords(self) -> list[int]:
        return item_ords(self.type, self.front, self.text)


@dataclass(frozen=True, slots=True)
class Deck:
    id: str
    name: str
    description: str = ""
    cards: tuple[Card, ...] = ()
    path: Path | None = field(default=None, compare=False)


@dataclass
class _LineMap:
    """Where things are in the file: tomllib does not report positions."""

    source: str = ""
    deck_line: int | None = None
    deck_keys: dict[str, int] = field(default_factory=dict)
    top_keys: dict[str, int] = field(default_factory=dict)
    card_lines: list[int] = field(default_factory=list)
    card_keys: list[dict[str, int]] | None = None

    def card_key(self, index: int, key: str | None = None) -> int | None:
        if index < len(self.card_lines):
            if key is not None:
                keys = self._card_keys()[index]
                if key in keys:
                    return keys[key]
            return self.card_lines[index]
        return self.top_keys.get("cards")

    def _card_keys(self) -> list[dict[str, int]]:
        # A card key's line is wanted only for a problem: mapped on the first one, rather
        # than a dict per card for every file (a million-card deck: ~1 GB).
        if self.card_keys is None:
            self.card_keys = _map_lines(self.source, with_card_keys=True).card_keys or []
        return self.card_keys


def _source_lines(source: str, chunk: int = 1 << 20) -> Iterator[str]:
    """source.splitlines(), a chunk at a time: a big file's lines are never all in a list."""
    start = 0
    while start < len(source):
        end = source.find("\n", start + chunk)
        end = len(source) if end == -1 else end + 1
        yield from source[start:end].splitlines()
        start = end


_HEADER_RE = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY_RE = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")


def _map_lines(source: str, with_card_keys: bool = False) -> _LineMap:
    lines = _LineMap(source, card_keys=[] if with_card_keys else None)
    section: str | None = None
    in_multiline: str | None = None
    for number, raw in enumerate(_source_lines(source), start=1):
        if in_multiline:
            if raw.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        header = _HEADER_RE.match(raw)
        if header:
            name = header.group(2).strip().strip("\"'")
            if header.group(1) == "[[" and name == "cards":
                section = "cards"
                lines.card_lines.append(number)
                if lines.card_keys is not None:
                    lines.card_keys.append({})
            elif name == "deck":
                section = "deck"
                lines.deck_line = number
            else:
                section = name
            continue
        key = _KEY_RE.match(raw)
        if key:
            name = key.group(1).strip("\"'")
            if section is None:
                lines.top_keys.setdefault(name, number)
                if name == "deck":
                    lines.deck_line = number
            elif section == "deck":
                lines.deck_keys.setdefault(name, number)
            elif section == "cards" and lines.card_keys is not None:
                lines.card_keys[-1].setdefault(name, number)
            rest = raw[key.end() :]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    in_multiline = quote
                    break
    return lines


def _unknown_key(key: str, allowed: Sequence[str], what: str) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown key '{key}' in {what}{hint}"


def _type_name(value: object) -> str:
    return {
        str: "string",
        int: "integer",
        float: "number",
        bool: "boolean",
        list: "array",
        dict: "table",
    }.get(type(value), type(value).__name__)


def parse_deck(source: str, path: Path) -> Deck:
    """Parse and validate the text of a deck file; raise DeckFileError with every problem."""
    problems: list[Problem] = []

    def problem(line: int | None, message: str) -> None:
        problems.append(Problem(path, line, message))

    if not source.strip():
        raise DeckFileError([Problem(path, None, "file is empty")])
    try:
        data = tomllib.loads(source)
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively.
        raise DeckFileError([Problem(path, None, "TOML nested too deeply")]) from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column \d+\)$", message)
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)$", "", message)
        raise DeckFileError([Problem(path, line, f"TOML syntax error: {message}")]) from None

    lines = _map_lines(source)
    for key in data:
        if key not in TOP_KEYS:
            problem(lines.top_keys.get(key), _unknown_key(key, TOP_KEYS, "the file"))

    deck_table = data.get("deck")
    deck_id = name = description = ""
    if deck_table is None:
        problem(None, "missing [deck] table (with id and name)")
    elif not isinstance(deck_table, dict):
        problem(lines.deck_line, "'deck' must be a table: write [deck]")
    else:
        for key in deck_table:
            if key not in DECK_KEYS:
                problem(
                    lines.deck_keys.get(key, lines.deck_line),
                    _unknown_key(key, DECK_KEYS, "[deck]"),
                )
        for key in DECK_KEYS:
            value = deck_table.get(key)
            at = lines.deck_keys.get(key, lines.deck_line)
            if value is None:
                if key != "description":
                    problem(at, f"[deck] is missing '{key}'")
            elif not isinstance(value, str):
                problem(at, f"[deck] '{key}' must be a string, not {_type_name(value)}")
            elif key != "description" and not value.strip():
                problem(at, f"[deck] '{key}' is blank")
        deck_id = deck_table.get("id") if isinstance(deck_table.get("id"), str) else ""
        name = deck_table.get("name") if isinstance(deck_table.get("name"), str) else ""
        description = (
            deck_table.get("description") if isinstance(deck_table.get("description"), str) else ""
        )
        if deck_id.strip() and not ID_RE.match(deck_id):
            problem(
                lines.deck_keys.get("id", lines.deck_line),
                f"deck id '{deck_id}' must be a slug: letters, digits, '-', '_', '.'",
            )
        if "::" in name and any(not part.strip() for part in name.split("::")):
            problem(
                lines.deck_keys.get("name", lines.deck_line),
                f"deck name '{name}' has an empty level between '::'",
            )

    raw_cards = data.get("cards", [])
    cards: list[Card] = []
    if not isinstance(raw_cards, list):
        problem(lines.top_keys.get("cards"), "'cards' must be an array of tables: write [[cards]]")
        raw_cards = []
    seen_ids: dict[str, int | None] = {}
    for index, raw in enumerate(raw_cards):
        card_line = lines.card_key(index)
        if not isinstance(raw, dict):
            problem(card_line, "each card must be a table: write [[cards]]")
            continue
        raw_id = raw.get("id")
        if isinstance(raw_id, str) and raw_id.strip():
            if raw_id in seen_ids:
                first = seen_ids[raw_id]
                where = f" (first at line {first})" if first else ""
                problem(lines.card_key(index, "id"), f"duplicate card id '{raw_id}'{where}")
            else:
                seen_ids[raw_id] = card_line
        card = _parse_card(raw, index, lines, problem)
        if card is not None:
            cards.append(card)
        raw_cards[index] = None  # its Card holds what is needed: free the table as we go

    if problems:
        problems.sort(key=lambda p: p.line or 0)
        raise DeckFileError(problems)
    return Deck(id=deck_id, name=name, description=description, cards=tuple(cards), path=path)


def _parse_card(raw: dict, index: int, lines: _LineMap, problem) -> Card | None:
    """Validate one card table; report through `problem`; None if it is unusable."""
    count = len(lines.card_lines)
    ok = True
    for key in raw:
        if key not in CARD_KEYS:
            problem(lines.card_key(index, key), _unknown_key(key, CARD_KEYS, "a card"))
            ok = False
    raw_id = raw.get("id")
    label = f"card '{raw_id}'" if isinstance(raw_id, str) and raw_id.strip() else "card"
    values: dict[str, object] = {}
    for key in CARD_KEYS:
        if key not in raw:
            continue
        value = raw[key]
        if key == "tags":
            if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
                problem(lines.card_key(index, key), f"{label}: 'tags' must be an array of strings")
                ok = False
                continue
            for tag in value:
                if not tag.strip():
                    problem(lines.card_key(index, key), "tags must not be blank")
                    ok = False
                elif any(ch.isspace() for ch in tag):
                    problem(
                        lines.card_key(index, key),
                        f"tag '{tag}' contains a space: use '-' or '::' instead",
                    )
                    ok = False
            values[key] = tuple(value)
        elif not isinstance(value, str):
            problem(
                lines.card_key(index, key),
                f"{label}: '{key}' must be a string, not {_type_name(value)}",
            )
            ok = False
        else:
            values[key] = value

    card_id = values.get("id")
    header = lines.card_key(index) if index < count else lines.top_keys.get("cards")
    if "id" not in raw:
        problem(header, "card is missing 'id'")
        ok = False
    elif isinstance(card_id, str):
        if not card_id.strip():
            problem(lines.card_key(index, "id"), "card 'id' is blank")
            ok = False
        elif not ID_RE.match(card_id):
            problem(
                lines.card_key(index, "id"),
                f"card id '{card_id}' must be a slug: letters, digits, '-', '_', '.'",
            )
            ok = False

    card_type = values.get("type", "basic")
    if "type" in values and card_type not in CARD_TYPES:
        problem(
            lines.card_key(index, "type"),
            f"unknown card type '{card_type}' (use one of: {', '.join(CARD_TYPES)})",
        )
        return None
    if card_type == "cloze":
        for key in ("front", "back"):
            if key in raw:
                problem(lines.card_key(index, key), f"{label}: cloze cards use 'text', not '{key}'")
                ok = False
        text = values.get("text")
        if "text" not in raw:
            problem(header, f"{label} is missing 'text'")
            ok = False
        elif isinstance(text, str):
            if not text.strip():
                problem(lines.card_key(index, "text"), f"{label}: 'text' is blank")
                ok = False
            else:
                for message in cloze_problems(text):
                    problem(lines.card_key(index, "text"), f"{label}: {message}")
                    ok = False
    else:
        if "text" in raw:
            problem(
                lines.card_key(index, "text"),
                f"{label}: 'text' is for cloze cards; {card_type} cards use front and back",
            )
            ok = False
        for key in ("front", "back"):
            if key not in raw:
                problem(header, f"{label} is missing '{key}'")
                ok = False
            elif isinstance(values.get(key), str) and not values[key].strip():
                problem(lines.card_key(index, key), f"{label}: '{key}' is blank")
                ok = False
    if not ok:
        return None
    return Card(
        id=card_id,
        type=card_type,
        front=values.get("front", "").strip(),
        back=values.get("back", "").strip(),
        text=values.get("text", "").strip(),
        extra=values.get("extra", "").strip(),
        source=values.get("source", "").strip(),
        tags=values.get("tags", ()),
        line=header,
    )


def load_deck(path: Path) -> Deck:
    """Read and validate one deck file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DeckFileError([Problem(path, None, f"cannot read file: {exc.strerror}")]) from None
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DeckFileError([Problem(path, line, "file is not UTF-8 text")]) from None
    return parse_deck(source.removeprefix("\ufeff"), path)


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Expand folders to the `*.toml` files inside them (sorted); report missing paths."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.toml") if p.is_file())
            if not found:
                problems.append(Problem(path, None, "folder has no .toml deck files"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(path, None, "no such file or folder"))
    # The same file named twice (as a file and in its folder) is read once.
    unique = list(dict.fromkeys(p.resolve() for p in files))
    by_resolved = {p.resolve(): p for p in files}
    return [by_resolved[p] for p in unique], problems


def check_paths(paths: Iterable[Path]) -> tuple[list[Deck], list[Problem]]:
    """Load every deck under `paths`; return the valid decks and all problems found."""
    files, problems = collect_files(paths)
    decks: list[Deck] = []
    first_file: dict[str, Path] = {}
    for path in files:
        try:
            deck = load_deck(path)
        except DeckFileError as exc:
            problems.extend(exc.problems)
            continue
        if deck.id in first_file:
            line = _map_lines(path.read_text("utf-8")).deck_keys.get("id")
            problems.append(
                Problem(path, line, f"deck id '{deck.id}' is also used by {first_file[deck.id]}")
            )
            continue
        first_file[deck.id] = path
        decks.append(deck)
    return decks, problems


def load_decks(paths: Iterable[Path]) -> list[Deck]:
    """Load every deck under `paths`, or raise DeckFileError listing every problem."""
    decks, problems = check_paths(paths)
    if problems:
        raise DeckFileError(problems)
    return decks
