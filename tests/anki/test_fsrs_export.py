"""Export with progress under either scheduler: the due date Anki gets is the one in use."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from studyapp.anki import decks_from_store, with_progress_from, write_apkg
from studyapp.deckfile.reader import load_deck
from studyapp.settings import save_setting
from studyapp.store import Store


@pytest.fixture
def anki(tmp_path):
    folder = tmp_path / "anki"
    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"))
    yield col
    col.close()


def exported_dues(anki: Collection, store: Store, out, today: date) -> dict[str, int]:
    """Each reviewed card's due in Anki, in days from Anki's today, by its front."""
    write_apkg(
        with_progress_from(store, decks_from_store(store)), out, with_progress=True, today=today
    )
    request = ImportAnkiPackageRequest(
        package_path=str(out), options=ImportAnkiPackageOptions(with_scheduling=True)
    )
    anki.import_anki_package(request)
    dues = {}
    for cid in anki.find_cards(""):
        card = anki.get_card(cid)
        if card.type == 2:
            note = card.note()
            dues[f"{note['Front' if 'Front' in note else 'Text'][:12]}/{card.ord}"] = (
                card.due - anki.sched.today
            )
    assert list(anki._backend.check_database()) == []
    return dues


@pytest.mark.parametrize("scheduler", ["sm2", "fsrs"])
def test_export_with_progress_gives_anki_the_due_date_of_the_scheduler_in_use(
    anki, tmp_path, sample_deck, scheduler
):
    store = Store.open(tmp_path / "p.db")
    store.decks.import_([load_deck(sample_deck)])
    items = [r[0] for r in store.conn.execute("SELECT id FROM items ORDER BY new_position")]
    today = date.today()
    store.reviews.grade(items[0], 5, today=today - timedelta(days=10))
    store.reviews.grade(items[0], 4, today=today - timedelta(days=9))  # SM-2: due today - 3
    store.reviews.grade(items[1], 5, today=today - timedelta(days=1))  # SM-2: due today
    save_setting(store, "scheduler", scheduler)
    dues = exported_dues(anki, store, tmp_path / "out.apkg", today)
    expected = {
        item: (
            store.fsrs.due_of(item) if scheduler == "fsrs" else store.reviews.item_state(item).due
        )
        for item in items[:2]
    }
    assert dues == {
        "What does pr/0": (expected[items[0]] - today).days,
        "LTR/0": (expected[items[1]] - today).days,
    }
    if scheduler == "fsrs":  # FSRS and SM-2 disagree here, so the test tells them apart
        assert dues["LTR/0"] != (store.reviews.item_state(items[1]).due - today).days
    store.close()
