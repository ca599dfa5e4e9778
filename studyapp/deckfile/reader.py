"""Deck files: one TOML file per deck, written by hand by tutors.

:func:`load_deck` reads and validates one file; :func:`check_paths` does a set
of files and folders, including problems across files (the same deck id
twice). Every problem carries the file and, where there is one, the line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from studyapp.cardtext import cloze_problems, image_refs, item_ords
from studyapp.deckfile.fields import (
    ID_RE,
    MAX_ID_LENGTH,
    check_guid,
    id_problem,
    lint_ignore_pairs,
    lint_pairs,
    quoted,
    string_or_empty,
    text_problem,
    type_name,
    unknown_key,
)
from studyapp.deckfile.notetypes import NoteType, note_card, note_json, parse_note_types
from studyapp.deckfile.tomllines import LineMap, map_lines
from studyapp.sanitize import first_control_character, one_line

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

CARD_TYPES = ("basic", "reversed", "cloze", "occlusion", "note")
DECK_KEYS = ("id", "name", "description")
CARD_KEYS = (
    "id",
    "type",
    "front",
    "back",
    "text",
    "extra",
    "source",
    "tags",
    "guid",
    "lint_ignore",
    "note_type",
    "fields",
)
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
    # `studyapp lint` rules switched off for this card: (rule, reason) pairs.
    lint_ignore: tuple[tuple[str, str], ...] = ()
    # The note's Anki GUID, kept from a converted Anki deck ("" for StudyApp's own).
    guid: str = ""
    # A "note" card: its Anki note type and field values (in the note type's order).
    note_type: NoteType | None = None
    fields: tuple[str, ...] = ()

    @property
    def ords(self) -> list[int]:
        if self.note_type is not None:
            return self.note_type.ords(self.fields, self.tags)
        return item_ords(self.type, self.front, self.text)

    @property
    def stored_text(self) -> str:
        """The `text` column: a note card keeps its note type and fields there (as JSON)."""
        if self.note_type is not None:
            return note_json(self.note_type, self.fields)
        return self.text


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
        card = _parse_card(raw, index, lines, problem, note_types)
        if card is not None:
            cards.append(card)
            images.extend(_card_images(card, index, lines, problem))
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


def _card_images(
    card: Card, index: int, lines: LineMap, problem: Callable[[int | None, str], None]
) -> list[tuple[int | None, str, str]]:
    """The images `card` shows, with their lines; how one is named is checked here."""
    from studyapp.images import target_problem

    found: list[tuple[int | None, str, str]] = []
    for key in ("front", "back", "text", "extra", "source"):
        for ref in image_refs(getattr(card, key)):
            line = lines.card_key(index, key)
            message = target_problem(ref.target)
            if message is not None:
                problem(line, f"card '{card.id}': {message}")
            else:
                found.append((line, f"card '{card.id}'", ref.target))
    return found


def _parse_card(
    raw: dict[str, object],
    index: int,
    lines: LineMap,
    problem: Callable[[int | None, str], None],
    note_types: dict[str, NoteType] | None = None,
) -> Card | None:
    """Validate one card table; report through `problem`; None if it is unusable."""
    count = len(lines.card_lines)
    ok = True
    for key in raw:
        if key not in CARD_KEYS:
            problem(lines.card_key(index, key), unknown_key(key, CARD_KEYS, "a card"))
            ok = False
    raw_id = raw.get("id")
    label = (
        f"card '{quoted(raw_id)}'"
        if isinstance(raw_id, str) and raw_id.strip() and first_control_character(raw_id) is None
        else "card"
    )
    values: dict[str, object] = {}
    for key in CARD_KEYS:
        if key not in raw:
            continue
        value = raw[key]
        if key == "fields":
            continue  # a note card's field values: checked against its note type below
        if key == "tags":
            if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
                problem(lines.card_key(index, key), f"{label}: 'tags' must be an array of strings")
                ok = False
                continue
            for tag in value:
                if not tag.strip():
                    problem(lines.card_key(index, key), "tags must not be blank")
                    ok = False
                elif (message := text_problem(tag, f"{label}: a tag")) is not None:
                    problem(lines.card_key(index, key), message)
                    ok = False
                elif any(ch.isspace() for ch in tag):
                    problem(
                        lines.card_key(index, key),
                        f"tag '{quoted(tag)}' contains a space: use '-' or '::' instead",
                    )
                    ok = False
            values[key] = tuple(value)
        elif key == "lint_ignore":
            entries = lint_ignore_pairs(value, label, lines.card_key(index, key), problem)
            if entries is None:
                ok = False
            else:
                values[key] = entries
        elif not isinstance(value, str):
            problem(
                lines.card_key(index, key),
                f"{label}: '{key}' must be a string, not {type_name(value)}",
            )
            ok = False
        elif (message := text_problem(value, f"{label}: '{key}'")) is not None:
            problem(lines.card_key(index, key), message)
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
        elif (message := id_problem(card_id, "card id")) is not None:
            problem(lines.card_key(index, "id"), message)
            ok = False

    card_type = values.get("type", "basic")
    if "type" in values and card_type not in CARD_TYPES:
        problem(
            lines.card_key(index, "type"),
            f"unknown card type '{quoted(str(card_type))}' (use one of: {', '.join(CARD_TYPES)})",
        )
        return None
    note: tuple[NoteType, tuple[str, ...]] | None = None
    if card_type != "note":
        for key in ("note_type", "fields"):
            if key in raw:
                problem(lines.card_key(index, key), f"{label}: '{key}' is for note cards")
                ok = False
    if card_type == "note":
        note = note_card(
            raw, values, label, lambda key: lines.card_key(index, key), problem, note_types or {}
        )
        ok = ok and note is not None
    elif card_type == "cloze":
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
    elif card_type == "occlusion":
        from studyapp.occlusion import card_problems

        for field_key, field_message in card_problems(raw, values):
            at = lines.card_key(index, field_key) if field_key else header
            problem(at, f"{label}{field_message}")
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
            elif isinstance(values.get(key), str) and not string_or_empty(values[key]).strip():
                problem(lines.card_key(index, key), f"{label}: '{key}' is blank")
                ok = False
    ok = check_guid(values, lines.card_key(index, "guid"), label, problem) and ok
    if not ok:
        return None
    tags = values.get("tags", ())
    return Card(
        id=string_or_empty(card_id),
        type=string_or_empty(card_type),
        front=string_or_empty(values.get("front")).strip(),
        back=string_or_empty(values.get("back")).strip(),
        text=string_or_empty(values.get("text")).strip(),
        extra=string_or_empty(values.get("extra")).strip(),
        source=string_or_empty(values.get("source")).strip(),
        tags=tuple(str(t) for t in tags) if isinstance(tags, tuple) else (),
        line=header,
        lint_ignore=lint_pairs(values.get("lint_ignore")),
        guid=str(values.get("guid", "")),
        note_type=note[0] if note else None,
        fields=note[1] if note else (),
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
            if not card.guid:
                continue
            if card.guid not in first:
                first[card.guid] = (deck.path, card.line)
                continue
            path, line = first[card.guid]
            where = f"{path}:{line}" if line else str(path)
            problems.append(
                Problem(deck.path, card.line, f"guid '{card.guid}' is also used by {where}")
            )
    return problems


def load_decks(paths: Iterable[Path]) -> list[Deck]:
    """Load every deck under `paths`, or raise DeckFileError listing every problem."""
    decks, problems = check_paths(paths)
    if problems:
        raise DeckFileError(problems)
    return decks
