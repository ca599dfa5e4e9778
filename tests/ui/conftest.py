from __future__ import annotations

from datetime import datetime

import pytest

from studyapp.deckfile.reader import load_deck
from studyapp.settings import save_setting
from studyapp.store import Store
from tests.conftest import SAMPLE_DECK

NOON = datetime(2026, 11, 23, 12, 0)


def fixed_clock():
    return NOON


@pytest.fixture
def sample_store(tmp_path):
    path = tmp_path / "sample.toml"
    path.write_text(SAMPLE_DECK, encoding="utf-8")
    store = Store.open(tmp_path / "ui.db")
    store.decks.import_([load_deck(path)])
    # These tests follow the sample deck card by card, in deck order: siblings are not
    # buried here (tests/study/test_siblings_and_limits.py and test_one_session.py cover it).
    save_setting(store, "bury_siblings", "off")
    yield store
    store.close()
