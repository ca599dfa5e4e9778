"""Exports keep a trace until the tutor confirms a package reached Anki (issue #21, 5 and 6)."""

from __future__ import annotations

from datetime import datetime

from studyapp.anki import decks_from_files, export_to_file
from studyapp.deckfile.reader import load_decks
from studyapp.store import Store
from studyapp.store.schema import MIGRATIONS, SYNC_ACTIONS
from tests.anki_support import import_into, new_collection

T0 = datetime(2026, 11, 23, 12, 0).timestamp()

HEAD = """
[deck]
id = "trace"
name = "Trace"
"""
CLOZE = """
[[cards]]
id = "c"
type = "cloze"
text = "{text}"
"""
DOOMED = """
[[cards]]
id = "d"
front = "Removed later"
back = "Gone"
"""


def deck(text: str, doomed: bool = False) -> str:
    return HEAD + CLOZE.format(text=text) + (DOOMED if doomed else "")


def export(store, path, out, now):
    return export_to_file(store, decks_from_files(load_decks([path])), out, now=now)


def empty_in_anki(col) -> int:
    return sum(len(note.card_ids) for note in col.get_empty_cards().notes)


def test_a_skipped_package_loses_neither_markers_nor_empty_cards(tmp_path, write_deck):
    store = Store.open(tmp_path / "tutor.db")
    col = new_collection(tmp_path / "anki")
    path = write_deck(deck("{{c1::A}} {{c2::B}} {{c3::C}}", doomed=True), "trace.toml")
    first = export(store, path, tmp_path / "v1.apkg", T0)
    import_into(col, tmp_path / "v1.apkg")
    assert store.exports.confirm_imported() == (2, 0)
    assert col.card_count() == 4

    # The tutor drops c3 and d and exports, but never imports this package.
    path.write_text(deck("{{c1::A}} {{c2::B}} C"))
    skipped = export(store, path, tmp_path / "v2.apkg", T0 + 60)
    assert (skipped.to_delete, skipped.empty_cards) == (1, 1)

    # Then c2 goes too; this package is imported: it still says d is to delete, and
    # counts the empty cards against what Anki has (v1), not against v2.
    path.write_text(deck("{{c1::A}} B C"))
    third = export(store, path, tmp_path / "v3.apkg", T0 + 120)
    assert first.to_delete == 0
    assert (third.to_delete, third.empty_cards) == (1, 2)
    import_into(col, tmp_path / "v3.apkg")
    assert empty_in_anki(col) == third.empty_cards == 2
    assert len(col.find_notes("tag:StudyApp::delete")) == 1

    # Not yet confirmed: the next package says it again.
    again = export(store, path, tmp_path / "v4.apkg", T0 + 180)
    assert (again.to_delete, again.empty_cards) == (1, 2)
    assert store.exports.confirm_imported() == (1, 1)
    assert store.exports.confirm_imported() is None  # nothing waits any more
    # Confirmed: the marker is forgotten (deleted in Anki, it must not come back) and
    # Anki's cards are v4's.
    last = export(store, path, tmp_path / "v5.apkg", T0 + 240)
    assert (last.to_delete, last.empty_cards, last.updated, last.added) == (0, 0, 0, 0)
    col.close()
    store.close()


def test_a_confirmation_covers_only_the_last_package(tmp_path, write_deck):
    store = Store.open(tmp_path / "tutor.db")
    path = write_deck(deck("{{c1::A}} {{c2::B}}", doomed=True), "trace.toml")
    export(store, path, tmp_path / "v1.apkg", T0)
    store.exports.confirm_imported()
    path.write_text(deck("{{c1::A}} B"))
    export(store, path, tmp_path / "v2.apkg", T0 + 60)  # d marked: never imported
    assert store.exports.unconfirmed()
    other = write_deck(HEAD.replace('"trace"', '"other"') + DOOMED, "other.toml")
    export(store, other, tmp_path / "o.apkg", T0 + 90)
    assert store.exports.confirm_imported() == (1, 0)  # the other deck's note only
    third = export(store, path, tmp_path / "v3.apkg", T0 + 120)
    assert (third.to_delete, third.empty_cards) == (1, 1)
    store.close()


def test_markers_outlive_a_database_reopen(tmp_path, write_deck):
    db = tmp_path / "tutor.db"
    store = Store.open(db)
    path = write_deck(deck("{{c1::A}}", doomed=True), "trace.toml")
    export(store, path, tmp_path / "v1.apkg", T0)
    store.exports.confirm_imported()
    path.write_text(deck("{{c1::A}}"))
    assert export(store, path, tmp_path / "v2.apkg", T0 + 60).to_delete == 1
    store.close()
    store = Store.open(db)
    assert export(store, path, tmp_path / "v3.apkg", T0 + 120).to_delete == 1
    store.close()


def test_export_imported_on_the_command_line(tmp_path, write_deck):
    from click.testing import CliRunner

    from studyapp.cli import cli

    db = str(tmp_path / "cli.db")
    path = write_deck(deck("{{c1::A}}", doomed=True), "trace.toml")

    def run(*args: str):
        return CliRunner().invoke(cli, ["--db", db, "export", *args])

    assert run("--imported").output == "No export waits for confirmation; nothing recorded.\n"
    first = run(str(path), "-o", str(tmp_path / "v1.apkg"))
    assert first.exit_code == 0 and "studyapp export --imported" in first.output
    assert run("--imported").output == "Recorded: the last package is in Anki.\n"
    path.write_text(deck("{{c1::A}}"))
    for name in ("v2.apkg", "v3.apkg"):  # v2 never imported: v3 says it again
        again = run(str(path), "-o", str(tmp_path / name))
        assert "1 note no longer in your decks" in again.output
    done = run("--imported")
    assert done.output == "Recorded: the last package is in Anki; 1 deleted note forgotten.\n"
    assert "no longer in your decks" not in run(str(path), "-o", str(tmp_path / "v4.apkg")).output
    refused = run("--imported", "-o", str(tmp_path / "v5.apkg"))
    assert refused.exit_code == 2 and "exports nothing" in refused.output
    missing = run(str(path))
    assert missing.exit_code == 2 and "Missing option '-o'" in missing.output


def test_the_migration_takes_earlier_exports_as_imported(tmp_path, write_deck):
    """A ledger from before the migration: its cards are what Anki has, as the old code took."""
    import sqlite3

    db = tmp_path / "old.db"
    store = Store.open(db)
    path = write_deck(deck("{{c1::A}} {{c2::B}}"), "trace.toml")
    export(store, path, tmp_path / "v1.apkg", T0)
    store.close()
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM meta WHERE key LIKE 'export_%'")
    for column in ("marked", "anki_ords", "exported_in"):
        conn.execute(f"ALTER TABLE exported_notes DROP COLUMN {column}")
    # Back to before this migration; the migrations after it run again, so their columns go too.
    ledger = next(v for v, sql in MIGRATIONS.items() if "ADD COLUMN marked" in sql)
    later = {v: sql for v, sql in MIGRATIONS.items() if v > ledger}
    # SYNC_ACTIONS, the buried-items index, the kept exam tactics (made, then made anew
    # with the shortfall) and the deck index remade are safe to run again; any other
    # later migration must be undone here too.
    known_later = (
        "ADD COLUMN target",
        "INDEX IF NOT EXISTS items_buried",
        "TABLE IF NOT EXISTS exam_tactics",
        "DROP INDEX IF EXISTS items_deck",
        "DROP TABLE IF EXISTS exam_tactics",
    )
    assert all(
        sql is SYNC_ACTIONS or any(k in sql for k in known_later) for sql in later.values()
    ), "drop their columns too"
    if later:
        conn.execute("ALTER TABLE exams DROP COLUMN target")
        conn.execute("ALTER TABLE exams DROP COLUMN minutes_per_day")
        conn.execute("DROP INDEX IF EXISTS items_buried")
    conn.execute(f"PRAGMA user_version = {ledger}")
    conn.commit()
    conn.close()
    store = Store.open(db)
    assert not store.exports.unconfirmed()
    path.write_text(deck("{{c1::A}} B"))
    assert export(store, path, tmp_path / "v2.apkg", T0 + 60).empty_cards == 1
    store.close()
