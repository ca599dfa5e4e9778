"""Anki both ways: packages out (export) and Anki packages and text files in (convert).

Out: notes.py (what is sent), notetypes.py, fields.py, guids.py, progress.py,
apkg_writer.py, plan.py. In: apkg_reader.py, apkg_collection.py, text_reader.py,
source_notes.py, reader_limits.py (what reading may cost), media_files.py,
html_to_markdown.py, convert.py, note_mapping.py, deck_toml.py. None of these import the UI.
"""

from studyapp.anki.apkg_writer import ExportResult, write_apkg
from studyapp.anki.guids import anki_deck_id, card_guid, note_guid
from studyapp.anki.notes import (
    ExportDeck,
    ExportError,
    ExportNote,
    decks_from_files,
    decks_from_store,
    with_progress_from,
)
from studyapp.anki.notetypes import MODEL_IDS, build_models
from studyapp.anki.plan import ExportJob, export_to_file, outlook_lines, plan_export, run_export

__all__ = [
    "MODEL_IDS",
    "ExportDeck",
    "ExportError",
    "ExportJob",
    "ExportNote",
    "ExportResult",
    "anki_deck_id",
    "build_models",
    "card_guid",
    "decks_from_files",
    "decks_from_store",
    "export_to_file",
    "note_guid",
    "outlook_lines",
    "plan_export",
    "run_export",
    "with_progress_from",
    "write_apkg",
]
