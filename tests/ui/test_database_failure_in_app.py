"""A database failure inside the app: it exits with status 1 and one line, no traceback."""

from __future__ import annotations

import sqlite3

from studyapp.ui.screens.review import ReviewScreen

SIZE = (80, 24)


async def test_damage_seen_while_grading_ends_the_app_with_one_line(
    sample_store, make_app, monkeypatch
):
    app = make_app(sample_store, start="review")
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, ReviewScreen)

        def damaged(*args, **kwargs):
            raise sqlite3.DatabaseError("database disk image is malformed")

        monkeypatch.setattr(sample_store.queues, "item", damaged)
        await pilot.press("space", "5")
        await pilot.pause()
    assert app.return_code == 1
    assert app.fatal_error is not None and "the database is damaged" in app.fatal_error
    assert sample_store.damaged  # and so nothing more is written
