from __future__ import annotations

import textwrap
from datetime import date, datetime
from pathlib import Path

import pytest

from studyapp.settings import Settings
from studyapp.store import Store
from studyapp.study.session import ReviewSession

TODAY = date(2026, 11, 23)


def review_session(store: Store, **kw) -> ReviewSession:
    """A ReviewSession; the setting fields among `kw` (new_per_day, bury_siblings, …) go
    into the Settings it takes, the rest are its own keywords."""
    fields = {name: kw.pop(name) for name in list(kw) if name in Settings.__dataclass_fields__}
    return ReviewSession(store, Settings(**fields), **kw)


SAMPLE_DECK = """\
[deck]
id = "sample"
name = "Sample::Mechanisms"
description = "A small deck for tests"

[[cards]]
id = "basic-1"
front = "What does pressure gate?"
back = "Nociception"
extra = "Gate control: large-fibre input closes the gate."
source = "Proposed Mechanisms › Pain Modulation"
tags = ["mechanism::gate-control"]

[[cards]]
id = "rev-1"
type = "reversed"
front = "LTR"
back = "Local twitch response"
tags = ["ltr"]

[[cards]]
id = "cloze-1"
type = "cloze"
text = "Pressure may gate nociception via the {{c1::Gate Control Theory}} of {{c2::Melzack & Wall}}."
tags = ["mechanism::gate-control"]
"""


@pytest.fixture
def write_deck(tmp_path: Path):
    """Write a deck file (dedented) and return its path."""

    def write(text: str, name: str = "deck.toml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def sample_deck(write_deck) -> Path:
    return write_deck(SAMPLE_DECK, "sample.toml")


@pytest.fixture
def store(tmp_path: Path):
    s = Store.open(tmp_path / "study.db")
    yield s
    s.close()


@pytest.fixture
def make_app():
    """The app from the same factory as the CLI, on a pinned clock, bundled-deck sync off."""
    from studyapp.ui.app import create_app

    def make(store, **kwargs):
        kwargs.setdefault("clock", lambda: datetime(2026, 11, 23, 12, 0))
        kwargs.setdefault("sync_bundled", False)
        return create_app(store, **kwargs)

    return make


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path_factory):
    """Backups go to the user data folder: every test gets its own, never the real one.

    Set through a MonkeyPatch of its own, not the test's: a test that calls
    `monkeypatch.undo()` to drop its own patches must not send backups home.
    """
    data = tmp_path_factory.mktemp("xdg-data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(data))
        yield data


@pytest.fixture
def no_bundled_decks(tmp_path_factory, monkeypatch):
    """The study commands set the database up with the bundled decks first (as the app
    does); tests that count their own decks alone run with none shipped."""
    empty = tmp_path_factory.mktemp("no-bundled-decks")
    monkeypatch.setattr("studyapp.bundled.bundled_decks_dir", lambda: empty)
    return empty
