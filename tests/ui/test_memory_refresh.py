"""The memory model is refreshed in a background worker, never on the UI thread."""

from __future__ import annotations

import shutil
import threading
from datetime import date
from pathlib import Path

from studyapp.memory.model import DEFAULT_PARAMETERS, Retrieval, replay
from studyapp.store import Store
from studyapp.store import memory as store_memory

FIXTURE_V1 = Path(__file__).parent.parent / "fixtures" / "schema_v1.db"


async def test_an_upgraded_database_is_replayed_in_the_background(tmp_path, make_app, monkeypatch):
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE_V1, path)
    store = Store.open(path)
    assert store.memory_due()
    threads = []
    real = store_memory.Memory.refresh_memory

    def spy(self, now):
        threads.append(threading.current_thread())
        return real(self, now)

    monkeypatch.setattr(store_memory.Memory, "refresh_memory", spy)
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert threads and threads[0] is not threading.main_thread()
    assert not store.memory_due()
    for (item,) in store.conn.execute("SELECT DISTINCT item_id FROM reviews").fetchall():
        log = [
            Retrieval(date.fromisoformat(r["study_day"]), r["grade"])
            for r in store.reviews_of(item)
        ]
        assert store.memory_state(item) == replay(DEFAULT_PARAMETERS, log)
    store.close()


async def test_nothing_to_refresh_starts_no_worker(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not [w for w in app.workers if w.group == "memory"]
