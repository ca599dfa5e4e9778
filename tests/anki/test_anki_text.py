"""Anki HTML as card text, and Anki's text export headers, without Anki."""

from __future__ import annotations

import pytest

from studyapp.anki.apkg_reader import PackageError
from studyapp.anki.convert import convert_sources
from studyapp.anki.deck_toml import deck_toml
from studyapp.anki.fields import field_html
from studyapp.anki.html_to_markdown import html_to_markdown
from studyapp.cardtext import to_html
from studyapp.deckfile.reader import parse_deck


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("<b>Bold</b> <i>it</i> <strong>s</strong> <em>e</em>", "**Bold** *it* **s** *e*"),
        ("a&nbsp;&amp;&lt;b&gt; &quot;c&quot;", 'a &<b> "c"'),
        ("one<br>two<div>three</div>", "one\ntwo\nthree"),
        ("<ul><li>a</li><li>b</li></ul><ol><li>x</li></ol>", "- a\n- b\n1. x"),
        ('<img src="h.png"> [sound:b.mp3]', "[image: h.png] [sound: b.mp3]"),
        ("5 * 3 = snake_case `x` \\(y\\)", "5 \\* 3 = snake\\_case \\`x\\` \\\\(y\\\\)"),
        ("<style>.x{}</style><span style='color:red'>red</span><b></b>", "red"),
        ("{{c1::<b>Gate</b>::hint}}", "{{c1::**Gate**::hint}}"),
    ],
)
def test_html_becomes_card_text(field, text):
    assert html_to_markdown(field)[0] == text


def test_card_text_shows_what_anki_showed():
    """Round trip: Anki HTML -> card text -> the HTML StudyApp sends shows the same."""
    text, media = html_to_markdown('5 * 3 &lt; <b>bold</b><br>[sound:b.mp3] <img src="h.png">')
    assert media == ["h.png", "b.mp3"]
    assert field_html(text, {"h.png", "b.mp3"}) == (
        '5 * 3 &lt; <strong>bold</strong><br>\n[sound:b.mp3] <img src="h.png">'
    )
    # Without the files, placeholders stay visible text, Anki markup neutralised.
    assert "&#91;image: h.png]" in field_html(text)
    assert to_html(text).count("*") == 1


def test_notes_in_plain_text_headers(tmp_path):
    source = tmp_path / "notes.txt"
    source.write_text(
        "#separator:Semicolon\n#html:false\n#tags column:4\n#deck column:3\n"
        "Front <b>kept</b>;Back;Deck::One;t1 t2\n"
        '"multi\nline";B;Deck::Two;\n'
    )
    decks = convert_sources([source]).decks
    assert [(d.name, d.id) for d in decks] == [
        ("Deck::One", "deck-one"),
        ("Deck::Two", "deck-two"),
    ]
    first = decks[0].cards[0]
    assert (first.content.front, first.content.back, first.content.tags) == (
        "Front <b>kept</b>",
        "Back",
        ("t1", "t2"),
    )
    assert decks[1].cards[0].content.front == "multi\nline"
    for deck in decks:
        parse_deck(deck_toml(deck), tmp_path / f"{deck.id}.toml")  # check accepts it


def test_unknown_separator_and_bad_column_name_the_line(tmp_path):
    source = tmp_path / "notes.txt"
    source.write_text("#separator:banana\na\tb\n")
    with pytest.raises(PackageError, match=r"notes.txt:1: unknown #separator 'banana'"):
        convert_sources([source])
    source.write_text("#html:true\n#tags column:zero\na\tb\n")
    with pytest.raises(PackageError, match=r"notes.txt:2: a column number"):
        convert_sources([source])


def test_deck_file_guid_is_checked(tmp_path):
    from studyapp.deckfile.reader import DeckFileError

    good = '[deck]\nid = "d"\nname = "D"\n[[cards]]\nid = "c"\nfront = "F"\nback = "B"\n'
    assert parse_deck(good + 'guid = "h.^TV-G18K"\n', tmp_path / "d.toml").cards[
        0
    ].content.guid == ("h.^TV-G18K")
    with pytest.raises(DeckFileError, match=r"d.toml:8: card 'c': 'guid' must be an Anki GUID"):
        parse_deck(good + 'guid = "has space"\n', tmp_path / "d.toml")
