from __future__ import annotations

import shutil
from datetime import timedelta

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
    store = Store.in_memory()
    result = bundled.sync_bundled_decks(store)
    assert result.first_run
    assert result.message().startswith("Welcome! Imported 5 bundled decks")
    assert bundled.sync_bundled_decks(store) is None


def test_changed_release_syncs_and_keeps_progress(shipped):
    store = Store.in_memory()
    bundled.sync_bundled_decks(store)
    item = store.queues.due_item_ids(TODAY) or store.queues.new_item_ids(1, TODAY)
    store.reviews.grade(item[0], 5, today=TODAY)
    deck = shipped / "01-foundations.toml"
    text = deck.read_text(encoding="utf-8")
    text = text.replace("like a small knot.", "like a small, tender knot.")
    cut = text.index('[[cards]]\nid = "post-treatment-soreness"')
    end = text.index("[[cards]]", cut + 10)
    deck.write_text(text[:cut] + text[end:], encoding="utf-8")
    result = bundled.sync_bundled_decks(store)
    assert not result.first_run
    message = result.message()
    assert "Trigger Points::Foundations: updated (1 note updated, 1 retired)" in message
    assert store.reviews.item_state(item[0]).repetitions == 1


def test_a_release_adding_a_reversed_card_says_one_note_and_two_more_cards(shipped):
    """The update line counts notes (deck-file entries), says so, and gives the deck's
    cards as home's Cards column shows them: a reversed note is two."""
    store = Store.in_memory()
    bundled.sync_bundled_decks(store)
    deck = shipped / "02-local-twitch-response.toml"
    deck.write_text(
        deck.read_text(encoding="utf-8")
        + '\n[[cards]]\nid = "ltr-both-ways"\ntype = "reversed"\nfront = "LTR"\n'
        'back = "Local twitch response"\nsource = "The Localised Twitch Response (LTR)"\n'
        'tags = ["ltr::definition"]\n',
        encoding="utf-8",
    )
    message = bundled.sync_bundled_decks(store).message()
    (ltr,) = [d.total for d in store.progress.deck_counts(TODAY) if d.id == "tp-ltr"]
    assert ltr == 9  # seven basic cards and the reversed note's two
    assert message == (
        "Bundled decks updated: Trigger Points::Local Twitch Response: updated "
        "(1 note added), 7 → 9 cards"
    )


def test_a_deck_gone_from_a_release_is_retired_and_can_come_back(shipped):
    store = Store.in_memory()
    bundled.sync_bundled_decks(store)
    evidence = shipped / "05-evidence.toml"
    saved = evidence.read_text(encoding="utf-8")
    item = store.queues.new_item_ids(200, TODAY, deck_id="tp-evidence")[0]
    store.reviews.grade(item, 4, today=TODAY)
    evidence.unlink()
    result = bundled.sync_bundled_decks(store)
    assert "Trigger Points::Evidence: removed (17 notes retired), 17 → 0 cards" in result.message()
    assert "tp-evidence" not in store.decks.names()
    assert not store.queues.due_item_ids(TODAY + timedelta(days=30), deck_id="tp-evidence")
    assert store.progress.review_count() == 1  # history is kept
    assert bundled.sync_bundled_decks(store) is None
    # A later release that ships it again restores it, progress included.
    evidence.write_text(saved, encoding="utf-8")
    result = bundled.sync_bundled_decks(store)
    assert "Trigger Points::Evidence" in result.message()
    assert "tp-evidence" in store.decks.names()
    assert store.reviews.item_state(item).repetitions == 1
    assert item in store.queues.due_item_ids(TODAY + timedelta(days=1), deck_id="tp-evidence")


def test_user_imported_decks_are_never_retired_by_a_release(shipped, write_deck):
    from studyapp.deckfile.reader import load_deck
    from tests.conftest import SAMPLE_DECK

    store = Store.in_memory()
    bundled.sync_bundled_decks(store)
    store.decks.import_([load_deck(write_deck(SAMPLE_DECK))])
    (shipped / "05-evidence.toml").unlink()
    bundled.sync_bundled_decks(store)
    names = store.decks.names()
    assert "tp-evidence" not in names and len(names) == 5  # four bundled + the sample
