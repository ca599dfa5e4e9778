"""CSV/TSV and Anki text files are untrusted: nothing dropped or merged silently, one line each."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from studyapp.anki.apkg_reader import PackageError
from studyapp.anki.convert import convert_sources
from studyapp.cli import cli


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def cards(tmp_path: Path, name: str, data: bytes) -> list[tuple[str, str]]:
    path = tmp_path / name
    path.write_bytes(data)
    return [
        (c.content.front, c.content.back) for d in convert_sources([path]).decks for c in d.cards
    ]


def problem(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(PackageError) as caught:
        convert_sources([path])
    return str(caught.value).removeprefix(str(tmp_path) + "/")


def test_cr_only_line_ends_are_rows(tmp_path):
    assert cards(tmp_path, "mac.csv", b"q1,a1\rq2,a2\r") == [("q1", "a1"), ("q2", "a2")]


def test_a_cell_over_the_limit_is_a_line_not_a_traceback(tmp_path):
    data = b"q,a\nq2," + b"x" * 131_073 + b"\n"
    assert problem(tmp_path, "big.csv", data) == (
        "big.csv:2: a cell is longer than 131,072 characters"
    )


def test_rows_starting_with_hash_are_cards_unless_anki_header_lines(tmp_path):
    data = b"#1 muscle?,Deltoid\n# of bones?,206\n"
    assert cards(tmp_path, "hash.csv", data) == [("#1 muscle?", "Deltoid"), ("# of bones?", "206")]
    anki = b"#separator:tab\n#html:false\n#hashtag\tanswer\n"
    assert cards(tmp_path, "anki.txt", anki) == [("#hashtag", "answer")]


def test_an_unclosed_quote_is_an_error_with_its_line(tmp_path):
    data = b'q1,a1\nq2,"a2\nq3,a3\nq4,a4\n'
    assert (
        problem(tmp_path, "quote.csv", data) == "quote.csv:2: a quote opened here is never closed"
    )


def test_three_columns_without_titles_are_refused_with_the_reason(tmp_path):
    message = problem(tmp_path, "three.csv", b"q1,a1,extra1\nq2,a2,extra2\n")
    assert message.startswith("three.csv:1: 3 columns, but without a first row of column titles")


def test_a_title_row_names_the_columns_and_is_no_card(tmp_path):
    path = tmp_path / "titled.csv"
    path.write_text("Question,Answer,Extra,Tags\nq1,a1,more,t1 t2\n")
    deck = convert_sources([path]).decks[0]
    (card,) = deck.cards
    assert (card.content.front, card.content.back, card.content.extra, card.content.tags) == (
        "q1",
        "a1",
        "more",
        ("t1", "t2"),
    )


def test_semicolon_csv_is_read(tmp_path):
    data = b"Frage;Antwort, mit Komma\nq2;a2\n"
    assert cards(tmp_path, "de.csv", data) == [("Frage", "Antwort, mit Komma"), ("q2", "a2")]


def test_an_id_column_keeps_a_reworded_question_its_card(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("id,front,back\n7,Old wording?,A\n")
    before = convert_sources([path]).decks[0].cards[0].id
    path.write_text("id,front,back\n7,New wording?,A\n")
    after = convert_sources([path]).decks[0].cards[0]
    assert after.content.front == "New wording?" and after.id == before


def test_skipped_rows_name_the_file_and_line(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("q1,a1\nq2,\n")
    assert convert_sources([path]).skipped == ["gaps.csv:2: empty back"]


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_non_regular_sources_are_refused_without_reading(tmp_path, kind):
    source = tmp_path / "deck.csv"
    if kind == "fifo":
        os.mkfifo(source)
    else:
        source.symlink_to("/dev/zero")
    result = run("convert", source, "-o", tmp_path / "out")
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
    result = run("--db", tmp_path / "s.db", "import", source)
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1


def test_problems_in_converted_rows_name_the_csv_line(tmp_path):
    path = tmp_path / "quiz.csv"
    path.write_bytes(b"q1,a1\nq2\x1b[2J,a2\n")
    result = run("convert", path, "-o", tmp_path / "out")
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith("quiz.csv:2: card 'n") and ".toml" not in first


def test_import_says_which_notes_it_skipped(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("q1,a1\nq2,\n")
    result = run("--db", tmp_path / "s.db", "import", path)
    assert result.exit_code == 0
    assert "Skipped 1 notes:\n  gaps.csv:2: empty back" in result.stderr


def test_an_unknown_column_title_is_refused_by_name(tmp_path):
    message = problem(tmp_path, "notes.csv", b"Front,Back,Comment\nq,a,c\n")
    assert message.startswith("notes.csv:1: column 'Comment' is none StudyApp knows")
    message = problem(tmp_path, "twice.csv", b"Front,Back,Answer\nq,a,c\n")
    assert message == "twice.csv:1: two columns hold the same thing (e.g. Back and Answer)"
