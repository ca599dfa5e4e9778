"""The one card model (studyapp/cards.py): its types, its validator, its columns, its notes."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import pytest

from studyapp.anki.notes import ExportNote, decks_from_store
from studyapp.cards import (
    CARD_TYPES,
    CONTENT_COLUMNS,
    PERSONAL_CARD_TYPES,
    CardContent,
    card_problems,
    personal_problem,
)
from studyapp.deckfile.card_table import CARD_KEYS
from studyapp.deckfile.notetypes import CardTemplate, NoteType
from studyapp.deckfile.reader import DeckFileError, parse_deck
from studyapp.store import InputError, Store, backups

VOCAB = NoteType(
    "Vocab",
    1700000000001,
    cloze=False,
    fields=("Word", "Meaning"),
    templates=(
        CardTemplate("Recognise", "{{Word}}", "{{Meaning}}"),
        CardTemplate("Recall", "{{Meaning}}", "{{Word}}"),
    ),
)
NOTE_DECK = """[deck]
id = "d"
name = "D"

[[note_types]]
name = "Vocab"
anki_id = 1700000000001
fields = ["Word", "Meaning"]
templates = [
  { name = "Recognise", front = "{{Word}}", back = "{{Meaning}}" },
  { name = "Recall", front = "{{Meaning}}", back = "{{Word}}" },
]

[[cards]]
id = "hund"
type = "note"
note_type = "Vocab"
fields = { Word = "Hund", Meaning = "MEANING" }
"""

EXAMPLES = [
    CardContent("basic", "Q", "A", extra="why", source="p. 1", tags=("t1", "t2::u")),
    CardContent("reversed", "Q", "A", guid="Ab1!x"),
    CardContent("cloze", text="{{c1::a}} and {{c2::b}}", extra="e"),
    CardContent("occlusion", "![arm](media/arm.png)", text="1 rect 0 0 1 1\n2 rect 1 1 2 2"),
    CardContent("note", tags=("drill",), note_type=VOCAB, fields=("Hund", "dog")),
]


@pytest.mark.parametrize("content", EXAMPLES, ids=lambda c: c.type)
def test_content_goes_to_its_columns_and_back_unchanged(content: CardContent) -> None:
    row = content.columns()
    assert tuple(row) == CONTENT_COLUMNS
    assert CardContent.from_columns(row) == content


def test_every_content_field_is_a_column_of_the_cards_table_and_a_deck_file_key(
    store: Store,
) -> None:
    """Adding a field to CardContent without its migration fails here first."""
    table = {r[1] for r in store.conn.execute("PRAGMA table_info(cards)")}
    assert set(CONTENT_COLUMNS) <= table
    names = [f.name for f in dataclasses.fields(CardContent)]
    assert set(names) <= set(CARD_KEYS)


def test_one_place_decides_the_note_type_and_the_ords_for_both_kinds() -> None:
    by_type = {c.type: (c.note_family, c.ords) for c in EXAMPLES}
    assert by_type == {
        "basic": ("basic", [0]),
        "reversed": ("basic", [0, 1]),
        "cloze": ("cloze", [0, 1]),
        "occlusion": ("occlusion", [0, 1]),
        "note": (f"note:{VOCAB.anki_id}", [0, 1]),
    }
    for content in EXAMPLES:
        note = ExportNote("d", "k", content)
        assert (note.family, note.ords) == (content.note_family, content.ords)
    assert EXAMPLES[1].faces(1).question == "A" and EXAMPLES[4].faces(1).question == "dog"


def test_the_vocabulary_is_one_list() -> None:
    assert CARD_TYPES == ("basic", "reversed", "cloze", "occlusion", "note")
    assert set(PERSONAL_CARD_TYPES) < set(CARD_TYPES)
    with pytest.raises(DeckFileError) as caught:
        parse_deck('[deck]\nid = "d"\nname = "D"\n[[cards]]\nid = "a"\ntype = "x"\n', Path("f"))
    assert str(caught.value) == (
        "f:6: unknown card type 'x' (use one of: basic, reversed, cloze, occlusion, note)"
    )


def test_one_validator_speaks_to_the_deck_file_and_to_the_app() -> None:
    blank = CardContent("basic", "  ", "A")
    [problem] = card_problems(blank, given=("front", "back"))
    assert (problem.key, problem.after("card 'a'")) == ("front", "card 'a': 'front' is blank")
    assert personal_problem(blank) == "a card needs both a front and a back"
    assert personal_problem(CardContent("cloze", text="none")) == (
        "cloze card has no deletions: mark one as {{c1::answer}}"
    )
    assert personal_problem(CardContent("occlusion", "x", text="1 rect 0 0 1 1")) == (
        "unknown card type 'occlusion' (use one of: basic, reversed, cloze)"
    )
    assert personal_problem(CardContent("basic", "Q", "A", tags=("a b",))) == (
        "tag 'a b' contains a space: use '-' or '::' instead"
    )
    # A form gives what the type reads: a basic card's left-over cloze text is no problem.
    assert personal_problem(CardContent("basic", "Q", "A", text="{{c1::x}}")) is None


def test_the_store_refuses_a_personal_card_with_the_validators_line(store: Store) -> None:
    with pytest.raises(InputError, match=r"^a card needs both a front and a back$"):
        store.personal.add(CardContent("reversed", "Q", " "))
    card_id = store.personal.add(CardContent("reversed", " Q ", "A", tags=("mine",)))
    [deck] = decks_from_store(store, ["@personal"])
    assert [(n.content.front, n.content.tags, n.ords) for n in deck.notes] == [
        ("Q", ("mine",), [0, 1])
    ]
    item_ids = [
        r[0] for r in store.conn.execute("SELECT id FROM items WHERE card_id = ?", [card_id])
    ]
    reverse = store.queues.item(item_ids[1])
    assert (reverse.content.type, reverse.ord, reverse.faces.question) == ("reversed", 1, "A")
    store.personal.edit(card_id, CardContent("cloze", text="{{c1::x}} {{c2::y}}"))
    [deck] = decks_from_store(store, ["@personal"])
    assert [n.ords for n in deck.notes] == [[0, 1]]


def test_an_import_that_changes_only_a_note_cards_field_takes_its_backup(store: Store) -> None:
    """The import's fingerprint is the card's columns: a note card's field values too."""
    store.decks.import_([parse_deck(NOTE_DECK, Path("d.toml"))], now=datetime(2026, 1, 1))
    before = len(backups.list_backups(store.path))
    edited = parse_deck(NOTE_DECK.replace("MEANING", "dog"), Path("d.toml"))
    report = store.decks.import_([edited], now=datetime(2026, 1, 2))
    assert report.decks[0].updated == 1
    assert len(backups.list_backups(store.path)) == before + 1
