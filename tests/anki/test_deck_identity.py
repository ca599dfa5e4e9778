"""A deck keeps one identity from where it came from, and no import retires a deck it does
not own; `convert -o` never overwrites a tutor's files; an import is all or nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from anki.collection import Collection, ExportAnkiPackageOptions
from click.testing import CliRunner

from studyapp.anki.convert import convert_sources, deck_ids, deck_name
from studyapp.anki.deck_toml import validated_decks
from studyapp.cards import CardContent
from studyapp.cli import cli
from studyapp.deckfile.reader import load_deck
from studyapp.store import Store
from studyapp.store.backups import list_backups
from tests.anki_support import import_into, new_collection
from tests.paths import ROOT

BUNDLED = ROOT / "decks"


def run(*args) -> object:
    return CliRunner().invoke(cli, [str(a) for a in args])


def package(folder: Path, decks: dict[str, list[tuple[str, str]]], name: str = "t.apkg") -> Path:
    """An Anki package with Basic notes in the named decks (written by Anki itself)."""
    col = new_collection(folder / f"col-{name}")
    basic = col.models.by_name("Basic")
    for deck, notes in decks.items():
        did = col.decks.id(deck)
        for front, back in notes:
            note = col.new_note(basic)
            note["Front"], note["Back"] = front, back
            col.add_note(note, did)
    out = folder / name
    col.export_anki_package(
        out_path=str(out), options=ExportAnkiPackageOptions(with_media=True), limit=None
    )
    col.close()
    return out


def snapshot(db: Path) -> tuple[list, list, list]:
    """Every review, every item's state, every card's identity."""
    store = Store.open(db)
    try:
        conn = store.conn
        return (
            conn.execute("SELECT * FROM reviews ORDER BY id").fetchall(),
            conn.execute(
                "SELECT id, card_id, deck_id, ord, retired, ef, interval, repetitions, due "
                "FROM items ORDER BY id"
            ).fetchall(),
            conn.execute("SELECT id, deck_id, card_key, retired FROM cards ORDER BY id").fetchall(),
        )
    finally:
        store.close()


# -- ids ---------------------------------------------------------------------------


def test_clashing_names_get_ids_from_their_own_name_not_from_note_order():
    names = ["Bio-3", "Bio", "BIO", "A::B", "A B", "Chemistry"]
    ids = deck_ids(names)
    assert deck_ids(reversed(names)) == ids  # order does not decide
    assert deck_ids(["Bio", "BIO"])["Bio"] == ids["Bio"] != ids["BIO"]
    assert ids["Chemistry"] == "chemistry" and ids["Bio-3"] == "bio-3"
    assert len(set(ids.values())) == len(names)


def test_long_and_colon_heavy_deck_names_convert(tmp_path):
    long_name = "Lecture " + "very long title " * 12  # a slug of ~190 characters
    source = package(tmp_path, {long_name: [(f"Q{i}", f"A{i}") for i in range(61)]})
    (deck,) = validated_decks(convert_sources([source]))
    assert len(deck.cards) == 61 and len(deck.id) <= 100
    assert deck_name("Top::::Middle::  ::Leaf::") == "Top::Middle::Leaf"
    assert deck_name(":: ::") == "Default"
    out = tmp_path / "o"
    assert run("convert", source, "-o", out).exit_code == 0
    assert run("check", out).exit_code == 0


def test_default_deck_keeps_its_name_there_and_back(tmp_path):
    source = package(tmp_path, {"Default": [("Front", "Back")]})
    db = ("--db", tmp_path / "s.db")
    assert run(*db, "import", source).exit_code == 0
    assert run(*db, "export", "-o", tmp_path / "back.apkg").exit_code == 0
    col = new_collection(tmp_path / "fresh")  # Anki's own Default deck is there already
    try:
        import_into(col, tmp_path / "back.apkg")
        names = {col.decks.name(col.get_card(c).did) for c in col.find_cards("")}
    finally:
        col.close()
    assert names == {"Default"}


# -- ownership -----------------------------------------------------------------------


def test_anki_deck_named_like_a_bundled_deck_does_not_retire_it(tmp_path):
    db = tmp_path / "s.db"
    assert run("--db", db, "import", BUNDLED).exit_code == 0
    before = snapshot(db)
    mechanisms = len(load_deck(BUNDLED / "03-mechanisms.toml").cards)
    source = package(tmp_path, {"TP Mechanisms": [("Trigger?", "Point")]})
    refused = run("--db", db, "import", source)
    assert refused.exit_code == 1
    assert refused.stderr.strip().splitlines() == [
        "studyapp: deck 'tp-mechanisms' (Trigger Points::Mechanisms) comes from somewhere else: "
        f"this import has none of its {mechanisms} cards and would retire them all; nothing imported "
        "(--replace lets this import retire them)"
    ]
    assert snapshot(db) == before
    replaced = run("--db", db, "import", "--replace", source)
    assert replaced.exit_code == 0 and f"{mechanisms} retired" in replaced.output


def test_two_files_with_one_name_do_not_retire_each_other(tmp_path):
    for tutor in ("a", "b"):
        (tmp_path / tutor).mkdir()
        (tmp_path / tutor / "quiz.csv").write_text(f"Question {tutor}?,Answer {tutor}\n")
    db = tmp_path / "s.db"
    assert run("--db", db, "import", tmp_path / "a" / "quiz.csv").exit_code == 0
    second = run("--db", db, "import", tmp_path / "b" / "quiz.csv")
    assert second.exit_code == 1 and "deck 'quiz' (quiz) comes from somewhere else" in second.stderr
    store = Store.open(db)
    try:
        assert store.conn.execute("SELECT COUNT(*) FROM cards WHERE retired = 0").fetchone()[0] == 1
    finally:
        store.close()


def test_two_tutors_default_decks_do_not_retire_each_other(tmp_path):
    db = ("--db", tmp_path / "s.db")
    first = package(tmp_path, {"Default": [("Tutor A", "a")]}, "a.apkg")
    second = package(tmp_path, {"Default": [("Tutor B", "b")]}, "b.apkg")
    assert run(*db, "import", first).exit_code == 0
    refused = run(*db, "import", second)
    assert refused.exit_code == 1
    assert "deck 'default' (Default) comes from somewhere else" in refused.stderr


def test_a_repeated_front_keeps_its_id_when_an_earlier_note_goes(tmp_path):
    rows = ["Other,o", "Same,1", "Same,2"]
    (tmp_path / "q.csv").write_text("\n".join(rows) + "\n")
    before = [c.id for c in convert_sources([tmp_path / "q.csv"]).decks[0].cards]
    (tmp_path / "q.csv").write_text("\n".join(rows[1:]) + "\n")
    after = [c.id for c in convert_sources([tmp_path / "q.csv"]).decks[0].cards]
    assert after == before[1:]


def test_a_tutors_updated_package_still_updates_its_deck(tmp_path):
    db = ("--db", tmp_path / "s.db")
    first = package(tmp_path, {"Tutor": [("One", "1"), ("Two", "2")]}, "v1.apkg")
    assert run(*db, "import", first).exit_code == 0
    # The same collection later, one note gone, one added, the deck renamed: still its deck.
    col = Collection(str(tmp_path / "col-v1.apkg" / "collection.anki2"))
    col.remove_notes([col.find_notes('"Front:One"')[0]])
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"], note["Back"] = "Three", "3"
    deck = col.decks.id("Tutor")
    col.add_note(note, deck)
    col.decks.rename(deck, "Renamed")
    col.export_anki_package(
        out_path=str(tmp_path / "v2.apkg"), options=ExportAnkiPackageOptions(), limit=None
    )
    col.close()
    again = run(*db, "import", tmp_path / "v2.apkg")
    assert again.exit_code == 0, again.output
    assert again.output.startswith("Renamed") and "1 note added, 1 retired" in again.output
    assert "new deck" not in again.output


# -- StudyApp's own package back in ---------------------------------------------------


def test_own_package_back_in_keeps_every_review_and_state(tmp_path):
    db = tmp_path / "s.db"
    assert run("--db", db, "import", BUNDLED).exit_code == 0
    assert run("--db", db, "export", "-o", tmp_path / "first.apkg").exit_code == 0
    store = Store.open(db)
    try:
        items = [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY id LIMIT 12")]
        for offset, item in enumerate(items):
            store.reviews.grade(item, 3 + offset % 3, now=datetime(2026, 11, 20, 9, offset))
        # One card leaves its deck: the next export sends a "delete this note" marker.
        with store.transaction():
            last = "(SELECT MAX(id) FROM cards)"
            store.conn.execute(f"UPDATE cards SET retired = 1 WHERE id = {last}")
            store.conn.execute(f"UPDATE items SET retired = 1 WHERE card_id = {last}")
        store.personal.add(CardContent(front="My own front", back="My own back"))  # exported too
    finally:
        store.close()
    exported = run("--db", db, "export", "-o", tmp_path / "own.apkg", "--with-progress")
    assert exported.exit_code == 0 and "progress for 12 cards" in exported.output
    before = snapshot(db)

    back = run("--db", db, "import", tmp_path / "own.apkg")

    assert back.exit_code == 0, back.output
    assert "retired" not in back.output and "new deck" not in back.output
    assert "StudyApp::delete marker" in back.output  # skipped, and said so
    assert "already one of your own cards" in back.output
    assert snapshot(db) == before


# -- check ---------------------------------------------------------------------------


def test_check_refuses_one_guid_in_two_deck_files(tmp_path):
    for name, line in (("a", 'guid = "abcDEF123"'), ("b", 'guid = "abcDEF123"')):
        (tmp_path / f"{name}.toml").write_text(
            f'[deck]\nid = "{name}"\nname = "{name}"\n\n[[cards]]\nid = "c"\n'
            f'front = "F {name}"\nback = "B"\n{line}\n'
        )
    result = run("check", tmp_path)
    assert result.exit_code == 1
    assert f"{tmp_path / 'b.toml'}:5: guid 'abcDEF123' is also used by {tmp_path / 'a.toml'}:5" in (
        result.stderr
    )


# -- convert -o ----------------------------------------------------------------------


def test_convert_never_overwrites_a_tutors_file_without_force(tmp_path):
    source = package(tmp_path, {"Deck": [("Q", "A")]})
    out = tmp_path / "o"
    assert run("convert", source, "-o", out).exit_code == 0
    (out / "deck.toml").write_text("# the tutor's edits\n")
    refused = run("convert", source, "-o", out)
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        f"studyapp: {out / 'deck.toml'} already exists: --force replaces them; nothing written"
    )
    assert (out / "deck.toml").read_text() == "# the tutor's edits\n"
    assert run("convert", source, "-o", out, "--force").exit_code == 0
    assert "[deck]" in (out / "deck.toml").read_text()


def test_convert_into_a_folder_is_all_or_nothing(tmp_path, monkeypatch):
    source = package(tmp_path, {"One": [("Q", "A")], "Two": [("Q2", "A2")]})
    out = tmp_path / "o"
    out.mkdir()
    (out / "notes.md").write_text("the tutor's")
    (out / "one.toml").write_text("# old one\n")
    import studyapp.anki.converted_files as converted_files

    real_replace = converted_files.os.replace
    calls = []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 3:  # one.toml put aside and replaced; two.toml fails
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(converted_files.os, "replace", failing_replace)
    result = run("convert", source, "-o", out, "--force")
    assert result.exit_code == 1 and "No space left on device; nothing written" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.md", "one.toml"]
    assert (out / "one.toml").read_text() == "# old one\n"
    assert not list(tmp_path.glob(".o.studyapp-convert-*"))


# -- import: all or nothing, and what it says ------------------------------------------


def test_import_with_unreadable_media_imports_nothing(tmp_path, monkeypatch):
    col = new_collection(tmp_path / "col")
    name = col.media.write_data("pic.png", b"\x89PNG")
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"], note["Back"] = "Q", f'<img src="{name}">'
    col.add_note(note, 1)
    col.export_anki_package(
        out_path=str(tmp_path / "m.apkg"),
        options=ExportAnkiPackageOptions(with_media=True),
        limit=None,
    )
    col.close()
    import studyapp.anki.converted_files as converted_files

    def broken(conversion, folder):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(converted_files, "write_media", broken)
    result = run("--db", tmp_path / "s.db", "import", tmp_path / "m.apkg")
    assert result.exit_code == 1
    assert "cannot copy media files: Input/output error; nothing imported" in result.stderr
    store = Store.open(tmp_path / "s.db")
    try:
        assert store.decks.names() == {}
    finally:
        store.close()
    assert not list(tmp_path.glob(".studyapp-media-incoming-*"))


def test_media_of_an_import_killed_after_its_commit_arrive_with_the_next(tmp_path):
    staged = tmp_path / ".studyapp-media-incoming-x"
    staged.mkdir()
    (staged / "pic.png").write_bytes(b"\x89PNG")
    (tmp_path / "d.toml").write_text('[deck]\nid = "d"\nname = "D"\n')
    store = Store.open(tmp_path / "s.db")
    try:  # committed, then killed before the files moved
        store.decks.import_(validated_decks(convert_sources([])), pending_media=str(staged))
    finally:
        store.close()
    result = run("--db", tmp_path / "s.db", "import", tmp_path / "d.toml")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "studyapp-media" / "pic.png").read_bytes() == b"\x89PNG"
    assert not staged.exists()


def test_import_reports_mapping_and_skipped_notes(tmp_path):
    (tmp_path / "q.csv").write_text("Front?,Back\n,no front\n")
    result = run("--db", tmp_path / "s.db", "import", tmp_path / "q.csv")
    assert result.exit_code == 0, result.output
    assert "Note types:" in result.output and "Skipped 1 notes:" in result.output


@pytest.mark.parametrize("content", ["", ",\n"])
def test_an_empty_source_says_so_and_fails(tmp_path, content):
    (tmp_path / "e.csv").write_text(content)
    for command in (("import",), ("convert", "-o", tmp_path / "o")):
        result = run("--db", tmp_path / "s.db", *command, tmp_path / "e.csv")
        assert result.exit_code == 1 and "no notes to" in result.stderr, result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_a_no_op_import_takes_no_backup(tmp_path):
    db = tmp_path / "s.db"
    assert run("--db", db, "import", BUNDLED).exit_code == 0
    backups = list_backups(db)
    again = run("--db", db, "import", BUNDLED)
    assert again.exit_code == 0 and again.output.count("unchanged") == 5
    assert list_backups(db) == backups
    edited = tmp_path / "edited.toml"
    text = (BUNDLED / "01-foundations.toml").read_text()
    edited.write_text(text.replace('back = "', 'back = "Edited: ', 1))
    changed = run("--db", db, "import", edited)
    assert changed.exit_code == 0 and "1 note updated" in changed.output
    assert len(list_backups(db)) == len(backups) + 1


def test_import_takes_media_from_the_package_never_the_current_folder(tmp_path, monkeypatch):
    col = new_collection(tmp_path / "col")
    name = col.media.write_data("pic.png", b"package's")
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"], note["Back"] = "Q", f'<img src="{name}">'
    col.add_note(note, 1)
    col.export_anki_package(
        out_path=str(tmp_path / "m.apkg"),
        options=ExportAnkiPackageOptions(with_media=True),
        limit=None,
    )
    col.close()
    elsewhere = tmp_path / "cwd"
    (elsewhere / "media").mkdir(parents=True)
    (elsewhere / "media" / "pic.png").write_bytes(b"someone else's")
    (elsewhere / "media" / "secret.txt").write_bytes(b"private")
    monkeypatch.chdir(elsewhere)
    result = run("--db", tmp_path / "s.db", "import", tmp_path / "m.apkg")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "studyapp-media").iterdir()) == ["pic.png"]
    assert (tmp_path / "studyapp-media" / "pic.png").read_bytes() == b"package's"
