"""Deck files are untrusted: what `check` refuses, with the line, and how fast."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from studyapp.cards import CardContent
from studyapp.cardtext import cloze_answer, cloze_problems, cloze_question, deletion_numbers
from studyapp.cli import cli
from studyapp.deckfile.reader import DeckFileError, check_paths, parse_deck
from studyapp.store import PERSONAL_DECK_ID, Store

HEAD = '[deck]\nid = "d"\nname = "D"\n\n[[cards]]\nid = "c"\n'


def problems(source: str) -> list[str]:
    with pytest.raises(DeckFileError) as caught:
        parse_deck(source, Path("x.toml"))
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("escape", "code"),
    [("\\u001b", "U+001B"), ("\\u0007", "U+0007"), ("\\r", "U+000D"), ("\\u009b", "U+009B")],
)
def test_control_characters_are_refused_naming_the_code_point(escape, code):
    found = problems(HEAD + f'front = "a{escape}]0;title"\nback = "b"\n')
    assert found == [
        f"x.toml:7: card 'c': 'front' contains the control character {code} "
        "(only tab and newline are allowed)"
    ]


def test_field_separator_is_refused_in_text_tags_and_names():
    found = problems(
        '[deck]\nid = "d"\nname = "D\\u001f"\n\n[[cards]]\nid = "c"\n'
        'front = "a"\nback = "b\\u001fc"\ntags = ["t\\u001f"]\n'
    )
    assert found == [
        "x.toml:3: [deck] 'name' contains U+001F (Anki's field separator)",
        "x.toml:8: card 'c': 'back' contains U+001F (Anki's field separator)",
        "x.toml:9: card 'c': a tag contains U+001F (Anki's field separator)",
    ]


def test_tab_and_newline_stay_allowed():
    deck = parse_deck(HEAD + 'front = "a\\tb"\nback = """line\nline"""\n', Path("x.toml"))
    assert deck.cards[0].content.back == "line\nline"


def test_ids_must_match_whole_a_trailing_newline_is_not_a_slug():
    found = problems(
        '[deck]\nid = "d\\n"\nname = "D"\n\n[[cards]]\nid = "c\\n"\nfront="a"\nback="b"\n'
    )
    assert found[0].startswith("x.toml:2: deck id 'd␊' must be a slug")
    assert found[1].startswith("x.toml:6: card id 'c␊' must be a slug")


def test_no_deck_file_can_name_the_students_own_deck():
    assert problems(f'[deck]\nid = "{PERSONAL_DECK_ID}"\nname = "Mine"\n')[0].startswith(
        f"x.toml:2: deck id '{PERSONAL_DECK_ID}' must be a slug"
    )


def test_a_deck_called_personal_cannot_take_over_the_students_cards(tmp_path, write_deck):
    store = Store.open(tmp_path / "s.db")
    mine = store.personal.add(CardContent(front="my front", back="my back"))
    deck = write_deck(
        '[deck]\nid = "personal"\nname = "P"\n[[cards]]\nid="x"\nfront="a"\nback="b"\n'
    )
    decks, found = check_paths([deck])
    assert not found
    store.decks.import_(decks)
    store.decks.import_(decks)  # re-import: the student's card is not retired
    row = store.conn.execute("SELECT deck_id, retired FROM cards WHERE id = ?", [mine]).fetchone()
    assert row == (PERSONAL_DECK_ID, 0)
    store.close()


@pytest.mark.parametrize(
    "number", ["0", "501", "99999999999999999999999999", "1" + "0" * 5000], ids=str.__len__
)
def test_cloze_numbers_outside_the_range_are_refused(number):
    found = problems(HEAD + f'type = "cloze"\ntext = "{{{{c{number}::x}}}}"\n')
    assert len(found) == 1 and "is outside c1..c500" in found[0] and found[0].startswith("x.toml:8")


def test_single_bracket_cards_table_is_a_problem_not_a_traceback():
    found = problems('[deck]\nid = "d"\nname = "D"\n[cards]\nid = "c"\nfront = "x"\n')
    assert found == ["x.toml:4: 'cards' must be an array of tables: write [[cards]]"]


def test_line_numbers_are_not_fooled_by_multi_line_strings():
    source = (
        HEAD + 'front = """\n[cards]\n[[cards]]\nid = "fake"\n[deck]\n"""\n'
        "back = '''\nfrnt = 1\n'''\nfrnt = 2\n"
    )
    assert problems(source) == ["x.toml:16: unknown key 'frnt' in a card (did you mean 'front'?)"]


def test_cloze_parse_is_linear_and_matches_the_old_reading():
    assert deletion_numbers("{{c1::a}} {{c2::b::hint}} {{c2::c}}") == [1, 2]
    assert cloze_question("{{c1::a::h}} and {{c2::b}}", 1) == "[h] and b"
    assert cloze_answer("{{c1::a}b::h}}", 1) == "**a}b**"
    assert cloze_question("{{c1::a}b::h}}", 1) == "[h]"
    hostile = "{{c1::" + "::" * 100_000
    started = time.perf_counter()
    assert cloze_problems(hostile) == ["unclosed cloze deletion: '{{cN::' without a matching '}}'"]
    many_opens = "{{c1::" * 50_000
    assert len(cloze_problems(many_opens)) == 1
    # Quadratic parsing took minutes on this input; linear takes milliseconds.
    assert time.perf_counter() - started < 5


def test_each_file_is_read_once(tmp_path, write_deck, monkeypatch):
    a = write_deck('[deck]\nid = "same"\nname = "A"\n', "a.toml")
    b = write_deck('# comment\n[deck]\nid = "same"\nname = "B"\n', "b.toml")
    reads: list[Path] = []
    original = Path.read_bytes

    def counting(self: Path) -> bytes:
        reads.append(self)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    monkeypatch.setattr(Path, "read_text", lambda *a, **k: pytest.fail("read twice"))
    _, found = check_paths([a, b])
    assert sorted(reads) == sorted([a, b])
    assert [str(p) for p in found] == [f"{b}:3: deck id 'same' is also used by {a}"]


def test_check_output_never_carries_a_raw_control_character(tmp_path, write_deck):
    bad = write_deck('[deck]\nid = "d"\nname = "D"\n"\\u001b]52;c;aGk=\\u0007" = 1\n')
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "t.db"), "check", str(bad)])
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert f"{bad}:4: unknown key '␛]52;c;aGk=␇' in [deck]" in result.stderr
