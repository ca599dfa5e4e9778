"""Note types in deck files (issue 22): Anki's template language, validation, the faces."""

from __future__ import annotations

from pathlib import Path

import pytest

from studyapp.anki.html_to_markdown import html_to_markdown
from studyapp.cards import item_ords
from studyapp.cardtext import note_faces
from studyapp.deckfile.reader import DeckFileError, parse_deck
from studyapp.deckfile.templates import TemplateError, card_ords, render, template_problems
from studyapp.lint import lint_paths
from studyapp.maths_text import unicode_formula

HEADER = '[deck]\nid = "d"\nname = "D"\n\n'
VOCAB = """[[note_types]]
name = "Vocab"
anki_id = 1700000000001
fields = ["Word", "Meaning", "Example"]
templates = [
  { name = "Recognise", front = "{{Word}}", back = "{{FrontSide}}<hr id=answer>{{Meaning}}" },
  { name = "Recall", front = "{{Meaning}}", back = "{{FrontSide}}<hr id=answer>{{Word}}" },
  { name = "Use", front = "{{#Example}}{{Example}}{{/Example}}", back = "{{Word}}" },
]
"""


def deck(cards: str, note_types: str = VOCAB):
    return parse_deck(HEADER + note_types + "\n" + cards, Path("d.toml"))


def problems(cards: str, note_types: str = VOCAB) -> list[str]:
    with pytest.raises(DeckFileError) as caught:
        deck(cards, note_types)
    return [str(p) for p in caught.value.problems]


def test_a_note_card_makes_one_item_per_template_whose_front_is_not_empty():
    parsed = deck('[[cards]]\nid = "a"\ntype = "note"\nnote_type = "Vocab"\n'
                  'fields = { Word = "Hund", Meaning = "dog" }\n')  # fmt: skip
    card = parsed.cards[0]
    assert card.content.ords == [0, 1]  # no Example: no third card, as Anki
    assert card.content.fields == ("Hund", "dog", "")
    faces = note_faces(card.content.stored_text, 1)
    assert (faces.question, faces.answer) == ("dog", "Hund")


def test_a_template_that_does_not_parse_makes_no_card_but_the_others_do():
    templates = ["{{Front}}", "{{#Front}}unclosed", "{{Back}}", "{{/Back}}"]
    fields = {"Front": "a", "Back": "b"}
    assert card_ords(templates, fields, cloze=False) == [0, 2]


def test_note_card_problems_name_their_lines():
    found = problems(
        '[[cards]]\nid = "a"\ntype = "note"\nnote_type = "Vocab"\nfields = { Wort = "x" }\n\n'
        '[[cards]]\nid = "b"\ntype = "note"\nnote_type = "Nope"\n\n'
        '[[cards]]\nid = "c"\ntype = "note"\nnote_type = "Vocab"\nfields = { Example = "" }\n'
    )
    assert any(p.startswith("d.toml:19: card 'a'") and "'Wort'" in p for p in found), found
    assert any(p.startswith("d.toml:24: card 'b': no note type 'Nope'") for p in found), found
    assert any(p.startswith("d.toml:30: card 'c' makes no cards in Anki") for p in found), found


def test_note_type_problems_name_their_lines():
    bad = VOCAB.replace('{{Meaning}}" },', '{{Meening}}" },', 1).replace(
        "anki_id = 1700000000001", 'anki_id = "x"'
    )
    found = problems("", bad)
    assert any(p.startswith("d.toml:7: note type 'Vocab': 'anki_id'") for p in found), found
    assert any(p.startswith("d.toml:9:") and "no field named 'Meening'" in p for p in found), found


def test_a_note_type_from_anki_keeps_templates_anki_shows_as_errors_and_lint_says_so(tmp_path):
    """Anki keeps note types whose templates name a missing field or close a section out
    of order (it shows the error on the card): a converted deck must not be refused for
    them. One written by hand (no Anki id) still is."""
    odd = VOCAB.replace('{{Meaning}}" },', '{{Meening}}" },', 1)
    card = '[[cards]]\nid = "a"\ntype = "note"\nnote_type = "Vocab"\nfields = { Word = "w", Meaning = "m" }\n'
    assert deck(card, odd).cards[0].content.ords == [0, 1]
    hand_written = odd.replace("anki_id = 1700000000001\n", "")
    assert any("no field named 'Meening'" in p for p in problems(card, hand_written))

    path = tmp_path / "d.toml"
    path.write_text(
        HEADER
        + odd
        + "\n"
        + card
        + '\n[[cards]]\nid = "b"\ntype = "note"\nnote_type = "Vocab"\nfields = { Word = "v", Meaning = "n" }\n',
        encoding="utf-8",
    )
    findings = [f for f in lint_paths([path]).findings if f.rule == "anki-template"]
    assert [(f.card_id, f.severity) for f in findings] == [("a", "warning")]
    assert (
        "note type 'Vocab', template 'Recognise' back: no field named 'Meening'"
        in findings[0].message
    )


def test_cloze_note_types_have_one_template_and_a_card_per_number():
    cloze = (
        '[[note_types]]\nname = "Lücke"\nanki_id = 5\nkind = "cloze"\nfields = ["Text", "Mehr"]\n'
        'templates = [{ name = "L", front = "{{cloze:Text}}", back = "{{cloze:Text}}{{Mehr}}" }]\n'
    )
    parsed = deck(
        '[[cards]]\nid = "a"\ntype = "note"\nnote_type = "Lücke"\n'
        'fields = { Text = "{{c1::a}} {{c3::b {{c2::c}}}}" }\n',
        cloze,
    )
    assert parsed.cards[0].content.ords == [0, 1, 2]
    assert note_faces(parsed.cards[0].content.stored_text, 2).question == "a [...]"
    two = cloze.replace('name = "L", ', 'name = "L", ').replace("}]", "}, "
                        '{ name = "M", front = "x", back = "y" }]')  # fmt: skip
    assert any("exactly one template" in p for p in problems("", two))


def test_templates_render_as_anki_defines_them():
    fields = {"Front": "<b>Q</b>", "Back": "A", "Hint": "h", "Empty": "<br>"}
    question, answer = render(
        "{{Front}}{{#Empty}}never{{/Empty}}{{^Empty}} shown{{/Empty}} {{type:Back}}",
        "{{FrontSide}}<hr id=answer>{{text:Front}} {{hint:Hint}}",
        fields,
        0,
        cloze=False,
    )
    assert question == "<b>Q</b> shown <div>[type the answer: Back]</div>"
    assert answer.startswith(question) and "<hr id=answer>Q <div><i>Hint:</i> h</div>" in answer
    assert card_ords(["{{Front}}", "{{Empty}}", "{{^Back}}x{{/Back}}"], fields, cloze=False) == [0]
    assert card_ords(["{{Tags}}"], {"F": ""}, cloze=False, tags=("t",)) == [0]
    with pytest.raises(TemplateError):
        render("{{#Front}}", "", fields, 0, cloze=False)
    assert template_problems("{{Nope}} {{/Front}}", ["Front"]) == [
        "'{{/Front}}' closes a section that is not open"
    ]


def test_cloze_render_hides_the_active_deletion_and_bolds_its_answer():
    text = {"Text": "La {{c1::Seine}} traverse {{c2::Paris::ville}}."}
    assert render("{{cloze:Text}}", "{{cloze:Text}}", text, 1, cloze=True) == (
        "La Seine traverse [ville].",
        "La Seine traverse <b>Paris</b>.",
    )
    # A card whose number the field does not have renders empty, as in Anki.
    assert render("{{cloze:Text}}", "", text, 4, cloze=True)[0] == ""


def test_maths_shows_readably_and_stays_byte_for_byte():
    stored = (
        '{"fields": ["\\\\(x^2\\\\) [latex]\\\\begin{x}[/latex]"], "note_type": {"anki_id": 1, '
        '"fields": ["F"], "kind": "standard", "name": "N", "templates": '
        '[{"back": "{{F}}", "front": "{{F}}", "name": "C"}]}}'
    )
    assert note_faces(stored, 0).question == "`x²` `[latex]\\begin{x}[/latex]`"
    assert unicode_formula(r"\int_0^1 \alpha\,dx") == "∫₀¹ α dx"
    assert unicode_formula(r"\frac{a+b}{2}") == "(a+b)/2"


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("<b>nicht </b>gut", "**nicht** gut"),
        ("a<b> </b>b", "a b"),
        ("x</b>y<i>z", "xyz"),
        ("<table><tr><td>18</td><td>1</td></tr><tr><th>2</th><td>3</td></tr></table>",
         "18 | 1\n2 | 3"),
        ("<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>", "- a\n  - b\n- c"),
        ("<ol start=3><li>a<ol><li>b</li></ol></li></ol>", "3. a\n   1. b"),
        ("<pre>def f():\n    return 1</pre>", "def f():\n\xa0\xa0\xa0\xa0return 1"),
        ('x<span style="display: none">s<b>y</b></span> z<div hidden>h<br></div>', "x z"),
    ],
)  # fmt: skip
def test_html_to_terminal_text(field, text):
    assert html_to_markdown(field)[0] == text


def test_lint_reads_note_cards_by_what_they_show():
    from studyapp.lint import lint_decks

    parsed = deck(
        '[[cards]]\nid = "a"\ntype = "note"\nnote_type = "Vocab"\n'
        'fields = { Word = "Hund", Meaning = "dog" }\n'
        '[[cards]]\nid = "b"\ntype = "note"\nnote_type = "Vocab"\n'
        'fields = { Word = "Katze", Meaning = "cat" }\n'
        '[[cards]]\nid = "c"\ntype = "note"\nnote_type = "Vocab"\n'
        'fields = { Word = "Katze", Meaning = "Katze" }\n'
    )
    # Fronts are in the templates: the cards are compared by what they show.
    assert [(f.card_id, f.rule) for f in lint_decks([parsed])] == [("c", "answer-in-question")]


def test_a_package_with_one_guid_on_two_notes_is_refused(tmp_path):
    import json
    import sqlite3
    import zipfile

    from studyapp.anki.convert import convert_sources
    from studyapp.anki.source_notes import PackageError

    model = {"name": "Basic", "type": 0, "flds": [{"name": "Front", "ord": 0},
             {"name": "Back", "ord": 1}], "tmpls": [{}]}  # fmt: skip
    db = tmp_path / "c.db"
    conn = sqlite3.connect(db)
    conn.executescript(
        "CREATE TABLE col (models, decks); CREATE TABLE notes (id, guid, mid, tags, flds);"
        "CREATE TABLE cards (id, nid, did, ord);"
    )
    conn.execute(
        "INSERT INTO col VALUES (?, ?)", [json.dumps({"7": model}), '{"1": {"name": "D"}}']
    )
    for note_id in (1, 2):
        conn.execute("INSERT INTO notes VALUES (?, 'a', 7, '', 'q\x1fa')", [note_id])
        conn.execute("INSERT INTO cards VALUES (?, ?, 1, 0)", [note_id, note_id])
    conn.commit()
    conn.close()
    package = tmp_path / "p.apkg"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("collection.anki2", db.read_bytes())
        archive.writestr("media", "{}")
    with pytest.raises(PackageError, match="two notes have the GUID a"):
        convert_sources([package])


def test_sections_nested_without_end_are_refused_not_recursed():
    deep = "{{#F}}" * 5000 + "{{F}}" + "{{/F}}" * 5000
    with pytest.raises(TemplateError, match="nested more than 50 deep"):
        card_ords([deep], {"F": "x"}, cloze=False)
    assert template_problems(deep, ["F"]) == ["sections nested more than 50 deep"]


def test_cloze_numbers_are_read_as_anki_reads_them():
    from studyapp.deckfile.templates import cloze_numbers

    assert cloze_numbers("{{c1,3::a}} {{c" + "9" * 5000 + "::b}} {{c70000::c}}") == {1, 3}


def test_a_template_that_tests_tags_makes_the_same_cards_stored_and_parsed():
    """The store's items come from the parsed card (with its tags); an export reads the
    stored note back: both must see the tags, or a {{#Tags}} front disagrees."""
    tagged = """[[note_types]]
name = "Tagged"
anki_id = 1700000000002
fields = ["Front", "Back"]
templates = [
  { name = "Card 1", front = "{{Front}}", back = "{{Back}}" },
  { name = "Drill", front = "{{#Tags}}{{Front}}{{/Tags}}", back = "{{Back}}" },
]
"""
    parsed = deck('[[cards]]\nid = "a"\ntype = "note"\nnote_type = "Tagged"\ntags = ["verb"]\n'
                  'fields = { Front = "gehen", Back = "to go" }\n', tagged)  # fmt: skip
    card = parsed.cards[0]
    assert card.content.ords == [0, 1]
    assert (
        item_ords("note", card.content.front, card.content.stored_text, card.content.tags)
        == card.content.ords
    )
    assert item_ords("note", card.content.front, card.content.stored_text) == [
        0
    ]  # untagged: no drill card
