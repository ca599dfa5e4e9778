"""One `[[cards]]` table of a deck file: checked at the door, made a :class:`Card`.

What the TOML gives (types of values, unknown keys, ids, control characters, a
note card's note type by name) is checked here; what the card says is checked by
the one card validator, `studyapp.cards.card_problems`, whose problems get their
`path:line` here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from studyapp.cards import (
    CONTENT_COLUMNS,
    STRIPPED_FIELDS,
    CardContent,
    card_problems,
    parse_card_type,
    type_problem,
)
from studyapp.cardtext import image_refs
from studyapp.deckfile.fields import (
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
from studyapp.deckfile.notetypes import NoteType, note_card
from studyapp.deckfile.tomllines import LineMap
from studyapp.sanitize import first_control_character

# A card's keys: its id, its content's fields, and what only a deck file says of it.
CARD_KEYS = ("id", *CONTENT_COLUMNS, "lint_ignore", "note_type", "fields")

Report = Callable[[int | None, str], None]


@dataclass(frozen=True, slots=True)
class Card:
    """One `[[cards]]` entry: its id and content (which makes the study items, see
    `content.ords`), where it is in the file, and the lint rules it switches off."""

    id: str
    content: CardContent = field(default_factory=CardContent)
    line: int | None = None
    # `studyapp lint` rules switched off for this card: (rule, reason) pairs.
    lint_ignore: tuple[tuple[str, str], ...] = ()


def card_images(
    card: Card, index: int, lines: LineMap, problem: Report
) -> list[tuple[int | None, str, str]]:
    """The images `card` shows, with their lines; how one is named is checked here."""
    from studyapp.images import target_problem

    found: list[tuple[int | None, str, str]] = []
    for key in STRIPPED_FIELDS:
        for ref in image_refs(getattr(card.content, key)):
            line = lines.card_key(index, key)
            message = target_problem(ref.target)
            if message is not None:
                problem(line, f"card '{card.id}': {message}")
            else:
                found.append((line, f"card '{card.id}'", ref.target))
    return found


def _values(
    raw: Mapping[str, object], label: str, line_of: Callable[[str], int | None], problem: Report
) -> tuple[dict[str, object], set[str]]:
    """The card's values of the right TOML types, and the keys that had the wrong one."""
    values: dict[str, object] = {}
    rejected: set[str] = set()
    for key in CARD_KEYS:
        if key not in raw or key == "fields":
            continue  # a note card's field values: checked against its note type
        value = raw[key]
        if key == "tags":
            if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
                problem(line_of(key), f"{label}: 'tags' must be an array of strings")
                rejected.add(key)
                continue
            for tag in value:
                if (message := text_problem(tag, f"{label}: a tag")) is not None:
                    problem(line_of(key), message)
                    rejected.add(key)
            values[key] = tuple(value)
        elif key == "lint_ignore":
            entries = lint_ignore_pairs(value, label, line_of(key), problem)
            if entries is None:
                rejected.add(key)
            else:
                values[key] = entries
        elif not isinstance(value, str):
            problem(line_of(key), f"{label}: '{key}' must be a string, not {type_name(value)}")
            rejected.add(key)
        elif (message := text_problem(value, f"{label}: '{key}'")) is not None:
            problem(line_of(key), message)
            rejected.add(key)
        else:
            values[key] = value
    return values, rejected


def parse_card(
    raw: dict[str, object],
    index: int,
    lines: LineMap,
    problem: Report,
    note_types: Mapping[str, NoteType] | None = None,
) -> Card | None:
    """Validate one card table; report through `problem`; None if it is unusable."""

    def line_of(key: str | None) -> int | None:
        return lines.card_key(index, key)

    ok = True
    for key in raw:
        if key not in CARD_KEYS:
            problem(line_of(key), unknown_key(key, CARD_KEYS, "a card"))
            ok = False
    raw_id = raw.get("id")
    label = (
        f"card '{quoted(raw_id)}'"
        if isinstance(raw_id, str) and raw_id.strip() and first_control_character(raw_id) is None
        else "card"
    )
    values, rejected = _values(raw, label, line_of, problem)
    ok = ok and not rejected

    card_id = values.get("id")
    if "id" not in raw:
        problem(line_of(None), "card is missing 'id'")
        ok = False
    elif isinstance(card_id, str):
        if not card_id.strip():
            problem(line_of("id"), "card 'id' is blank")
            ok = False
        elif (message := id_problem(card_id, "card id")) is not None:
            problem(line_of("id"), message)
            ok = False

    card_type = parse_card_type(values.get("type", "basic"))
    if card_type is None:
        problem(line_of("type"), str(type_problem(values.get("type"))))
        return None
    tags = values.get("tags", ())
    texts: dict[str, Any] = {
        key: value.strip() for key in STRIPPED_FIELDS if isinstance(value := values.get(key), str)
    }
    content = CardContent(
        card_type,
        tags=tags if isinstance(tags, tuple) else (),
        guid=string_or_empty(values.get("guid")),
        **texts,
    )

    def report(content: CardContent) -> bool:
        found = [p for p in card_problems(content, raw) if p.key not in rejected]
        for found_problem in found:
            problem(line_of(found_problem.key), found_problem.after(label))
        return not found

    valid = report(content)
    ok = valid and ok
    if valid and content.type == "note":
        # The note type is named in this file: resolved, then the note checked whole.
        note = note_card(raw, values, label, line_of, problem, note_types or {})
        if note is None:
            ok = False
        else:
            content = CardContent(
                "note", tags=content.tags, guid=content.guid, note_type=note[0], fields=note[1]
            )
            ok = report(content) and ok
    ok = check_guid(values, line_of("guid"), label, problem) and ok
    if not ok:
        return None
    return Card(
        id=string_or_empty(card_id),
        content=content,
        line=line_of(None),
        lint_ignore=lint_pairs(values.get("lint_ignore")),
    )
