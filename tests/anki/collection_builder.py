"""Anki collections built by Anki's own backend, for the corpus (corpus/generated.py) and
the note-type round trips (test_anki_note_types.py): stock note types whatever language
named them, a tutor's own note type of three templates, notes, and answers."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path

from anki._backend import RustBackend
from anki.collection import Collection, ExportAnkiPackageOptions
from PIL import Image

# Anki's StockNotetype.OriginalStockKind, kept in each stock note type's dict: the way to
# find "Basic" whatever the collection's language called it.
BASIC, REVERSED, OPTIONAL_REVERSED, TYPE_IN, CLOZE, IMAGE_OCCLUSION = range(1, 7)


def png(colour: str) -> bytes:
    """A real (tiny) PNG: StudyApp sniffs pictures, so a fake one would be refused."""
    out = io.BytesIO()
    Image.new("RGB", (8, 6), colour).save(out, "PNG")
    return out.getvalue()


def open_collection(folder: Path, lang: str = "en") -> Collection:
    """A new collection whose stock note types and default deck carry `lang`'s names."""
    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / "collection.anki2"), backend=RustBackend(langs=[lang]))


def stock(col: Collection, kind: int) -> dict:
    return next(m for m in col.models.all() if m.get("originalStockKind") == kind)


def add(col: Collection, note_type: dict, values: Sequence[str], deck: int, tags=()) -> int:
    note = col.new_note(note_type)
    for index, value in enumerate(values):
        note.fields[index] = value
    note.tags = list(tags)
    col.add_note(note, deck)
    return note.id


def answer(col: Collection, count: int, eases: Sequence[int] = (3,)) -> None:
    """The first `count` cards (by id) answered by Anki's scheduler, `eases` in turn."""
    for number, card_id in enumerate(sorted(col.find_cards(""))[:count]):
        card = col.get_card(card_id)
        card.start_timer()
        col.sched.answerCard(card, eases[number % len(eases)])


# The tutor's own note type, as English names it: (card, question, answer) of each template.
VOCABULARY_FIELDS = ("Word", "Meaning", "Example", "Gender", "Pronunciation", "Note")
VOCABULARY_TEMPLATES = (
    ("Recognise", "{{Word}}", "{{FrontSide}}<hr id=answer>{{Meaning}}<br>{{hint:Note}}"),
    ("Recall", "{{Meaning}}", "{{FrontSide}}<hr id=answer>{{Gender}} {{Word}}"),
    (
        "Use",
        "{{#Example}}{{text:Example}} {{type:Word}}{{/Example}}",
        "{{FrontSide}}<hr id=answer>{{Word}} {{Pronunciation}}",
    ),
)


def vocabulary_type(
    col: Collection,
    name: str = "Vocabulary 3 cards",
    fields: Sequence[str] = VOCABULARY_FIELDS,
    cards: Sequence[str] = tuple(card for card, _q, _a in VOCABULARY_TEMPLATES),
) -> dict:
    """A tutor's own note type: six fields, three templates with a conditional, a hint and
    a type-in answer (the third card only for a note with an example); `fields` and
    `cards` rename them, as a tutor writing in another language would."""
    renamed = dict(zip(VOCABULARY_FIELDS, fields, strict=True))
    pattern = re.compile(r"\b(" + "|".join(VOCABULARY_FIELDS) + r")\b")

    def localized(text: str) -> str:
        return pattern.sub(lambda found: renamed[found[1]], text)

    models = col.models
    vocab = models.new(name)
    for field in fields:
        models.add_field(vocab, models.new_field(field))
    for card, (_card, qfmt, afmt) in zip(cards, VOCABULARY_TEMPLATES, strict=True):
        template = models.new_template(card)
        template["qfmt"], template["afmt"] = localized(qfmt), localized(afmt)
        models.add_template(vocab, template)
    vocab["css"] = ".card { font-family: serif; }"
    models.add(vocab)
    return models.by_name(name)


def renamed_copy(col: Collection, kind: int, name: str, fields: list[str], cards: list[str]):
    """A copy of a stock note type under another name, its fields and templates renamed
    (as a tutor's collection in another language has them)."""
    models = col.models
    note_type = models.copy(stock(col, kind), add=False)
    note_type["name"] = name
    models.add(note_type)
    note_type = models.by_name(name)
    for field, new_name in zip(note_type["flds"], fields, strict=True):
        models.rename_field(note_type, field, new_name)  # the templates follow
    for template, new_name in zip(note_type["tmpls"], cards, strict=True):
        template["name"] = new_name
    models.update_dict(note_type)
    return models.by_name(name)


def export_package(col: Collection, out: Path, *, legacy: bool = False, **options: bool) -> Path:
    """The collection as an .apkg with its scheduling and media (more `options` of Anki's
    export dialog: `with_deck_configs`), in the current or the legacy format."""
    wanted = ExportAnkiPackageOptions(
        with_scheduling=True, with_media=True, legacy=legacy, **options
    )
    col.export_anki_package(out_path=str(out), options=wanted, limit=None)
    return out
