"""Where a card from Anki lands and whether it is studied (issue 22): a card sitting in
a filtered deck belongs to its home deck, and a suspended card arrives suspended."""

from __future__ import annotations

from pathlib import Path

from anki.collection import Collection, ExportAnkiPackageOptions
from click.testing import CliRunner

from studyapp.cli import cli
from studyapp.store import Store
from tests.anki_support import new_collection


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def collection(folder: Path) -> Collection:
    """Two notes in "Home::Anatomy" (one card suspended), one pulled into a filtered deck."""
    col = new_collection(folder)
    home = col.decks.id("Home::Anatomy")
    for front, back in (("Deltoid", "shoulder"), ("Biceps", "elbow")):
        note = col.new_note(col.models.by_name("Basic (and reversed card)"))
        note["Front"], note["Back"] = front, back
        col.add_note(note, home)
    col.sched.suspend_cards(col.find_cards("Biceps card:2"))
    cram = col.decks.new_filtered("Cram session")
    config = col.decks.get(cram)
    config["terms"] = [["Deltoid", 100, 0]]
    col.decks.save(config)
    col.sched.rebuild_filtered_deck(cram)
    assert {col.get_card(c).did for c in col.find_cards("Deltoid")} == {cram}
    return col


def package(tmp_path: Path) -> Path:
    col = collection(tmp_path / "tutor")
    out = tmp_path / "tutor.apkg"
    options = ExportAnkiPackageOptions(with_scheduling=True, with_media=True)
    col.export_anki_package(out_path=str(out), options=options, limit=None)
    col.close()
    return out


def items(db: Path) -> dict[tuple[str, str, int], int]:
    """(deck name, the note's front, ordinal) -> suspended."""
    store = Store.open(db)
    try:
        rows = store.conn.execute(
            "SELECT d.name, c.text, i.ord, i.suspended FROM items i "
            "JOIN cards c ON c.id = i.card_id JOIN decks d ON d.id = i.deck_id"
        ).fetchall()
    finally:
        store.close()
    return {(deck, "Deltoid" if "Deltoid" in text else "Biceps", o): s for deck, text, o, s in rows}


def test_filtered_deck_cards_land_in_their_home_deck(tmp_path):
    source = package(tmp_path)
    out = tmp_path / "converted"
    converted = run("convert", source, "-o", out)
    assert converted.exit_code == 0, converted.output
    assert [p.name for p in out.glob("*.toml")] == ["home-anatomy.toml"]
    assert run("check", out).exit_code == 0
    db = tmp_path / "s.db"
    assert run("--db", db, "import", source).exit_code == 0
    assert {deck for deck, _f, _o in items(db)} == {"Home::Anatomy"}


def test_suspended_cards_arrive_suspended_and_later_imports_leave_them_be(tmp_path):
    source = package(tmp_path)
    db = tmp_path / "s.db"
    imported = run("--db", db, "import", source)
    assert imported.exit_code == 0, imported.output
    deck = "Home::Anatomy"
    assert items(db) == {
        (deck, "Deltoid", 0): 0,
        (deck, "Deltoid", 1): 0,
        (deck, "Biceps", 0): 0,
        (deck, "Biceps", 1): 1,
    }
    store = Store.open(db)  # the student takes the card back into study
    try:
        [item] = [r[0] for r in store.conn.execute("SELECT id FROM items WHERE suspended = 1")]
        store.reviews.set_suspended(item, False)
    finally:
        store.close()
    assert run("--db", db, "import", source).exit_code == 0
    assert set(items(db).values()) == {0}


def test_a_card_imported_as_basic_before_keeps_its_progress_as_a_note_card(tmp_path):
    """Before issue 22 a stock Basic note came in as a basic card; the same package now
    brings it as a note card of its own note type, onto the same card, progress kept."""
    from datetime import datetime

    from tests.anki_support import tutor_collection

    col = tutor_collection(tmp_path / "tutor")
    source = tmp_path / "tutor.apkg"
    col.export_anki_package(
        out_path=str(source), options=ExportAnkiPackageOptions(with_media=True), limit=None
    )
    guid = col.get_note(col.find_notes("Trapezius")[0]).guid
    col.close()
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "tutor-anatomy.toml").write_text(
        '[deck]\nid = "tutor-anatomy"\nname = "Tutor::Anatomy"\n\n[[cards]]\nid = "trapezius"\n'
        f'front = "**Trapezius** origin?"\nback = "Occipital bone & C7"\nguid = "{guid}"\n'
    )
    db = tmp_path / "s.db"
    assert run("--db", db, "import", tmp_path / "old").exit_code == 0
    store = Store.open(db)
    try:
        [item] = [r[0] for r in store.conn.execute("SELECT id FROM items")]
        store.reviews.grade(item, 4, now=datetime(2026, 12, 1, 9))
    finally:
        store.close()
    again = run("--db", db, "import", source)
    assert (
        again.exit_code == 0
        and "Tutor::Anatomy: updated (4 notes added, 1 updated)" in again.output
    )
    store = Store.open(db)
    try:
        row = store.conn.execute(
            "SELECT c.type, i.repetitions FROM items i JOIN cards c ON c.id = i.card_id "
            "WHERE i.id = ?",
            [item],
        ).fetchone()
    finally:
        store.close()
    assert tuple(row) == ("note", 1)
