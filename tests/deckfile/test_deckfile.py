from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.cards import faces
from studyapp.cardtext import (
    _render_html,
    cloze_answer,
    cloze_question,
    deletion_numbers,
    to_html,
)
from studyapp.deckfile.reader import DeckFileError, check_paths, load_deck
from studyapp.sanitize import printable
from tests.strategies import MARKDOWN_ALPHABET


def problems_of(path: Path) -> list[str]:
    with pytest.raises(DeckFileError) as info:
        load_deck(path)
    return [str(p) for p in info.value.problems]


def test_sample_deck_loads(sample_deck):
    deck = load_deck(sample_deck)
    assert (deck.id, deck.name) == ("sample", "Sample::Mechanisms")
    assert [c.id for c in deck.cards] == ["basic-1", "rev-1", "cloze-1"]
    assert [c.content.ords for c in deck.cards] == [[0], [0, 1], [0, 1]]
    assert deck.cards[0].content.tags == ("mechanism::gate-control",)
    assert deck.cards[0].line == 6


HEADER = '[deck]\nid = "d"\nname = "D"\n'


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            '[[cards]]\nid = "a"\nfrnt = "x"\nback = "y"\n',
            [
                ":7: unknown key 'frnt' in a card (did you mean 'front'?)",
                ":5: card 'a' is missing 'front'",
            ],
        ),
        (
            '[[cards]]\nid = "a"\nfront = 3\nback = "y"\n',
            [":7: card 'a': 'front' must be a string, not integer"],
        ),
        ('[[cards]]\nid = "a"\nfront = "  "\nback = "y"\n', [":7: card 'a': 'front' is blank"]),
        (
            '[[cards]]\nid = "a"\ntype = "flip"\nfront = "x"\nback = "y"\n',
            [":7: unknown card type 'flip'"],
        ),
        (
            '[[cards]]\nid = "a"\ntype = "cloze"\ntext = "no deletions here"\n',
            [":8: card 'a': cloze card has no deletions"],
        ),
        (
            '[[cards]]\nid = "a"\ntype = "cloze"\ntext = "{{c1::open"\n',
            [":8: card 'a': unclosed cloze deletion"],
        ),
        (
            '[[cards]]\nid = "a"\nfront = "x"\nback = "y"\ntags = ["two words"]\n',
            [":9: tag 'two words' contains a space"],
        ),
        (
            '[[cards]]\nid = "a"\nfront = "x"\nback = "y"\n\n[[cards]]\nid = "a"\nfront = "z"\nback = "w"\n',
            [":11: duplicate card id 'a' (first at line 5)"],
        ),
        ('[[cards]]\nfront = "x"\nback = "y"\n', [":5: card is missing 'id'"]),
        (
            '[[cards]]\nid = "a"\ntype = "cloze"\ntext = "{{c1::x}}"\nfront = "f"\n',
            [":9: card 'a': cloze cards use 'text', not 'front'"],
        ),
    ],
)
def test_card_problems_name_file_and_line(write_deck, body, expected):
    path = write_deck(HEADER + "\n" + body)
    found = problems_of(path)
    for fragment in expected:
        assert any(p.startswith(f"{path}{fragment}") for p in found), (fragment, found)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "file is empty"),
        ("   \n\n", "file is empty"),
        ('[[cards]]\nid = "a"\nfront = "x"\nback = "y"\n', "missing [deck] table"),
        ('[deck]\nname = "D"\n', ":1: [deck] is missing 'id'"),
        ('[deck]\nid = "d"\n', ":1: [deck] is missing 'name'"),
        ('[deck]\nid = "d"\nname = 5\n', ":3: [deck] 'name' must be a string"),
        (
            '[deck]\nid = "d"\nname = "D"\ndescripton = "x"\n',
            ":4: unknown key 'descripton' in [deck] (did you mean 'description'?)",
        ),
        (
            '[deck]\nid = "d"\nname = "D"\n[[cards]]\nid = "a"\nfront = "unterminated\n',
            ":6: TOML syntax error",
        ),
        ('colour = "red"\n[deck]\nid = "d"\nname = "D"\n', ":1: unknown key 'colour' in the file"),
    ],
)
def test_file_level_problems(write_deck, text, message):
    path = write_deck(text)
    found = problems_of(path)
    assert any(message in p for p in found), found
    assert all(p.startswith(str(path)) for p in found)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes(b'[deck]\nid = "d"\nname = "Caf\xe9"\n')
    assert problems_of(path) == [f"{path}:3: file is not UTF-8 text"]


def test_multiline_strings_do_not_confuse_line_numbers(write_deck):
    path = write_deck(
        HEADER + '\n[[cards]]\nid = "a"\nfront = """\n[[cards]]\nback = 1\n"""\nback = "y"\n'
        '\n[[cards]]\nid = "b"\nfront = "x"\nbak = "y"\n'
    )
    found = problems_of(path)
    assert any(":16: unknown key 'bak'" in p for p in found), found


def test_check_paths_reports_duplicate_deck_ids_across_files(write_deck, tmp_path):
    write_deck(HEADER, "one.toml")
    write_deck(HEADER, "sub/two.toml")
    decks, problems = check_paths([tmp_path])
    assert len(decks) == 1
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'sub' / 'two.toml'}:2: deck id 'd' is also used by {tmp_path / 'one.toml'}"
    ]


def test_check_paths_missing_path(tmp_path):
    _, problems = check_paths([tmp_path / "nope.toml"])
    assert "no such file or folder" in str(problems[0])


def test_cloze_helpers():
    text = "A {{c1::one}} and {{c2::two::hint}} and {{c1::uno}}"
    assert deletion_numbers(text) == [1, 2]
    assert cloze_question(text, 1) == "A [...] and two and [...]"
    assert cloze_question(text, 2) == "A one and [hint] and uno"
    assert cloze_answer(text, 2) == "A one and **two** and uno"
    assert faces("reversed", 1, "F", "B", "") == faces("basic", 0, "B", "F", "")


def test_html_is_escaped_and_markdown_subset_converted():
    assert to_html("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert to_html("a < b & c") == "a &lt; b &amp; c"
    assert to_html("*soft* and **hard**") == "<em>soft</em> and <strong>hard</strong>"
    assert to_html("line one\nline two") == "line one<br>\nline two"
    assert "<ul>" in to_html("- one\n- two")
    assert to_html("[link](http://x)") == "[link](http://x)"


@settings(max_examples=600)
@given(st.text(alphabet=MARKDOWN_ALPHABET, max_size=30))
def test_plain_text_fast_path_matches_markdown_it(text):
    # Both paths see the text after control characters are made visible.
    assert to_html(text) == _render_html(printable(text))


@pytest.mark.parametrize("guid", ["abc\\n", "has space", "x" * 65, ""])
def test_a_kept_anki_guid_must_be_printable_ascii_and_whole(write_deck, guid):
    path = write_deck(HEADER + f'\n[[cards]]\nid = "a"\nfront = "x"\nback = "y"\nguid = "{guid}"\n')
    found = problems_of(path)
    assert any(":9: card 'a': 'guid' must be an Anki GUID" in p for p in found), found


def test_a_kept_anki_guid_passes(write_deck):
    path = write_deck(HEADER + '\n[[cards]]\nid = "a"\nfront = "x"\nback = "y"\nguid = "Ab1!x"\n')
    assert load_deck(path).cards[0].content.guid == "Ab1!x"
