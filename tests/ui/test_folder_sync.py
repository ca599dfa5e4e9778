"""The sync_folder setting: the app syncs at start and after each session, in a worker."""

from __future__ import annotations

from datetime import UTC, datetime

from studyapp.deckfile.reader import load_deck
from studyapp.settings import save_setting
from studyapp.store import Store
from studyapp.sync.eventfile import FILE_SUFFIX, read_events
from studyapp.sync.folder import sync_folder
from studyapp.ui.folder_sync import SYNC_GROUP

SIZE = (80, 24)


def _other_device(tmp_path, folder) -> Store:
    other = Store.open(tmp_path / "other.db")
    other.decks.import_([load_deck(tmp_path / "sample.toml")])
    first, second = [r[0] for r in other.conn.execute("SELECT id FROM items ORDER BY id LIMIT 2")]
    other.reviews.grade(first, 4, now=datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    other.reviews.grade(second, 1, now=datetime(2026, 11, 22, 9, 1, tzinfo=UTC))
    sync_folder(other, folder)
    return other


def _notes(app, title: str) -> list[str]:
    return [n.message for n in app._notifications if n.title == title]


async def test_the_app_syncs_at_start_and_after_a_session(sample_store, make_app, tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    other = _other_device(tmp_path, folder)
    save_setting(sample_store, "sync_folder", str(folder))
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert sample_store.progress.review_count() == 2
        assert _notes(app, "Synced") == [
            "2 reviews in from 1 other device(s); 2 written to this device's file; "
            "2 cards rescheduled"
        ]
        # A session's answers go out when it ends.
        await pilot.press("r", "space", "5", "escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
    own = folder / f"{sample_store.sync.device_id()}{FILE_SUFFIX}"
    assert len(read_events(own.read_bytes(), str(own)).events) == 3
    assert sync_folder(other, folder).merged == 1
    other.close()


async def test_a_damaged_file_is_a_warning_and_a_missing_folder_an_error(
    sample_store, make_app, tmp_path
):
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / f"phone{FILE_SUFFIX}").write_text("garbage\n")
    save_setting(sample_store, "sync_folder", str(folder))
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert _notes(app, "Sync") == [
            f"{folder}/phone{FILE_SUFFIX}:1: not a StudyApp event file (not JSON (Expecting "
            "value)); skipped"
        ]
    save_setting(sample_store, "sync_folder", str(tmp_path / "gone"))
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        # Not wait_for_complete(): it re-raises the worker's failure when the worker is
        # still running as it is called (the app's report of it is what is tested).
        while any(w.group == SYNC_GROUP and not w.is_finished for w in app.workers):
            await pilot.pause(0.01)
        await pilot.pause()
        assert _notes(app, "Sync failed") == [
            f"{tmp_path / 'gone'}: no such folder to sync through"
        ]
