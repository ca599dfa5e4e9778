"""The memory model is refreshed in a background worker, never on the UI thread."""

from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path

from rich.console import Console

from studyapp.memory.model import DEFAULT_PARAMETERS, Retrieval, replay
from studyapp.store import Store
from studyapp.store.memory import refresh_memory_at

FIXTURE_V1 = Path(__file__).parent.parent / "fixtures" / "schema_v1.db"


async def test_an_upgraded_database_is_replayed_in_the_background(tmp_path, make_app):
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE_V1, path)
    store = Store.open(path)
    assert store.memory.fit_due()
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        (worker,) = [w for w in app.workers if w.group == "memory"] or [None]
    # Done by a child process with its own connection (fsrs-rs holds the GIL).
    assert worker is None or worker.result == "memory states rebuilt"
    assert not store.memory.fit_due()
    for (item,) in store.conn.execute("SELECT DISTINCT item_id FROM reviews").fetchall():
        log = [
            Retrieval(date.fromisoformat(r["study_day"]), r["grade"])
            for r in store.reviews.of(item)
        ]
        assert store.memory.state(item) == replay(DEFAULT_PARAMETERS, log)
    store.close()


def test_the_child_process_refresh_opens_its_own_connection(tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE_V1, path)
    Store.open(path).close()
    assert refresh_memory_at(path) == "memory states rebuilt"
    assert refresh_memory_at(path) is None


async def test_nothing_to_refresh_starts_no_worker(sample_store, make_app):
    app = make_app(sample_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not [w for w in app.workers if w.group == "memory"]


async def test_stats_screen_says_how_well_it_predicts_and_recall_today(sample_store, make_app):
    from datetime import UTC, datetime

    from studyapp.ui.screens.stats import StatsScreen

    items = [r[0] for r in sample_store.conn.execute("SELECT id FROM items ORDER BY id")]
    sample_store.reviews.grade(
        items[0], 5, now=datetime(2026, 11, 1, tzinfo=UTC), today=date(2026, 11, 1)
    )
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


async def test_a_refresh_that_fails_says_so_in_one_line(tmp_path, sample_store, make_app):
    foreign = tmp_path / "foreign.db"
    foreign.write_bytes(b"not a database at all" * 100)
    app = make_app(sample_store)
    async with app.run_test(size=(80, 24)) as pilot:
        worker = app.refresh_memory(foreign)
        for _ in range(200):
            if worker.is_finished:
                break
            await pilot.pause(0.05)
        await pilot.pause()
        messages = [n.message for n in app._notifications]
    assert any(m.startswith("Memory model not refreshed: ") for m in messages)
    assert not any("Traceback" in m for m in messages)
