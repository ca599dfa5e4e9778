"""Driving Anki's own backend (PyPI `anki`) in tests: collections, imports, checks."""

from __future__ import annotations

from pathlib import Path

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest


def new_collection(folder: Path) -> Collection:
    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / "collection.anki2"))


def import_into(col: Collection, package: Path, with_scheduling: bool = False, merge: bool = False):
    """Import as Anki's dialog does, with its defaults (or "Merge note types" ticked)."""
    options = ImportAnkiPackageOptions(with_scheduling=with_scheduling, merge_notetypes=merge)
    request = ImportAnkiPackageRequest(package_path=str(package), options=options)
    return col.import_anki_package(request).log


def database_snapshot(col: Collection) -> tuple[list, list, list]:
    """Every card, note and revlog row: what Check Database could change."""
    return (
        col.db.all("SELECT * FROM cards ORDER BY id"),
        col.db.all("SELECT id, guid, mid, tags, flds FROM notes ORDER BY id"),
        col.db.all("SELECT * FROM revlog ORDER BY id"),
    )


def check_database_changes(col: Collection) -> list[str]:
    """Run Anki's Check Database; what it reported changing, plus any row it changed."""
    before = database_snapshot(col)
    problems = list(col._backend.check_database())
    if database_snapshot(col) != before:
        problems.append("Check Database changed rows")
    return problems
