"""One card model: the card types, a card's content, its one validator and its columns.

A deck file's card, a study item in the store, a note going to Anki and the card
editor's draft all hold a :class:`CardContent`. Its note model puts StudyApp's own
types (basic, reversed, cloze, occlusion) beside the Anki note types of note cards
(`deckfile.notetypes.NoteType`): :attr:`CardContent.ords` decides which cards a note
makes and :attr:`CardContent.note_family` which note type it goes under, for both.
Adding a card field is a field here plus its column (a migration): the deck file's
keys, the store's SQL and the import's fingerprint take the fields from this class
(CONTRIBUTING, "Add a card field").
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields, replace
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Literal, get_args

from studyapp.cardtext import (
    Faces,
    cloze_answer,
    cloze_problems,
    cloze_question,
    deletion_numbers,
    note_type_faces,
)
from studyapp.deckfile.fields import quoted
from studyapp.sanitize import first_control_character

if TYPE_CHECKING:
    # Note types load with the first note card: StudyApp's own cards never need them,
    # and the first card of a session is on screen sooner without them.
    from studyapp.deckfile.notetypes import NoteType

CardType = Literal["basic", "reversed", "cloze", "occlusion", "note"]
CARD_TYPES: tuple[CardType, ...] = get_args(CardType)
# What the student can write in the app (the card editor and the personal deck).
PERSONAL_CARD_TYPES: tuple[CardType, ...] = ("basic", "reversed", "cloze")
# The text fields each of StudyApp's own types reads (a note card keeps its in `fields`).
TEXT_FIELDS: dict[CardType, tuple[str, ...]] = {
    "basic": ("front", "back"),
    "reversed": ("front", "back"),
    "cloze": ("text",),
    "occlusion": ("front", "text"),
    "note": (),
}


def parse_card_type(value: object) -> CardType | None:
    """`value` as a card type, or None when it is none of them."""
    for card_type in CARD_TYPES:
        if value == card_type:
            return card_type
    return None


def type_problem(value: object, allowed: Collection[CardType] = CARD_TYPES) -> str | None:
    """Why `value` is not a card type allowed here, or None."""
    if value in allowed:
        return None
    return f"unknown card type '{quoted(str(value))}' (use one of: {', '.join(allowed)})"


@dataclass(frozen=True, slots=True)
class CardContent:
    """What a card says, whoever holds it. A note card has a note type and field values
    (its `text` is empty); StudyApp's own types use front/back or text."""

    type: CardType = "basic"
    front: str = ""
    back: str = ""
    text: str = ""
    extra: str = ""
    source: str = ""
    tags: tuple[str, ...] = ()
    # The note's Anki GUID, kept from a converted Anki deck ("" for StudyApp's own).
    guid: str = ""
    note_type: NoteType | None = None
    fields: tuple[str, ...] = ()

    @property
    def ords(self) -> list[int]:
        """The study items the card makes, as Anki's card ordinals (a note card's
        templates may test its tags, as Anki's {{Tags}})."""
        if self.note_type is not None:
            return self.note_type.ords(self.fields, self.tags)
        return _builtin_ords(self.type, self.text)

    @property
    def note_family(self) -> str:
        """The note type the card goes under: ours ("basic" for basic and reversed,
        "cloze", "occlusion") or a note card's own ("note:<Anki note type id>")."""
        if self.note_type is not None:
            return f"note:{self.note_type.anki_id}"
        return builtin_family(self.type)

    def faces(self, ord_: int) -> Faces:
        """Question and answer of study item `ord_`."""
        if self.note_type is not None:
            return note_type_faces(self.note_type, self.fields, ord_)
        if self.type == "cloze":
            return Faces(cloze_question(self.text, ord_ + 1), cloze_answer(self.text, ord_ + 1))
        if self.type == "reversed" and ord_ == 1:
            return Faces(self.back, self.front)
        return Faces(self.front, self.back)

    @property
    def stored_text(self) -> str:
        """The `text` column: a note card keeps its note type and field values there."""
        if self.note_type is not None:
            from studyapp.deckfile.notetypes import note_json

            return note_json(self.note_type, self.fields)
        return self.text

    def columns(self) -> dict[str, Any]:
        """The card's columns in the `cards` table, by name, in CONTENT_COLUMNS order."""
        return dict(zip(CONTENT_COLUMNS, self.column_values(), strict=True))

    def column_values(self) -> tuple[Any, ...]:
        """The card's column values in CONTENT_COLUMNS order (an import writes many)."""
        values = list(_content_columns(self))
        values[_TEXT] = self.stored_text
        values[_TAGS] = tags_column(self.tags)
        values[_GUID] = self.guid or None
        return tuple(values)

    @classmethod
    def from_columns(cls, row: Mapping[str, Any]) -> CardContent:
        """The content of a `cards` row (its CONTENT_COLUMNS)."""
        values = {name: row[name] for name in CONTENT_COLUMNS}
        values["tags"] = tags_tuple(row["tags"])
        values["guid"] = row["guid"] or ""
        if row["type"] == "note":
            from studyapp.deckfile.notetypes import from_note_json

            values["note_type"], values["fields"] = from_note_json(row["text"])
            values["text"] = ""
        return cls(**values)

    def with_text(self, texts: Mapping[str, str]) -> CardContent:
        """The same content with these free-text fields (STRIPPED_FIELDS) changed."""
        changes: dict[str, Any] = {name: texts[name] for name in STRIPPED_FIELDS if name in texts}
        return replace(self, **changes)

    def stripped(self) -> CardContent:
        """The same content with its free-text fields' surrounding blanks removed."""
        return self.with_text({name: getattr(self, name).strip() for name in STRIPPED_FIELDS})


# The columns of the `cards` table that hold a card's content: every field but a note
# card's note type and values, which travel as JSON in `text`.
CONTENT_COLUMNS: tuple[str, ...] = tuple(
    f.name for f in fields(CardContent) if f.name not in ("note_type", "fields")
)
_content_columns = attrgetter(*CONTENT_COLUMNS)
# The columns that are not the field as it is: stored as JSON, space-padded, NULL for none.
_TEXT, _TAGS, _GUID = (CONTENT_COLUMNS.index(name) for name in ("text", "tags", "guid"))
# The free-text fields, stripped as they come in.
STRIPPED_FIELDS: tuple[str, ...] = tuple(
    name for name in CONTENT_COLUMNS if name not in ("type", "tags", "guid")
)


def builtin_family(card_type: str) -> str:
    """Which of StudyApp's own note types a card type goes under: "cloze", "occlusion",
    or "basic" (basic and reversed: one note type, its reverse card switched on)."""
    return card_type if card_type in ("cloze", "occlusion") else "basic"


def tags_column(tags: Collection[str]) -> str:
    # Space-padded so "tag or child tag" is a LIKE on ' tag ' / ' tag::'.
    return f" {' '.join(tags)} " if tags else ""


def tags_tuple(column: str | None) -> tuple[str, ...]:
    return tuple((column or "").split())


def _builtin_ords(card_type: str, text: str) -> list[int]:
    if card_type == "reversed":
        return [0, 1]
    if card_type == "cloze":
        return [n - 1 for n in deletion_numbers(text)]
    if card_type == "note":
        from studyapp.deckfile.notetypes import from_note_json

        note_type, values = from_note_json(text)
        return note_type.ords(values)
    if card_type == "occlusion":
        from studyapp.occlusion import OcclusionError, parse

        try:
            return [n - 1 for n in parse(text).numbers]
        except OcclusionError:
            return []
    return [0]


def item_ords(
    card_type: str, front: str | None, text: str | None, tags: tuple[str, ...] = ()
) -> list[int]:
    """The study items a card of these columns makes (`text` as stored: a note card's JSON)."""
    if card_type == "note":
        from studyapp.deckfile.notetypes import from_note_json

        note_type, values = from_note_json(text or "")
        return note_type.ords(values, tags)
    return _builtin_ords(card_type, text or "")


def faces(card_type: str, ord_: int, front: str, back: str, text: str) -> Faces:
    """Question and answer of study item `ord_` of a card of these columns."""
    kind = parse_card_type(card_type) or "basic"
    if kind == "note":
        from studyapp.deckfile.notetypes import from_note_json

        note_type, values = from_note_json(text)
        return CardContent(kind, note_type=note_type, fields=values).faces(ord_)
    return CardContent(kind, front, back, text).faces(ord_)


@dataclass(frozen=True, slots=True)
class CardProblem:
    """One thing wrong with a card's content. `key` is the field at fault (None: the
    card as a whole); `message` follows the card's label (" is missing 'front'",
    ": 'front' is blank"); `brief` says it alone, as one line for the app."""

    key: str | None
    message: str
    brief: str = ""

    def after(self, label: str) -> str:
        """The problem after the card's label ("card 'a'"); some say it alone."""
        return label + self.message if self.message[:1] in (" ", ":") else self.message

    def line(self) -> str:
        return self.brief or self.message.removeprefix(":").strip()


_BOTH_SIDES = "a card needs both a front and a back"


def card_problems(
    content: CardContent,
    given: Collection[str] | None = None,
    allowed: Collection[CardType] = CARD_TYPES,
) -> list[CardProblem]:
    """Everything wrong with `content`; empty when it is a valid card.

    `given` is the fields its author wrote (a deck file's keys); None: a form that
    gives exactly what the card's type reads. `allowed` limits the types.
    """
    if (message := type_problem(content.type, allowed)) is not None:
        return [CardProblem("type", f": {message}")]
    keys = set(TEXT_FIELDS[content.type] if given is None else given)
    found: list[CardProblem] = []
    if content.type != "note":
        for key in ("note_type", "fields"):
            if key in keys:
                found.append(CardProblem(key, f": '{key}' is for note cards"))
    if content.type == "note":
        found.extend(_note_problems(content, keys))
    elif content.type == "cloze":
        found.extend(_cloze_problems(content, keys))
    elif content.type == "occlusion":
        from studyapp.occlusion import card_problems as occlusion_problems

        values = {key: getattr(content, key) for key in keys if key in CONTENT_COLUMNS}
        found.extend(
            CardProblem(key, message)
            for key, message in occlusion_problems(dict.fromkeys(keys), values)
        )
    else:
        if "text" in keys:
            found.append(
                CardProblem(
                    "text", f": 'text' is for cloze cards; {content.type} cards use front and back"
                )
            )
        for key in ("front", "back"):
            if key not in keys:
                found.append(CardProblem(None, f" is missing '{key}'", _BOTH_SIDES))
            elif not getattr(content, key).strip():
                found.append(CardProblem(key, f": '{key}' is blank", _BOTH_SIDES))
    found.extend(_tag_problems(content.tags))
    return found


def _note_problems(content: CardContent, keys: set[str]) -> list[CardProblem]:
    for key in STRIPPED_FIELDS:
        if key in keys:
            return [CardProblem(key, f": a note card keeps '{key}' in 'fields'")]
    if content.note_type is None:
        if "note_type" in keys:
            return []  # named: the deck file resolves the name against its note types
        return [CardProblem(None, " is missing 'note_type' (the name of a [[note_types]] table)")]
    if not content.ords:
        what = "no cloze deletion" if content.note_type.cloze else "every template's front is empty"
        return [CardProblem("fields", f" makes no cards in Anki: {what}")]
    return []


def _cloze_problems(content: CardContent, keys: set[str]) -> list[CardProblem]:
    found = [
        CardProblem(key, f": cloze cards use 'text', not '{key}'")
        for key in ("front", "back")
        if key in keys
    ]
    if "text" not in keys:
        found.append(CardProblem(None, " is missing 'text'", cloze_problems("")[0]))
    elif not content.text.strip():
        found.append(CardProblem("text", ": 'text' is blank", cloze_problems("")[0]))
    else:
        found.extend(
            CardProblem("text", f": {message}") for message in cloze_problems(content.text)
        )
    return found


def _tag_problems(tags: tuple[str, ...]) -> list[CardProblem]:
    found = []
    for tag in tags:
        if not tag.strip():
            found.append(CardProblem("tags", "tags must not be blank"))
        elif any(ch.isspace() for ch in tag) and first_control_character(tag) is None:
            # (A control character in a tag is reported by the deck file's door.)
            found.append(
                CardProblem(
                    "tags", f"tag '{quoted(tag)}' contains a space: use '-' or '::' instead"
                )
            )
    return found


def personal_problem(content: CardContent) -> str | None:
    """What is wrong with a card the student wrote, as one line (None: nothing)."""
    problems = card_problems(content, allowed=PERSONAL_CARD_TYPES)
    return problems[0].line() if problems else None
