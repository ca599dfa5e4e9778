"""The way in: packages and text files written by Anki itself → convert → check → import →
export → back into the same Anki collection, which then has the same notes, updated."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from anki.collection import Collection, ExportAnkiPackageOptions
from click.testing import CliRunner

from studyapp.cli import cli
from tests.anki_support import check_database_changes, import_into, tutor_collection

FORMATS = ["legacy-apkg", "apkg", "colpkg", "notes-in-plain-text"]


def anki_export(col: Collection, folder: Path, form: str) -> tuple[Path, Collection]:
    """Export the tutor's collection as Anki does; (the file, the collection reopened)."""
    if form in ("legacy-apkg", "apkg"):
        out = folder / f"{form}.apkg"
        options = ExportAnkiPackageOptions(with_media=True, legacy=form == "legacy-apkg")
        col.export_anki_package(out_path=str(out), options=options, limit=None)
        return out, col
    if form == "colpkg":
        out = folder / "tutor.colpkg"
        path = col.path
        col.export_collection_package(str(out), include_media=True, legacy=False)
        return out, Collection(path)  # exporting a .colpkg closes the collection
    out = folder / "notes.txt"
    col.export_note_csv(
        out_path=str(out),
        limit=None,
        with_html=True,
        with_tags=True,
        with_deck=True,
        with_notetype=True,
        with_guid=True,
    )
    return out, col


def run(*args) -> object:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result


@pytest.mark.parametrize("form", FORMATS)
def test_anki_package_round_trip(tmp_path, form):
    col = tutor_collection(tmp_path / "tutor")
    source, col = anki_export(col, tmp_path, form)
    guids = sorted(col.get_note(n).guid for n in col.find_notes(""))

    out = tmp_path / "converted"
    converted = run("convert", source, "-o", out)
    assert converted.exit_code == 0, converted.output
    assert "Wrote 2 deck files (6 cards)" in converted.output
    plain = form == "notes-in-plain-text"
    if plain:  # a text export carries no templates
        assert "Vocabulary → basic (first field front, the rest back): 1" in converted.output
    else:  # every note keeps its own note type, stock ones too (issue 22)
        assert "Vocabulary → its own note type (1 templates): 1" in converted.output
        assert "Basic → its own note type (1 templates): 1" in converted.output
        assert "Cloze → its own note type (1 templates): 1" in converted.output
    checked = run("check", out)
    assert checked.exit_code == 0, checked.output
    text = (out / "tutor-anatomy.toml").read_text()
    if plain:
        assert 'front = "**Trapezius** origin?"' in text
        assert "Occipital bone & C7\\n[image: heart.png]" in text
        assert "{{c1::sternocleidomastoid::muscle}}" in text and 'extra = "*Extra*"' in text
    else:  # Anki's HTML, byte for byte
        assert '"Front" = "<b>Trapezius</b> origin?"' in text
        assert '"Back" = "Occipital bone &amp; C7<br><img src=\\"heart.png\\">"' in text
        assert '"Text" = "The {{c1::sternocleidomastoid::muscle}} turns the {{c2::head}}"' in text
        assert '"Back Extra" = "<i>Extra</i>"' in text
    if form != "notes-in-plain-text":  # a text export carries no media
        assert (out / "media" / "heart.png").read_bytes() == b"\x89PNG fake image"
    else:
        (out / "media").mkdir()
        for name in ("heart.png", "beat.mp3"):
            (out / "media" / name).write_bytes((Path(col.media.dir()) / name).read_bytes())

    db = ("--db", tmp_path / "s.db")
    imported = run(*db, "import", out)
    assert imported.exit_code == 0, imported.output
    exported = run(*db, "export", "-o", tmp_path / "back.apkg")
    assert exported.exit_code == 0, exported.output
    assert "2 media files" in exported.output and "6 notes added" in exported.output
    if plain:
        assert "6 notes keep their Anki GUID under StudyApp's note types" in exported.output
        assert "tick 'Merge note types'" not in exported.output
    else:  # every note went under its own note type: no "Merge note types" for any
        assert "6 notes go back under their own note types" in exported.output

    log = import_into(col, tmp_path / "back.apkg", merge=True)
    assert (len(log.new), len(log.conflicting), len(log.updated)) == (0, 0, 6)
    assert sorted(col.get_note(n).guid for n in col.find_notes("")) == guids
    trapezius = col.get_note(col.find_notes('"Front:*Trapezius*"')[0])
    if plain:  # through Markdown and back
        assert trapezius["Back"] == 'Occipital bone &amp; C7<br>\n<img src="heart.png">'
    else:
        assert trapezius["Back"] == 'Occipital bone &amp; C7<br><img src="heart.png">'
    deltoid = col.get_note(col.find_notes('"Front:Deltoid"')[0])
    assert "[sound:beat.mp3]" in deltoid["Back"]
    cloze_type = "StudyApp Cloze" if plain else "Cloze"
    cloze = col.get_note(col.find_notes(f'"note:{cloze_type}"')[0])
    assert cloze["Text"].startswith("The {{c1::sternocleidomastoid::muscle}}")
    assert {col.decks.name(col.get_card(c).did) for c in col.find_cards("")} == {
        "Tutor::Anatomy",
        "Tutor::Extra",
    }
    assert (Path(col.media.dir()) / "heart.png").read_bytes() == b"\x89PNG fake image"
    assert (
        len(col.find_cards('"Front:Biceps"')) == 2 and len(col.find_cards('"Front:Triceps"')) == 1
    )
    assert check_database_changes(col) == []
    col.close()


def test_importing_a_package_directly_twice_changes_nothing(tmp_path):
    col = tutor_collection(tmp_path / "tutor")
    source, col = anki_export(col, tmp_path, "apkg")
    col.close()
    db = ("--db", tmp_path / "s.db")
    first = run(*db, "import", source)
    assert first.exit_code == 0, first.output
    assert "Tutor::Anatomy" in first.output and "5 notes added" in first.output
    again = run(*db, "import", source)
    assert again.exit_code == 0 and again.output.count("unchanged") == 2, again.output
    assert (tmp_path / "studyapp-media" / "beat.mp3").read_bytes() == b"ID3 fake sound"


def test_spreadsheet_csv_and_tsv(tmp_path):
    (tmp_path / "sheet.csv").write_text('Front,Back\n"Origin of *trapezius*?","Occiput, C7"\n')
    (tmp_path / "quiz.tsv").write_text("Deltoid\tShoulder\nBiceps\tElbow <b>flexor</b>\n")
    result = run("convert", tmp_path / "sheet.csv", tmp_path / "quiz.tsv", "-o", tmp_path / "o")
    assert result.exit_code == 0, result.output
    assert "Wrote 2 deck files (3 cards)" in result.output  # the title row is no card
    assert run("check", tmp_path / "o").exit_code == 0
    sheet = (tmp_path / "o" / "sheet.toml").read_text()
    assert 'front = "Origin of \\\\*trapezius\\\\*?"' in sheet and 'back = "Occiput, C7"' in sheet
    quiz = (tmp_path / "o" / "quiz.toml").read_text()
    assert 'back = "Elbow <b>flexor</b>"' in quiz  # not HTML: text stays text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.apkg", b"PK\x03\x04 not really a zip", "not a readable Anki package"),
        ("rows.csv", b"a,b\nc,d,e\n", "rows.csv:2: row has 3 columns, the rows before it 2"),
        ("one.csv", b"only-one-column\n", "one.csv:1: a note needs a front and a back column"),
    ],
)
def test_bad_sources_get_one_line_and_write_nothing(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    for command in (
        ["convert", tmp_path / name, "-o", tmp_path / "o"],
        ["--db", tmp_path / "s.db", "import", tmp_path / name],
    ):
        result = run(*command)
        assert result.exit_code == 1 and message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_package_from_a_newer_anki_is_refused(tmp_path):
    package = tmp_path / "future.apkg"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("meta", b"\x08\x07")  # PackageMetadata.version = 7
        archive.writestr("collection.anki21b", b"")
    result = run("convert", package, "-o", tmp_path / "o")
    assert result.exit_code == 1 and "written by a newer Anki (package version 7)" in result.stderr
    assert not (tmp_path / "o").exists()


def test_converted_card_moved_to_cloze_gets_a_new_note(tmp_path):
    """A kept Anki GUID stays with its note type; a move to cloze is a new note."""
    col = tutor_collection(tmp_path / "tutor")
    source, col = anki_export(col, tmp_path, "apkg")
    out = tmp_path / "converted"
    assert run("convert", source, "-o", out).exit_code == 0
    db = ("--db", tmp_path / "s.db")
    assert run(*db, "export", out, "-o", tmp_path / "v1.apkg").exit_code == 0
    import_into(col, tmp_path / "v1.apkg", merge=True)
    assert run(*db, "export", "--imported").exit_code == 0  # the tutor says it reached Anki
    deck_file = out / "tutor-anatomy.toml"
    text = deck_file.read_text()
    deltoid = (
        'type = "note"\nnote_type = "Basic (and reversed card)"\n'
        'fields = { "Front" = "Deltoid", "Back" = "Shoulder muscle [sound:beat.mp3]" }\n'
    )
    assert deltoid in text
    text = text.replace(deltoid, 'type = "cloze"\ntext = "{{c1::Deltoid}} moves the arm"\n')
    deck_file.write_text(text)
    assert run("check", out).exit_code == 0
    for version in ("v2", "v3"):
        result = run(*db, "export", out, "-o", tmp_path / f"{version}.apkg")
        assert result.exit_code == 0, result.output
        log = import_into(col, tmp_path / f"{version}.apkg", merge=True)
        assert run(*db, "export", "--imported").exit_code == 0
        assert len(log.conflicting) == 0
        # The tutor's own Deltoid note is left alone: a deletion marker would have
        # to go under StudyApp's note type and re-template it.
        assert "no longer" not in result.output
        assert len(log.new) == (1 if version == "v2" else 0)
    assert len(col.find_notes('"Text:{{c1::Deltoid}} moves the arm"')) == 1
    assert col.note_count() == 7 and len(col.find_notes('"Front:Deltoid"')) == 1
    col.close()


def test_converted_deck_back_with_import_defaults_makes_no_duplicates(tmp_path):
    """With Anki's import defaults the notes update in place: no copy, no conflict."""
    col = tutor_collection(tmp_path / "tutor")
    source, col = anki_export(col, tmp_path, "apkg")
    assert run("convert", source, "-o", tmp_path / "o").exit_code == 0
    assert (
        run("--db", tmp_path / "s.db", "export", tmp_path / "o", "-o", tmp_path / "b").exit_code
        == 0
    )
    log = import_into(col, tmp_path / "b.apkg")
    # Every note went under its own note type: Anki matches each, no conflict.
    assert (len(log.new), len(log.conflicting), col.note_count()) == (0, 0, 6)
    assert len(log.updated) == 6
    col.close()
