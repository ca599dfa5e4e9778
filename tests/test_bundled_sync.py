from __future__ import annotations

import shutil

import pytest

from studyapp import bundled
from studyapp.locations import bundled_decks_dir
from studyapp.store import Store
from tests.conftest import TODAY


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A copy of the bundled decks standing in for what a release ships."""
    folder = tmp_path / "shipped"
    shutil.copytree(bundled_decks_dir(), folder)
    monkeypatch.setattr(bundled, "bundled_decks_dir", lambda: folder)
    return folder


def test_first_run_imports_then_nothing_to_do(shipped):
    store = Store.memory()
    result = bundled.sync_bundled_decks(store)
    assert result.first_run
    assert result.message().startswith("Welcome! Imported 5 bundled decks")
    assert bundled.sync_bundled_decks(store) is None


def test_changed_release_syncs_and_keeps_progress(shipped):
    store = Store.memory()
    bundled.sync_bundled_decks(store)
    item = store.due_item_ids(TODAY) or store.new_item_ids(1, TODAY)
    store.grade(item[0], 5, today=TODAY)
    deck = shipped / "01-foundations.toml"
    text = deck.read_text(encoding="utf-8")
    text = text.replace("A small knot.", "A small, tender knot.")
    cut = text.index('[[cards]]\nid = "post-treatment-soreness"')
    end = text.index("[[cards]]", cut + 10)
    deck.write_text(text[:cut] + text[end:], encoding="utf-8")
    result = bundled.sync_bundled_decks(store)
    assert not result.first_run
    message = result.message()
    assert "Trigger Points::Foundations: updated (1 updated, 1 retired)" in message
    assert store.item_state(item[0]).repetitions == 1
