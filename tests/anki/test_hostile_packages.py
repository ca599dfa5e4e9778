"""Anki packages are untrusted: each hostile one is one line naming it, exit 1, nothing written."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
import zstandard
from click.testing import CliRunner

from studyapp.anki import apkg_reader, reader_limits
from studyapp.anki.apkg_reader import PackageError, read_package
from studyapp.cli import cli

MODEL_ID = 1700000000001
BASIC_MODEL = {
    str(MODEL_ID): {
        "name": "Basic",
        "type": 0,
        "flds": [{"name": "Front", "ord": 0}, {"name": "Back", "ord": 1}],
        "tmpls": [{"name": "Card 1"}],
    }
}
DECKS = {"1": {"name": "Default"}}


def collection(
    path: Path,
    notes: list[tuple] | None = None,
    models: object = json.dumps(BASIC_MODEL),
    decks: object = json.dumps(DECKS),
    col_row: bool = True,
) -> bytes:
    """A schema-11 collection (what legacy .apkg files hold), with any values in it."""
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE col (models, decks);"
        "CREATE TABLE notes (id, guid, mid, tags, flds);"
        "CREATE TABLE cards (id, nid, did, ord);"
    )
    if col_row:
        conn.execute("INSERT INTO col VALUES (?, ?)", [models, decks])
    rows = notes if notes is not None else [(1, "g1", MODEL_ID, " t ", "front\x1fback")]
    conn.executemany("INSERT INTO notes VALUES (?,?,?,?,?)", rows)
    conn.executemany("INSERT INTO cards VALUES (?,?,1,0)", [(r[0], r[0]) for r in rows])
    conn.commit()
    conn.close()
    data = path.read_bytes()
    path.unlink()
    return data


def package(tmp_path: Path, name: str = "hostile.apkg", **members: bytes | str) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member.replace("__", "."), data)
    return path


def legacy(tmp_path: Path, media: object = None, files: dict | None = None, **kw) -> Path:
    members: dict = {"collection__anki2": collection(tmp_path / "c.db", **kw)}
    members["media"] = json.dumps(media or {})
    members.update(files or {})
    return package(tmp_path, **members)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def refused(tmp_path: Path, path: Path) -> str:
    """The one line convert and import give for `path`; checks nothing was written."""
    lines = []
    for command in (
        ["convert", path, "-o", tmp_path / "out"],
        ["--db", tmp_path / "s.db", "import", path],
    ):
        result = run(*command)
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), result
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert str(path) in result.stderr
        lines.append(result.stderr.strip())
    assert not (tmp_path / "out").exists()
    if (tmp_path / "s.db").exists():
        conn = sqlite3.connect(tmp_path / "s.db")
        assert conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == 0
        conn.close()
    return lines[0]


NOTE = (1, "g1", MODEL_ID, "", "front\x1fback")


@pytest.mark.parametrize(
    ("notes", "message"),
    [
        ([(1, "g", MODEL_ID, "", None)], "note 1: its fields is empty (NULL), not text"),
        ([(1, "g", MODEL_ID, "", 42)], "note 1: its fields is a number (42), not text"),
        ([(1, "g", MODEL_ID, "", b"\xff\xfe")], "note 1: its fields is not UTF-8 text"),
        ([(1, "g", MODEL_ID, None, "a\x1fb")], "note 1: its tags is empty (NULL), not text"),
        ([(1, "g", 424242, "", "a\x1fb")], "note 1: its note type (424242) is not in the package"),
        ([(1, "g", MODEL_ID, "", "a\x00\x1fb")], "note 1: its fields contains a NUL character"),
    ],
)
def test_hostile_note_values_name_the_note(tmp_path, notes, message):
    path = legacy(tmp_path, notes=notes)
    assert refused(tmp_path, path) == f"studyapp: {path}: {message}; nothing written"


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"models": "[" * 100_000 + "]" * 100_000}, "nests deeper than 32 levels"),
        ({"models": "[]"}, "the note types' JSON is not a JSON object"),
        ({"models": json.dumps({"1": []})}, "note type '1' is not a JSON object"),
        ({"models": json.dumps({"1": {"name": "X", "flds": 3}})}, "'flds' is not a list"),
        ({"models": None}, "the note types' JSON is missing"),
        ({"col_row": False}, "the collection's 'col' row is missing"),
        ({"decks": "{"}, "the decks' JSON is not valid JSON"),
    ],
)
def test_hostile_note_type_json_is_one_line(tmp_path, kw, message):
    assert message in refused(tmp_path, legacy(tmp_path, **kw))


def test_a_large_model_json_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(reader_limits, "MAX_JSON_BYTES", 1000)
    models = json.dumps({**BASIC_MODEL, "2": {"name": "x" * 2000}})
    assert "the note types' JSON is 2,1" in refused(tmp_path, legacy(tmp_path, models=models))


def test_media_names_and_entries_are_checked_before_anything_is_written(tmp_path):
    nul = legacy(tmp_path, media={"0": "a\x00.png"}, files={"0": b"x"})
    assert 'media file "a\\u0000.png" contains a control character' in refused(tmp_path, nul)
    missing = legacy(tmp_path, media={"0": "a.png", "1": "b.png"}, files={"0": b"x"})
    assert "media file 'b.png' is missing" in refused(tmp_path, missing)
    folders = legacy(tmp_path, media={"0": "a/x.png", "1": "b/x.png"}, files={"0": b"1", "1": b"2"})
    assert "names a folder" in refused(tmp_path, folders)


def test_a_bad_crc_in_a_media_file_is_found_before_writing(tmp_path):
    path = legacy(tmp_path, media={"0": "a.png"}, files={"0": b"picture " * 100})
    crc = zipfile.ZipFile(path).getinfo("0").CRC
    # The local header and the central directory both carry the CRC: damage both.
    path.write_bytes(
        path.read_bytes().replace(crc.to_bytes(4, "little"), (crc ^ 0xFFFF).to_bytes(4, "little"))
    )
    assert "media file 'a.png'" in refused(tmp_path, path)


def latest(tmp_path: Path, media_entries: bytes, files: dict, meta: bytes = b"\x08\x03") -> Path:
    data = collection(tmp_path / "c.db")
    compress = zstandard.ZstdCompressor().compress
    members = {
        "meta": meta,
        "collection__anki21b": compress(data),
        "media": compress(media_entries),
    }
    members.update(files)
    return package(tmp_path, **members)


def test_a_media_entry_that_is_not_zstd_is_refused(tmp_path):
    # MediaEntries { entries: [MediaEntry { name: "a.png", size: 1 }] }
    entry = b"\x0a\x05a.png\x10\x01"
    path = latest(tmp_path, b"\x0a" + bytes([len(entry)]) + entry, {"0": b"not zstd at all"})
    assert "media file 'a.png'" in refused(tmp_path, path)


def test_a_huge_varint_in_meta_is_refused(tmp_path):
    path = latest(tmp_path, b"", {}, meta=b"\x08" + b"\xff" * 5000 + b"\x01")
    assert "unreadable 'meta'" in refused(tmp_path, path)


def test_a_collection_bomb_stops_at_its_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(apkg_reader, "MAX_COLLECTION_BYTES", 1024 * 1024)
    bomb = zstandard.ZstdCompressor().compress(b"\0" * (8 * 1024 * 1024))
    path = package(tmp_path, meta=b"\x08\x03", collection__anki21b=bomb, media=b"")
    assert "unpacks to more than 1,048,576 bytes" in refused(tmp_path, path)


def test_media_count_total_and_field_size_are_limited(tmp_path, monkeypatch):
    monkeypatch.setattr(apkg_reader, "MAX_MEDIA_FILES", 2)
    media = {str(n): f"{n}.png" for n in range(3)}
    many = legacy(tmp_path, media=media, files={str(n): b"x" for n in range(3)})
    assert "3 media files (at most 2)" in refused(tmp_path, many)
    monkeypatch.setattr(apkg_reader, "MAX_MEDIA_TOTAL_BYTES", 10)
    big = legacy(tmp_path, media={"0": "a.png", "1": "b.png"}, files={"0": b"x" * 8, "1": b"y" * 8})
    assert "media unpack to more than 10 bytes" in refused(tmp_path, big)
    field = legacy(tmp_path, notes=[(1, "g", MODEL_ID, "", "a" * 200_000 + "\x1fb")])
    assert "note 1: field 1 is 200,000 characters (at most 131,072)" in refused(tmp_path, field)


def test_reading_is_stopped_at_its_time_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(reader_limits, "MAX_SECONDS", 0.0)
    assert "reading took longer than 0 s" in refused(tmp_path, legacy(tmp_path))


def test_a_notes_view_is_not_a_collection(tmp_path):
    db = tmp_path / "c.db"
    conn = sqlite3.connect(db)
    conn.executescript(
        "CREATE TABLE col (models, decks); CREATE TABLE cards (id, nid, did, ord);"
        "CREATE VIEW notes AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n)"
        " SELECT x AS id, '' AS guid, 1 AS mid, '' AS tags, '' AS flds FROM n;"
    )
    conn.close()
    path = package(tmp_path, collection__anki2=db.read_bytes())
    assert "not an Anki collection (no table notes)" in refused(tmp_path, path)


def test_media_are_read_through_one_open_zip(tmp_path, monkeypatch):
    media = {str(n): f"{n}.png" for n in range(50)}
    path = legacy(tmp_path, media=media, files={str(n): b"x%d" % n for n in range(50)})
    contents = read_package(path)
    opened = []
    real = zipfile.ZipFile

    def counting(*args, **kw):
        opened.append(args)
        return real(*args, **kw)

    monkeypatch.setattr(zipfile, "ZipFile", counting)
    assert [contents.media[f"{n}.png"]() for n in range(50)] == [b"x%d" % n for n in range(50)]
    assert len(opened) == 1


def test_a_fifo_is_refused_without_blocking(tmp_path):
    import os

    fifo = tmp_path / "deck.apkg"
    os.mkfifo(fifo)
    with pytest.raises(PackageError, match="is a FIFO; only regular files are read"):
        read_package(fifo)


def test_problems_in_converted_notes_name_the_package_and_note(tmp_path):
    path = legacy(tmp_path, notes=[(1, "g1", MODEL_ID, "", "a\x1b]0;x\x07\x1fb")])
    result = run("convert", path, "-o", tmp_path / "out")
    assert result.exit_code == 1 and not (tmp_path / "out").exists()
    first = result.stderr.splitlines()[0]
    assert first.startswith("hostile.apkg: note g1: card 'n") and ".toml" not in first
    assert "contains the control character U+001B" in first


def test_a_note_with_more_fields_than_its_note_type_is_refused_fewer_are_padded(tmp_path):
    more = legacy(tmp_path, notes=[(1, "g", MODEL_ID, "", "a\x1fb\x1fc")])
    assert "note 1 has 3 fields, its note type 'Basic' 2" in refused(tmp_path, more)
    (tmp_path / "hostile.apkg").unlink()
    fewer = legacy(tmp_path, notes=[(1, "g", MODEL_ID, "", "only a front")])
    assert read_package(fewer).notes[0].fields == ("only a front", "")


@pytest.mark.parametrize("piece", ["<a ", "<a", "<!--", '<b x="', "<", "a < b"])
def test_the_html_parser_is_fed_whole_tags_only(monkeypatch, piece):
    """html.parser rescans an unfinished tag to the end at every "<": quadratic (131,072
    characters of "<a " took 545 s). Any "<" that starts no whole tag reaches it as "&lt;"."""
    from studyapp.anki import html_to_markdown as module

    fed: list[str] = []
    real_feed = module._Converter.feed
    monkeypatch.setattr(
        module._Converter, "feed", lambda self, data: fed.append(data) or real_feed(self, data)
    )
    text, _media = module.html_to_markdown(piece * 50 + "<b>bold</b>")
    assert all(module._TAG.match(fed[0], at) for at in range(len(fed[0])) if fed[0][at] == "<")
    assert text.endswith("**bold**") and text.count("<") == piece.count("<") * 50


def test_unclosed_sound_tags_do_not_swallow_each_other():
    """`[^\\]]+` ran from every "[sound:" to the end: quadratic; the name stops at "["."""
    from studyapp.anki.html_to_markdown import html_to_markdown

    assert html_to_markdown("[sound:" * 100 + "[sound:a.mp3]")[1] == ["a.mp3"]


def schema18(tmp_path: Path, notetype: tuple, field_name: object, deck_name: object) -> Path:
    """A current-schema collection (notetypes, fields, decks tables) with given values."""
    db = tmp_path / "c18.db"
    conn = sqlite3.connect(db)
    conn.executescript(
        "CREATE TABLE col (id); CREATE TABLE notes (id, guid, mid, tags, flds);"
        "CREATE TABLE cards (id, nid, did, ord); CREATE TABLE notetypes (id, name, config);"
        "CREATE TABLE fields (ntid, ord, name); CREATE TABLE templates (ntid, ord);"
        "CREATE TABLE decks (id, name);"
    )
    conn.execute("INSERT INTO notetypes VALUES (?,?,?)", notetype)
    conn.execute("INSERT INTO fields VALUES (1, 0, ?)", [field_name])
    conn.execute("INSERT INTO decks VALUES (1, ?)", [deck_name])
    conn.execute("INSERT INTO notes VALUES (1, 'g', 1, '', 'a')")
    conn.execute("INSERT INTO cards VALUES (1, 1, 1, 0)")
    conn.commit()
    conn.close()
    compress = zstandard.ZstdCompressor().compress
    return package(
        tmp_path, meta=b"\x08\x03", collection__anki21b=compress(db.read_bytes()), media=b""
    )


@pytest.mark.parametrize(
    ("notetype", "field_name", "deck_name", "message"),
    [
        ((1, "Basic", 7), "Front", "D", "note type 1: its config is not a protobuf message"),
        ((1, "Basic", b"\x08"), "Front", "D", "note type 1: its config is damaged"),
        ((1, None, b""), "Front", "D", "note type 1: its name is empty (NULL), not text"),
        ((1, "Basic", b""), None, "D", "note type 1: a field name is empty (NULL), not text"),
        ((1, "Basic", b""), "Front", None, "deck 1: its name is empty (NULL), not text"),
        (("x", "Basic", b""), "Front", "D", "note type 'x' is not a number"),
    ],
)
def test_hostile_current_schema_values_are_one_line(
    tmp_path, notetype, field_name, deck_name, message
):
    assert message in refused(tmp_path, schema18(tmp_path, notetype, field_name, deck_name))


def test_two_packages_with_different_files_under_one_media_name_are_refused(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    a = legacy(first, media={"0": "x.png"}, files={"0": b"first picture"})
    b = legacy(second, media={"0": "x.png"}, files={"0": b"second picture"})
    result = run("convert", a, b, "-o", tmp_path / "out")
    assert result.exit_code == 1 and not (tmp_path / "out").exists()
    assert "media file 'x.png' differs from another package's file of that name" in result.stderr
    # Another note (one GUID in two packages is refused for its own reason), the same file.
    same = legacy(
        tmp_path,
        media={"0": "x.png"},
        files={"0": b"first picture"},
        notes=[(2, "g2", MODEL_ID, "", "other front\x1fother back")],
    )
    result = run("convert", a, same, "-o", tmp_path / "out")
    assert result.exit_code == 0 and "1 media files" in result.output


def test_convert_report_lines_reach_the_terminal_sanitised(tmp_path):
    models = json.dumps({str(MODEL_ID): {**BASIC_MODEL[str(MODEL_ID)], "name": "B\x1b]0;x\x07"}})
    # One note is skipped (its GUID is reported), one converts (so convert succeeds).
    notes = [(1, "g\x1b[2J", MODEL_ID, "", "q\x1f"), (2, "ok", MODEL_ID, "", "front\x1fback")]
    path = legacy(tmp_path, models=models, notes=notes)
    result = run("convert", path, "-o", tmp_path / "out")
    assert result.exit_code == 0 and "\x1b" not in result.output
    assert "hostile.apkg: note g" in result.output
