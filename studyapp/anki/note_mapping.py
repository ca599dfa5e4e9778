"""One note from an Anki package or a text file as a StudyApp card.

A package's note under its own note type (stock ones included: Basic, Cloze,
Image Occlusion, their German or French versions, custom ones) becomes a `note`
card with that note type and its fields as Anki's HTML, byte for byte. Only
StudyApp's own note types (a package StudyApp exported) come back as
basic/reversed/cloze/occlusion cards. A note whose note type carries no templates
(a text file of notes, a hand-made package whose templates have no question
format) maps by its fields: English stock types still map (Basic → basic, "and
reversed" → reversed, "optional reversed" → by its "Add Reverse" field, Cloze →
cloze; Extra / Back Extra and Source keep their meaning) and any other note's
first field is the front, the rest the back.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from studyapp.anki.html_to_markdown import html_to_markdown, plain_to_markdown
from studyapp.anki.note_cards import card_tags, note_card
from studyapp.anki.notetypes import NOTE_TYPE_IDS, RETIRED_MODEL_IDS
from studyapp.anki.occlusion_notes import is_occlusion_note, occlusion_card
from studyapp.anki.source_notes import SourceNote
from studyapp.cards import CardContent, CardType
from studyapp.cardtext import cloze_problems
from studyapp.deckfile.reader import Card
from studyapp.occlusion import OcclusionError

if TYPE_CHECKING:
    from studyapp.anki.convert import Conversion

EXTRA_FIELDS = ("extra", "back extra")
# StudyApp's own note types: a package it exported comes back as its card types.
OWN_NOTE_TYPE_IDS = frozenset({*NOTE_TYPE_IDS.values(), *RETIRED_MODEL_IDS.values()})


def card_id_for(note: SourceNote, front: str) -> str:
    """Stable across conversions: from the Anki GUID, else a spreadsheet's id column,
    else (text files) from the front."""
    if note.guid:
        key = f"guid\x1f{note.guid}"
    else:
        key = f"id\x1f{note.key}" if note.key else f"front\x1f{front}"
    return "n" + hashlib.blake2b(key.encode(), digest_size=6).hexdigest()


def note_to_card(note: SourceNote, conversion: Conversion) -> Card | None:
    """The card a note makes, counted in `conversion.mapping`; None (with its reason in
    `conversion.skipped`) for a note that makes none."""
    # A package's templates without any question format (hand-made: Anki always writes
    # them) say nothing to render: such notes map by their fields, as a text export's.
    templates = any(question.strip() for _name, question, _answer in note.note_type.formats)
    own = note.note_type.anki_id in OWN_NOTE_TYPE_IDS
    if is_occlusion_note(note) and (own or not templates):
        return _occlusion(note, conversion)
    names = [n.lower() for n in note.note_type.fields]
    texts = []
    for value in note.fields:
        if note.is_html:
            text, _media = html_to_markdown(value, conversion.image_text)
        else:
            text, _media = plain_to_markdown(value)
        texts.append(text)
    named = dict(zip(names, texts, strict=False))
    source = named.get("source", "")
    guid = note.guid or ""
    where = note.origin or f"{note.deck}: note {note.guid or note.line}"
    if templates and not own:
        # Anki's note, under its own note type: StudyApp's card types would re-write
        # its HTML and send it back under another note type (issue 22).
        return note_card(
            note, conversion, where, card_id_for(note, note.fields[0] if note.fields else "")
        )
    # Extra of a package this app exported ends with the student's note: not the tutor's.
    extra = conversion.without_student_note(
        next((named[n] for n in EXTRA_FIELDS if named.get(n)), "")
    )
    if note.note_type.cloze:
        text = texts[0] if texts else ""
        problems = cloze_problems(text)
        if not text.strip() or problems:
            conversion.skipped.append(f"{where}: {problems[0] if problems else 'empty cloze text'}")
            return None
        conversion.mapping[f"{note.note_type.name} → cloze"] += 1
        rest = [
            t
            for n, t in zip(names[1:], texts[1:], strict=False)
            if n not in (*EXTRA_FIELDS, "source") and t
        ]
        extra = "\n\n".join([extra, *rest]) if extra else "\n\n".join(rest)
        return Card(
            card_id_for(note, text),
            CardContent(
                "cloze",
                text=text,
                extra=extra,
                source=source,
                tags=card_tags(note.tags),
                guid=guid,
            ),
        )
    front = texts[0] if texts else ""
    known = {"front", "back", "add reverse", "source", *EXTRA_FIELDS}
    card_type: CardType
    if "add reverse" in names:
        card_type = "reversed" if named.get("add reverse") else "basic"
        label = f"{note.note_type.name} → {card_type} (by its Add Reverse field)"
    elif note.note_type.templates == 2 and names[:2] == ["front", "back"]:
        card_type, label = "reversed", f"{note.note_type.name} → reversed"
    else:
        card_type = "basic"
        label = f"{note.note_type.name} → basic"
    if names[:2] == ["front", "back"] and all(n in known for n in names):
        back = texts[1]
    else:
        back = "\n\n".join(t for t in texts[1:] if t)
        extra = source = ""
        label = f"{note.note_type.name} → basic (first field front, the rest back)"
        card_type = "basic"
    if not front.strip() or not back.strip():
        conversion.skipped.append(f"{where}: empty {'front' if not front.strip() else 'back'}")
        return None
    conversion.mapping[label] += 1
    return Card(
        card_id_for(note, front),
        CardContent(
            card_type,
            front,
            back,
            extra=extra,
            source=source,
            tags=card_tags(note.tags),
            guid=guid,
        ),
    )


def _occlusion(note: SourceNote, conversion: Conversion) -> Card | None:
    try:
        front, text, extra, source = occlusion_card(note, conversion)
    except OcclusionError as exc:
        conversion.skipped.append(f"{note.deck}: note {note.guid or note.line}: {exc}")
        return None
    conversion.mapping[f"{note.note_type.name} → occlusion"] += 1
    return Card(
        card_id_for(note, text),
        CardContent(
            "occlusion",
            front,
            text=text,
            extra=extra,
            source=source,
            tags=card_tags(note.tags),
            guid=note.guid or "",
        ),
    )
