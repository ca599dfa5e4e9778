"""Deck files: one TOML file per deck, written by hand by tutors.

:func:`load_deck` reads and validates one file; :func:`check_paths` does a set
of files and folders, including problems across files (the same deck id
twice). Every problem carries the file and, where there is one, the line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from studyapp.cards import CARD_TYPES
from studyapp.deckfile.card_table import CARD_KEYS, Card, card_images, parse_card
from studyapp.deckfile.fields import (
    ID_RE,
    MAX_ID_LENGTH,
    id_problem,
    quoted,
    string_or_empty,
    text_problem,
    type_name,
    unknown_key,
)
from studyapp.deckfile.notetypes import parse_note_types
from studyapp.deckfile.tomllines import map_lines
from studyapp.sanitize import one_line

__all__ = [
    "CARD_KEYS",
    "CARD_TYPES",
    "ID_RE",
    "MAX_ID_LENGTH",
    "Card",
    "Deck",
    "DeckFileError",
    "Problem",
    "check_paths",
    "collect_files",
    "load_deck",
    "load_decks",
    "parse_deck",
]

DECK_KEYS = ("id", "name", "description")
TOP_KEYS = ("deck", "note_types", "cards")


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        # Messages quote the file's own text: it must not reach the terminal raw.
        return one_line(f"{where}: {self.message}", show_breaks=True)


class DeckFileError(Exception):
    """A deck file (or set of files) is not valid; `problems` says why."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True, slots=True)
class Deck:
    id: str
    name: str
    description: str = ""
    cards: tuple[Card, ...] = ()
    path: Path | None = field(default=None, compare=False)
    id_line: int | None = field(default=None, compare=False)
    # Every image the cards show: (line, card label, target), checked against the files
    # by load_deck (parse_deck reads text only).
    images: tuple[tuple[int | None, str, str], ...] = field(default=(), compare=False)


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

    lines = map_lines(source)
    for key in data:
        if key not in TOP_KEYS:
            problem(lines.top_keys.get(key), unknown_key(key, TOP_KEYS, "the file"))

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
                    unknown_key(key, DECK_KEYS, "[deck]"),
                )
        for key in DECK_KEYS:
            value = deck_table.get(key)
            at = lines.deck_keys.get(key, lines.deck_line)
            if value is None:
                if key != "description":
                    problem(at, f"[deck] is missing '{key}'")
            elif not isinstance(value, str):
                problem(at, f"[deck] '{key}' must be a string, not {type_name(value)}")
            elif key != "description" and not value.strip():
                problem(at, f"[deck] '{key}' is blank")
            elif (text_message := text_problem(value, f"[deck] '{key}'")) is not None:
                problem(at, text_message)
        deck_id = string_or_empty(deck_table.get("id"))
        name = string_or_empty(deck_table.get("name"))
        description = string_or_empty(deck_table.get("description"))
        id_message = id_problem(deck_id, "deck id") if deck_id.strip() else None
        if id_message is not None and text_problem(deck_id, "") is None:
            problem(lines.deck_keys.get("id", lines.deck_line), id_message)
        if "::" in name and any(not part.strip() for part in name.split("::")):
            problem(
                lines.deck_keys.get("name", lines.deck_line),
                f"deck name '{quoted(name)}' has an empty level between '::'",
            )

    note_types = (
        parse_note_types(
            data["note_types"],
            dict(enumerate(lines.note_type_keys)),
            lines.top_keys.get("note_types"),
            problem,
        )
        if "note_types" in data
        else {}
    )
    raw_cards = data.get("cards", [])
    cards: list[Card] = []
    if not isinstance(raw_cards, list):
        problem(lines.top_keys.get("cards"), "'cards' must be an array of tables: write [[cards]]")
        raw_cards = []
    seen_ids: dict[str, int | None] = {}
    images: list[tuple[int | None, str, str]] = []
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
                problem(lines.card_key(index, "id"), f"duplicate card id '{quoted(raw_id)}'{where}")
            else:
                seen_ids[raw_id] = card_line
        card = parse_card(raw, index, lines, problem, note_types)
        if card is not None:
            cards.append(card)
            images.extend(card_images(card, index, lines, problem))
        raw_cards[index] = None  # its Card holds what is needed: free the table as we go

    if problems:
        problems.sort(key=lambda p: p.line or 0)
        raise DeckFileError(problems)
    return Deck(
        id=deck_id,
        name=name,
        description=description,
        cards=tuple(cards),
        path=path,
        id_line=lines.deck_keys.get("id", lines.deck_line),
        images=tuple(images),
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
    deck = parse_deck(source.removeprefix("\ufeff"), path)
    from studyapp.images import deck_image_problems

    problems = deck_image_problems(deck)
    if problems:
        raise DeckFileError(problems)
    return deck


def _deck_file_in(file: Path, folder: Path) -> bool:
    """Whether a `*.toml` found in `folder` is a deck file: not in media/ (a package's
    media file may be named `*.toml`) nor in a hidden folder (a killed convert's
    `.studyapp-convert-*` scratch, `.git`)."""
    parts = file.relative_to(folder).parts[:-1]
    hidden = any(part == "media" or part.startswith(".") for part in parts)
    return not hidden and file.is_file()


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Expand folders to the `*.toml` files inside them (sorted); report missing paths."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.toml") if _deck_file_in(p, path))
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
            # The line was mapped when the file was read: each file is read once.
            problems.append(
                Problem(
                    path, deck.id_line, f"deck id '{deck.id}' is also used by {first_file[deck.id]}"
                )
            )
            continue
        first_file[deck.id] = path
        decks.append(deck)
    problems.extend(_shared_guids(decks))
    return decks, problems


def _shared_guids(decks: Iterable[Deck]) -> list[Problem]:
    """One Anki GUID on two cards: Anki would get one note twice (two versions of a deck)."""
    first: dict[str, tuple[Path, int | None]] = {}
    problems = []
    for deck in decks:
        if deck.path is None:
            continue
        for card in deck.cards:
            if not card.content.guid:
                continue
            if card.content.guid not in first:
                first[card.content.guid] = (deck.path, card.line)
                continue
            path, line = first[card.content.guid]
            where = f"{path}:{line}" if line else str(path)
            problems.append(
                Problem(deck.path, card.line, f"guid '{card.content.guid}' is also used by {where}")
            )
    return problems


def load_decks(paths: Iterable[Path]) -> list[Deck]:
    """Load every deck under `paths`, or raise DeckFileError listing every problem."""
    decks, problems = check_paths(paths)
    if problems:
        raise DeckFileError(problems)
    return decks
