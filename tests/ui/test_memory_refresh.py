"""The memory model is refreshed in a background worker, never on the UI thread."""

from __future__ import annotations

import io
import shutil
import threading
from datetime import date
from pathlib import Path

from rich.console import Console

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


async def test_stats_screen_says_how_well_it_predicts_and_recall_today(sample_store, make_app):
    from datetime import UTC, datetime

    from studyapp.ui.screens.stats import StatsScreen

    items = [r[0] for r in sample_store.conn.execute("SELECT id FROM items ORDER BY id")]
    sample_store.grade(items[0], 5, now=datetime(2026, 11, 1, tzinfo=UTC), today=date(2026, 11, 1))
    app = make_app(sample_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        console = Console(width=76, record=True, file=io.StringIO())
        for section in app.screen.query(".stats-section"):
            console.print(section.content)
        text = " ".join(console.export_text().split())
        assert "StudyApp predicts your answers with FSRS-6's default parameters" in text
        assert "Predicted recall today:" in text and "of 1 answered cards" in text
