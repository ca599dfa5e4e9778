"""Line numbers of tables and keys, from a tokenizer that strings and comments cannot fool."""

from __future__ import annotations

from studyapp.deckfile.tomllines import map_lines

SOURCE = """# [[cards]] in a comment
[deck]  # the deck
id = "d" # id \"\"\" quote
name = 'D'

[[cards]]
id = "a"
front = \"\"\"
[[cards]]
id = "fake"
\"\"\"
back = '''
[[cards]]'''
tags = [
  "x", # c
  "y",
]
# closing
[[cards]]
id = "b"
bak = "y\""""


def test_headers_and_keys_inside_strings_and_comments_are_not_seen():
    lines = map_lines(SOURCE)
    assert lines.deck_line == 2
    assert lines.deck_keys == {"id": 3, "name": 4}
    assert lines.card_lines == [6, 19]
    assert lines.card_keys == [
        {"id": 7, "front": 8, "back": 12, "tags": 14},
        {"id": 20, "bak": 21},
    ]


def test_a_file_ending_in_blanks_or_a_comment():
    lines = map_lines('[deck]\nid = "d"   # last')
    assert lines.deck_keys == {"id": 2}
