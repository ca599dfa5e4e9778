"""The export dialog asks whether the last package reached Anki (issue #21, item 6)."""

from __future__ import annotations

import pytest

from studyapp.anki import decks_from_store, export_to_file

SIZE = (80, 24)


def mark_one_for_deletion(store, tmp_path):
    """An export, confirmed; then one card gone and an export never confirmed."""
    export_to_file(store, decks_from_store(store), tmp_path / "v1.apkg")
    store.exports.confirm_imported()
    deck_id, card_key = store.conn.execute(
        "SELECT deck_id, card_key FROM exported_notes ORDER BY guid LIMIT 1"
    ).fetchone()
    store.conn.execute(
        "UPDATE cards SET retired = 1 WHERE deck_id = ? AND card_key = ?", [deck_id, card_key]
    )
    store.conn.execute(
        "UPDATE items SET retired = 1 WHERE card_id IN "
        "(SELECT id FROM cards WHERE deck_id = ? AND card_key = ?)",
        [deck_id, card_key],
    )
    store.conn.commit()
    assert export_to_file(store, decks_from_store(store), tmp_path / "v2.apkg").to_delete == 1


async def export_from_dialog(app, pilot, out, imported: bool) -> list[str]:
    await pilot.press("e")
    app.screen.query_one("#export-path").value = str(out)
    if imported:
        app.screen.query_one("#export-imported").value = True
    await pilot.press("ctrl+s")
    await app.workers.wait_for_complete()
    await pilot.pause()
    return [n.message for n in app._notifications]


async def test_no_question_before_any_export(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        assert not app.screen.query("#export-imported")


@pytest.mark.parametrize("imported", [False, True], ids=["not-imported", "imported"])
async def test_the_dialog_confirms_the_last_package(sample_store, make_app, tmp_path, imported):
    mark_one_for_deletion(sample_store, tmp_path)
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        messages = await export_from_dialog(app, pilot, tmp_path / "v3.apkg", imported)
    said = any("1 note no longer in your decks" in m for m in messages)
    # Not confirmed: the advice is repeated; confirmed: the marked note is forgotten.
    assert said is not imported
    marked = sample_store.conn.execute("SELECT COUNT(*) FROM exported_notes WHERE marked = 1")
    assert marked.fetchone()[0] == (0 if imported else 1)


def test_snapshot_export_dialog_asks(snap_compare, sample_store, make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", "/home/tutor")
    mark_one_for_deletion(sample_store, tmp_path)
    assert snap_compare(make_app(sample_store), press=["e"], terminal_size=SIZE)
