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


def tutor_collection(folder: Path) -> Collection:
    """A tutor's Anki collection: every stock note type, a custom one, a sound and an image,
    HTML with entities, a nested deck and tags."""
    col = new_collection(folder)
    (folder / "collection.media").mkdir(exist_ok=True)
    heart = col.media.write_data("heart.png", b"\x89PNG fake image")
    beat = col.media.write_data("beat.mp3", b"ID3 fake sound")
    deck = col.decks.id("Tutor::Anatomy")
    other = col.decks.id("Tutor::Extra")

    def add(notetype: str, fields: list[str], tags: list[str], did: int = deck):
        note = col.new_note(col.models.by_name(notetype))
        for index, value in enumerate(fields):
            note.fields[index] = value
        note.tags = tags
        col.add_note(note, did)
        return note

    add(
        "Basic",
        ["<b>Trapezius</b> origin?", f'Occipital bone &amp; C7<br><img src="{heart}">'],
        ["anatomy::neck"],
    )
    add("Basic (and reversed card)", ["Deltoid", f"Shoulder muscle [sound:{beat}]"], ["anatomy"])
    add("Basic (optional reversed card)", ["Biceps", "Elbow flexor", "y"], [])
    add("Basic (optional reversed card)", ["Triceps", "Elbow extensor", ""], [], other)
    add(
        "Cloze",
        ["The {{c1::sternocleidomastoid::muscle}} turns the {{c2::head}}", "<i>Extra</i>"],
        ["anatomy::neck"],
    )
    custom = col.models.copy(col.models.by_name("Basic"))
    custom["name"] = "Vocabulary"
    col.models.add_field(custom, col.models.new_field("Example"))
    col.models.update_dict(custom)
    add(
        "Vocabulary", ["Myalgia", "Muscle pain", "<ul><li>after exercise</li><li>flu</li></ul>"], []
    )
    # Written yesterday: a package exported now is newer, as it is for a real tutor.
    col.db.execute("UPDATE notes SET mod = mod - 86400")
    return col
