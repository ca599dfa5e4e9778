"""The student's own note on a card that kept its Anki note type goes out as a note on any
other card does: at the end of a field, as "**My note:** …". The field is one every card's
answer shows and no question reads (Basic's Back, Cloze's and Image Occlusion's Back
Extra), so the note changes no question, no card and not the note type. A note type
without such a field keeps the note in StudyApp, and the export says so."""

from __future__ import annotations

from pathlib import Path

from anki.collection import Collection
from click.testing import CliRunner

from studyapp.anki.notes import student_note_field
from studyapp.cli import cli
from studyapp.deckfile.notetypes import CardTemplate, NoteType
from studyapp.store import Store
from tests.anki.collection_builder import (
    BASIC,
    CLOZE,
    IMAGE_OCCLUSION,
    REVERSED,
    TYPE_IN,
    add,
    answer,
    export_package,
    open_collection,
    png,
    stock,
    vocabulary_type,
)
from tests.anki_support import check_database_changes, import_into

NOTE = "Think *gate* <b>not</b> door"
SENT = "<strong>My note:</strong> Think <em>gate</em> &lt;b&gt;not&lt;/b&gt; door"


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def tutor_collection(folder: Path) -> Collection:
    """Stock and custom note types, some reviewed, written a day before the export."""
    col = open_collection(folder)
    deck = col.decks.id("Tutor")
    add(col, stock(col, BASIC), ["Trapezius", "<b>neck</b> muscle"], deck)
    add(col, stock(col, BASIC), ["Empty back", ""], deck)
    add(col, stock(col, CLOZE), ["The {{c1::deltoid}} lifts the {{c2::arm}}", ""], deck)
    add(col, stock(col, CLOZE), ["{{c1::Biceps}} flexes", "<i>elbow</i>"], deck)
    add(col, stock(col, REVERSED), ["Herz", "heart"], deck)
    add(col, stock(col, TYPE_IN), ["Capital of France?", "Paris"], deck)
    add(col, vocabulary_type(col), ["Haus", "house", "", "das", "", ""], deck)
    col.media.write_data("arm.png", png("white"))
    occlusion = "{{c1::image-occlusion:rect:left=.1:top=.2:width=.3:height=.4:oi=1}}"
    add(col, stock(col, IMAGE_OCCLUSION), [occlusion, '<img src="arm.png">', "Arm", "", ""], deck)
    answer(col, 3)
    col.db.execute("UPDATE notes SET mod = mod - 86400")
    col.db.execute("UPDATE notetypes SET mtime_secs = mtime_secs - 86400")
    return col


def _counts(col: Collection) -> tuple[int, int, int]:
    """Cards, empty cards and review-log rows."""
    empty = sum(len(note.card_ids) for note in col.get_empty_cards().notes)
    return col.card_count(), empty, col.db.scalar("SELECT COUNT(*) FROM revlog")


def _fields(col: Collection) -> dict[str, list[str]]:
    """Each note's fields, by its first field."""
    notes = (col.get_note(n) for n in col.find_notes(""))
    return {note.fields[0]: list(note.fields) for note in notes}


def _note_types(col: Collection) -> dict[int, tuple]:
    """What the import must not change: each note type's name, fields and templates."""
    return {
        m["id"]: (
            m["name"],
            [f["name"] for f in m["flds"]],
            [(t["qfmt"], t["afmt"]) for t in m["tmpls"]],
        )
        for m in col.models.all()
    }


def test_student_notes_on_anki_note_cards_reach_anki(tmp_path):
    col = tutor_collection(tmp_path / "tutor")
    occlusion = col.get_note(col.find_notes("Header:Arm")[0]).fields[0]
    before_counts, before_fields, before_types = _counts(col), _fields(col), _note_types(col)
    assert before_counts == (1 + 1 + 2 + 1 + 2 + 1 + 2 + 1, 0, 3)
    package = export_package(col, tmp_path / "tutor.apkg")

    db = tmp_path / "s.db"
    imported = run("--db", db, "import", package)
    assert imported.exit_code == 0, imported.output
    store = Store.open(db)
    for (card_id,) in store.conn.execute("SELECT id FROM cards"):
        store.reviews.set_note(card_id, NOTE)
    store.close()
    back = tmp_path / "back.apkg"
    exported = run("--db", db, "export", "-o", back)
    assert exported.exit_code == 0, exported.output
    # Herz (reversed), the type-in and the custom note: no field only an answer shows.
    assert "Your notes on 3 cards stay in StudyApp" in exported.output

    expected = {front: list(values) for front, values in before_fields.items()}
    expected["Trapezius"][1] += f"<br><br>{SENT}"
    expected["Empty back"][1] = SENT
    expected["The {{c1::deltoid}} lifts the {{c2::arm}}"][1] = SENT
    expected["{{c1::Biceps}} flexes"][1] += f"<br><br>{SENT}"
    expected[occlusion][3] = SENT  # Image Occlusion's Back Extra

    log = import_into(col, back)  # back into the tutor's own collection, Anki's defaults
    # A first export is newer than every note the tutor has: Anki updates all 8 in place.
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 8, 0)
    assert _fields(col) == expected
    assert _counts(col) == before_counts
    assert _note_types(col) == before_types
    assert check_database_changes(col) == []
    col.close()

    fresh = open_collection(tmp_path / "fresh")
    log = import_into(fresh, back)
    assert len(log.new) == len(expected)
    assert _fields(fresh) == expected
    assert _counts(fresh) == (before_counts[0], 0, 0)
    assert check_database_changes(fresh) == []
    fresh.close()


def test_the_note_goes_where_every_answer_and_no_question_shows_it():
    def note_type(*templates: tuple[str, str]) -> NoteType:
        cards = tuple(CardTemplate(f"Card {n}", q, a) for n, (q, a) in enumerate(templates))
        return NoteType("T", 1700000000001, False, ("Front", "Back", "Extra"), cards)

    answer_only = ("{{Front}}", "{{FrontSide}}<hr id=answer>{{Back}}{{#Extra}}{{Extra}}{{/Extra}}")
    assert student_note_field(note_type(answer_only)) == 2  # the last such field
    assert student_note_field(note_type(answer_only, ("{{Extra}}", "{{Back}}"))) == 1
    # Read by a question's conditional, or shown on one answer only: no field will do.
    assert student_note_field(note_type(answer_only, ("{{#Extra}}{{Back}}{{/Extra}}", "x"))) is None
    # A typed answer compares the field with what was typed; a hint hides it.
    assert student_note_field(note_type(("{{Front}}", "{{type:Back}} {{hint:Extra}}"))) is None
    assert student_note_field(note_type(("{{Front}}", "{{#Back}}"))) is None  # Anki refuses it
