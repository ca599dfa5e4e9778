"""Anki note types in a deck file: `[[note_types]]` tables and the `type = "note"` cards.

A note type is what Anki has: fields, card templates (front/back in Anki's
template language) and CSS, standard or cloze. A note card names its note type
and holds its field values (Anki's HTML, kept byte for byte); it makes the
study items Anki would make (templates.card_ords). The note type and the
values travel together as JSON in the database (`NoteType.to_json`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from studyapp.deckfile.fields import quoted, text_problem, type_name, unknown_key
from studyapp.deckfile.templates import TemplateError, card_ords, template_problems

NOTE_TYPE_KEYS = ("name", "anki_id", "kind", "fields", "templates", "css")
TEMPLATE_KEYS = ("name", "front", "back")
KINDS = ("standard", "cloze")
# Anki's note type ids are milliseconds since 1970 (int64); a hand-written one need not be.
MAX_ANKI_ID = 2**63 - 1

Report = Callable[[int | None, str], None]


@dataclass(frozen=True, slots=True)
class CardTemplate:
    name: str
    front: str
    back: str


@dataclass(frozen=True, slots=True)
class NoteType:
    """One Anki note type, as the deck file declares it."""

    name: str
    anki_id: int
    cloze: bool
    fields: tuple[str, ...]
    templates: tuple[CardTemplate, ...]
    css: str = ""

    def ords(self, values: tuple[str, ...], tags: tuple[str, ...] = ()) -> list[int]:
        """The cards Anki generates for a note of this type with these field values."""
        try:
            return card_ords(
                [t.front for t in self.templates],
                dict(zip(self.fields, values, strict=False)),
                cloze=self.cloze,
                tags=tags,
            )
        except TemplateError:
            return []

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "anki_id": self.anki_id,
            "kind": "cloze" if self.cloze else "standard",
            "fields": list(self.fields),
            "templates": [
                {"name": t.name, "front": t.front, "back": t.back} for t in self.templates
            ],
            "css": self.css,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NoteType:
        return cls(
            str(data["name"]),
            int(data["anki_id"]),
            data.get("kind") == "cloze",
            tuple(str(f) for f in data["fields"]),
            tuple(CardTemplate(t["name"], t["front"], t["back"]) for t in data["templates"]),
            str(data.get("css", "")),
        )


# Anki's Image Occlusion templates (any language) start its drawing with this call.
_OCCLUSION_SETUP = "anki.imageOcclusion.setup"
_CLOZE_FIELD_RE = re.compile(r"\{\{cloze:([^}]+)\}\}")


def is_image_occlusion(note_type: NoteType) -> bool:
    """Anki's Image Occlusion note type (or a copy, in any language): a cloze type whose
    template draws the masks."""
    return note_type.cloze and any(_OCCLUSION_SETUP in t.front for t in note_type.templates)


def occlusion_field(note_type: NoteType, values: tuple[str, ...]) -> str | None:
    """An Image Occlusion note's shapes (Anki's `{{cN::image-occlusion:…}}` field, the one
    its template clozes), or None for a note of any other type."""
    if not is_image_occlusion(note_type):
        return None
    match = _CLOZE_FIELD_RE.search(note_type.templates[0].front)
    name = match.group(1).strip() if match else ""
    if name not in note_type.fields:
        return None
    index = note_type.fields.index(name)
    return values[index] if index < len(values) else ""


def note_json(note_type: NoteType, values: tuple[str, ...]) -> str:
    """A note card's content as one column: its note type and its field values."""
    return json.dumps(
        {"note_type": note_type.as_dict(), "fields": list(values)},
        ensure_ascii=False,
        sort_keys=True,
    )


def from_note_json(text: str) -> tuple[NoteType, tuple[str, ...]]:
    data = json.loads(text)
    return NoteType.from_dict(data["note_type"]), tuple(str(v) for v in data["fields"])


def parse_note_types(
    raw: object, lines: Mapping[int, Mapping[str, int]], at: int | None, problem: Report
) -> dict[str, NoteType]:
    """The `[[note_types]]` tables by name; problems reported with their lines."""
    if not isinstance(raw, list):
        problem(at, "'note_types' must be an array of tables: write [[note_types]]")
        return {}
    found: dict[str, NoteType] = {}
    for index, table in enumerate(raw):
        keys = lines.get(index, {})
        header = keys.get("", at)
        if not isinstance(table, dict):
            problem(header, "each note type must be a table: write [[note_types]]")
            continue
        note_type = _note_type(table, keys, header, problem)
        if note_type is None:
            continue
        if note_type.name in found:
            problem(keys.get("name", header), f"note type '{quoted(note_type.name)}' twice")
            continue
        found[note_type.name] = note_type
    return found


def _note_type(
    table: dict[str, Any], keys: Mapping[str, int], header: int | None, problem: Report
) -> NoteType | None:
    ok = True

    def bad(key: str, message: str) -> None:
        nonlocal ok
        ok = False
        problem(keys.get(key, header), message)

    for key in table:
        if key not in NOTE_TYPE_KEYS:
            bad(key, unknown_key(key, NOTE_TYPE_KEYS, "a note type"))
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        bad("name", "note type is missing 'name' (a non-blank string)")
        return None
    label = f"note type '{quoted(name)}'"
    if (message := text_problem(name, label)) is not None:
        bad("name", message)
    anki_id = table.get("anki_id", _stable_id(name))
    valid_id = isinstance(anki_id, int) and not isinstance(anki_id, bool)
    if not valid_id or not 0 < anki_id <= MAX_ANKI_ID:
        bad("anki_id", f"{label}: 'anki_id' must be a positive integer")
        valid_id = False
    kind = table.get("kind", "standard")
    if kind not in KINDS:
        bad("kind", f"{label}: 'kind' must be one of: {', '.join(KINDS)}")
    fields = table.get("fields")
    if (
        not isinstance(fields, list)
        or not fields
        or not all(isinstance(f, str) and f.strip() for f in fields)
    ):
        bad("fields", f"{label}: 'fields' must be a non-empty array of field names")
        fields = []
    elif len(set(fields)) != len(fields):
        bad("fields", f"{label}: a field name is used twice")
    css = table.get("css", "")
    if not isinstance(css, str):
        bad("css", f"{label}: 'css' must be a string, not {type_name(css)}")
    # A note type that came from Anki (it carries Anki's id) is Anki's: its templates are
    # kept as Anki has them, and what Anki would show as an error there `lint` reports.
    from_anki = "anki_id" in table and valid_id
    templates = _templates(table.get("templates"), fields, label, kind == "cloze", from_anki)
    for message in templates[1]:
        bad("templates", message)
    if not ok:
        return None
    return NoteType(name, int(anki_id), kind == "cloze", tuple(fields), templates[0], str(css))


def _templates(
    raw: object, fields: list[str], label: str, cloze: bool, from_anki: bool = False
) -> tuple[tuple[CardTemplate, ...], list[str]]:
    if not isinstance(raw, list) or not raw:
        return (), [f"{label}: 'templates' must be a non-empty array of {{name, front, back}}"]
    problems: list[str] = []
    found: list[CardTemplate] = []
    for entry in raw:
        if not isinstance(entry, dict) or set(entry) != set(TEMPLATE_KEYS):
            problems.append(f"{label}: each template has exactly: name, front, back")
            continue
        if not all(isinstance(entry[k], str) for k in TEMPLATE_KEYS):
            problems.append(f"{label}: a template's name, front and back are strings")
            continue
        template = CardTemplate(entry["name"], entry["front"], entry["back"])
        if not from_anki:
            problems.extend(
                f"{label}, {message}" for message in template_findings(template, fields)
            )
        found.append(template)
    if len({t.name for t in found}) != len(found):
        problems.append(f"{label}: a template name is used twice")
    if cloze and len(raw) != 1:
        problems.append(f"{label}: a cloze note type has exactly one template")
    return tuple(found), problems


def template_findings(template: CardTemplate, fields: Sequence[str]) -> list[str]:
    """What Anki would refuse in one template's sides (unbalanced sections, unknown fields)."""
    return [
        f"template '{quoted(template.name)}' {side}: {message}"
        for side, text in (("front", template.front), ("back", template.back))
        for message in template_problems(text, fields)
    ]


def _stable_id(name: str) -> int:
    """An id for a hand-written note type without one: from its name, so it never moves."""
    import hashlib

    digest = hashlib.blake2b(f"studyapp-note-type\x1f{name}".encode(), digest_size=6).digest()
    return 1 + int.from_bytes(digest, "big")


def note_values(
    raw: object, note_type: NoteType, label: str, at: int | None, problem: Report
) -> tuple[str, ...] | None:
    """A note card's `fields` table as values in the note type's order (missing ones "")."""
    if not isinstance(raw, dict):
        problem(at, f"{label}: 'fields' must be a table: fields = {{ Name = \"…\" }}")
        return None
    ok = True
    for key, value in raw.items():
        if key not in note_type.fields:
            problem(
                at,
                f"{label}: {unknown_key(key, note_type.fields, 'note type ' + repr(note_type.name))}",
            )
            ok = False
        elif not isinstance(value, str):
            problem(at, f"{label}: field '{quoted(key)}' must be a string, not {type_name(value)}")
            ok = False
        elif (message := text_problem(value, f"{label}: field '{quoted(key)}'")) is not None:
            problem(at, message)
            ok = False
    if not ok:
        return None
    return tuple(str(raw.get(name, "")) for name in note_type.fields)


def note_card(
    raw: Mapping[str, object],
    values: Mapping[str, object],
    label: str,
    line_of: Callable[[str | None], int | None],
    problem: Report,
    note_types: Mapping[str, NoteType],
) -> tuple[NoteType, tuple[str, ...]] | None:
    """A `type = "note"` card's note type (named in `values`, declared in this file) and
    field values, or None (problems reported); `line_of(key)` is the line of one of the
    card's keys (None: its header). The card validator checks the rest."""
    name = values.get("note_type")
    note_type = note_types.get(str(name))
    if note_type is None:
        known = ", ".join(note_types) or "none declared"
        problem(
            line_of("note_type"),
            f"{label}: no note type '{quoted(str(name))}' in this file ({known})",
        )
        return None
    field_values = note_values(raw.get("fields", {}), note_type, label, line_of("fields"), problem)
    return None if field_values is None else (note_type, field_values)
