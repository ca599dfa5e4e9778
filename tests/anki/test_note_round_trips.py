"""The student's note through round trips: a package this database exported, brought back
by `studyapp import` (as it is, or after Anki imported and exported it again) or by
`convert`, leaves every field as the tutor wrote it, and the next export adds the
student's current note once. Before, each round trip kept the note in the field and the
next export added it again ("My note: X" twice, then three times). Anki's backend judges."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from anki.collection import Collection

from studyapp.anki.notes import without_sent_note, without_student_note
from studyapp.deckfile.notetypes import CardTemplate, NoteType
from studyapp.store import Store
from tests.anki.collection_builder import export_package, open_collection
from tests.anki.test_note_card_notes import NOTE, SENT, _counts, _fields, run, tutor_collection
from tests.anki_support import check_database_changes, import_into
from tests.paths import FIXTURES

EDITED = "Now *gate*, then\n\ndoor"
EDITED_SENT = "<p><strong>My note:</strong> Now <em>gate</em>, then</p>\n<p>door</p>"
OWN_DECK = (
    '[deck]\nid = "own"\nname = "Own"\n\n'
    '[[cards]]\nid = "gate"\nfront = "Gate"\nback = "Door"\nextra = "Latin *porta*"\n\n'
    '[[cards]]\nid = "opens"\ntype = "cloze"\ntext = "The {{c1::gate}} opens"\n\n'
    '[[cards]]\nid = "shoulder"\ntype = "occlusion"\nfront = "Shoulder\\n\\n![](media/trapezius.png)"\n'
    'text = "1 rect 1 1 20 20"\nextra = "Upper fibres"\n'
)


def _student(folder: Path) -> tuple[Path, Collection]:
    """A database holding a tutor's package (Anki note types) and a deck file (StudyApp's
    own note types), a note on every card; and the tutor's collection."""
    tutor = tutor_collection(folder / "tutor")
    package = export_package(tutor, folder / "tutor.apkg")
    shutil.copytree(FIXTURES / "images" / "media", folder / "media")
    (folder / "own.toml").write_text(OWN_DECK, encoding="utf-8")
    db = folder / "s.db"
    for source in (package, folder / "own.toml"):
        result = run("--db", db, "import", source)
        assert result.exit_code == 0, result.output
    _set_notes(db, NOTE)
    return db, tutor


def _set_notes(db: Path, note: str, first: str | None = None) -> None:
    """`note` on every card (or only on the one whose front or text holds `first`)."""
    store = Store.open(db)
    for card_id, front, text in store.conn.execute("SELECT id, front, text FROM cards"):
        if first is None or first in front or first in text:
            store.reviews.set_note(card_id, note)
    store.close()


def _export(db: Path, out: Path) -> Path:
    result = run("--db", db, "export", "-o", out)
    assert result.exit_code == 0, result.output
    return out


def _import(db: Path, package: Path) -> None:
    result = run("--db", db, "import", package)
    assert result.exit_code == 0, result.output


def _progress(db: Path) -> tuple[list, list]:
    """The database's cards (their text and note) and items with their state, and its reviews."""
    store = Store.open(db)
    try:
        cards = store.conn.execute("SELECT * FROM cards ORDER BY id").fetchall()
        items = store.conn.execute("SELECT * FROM items ORDER BY id").fetchall()
        reviews = store.conn.execute("SELECT * FROM reviews ORDER BY id").fetchall()
        return [tuple(r) for r in (*cards, *items)], [tuple(r) for r in reviews]
    finally:
        store.close()


def _received(package: Path, folder: Path) -> tuple[dict[str, list[str]], tuple[int, int, int]]:
    """The fields and counts of a new collection that imported `package`; Check Database
    clean."""
    col = open_collection(folder)
    import_into(col, package)
    fields, counts = _fields(col), _counts(col)
    assert check_database_changes(col) == []
    col.close()
    return fields, counts


def test_three_round_trips_leave_every_field_as_after_one_export(tmp_path):
    db, tutor = _student(tmp_path)
    first = _export(db, tmp_path / "first.apkg")
    once, once_counts = _received(first, tmp_path / "once")
    assert once["Trapezius"][1].count("My note") == 1
    assert once["Gate"][2] == f"<p>Latin <em>porta</em></p>\n<p>{SENT}</p>"
    progress = _progress(db)
    tutor_cards = _counts(tutor)
    import_into(tutor, first)  # the tutor's own collection: its notes updated
    assert _fields(tutor) == once
    tutor_before = _counts(tutor)
    assert tutor_before == (tutor_cards[0] + 3, 0, tutor_cards[2])  # the deck file's 3 arrive

    package = first
    for round_ in range(3):
        _import(db, package)
        assert _progress(db) == progress  # nothing changed: text, notes, progress, reviews
        package = _export(db, tmp_path / f"round{round_}.apkg")
        fields, counts = _received(package, tmp_path / f"fresh{round_}")
        assert fields == once, round_  # byte for byte
        assert counts == once_counts
        # The tutor's own collection receiving it: the same field as after one export.
        import_into(tutor, package)
        assert _fields(tutor) == once
        assert _counts(tutor) == tutor_before
        assert check_database_changes(tutor) == []

    # Through Anki: the tutor's collection (note in its fields) exported by Anki, brought back.
    for round_ in range(3):
        from_anki = export_package(tutor, tmp_path / f"anki{round_}.apkg")
        _import(db, from_anki)
        assert _progress(db) == progress  # the tutor's reviews known already: none added
        package = _export(db, tmp_path / f"after-anki{round_}.apkg")
        assert _received(package, tmp_path / f"anki-fresh{round_}") == (once, once_counts)
        import_into(tutor, package)
        assert _fields(tutor) == once
        assert _counts(tutor) == tutor_before
        assert check_database_changes(tutor) == []
    tutor.close()


def test_an_edited_note_replaces_the_one_sent_and_a_removed_one_goes(tmp_path):
    db, tutor = _student(tmp_path)
    tutor_fields = _fields(tutor)
    tutor.close()
    sent = _export(db, tmp_path / "sent.apkg")
    once, _counts_once = _received(sent, tmp_path / "once")
    _set_notes(db, EDITED, first="Trapezius")
    _set_notes(db, EDITED, first="Gate")
    _set_notes(db, "", first="{{c1::Biceps}} flexes")
    _set_notes(db, "", first="The {{c1::gate}} opens")
    _import(db, sent)  # the package with the old notes comes back
    fields, _ = _received(_export(db, tmp_path / "again.apkg"), tmp_path / "again")

    assert fields["Trapezius"][1] == f"<b>neck</b> muscle<br><br>{EDITED_SENT}"
    assert fields["Gate"][2] == f"<p>Latin <em>porta</em></p>\n{EDITED_SENT}"
    assert fields["{{c1::Biceps}} flexes"] == tutor_fields["{{c1::Biceps}} flexes"]
    assert fields["The {{c1::gate}} opens"][1] == ""
    unchanged = set(once) - {"Trapezius", "Gate", "{{c1::Biceps}} flexes", "The {{c1::gate}} opens"}
    assert {k: fields[k] for k in unchanged} == {k: once[k] for k in unchanged}


def test_a_card_an_older_round_trip_left_the_note_in_goes_out_with_it_once(tmp_path):
    db, tutor = _student(tmp_path)
    tutor.close()
    once, once_counts = _received(_export(db, tmp_path / "once.apkg"), tmp_path / "once")
    # What imports kept before the fix: the note in the card's own text, twice over.
    store = Store.open(db)
    for card_id, text in store.conn.execute("SELECT id, text FROM cards WHERE type = 'note'"):
        note = json.loads(text)
        if note["fields"][0] == "Trapezius":
            note["fields"][1] += f"<br><br>{SENT}<br><br>{SENT}"
            store.conn.execute(
                "UPDATE cards SET text = ? WHERE id = ?", [json.dumps(note), card_id]
            )
    sent_twice = f"\n\n**My note:** {NOTE}" * 2
    store.conn.execute("UPDATE cards SET extra = extra || ? WHERE card_key = 'gate'", [sent_twice])
    store.close()
    again = _received(_export(db, tmp_path / "again.apkg"), tmp_path / "again")
    assert again == (once, once_counts)


def test_convert_leaves_the_note_out_of_the_deck_files(tmp_path):
    db, tutor = _student(tmp_path)
    tutor.close()
    package = _export(db, tmp_path / "sent.apkg")
    result = run("convert", package, "-o", tmp_path / "converted")
    assert result.exit_code == 0, result.output
    # The 5 tutor's notes whose note type has a field for it and the deck file's 3.
    assert "8 notes held the student's note ('My note: …') a StudyApp export adds" in (
        result.output
    )
    texts = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "converted").glob("*.toml"))
    assert "My note" not in texts
    assert "Latin *porta*" in texts and "Upper fibres" in texts and "<b>neck</b> muscle" in texts


def test_only_the_note_an_export_adds_is_taken_out():
    assert without_student_note("**My note:** x") == ""
    assert without_student_note("Extra\n\n**My note:** x\n\n**My note:** x") == "Extra"
    # The label inside a paragraph, or not bold, is the tutor's own text.
    for kept in ("See **My note:** x", "Extra\n\nMy note: x", "Extra\n**My note:** x"):
        assert without_student_note(kept) == kept
    note_type = NoteType(
        "Basic", 1, False, ("Front", "Back"), (CardTemplate("Card 1", "{{Front}}", "{{Back}}"),)
    )
    sent = "<strong>My note:</strong> x"
    assert without_sent_note(note_type, ["<strong>My note:</strong> f", sent]) == (
        "<strong>My note:</strong> f",  # a field the question reads: never the note's
        "",
    )
    assert without_sent_note(note_type, ["f", f"b<br><br><p>{sent}</p>\n<p>y</p>"]) == ("f", "b")
    assert without_sent_note(note_type, ["f", f"b<br>{sent}"]) == ("f", f"b<br>{sent}")
