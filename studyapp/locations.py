"""Where StudyApp keeps things. Functions, not constants: nothing is computed at import."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "studyapp"
DB_ENV = "STUDYAPP_DB"


def data_dir() -> Path:
    """The per-user data folder (created on demand by the caller that writes there)."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def backups_dir() -> Path:
    """Where database backups are kept: a folder per database inside the data folder."""
    return data_dir() / "backups"


def default_db_path() -> Path:
    """The database a plain `studyapp` uses: $STUDYAPP_DB, else the user data folder."""
    override = os.environ.get(DB_ENV)
    if override:
        return Path(override).expanduser()
    return data_dir() / "studyapp.db"


def bundled_decks_dir() -> Path:
    """The decks shipped with StudyApp.

    In a checkout or editable install that is the top-level `decks/` folder;
    in a wheel, hatch force-includes it as `studyapp/_decks`.
    """
    package = Path(__file__).resolve().parent
    installed = package / "_decks"
    if installed.is_dir():
        return installed
    return package.parent / "decks"


def media_dir_beside(database: str | None) -> Path | None:
    """Where the images and sounds of decks imported from Anki are kept: next to the
    database file (None for a database in memory).

    Here, not in `studyapp.anki`, so that showing a card's picture does not load the
    export code (genanki, PyYAML, the deck-file parser: ~60 ms of the first card).
    """
    return Path(database).parent / "studyapp-media" if database else None
